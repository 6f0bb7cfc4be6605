/**
 * The real-repository check: runs the built CLI on local checkouts of public repositories
 * (nothing is downloaded), prints the finding counts per rule and repository, and compares
 * the findings with the verdicts recorded in realworld/review.json, so a re-run shows what
 * a change fixed, broke or newly reports.
 *
 *   npm run realworld                          # realworld/repos.json, else repos.example.json
 *   npm run realworld -- --config FILE         # another list of { name, path }
 *   npm run realworld -- --only istio,calico   # some repositories
 *   npm run realworld -- --all                 # list every unreviewed finding, not the first 20
 *   npm run realworld -- --no-build            # use dist/ as it is
 *
 * Raw reports go to realworld/out/<name>.json (ignored by git).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(import.meta.dirname, '..');
const DIR = path.join(ROOT, 'realworld');
const OUT = path.join(DIR, 'out');
const REVIEW = path.join(DIR, 'review.json');
const TIMEOUT_MS = 20 * 60_000;
const VERDICTS = ['right', 'wrong', 'unwanted'] as const;

interface Repo {
  name: string;
  path: string;
}
interface Finding {
  ruleId: string;
  file: string;
  line: number;
  message: string;
}
interface Notice {
  level: 'note' | 'warning' | 'error';
  message: string;
  file?: string;
  internal?: true;
}
interface Review {
  repo: string;
  rule: string;
  file: string;
  line: number;
  verdict: (typeof VERDICTS)[number];
  why: string;
}
interface Run {
  repo: Repo;
  seconds: number;
  findings: Finding[];
  notices: Notice[];
  failure?: string;
}

const { values: opts } = parseArgs({
  options: {
    config: { type: 'string' },
    only: { type: 'string' },
    all: { type: 'boolean' },
    'no-build': { type: 'boolean' },
  },
});

const configFile = path.resolve(
  opts.config ?? [path.join(DIR, 'repos.json'), path.join(DIR, 'repos.example.json')].find((f) => fs.existsSync(f)) ?? '',
);
const only = opts.only?.split(',');
const repos = (JSON.parse(fs.readFileSync(configFile, 'utf8')) as Repo[])
  .filter((r) => !only || only.includes(r.name))
  .map((r) => ({ name: r.name, path: path.resolve(path.dirname(configFile), r.path) }));
const reviews = fs.existsSync(REVIEW) ? (JSON.parse(fs.readFileSync(REVIEW, 'utf8')) as Review[]) : [];
for (const r of reviews) if (!VERDICTS.includes(r.verdict)) throw new Error(`review.json: bad verdict "${r.verdict}" for ${keyOf(r)}`);

if (!opts['no-build']) buildIfStale();
fs.mkdirSync(OUT, { recursive: true });
console.log(`config ${path.relative(ROOT, configFile)}, review ${reviews.length} entries\n`);
const runs = repos.map(lintRepo);
printCounts(runs);
printReview(runs);
process.exitCode = runs.some((r) => r.failure) ? 1 : 0;

function keyOf(f: { repo: string; rule: string; file: string; line: number }): string {
  return `${f.repo} ${f.rule} ${f.file}:${f.line}`;
}

/** Rebuilds dist/ when a source is newer; a failing build (someone mid-edit) keeps the old one. */
function buildIfStale(): void {
  const dist = path.join(ROOT, 'dist/nsl-lint.js');
  const built = fs.existsSync(dist) ? fs.statSync(dist).mtimeMs : 0;
  const sources = ['src', 'rules'].flatMap((d) =>
    fs.readdirSync(path.join(ROOT, d), { recursive: true, encoding: 'utf8' }).map((f) => path.join(ROOT, d, f)),
  );
  if (sources.every((f) => fs.statSync(f).mtimeMs <= built)) return;
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, encoding: 'utf8' });
  if (build.status === 0) return;
  if (!built) throw new Error(`build failed:\n${build.stderr}`);
  console.log(
    `WARNING: build failed, using dist/ of ${new Date(built).toISOString()}:\n${build.stderr.trim().split('\n').slice(0, 3).join('\n')}\n`,
  );
}

