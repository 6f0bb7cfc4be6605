/**
 * The mutation check of the analysis layer: runs Stryker (incremental, see
 * stryker.config.json), then prints the score per file and fails when a mutant of the chain
 * evaluator's verdict handling survives. Surviving mutants elsewhere are listed in
 * mutation/survivors.md with the reason each one is equivalent, from mutation/explained.json
 * (keyed by file, mutator, original code and replacement, so the keys survive line moves).
 *
 *   npm run mutation                  # run, report, check
 *   npm run mutation -- --report-only # report on the last run without running Stryker
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const REPORT = path.join(ROOT, 'mutation/report.json');
const EXPLAINED = path.join(ROOT, 'mutation/explained.json');
const SURVIVORS = path.join(ROOT, 'mutation/survivors.md');
/** Functions of firewall.ts that decide verdicts: no mutant in them may survive. */
const VERDICT_FUNCTIONS = ['evalChain', 'runHook', 'verdict', 'policyAccepts', 'isDrop', 'covered'];

interface Mutant {
  id: string;
  mutatorName: string;
  replacement?: string;
  status: string;
  location: { start: { line: number; column: number }; end: { line: number; column: number } };
}
interface Report {
  files: Record<string, { source: string; mutants: Mutant[] }>;
}

if (!process.argv.includes('--report-only')) {
  const run = spawnSync('npx', ['stryker', 'run'], { cwd: ROOT, stdio: 'inherit' });
  if (run.status !== 0) process.exit(run.status ?? 1);
  // The committed incremental file should not carry this checkout's absolute path.
  const incremental = path.join(ROOT, 'mutation/stryker-incremental.json');
  const text = fs.readFileSync(incremental, 'utf8');
  fs.writeFileSync(incremental, text.replace(/"projectRoot": "[^"]*"/, '"projectRoot": "."'));
}

const report = JSON.parse(fs.readFileSync(REPORT, 'utf8')) as Report;
const explained = fs.existsSync(EXPLAINED) ? (JSON.parse(fs.readFileSync(EXPLAINED, 'utf8')) as Record<string, string>) : {};

const original = (source: string, m: Mutant): string => {
  const lines = source.split('\n');
  const { start, end } = m.location;
  if (start.line === end.line) return (lines[start.line - 1] ?? '').slice(start.column - 1, end.column - 1);
  return [
    lines[start.line - 1]?.slice(start.column - 1),
    ...lines.slice(start.line, end.line - 1),
    lines[end.line - 1]?.slice(0, end.column - 1),
  ].join('\n');
};
const keyOf = (file: string, source: string, m: Mutant): string =>
  `${file} | ${m.mutatorName} | ${original(source, m)} | ${m.replacement ?? ''}`;

/** Line ranges of the named functions or methods in a source text (by brace matching). */
function functionRanges(source: string, names: string[]): [number, number][] {
  const lines = source.split('\n');
  const out: [number, number][] = [];
  lines.forEach((line, i) => {
    if (!names.some((n) => new RegExp(`^\\s*(?:private |export )?(?:function )?${n}\\(`).test(line))) return;
    let depth = 0;
    for (let j = i; j < lines.length; j++) {
      for (const ch of lines[j] ?? '') depth += ch === '{' ? 1 : ch === '}' ? -1 : 0;
      if (depth === 0 && j > i) {
        out.push([i + 1, j + 1]);
        return;
      }
    }
  });
  return out;
}

const rows: string[] = [];
const survivorRows: string[] = [];
const verdictSurvivors: string[] = [];
let totalKilled = 0;
let totalValid = 0;
for (const [file, { source, mutants }] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
  const killed = mutants.filter((m) => m.status === 'Killed' || m.status === 'Timeout').length;
  const valid = mutants.filter((m) => ['Killed', 'Timeout', 'Survived', 'NoCoverage'].includes(m.status)).length;
  const survived = mutants.filter((m) => m.status === 'Survived' || m.status === 'NoCoverage');
  totalKilled += killed;
  totalValid += valid;
  const unexplained = survived.filter((m) => !explained[keyOf(file, source, m)]);
  rows.push(
    `| ${file} | ${valid} | ${killed} | ${survived.length - unexplained.length} | ${unexplained.length} | ${valid ? ((100 * killed) / valid).toFixed(1) : '-'}% |`,
  );
  for (const m of survived) {
    const why = explained[keyOf(file, source, m)];
    survivorRows.push(
      `| ${file}:${m.location.start.line} | \`${JSON.stringify(keyOf(file, source, m)).replace(/\|/g, '\\|')}\` | ${why ?? '**not explained**'} |`,
    );
  }
  if (file.endsWith('src/analysis/firewall.ts')) {
    const ranges = functionRanges(source, VERDICT_FUNCTIONS);
    for (const m of unexplained)
      if (ranges.some(([a, b]) => m.location.start.line >= a && m.location.start.line <= b))
        verdictSurvivors.push(`${file}:${m.location.start.line} ${m.mutatorName}: ${original(source, m)} -> ${m.replacement ?? ''}`);
  }
}

const table = [
  '| file | mutants | killed | survived (explained) | survived (not explained) | score |',
  '|---|---|---|---|---|---|',
  ...rows,
  `| **src/analysis/** | ${totalValid} | ${totalKilled} | | | **${totalValid ? ((100 * totalKilled) / totalValid).toFixed(1) : '-'}%** |`,
].join('\n');
console.log(`\nMutation score of src/analysis/\n\n${table}\n`);
fs.writeFileSync(
  SURVIVORS,
  `# Surviving mutants of src/analysis/\n\nGenerated by \`npm run mutation\`. Each survivor is either explained (an equivalent mutant,\nwith the reason, in \`mutation/explained.json\`) or waits for a test that kills it.\n\n${table}\n\n| where | key in explained.json (file \\| mutator \\| original \\| replacement) | why it survives |\n|---|---|---|\n${survivorRows.join('\n')}\n`,
);
if (verdictSurvivors.length) {
  console.error(
    `Mutants of the verdict handling survived without an explanation (add a test that kills each, or explain an equivalent one in mutation/explained.json):\n${verdictSurvivors.join('\n')}`,
  );
  process.exit(1);
}
console.log('No unexplained mutant of the verdict handling survived.');
