// `npm run bench`: speed of nsl-lint relative to plain parsing, measured in one run as
// ratios, so that the numbers mean the same on any machine.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import jsyaml from 'js-yaml';
import { parseAllDocuments } from 'yaml';
import { RULES } from '../rules/index.js';
import { defaultConfig } from '../src/core/config.js';
import { lint } from '../src/engine/lint.js';
import { writeCorpus } from './corpus.js';

const MB = Number(process.env['BENCH_MB'] ?? 20);
const dir = path.join(os.tmpdir(), 'nsl-lint-bench-corpus');

function time<T>(fn: () => T): { ms: number; value: T } {
  const start = performance.now();
  const value = fn();
  return { ms: performance.now() - start, value };
}

/** Best of n runs: the least disturbed measurement of each contender. */
function best<T>(n: number, fn: () => T): { ms: number; value: T } {
  let result = time(fn);
  for (let i = 1; i < n; i++) {
    const r = time(fn);
    if (r.ms < result.ms) result = r;
  }
  return result;
}

function listFiles(root: string): string[] {
  return fs
    .readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

const corpus = writeCorpus(dir, MB * 1024 * 1024);
const files = listFiles(dir);
console.log(`corpus: ${corpus.files} files, ${(corpus.bytes / 1e6).toFixed(1)} MB of manifests (${dir})`);

const read = best(3, () => files.map((f) => fs.readFileSync(f, 'utf8')));
const texts = read.value;
const fastest = best(3, () => texts.forEach((t) => jsyaml.loadAll(t)));
const positional = best(1, () => texts.forEach((t) => parseAllDocuments(t)));
const config = defaultConfig();
const full = best(3, () => lint({ paths: [dir], cwd: dir, root: dir, config, rules: RULES }));

const rows: [string, number][] = [
  ['read files', read.ms],
  ['fastest parse (js-yaml), after reading', fastest.ms],
  ['positional parse (yaml), after reading', positional.ms],
  ['nsl-lint end to end (discover, read, parse, model, all rules)', full.ms],
];
for (const [name, ms] of rows) console.log(`${name.padEnd(64)} ${ms.toFixed(0).padStart(7)} ms`);
const baseline = read.ms + fastest.ms;
console.log(`ratio nsl-lint / (read + fastest parse): ${(full.ms / baseline).toFixed(2)}x  (target <= 1.5x)`);
console.log(`findings: ${full.value.findings.length}`);

const scale = await import('./netpol-scale.js').catch(() => undefined);
if (scale && typeof scale.netpolScale === 'function') {
  const r = await scale.netpolScale();
  console.log(
    `netpol scale: ${r.workloads} workloads, ${r.policies} policies: model build ${r.buildMs.toFixed(0)} ms, analysis ${r.analysisMs.toFixed(0)} ms (${(r.analysisMs / r.buildMs).toFixed(2)}x build)`,
  );
}
fs.rmSync(dir, { recursive: true, force: true });