/** One CLI run with the repository as working directory, so paths are repository-relative. */
function lintRepo(repo: Repo): Run {
  const outFile = path.join(OUT, `${repo.name}.json`);
  fs.rmSync(outFile, { force: true });
  if (!fs.existsSync(repo.path)) return { repo, seconds: 0, findings: [], notices: [], failure: `missing: ${repo.path}` };
  const start = performance.now();
  const run = spawnSync(process.execPath, [path.join(ROOT, 'bin/nsl-lint.js'), '.', '-f', 'json', '--fail-on', 'none', '-o', outFile], {
    cwd: repo.path,
    encoding: 'utf8',
    timeout: TIMEOUT_MS,
    maxBuffer: 64 << 20,
  });
  const seconds = (performance.now() - start) / 1000;
  const failure =
    run.error?.message ??
    (run.status === 0 && fs.existsSync(outFile) ? undefined : `exit ${run.status ?? run.signal}: ${run.stderr.trim().slice(0, 500)}`);
  if (failure) return { repo, seconds, findings: [], notices: [], failure };
  const report = JSON.parse(fs.readFileSync(outFile, 'utf8')) as { findings: Finding[]; notices: Notice[] };
  return { repo, seconds, ...report };
}

function table(rows: (string | number)[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]!) : String(c).padStart(widths[i]!))).join('  ')).join('\n');
}

function printCounts(runs: Run[]): void {
  const header = ['#', 'repository', 'seconds', 'findings', 'notes', 'warnings', 'errors', 'internal'];
  const summary = runs.map((r, i) => {
    const level = (l: Notice['level']): number => r.notices.filter((n) => n.level === l).length;
    return [
      i + 1,
      r.repo.name,
      r.seconds.toFixed(1),
      r.failure ? 'FAILED' : r.findings.length,
      level('note'),
      level('warning'),
      level('error'),
    ];
  });
  console.log(table([header, ...summary.map((row, i) => [...row, runs[i]!.notices.filter((n) => n.internal).length])]));
  for (const r of runs) {
    if (r.failure) console.log(`\n${r.repo.name} FAILED: ${r.failure}`);
    for (const n of r.notices.filter((n) => n.internal || n.level === 'error'))
      console.log(`${r.repo.name}: ${n.level} ${n.file ?? ''} ${n.message}`);
  }
  const rules = [...new Set(runs.flatMap((r) => r.findings.map((f) => f.ruleId)))].sort();
  const count = (r: Run, rule: string): number | string => r.findings.filter((f) => f.ruleId === rule).length || '.';
  console.log(`\nfindings per rule (columns are the # above)\n`);
  console.log(table([['rule', ...runs.map((_, i) => `#${i + 1}`)], ...rules.map((rule) => [rule, ...runs.map((r) => count(r, rule))])]));
}

function printReview(runs: Run[]): void {
  const current = new Map<string, Finding & { repo: string }>();
  for (const r of runs)
    for (const f of r.findings) current.set(keyOf({ repo: r.repo.name, rule: f.ruleId, ...f }), { repo: r.repo.name, ...f });
  const ran = new Set(runs.filter((r) => !r.failure).map((r) => r.repo.name));
  const relevant = reviews.filter((r) => ran.has(r.repo));
  const reviewed = new Set(relevant.map(keyOf));

  const byRule = new Map<string, Record<string, number>>();
  for (const r of relevant) {
    const row = byRule.get(r.rule) ?? { sampled: 0, right: 0, wrong: 0, unwanted: 0, gone: 0 };
    row.sampled!++;
    row[r.verdict]!++;
    if (!current.has(keyOf(r))) row.gone!++;
    byRule.set(r.rule, row);
  }
  const columns = ['sampled', 'right', 'wrong', 'unwanted', 'gone'];
  const rows = [...byRule].sort(([a], [b]) => a.localeCompare(b)).map(([rule, row]) => [rule, ...columns.map((c) => row[c]!)]);
  const total = columns.map((c) => rows.reduce((sum, row) => sum + Number(row[columns.indexOf(c) + 1]), 0));
  console.log(`\nreview (gone: reviewed, no longer reported)\n`);
  console.log(table([['rule', ...columns], ...rows, ['total', ...total]]));

  const limit = opts.all ? Infinity : 20;
  const list = (title: string, lines: string[]): void => {
    console.log(`\n${title}: ${lines.length}`);
    for (const line of lines.slice(0, limit)) console.log(`  ${line}`);
    if (lines.length > limit) console.log(`  … ${lines.length - limit} more (--all lists them)`);
  };
  list(
    'reviewed, no longer reported',
    relevant.filter((r) => !current.has(keyOf(r))).map((r) => `${keyOf(r)}  [was ${r.verdict}: ${r.why}]`),
  );
  list(
    'reported, not reviewed',
    [...current].filter(([key]) => !reviewed.has(key)).map(([key, f]) => `${key}  ${f.message.slice(0, 120)}`),
  );
}
