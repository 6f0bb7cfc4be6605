// `npm run bench`: what users wait for, measured as ratios in one run so that the numbers
// mean the same on any machine. Every contender is a child process, measured by its own
// CPU time and peak memory (bench/usage.js), best of BENCH_RUNS alternating runs.
//
//   npm run bench                       everything below
//   npm run bench -- corpus growth      some sections: corpus growth firewall connectivity cold netpol
//   npm run bench -- --real DIR         lint of a real folder against its floor (read + js-yaml)
//
// Sizes: BENCH_MB (synthetic corpus, default 20), BENCH_GROWTH_MB (1x of the growth series,
// default 4), BENCH_RUNS (default 3).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { MAX_EXACT_RULES } from '../src/rule/context.js';
import { denseCluster, mapInProcess, type MapTiming } from './connectivity.js';
import { writeCorpus } from './corpus.js';
import { iptablesScript, kubeProxySave, nftRuleset } from './firewall.js';
import { CLI, alternate, floorRun, lintRun, nodeStart, runNode, type Usage } from './measure.js';

const { values, positionals } = parseArgs({ options: { real: { type: 'string' } }, allowPositionals: true });
const MB = Number(process.env['BENCH_MB'] ?? 20);
const GROWTH_MB = Number(process.env['BENCH_GROWTH_MB'] ?? 4);
const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
const sections = new Set(positionals.length > 0 ? positionals : ['corpus', 'growth', 'firewall', 'connectivity', 'cold', 'netpol']);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nsl-lint-bench-'));

interface Row {
  measure: string;
  value: string;
  goal: string;
  met?: boolean;
}
const rows: Row[] = [];
const ms = (u: Usage): string => (u.timedOut ? `> ${(u.wallMs / 1000).toFixed(0)} s (stopped)` : `${u.cpuMs.toFixed(0)} ms`);
const mib = (u: Usage): string => `${(u.maxRssKb / 1024).toFixed(0)} MiB`;
const ratio = (x: number): string => `${x.toFixed(2)}x`;

/** A folder that is its own repository (findings are reported relative to it). */
function repo(name: string, files: Record<string, string>): string {
  const dir = path.join(work, name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, '.git'), { recursive: true });
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

function corpusRepo(name: string, mb: number): { dir: string; files: number; bytes: number } {
  const dir = repo(name, {});
  const { files, bytes } = writeCorpus(path.join(dir, 'manifests'), mb * 1024 * 1024);
  return { dir, files, bytes };
}

function floorAndLint(label: string, dir: string): void {
  const best = alternate(RUNS, { floor: () => floorRun(dir), lint: () => lintRun(dir) });
  const floor = best['floor'] as Usage;
  const lint = best['lint'] as Usage;
  rows.push({ measure: `${label}: floor (read + js-yaml loadAll), CPU`, value: ms(floor), goal: '' });
  rows.push({ measure: `${label}: nsl-lint, CPU`, value: ms(lint), goal: '' });
  const r = lint.cpuMs / floor.cpuMs;
  rows.push({ measure: `${label}: nsl-lint / floor`, value: ratio(r), goal: '<= 1.5x', met: r <= 1.5 });
  rows.push({ measure: `${label}: nsl-lint peak RSS`, value: mib(lint), goal: '<= 600 MiB', met: lint.maxRssKb / 1024 <= 600 });
}

function bestLint(dir: string, extra: string[] = []): Usage {
  return alternate(RUNS, { lint: () => lintRun(dir, extra) })['lint'] as Usage;
}

if (values.real) {
  floorAndLint(path.basename(path.resolve(values.real)), path.resolve(values.real));
  sections.clear();
}

if (sections.has('corpus')) {
  const c = corpusRepo('corpus', MB);
  console.log(`synthetic corpus: ${c.files} files, ${(c.bytes / 1e6).toFixed(1)} MB`);
  floorAndLint('synthetic corpus', c.dir);
}

if (sections.has('growth')) {
  let one: Usage | undefined;
  for (const factor of [1, 2, 5, 10]) {
    const c = corpusRepo(`growth-${factor}`, GROWTH_MB * factor);
    const u = bestLint(c.dir);
    one ??= u;
    const r = u.cpuMs / one.cpuMs;
    rows.push({
      measure: `growth ${factor}x (${(c.bytes / 1e6).toFixed(0)} MB): nsl-lint CPU, peak RSS ${mib(u)}`,
      value: `${ms(u)} = ${ratio(r)}`,
      goal: factor === 1 ? '' : `<= ${ratio(factor * 1.1)}`,
      ...(factor === 1 ? {} : { met: r <= factor * 1.1 }),
    });
    fs.rmSync(c.dir, { recursive: true, force: true });
  }
}

if (sections.has('firewall')) {
  const syntaxes: [string, string, (n: number) => string][] = [
    ['iptables script', 'firewall.sh', iptablesScript],
    ['iptables-save (kube-proxy)', 'rules.v4', kubeProxySave],
    ['nft', 'ruleset.nft', nftRuleset],
  ];
  for (const [name, file, make] of syntaxes) {
    const runs = [2000, 20000].map((n) => {
      const u = bestLint(repo(`fw-${n}`, { [file]: make(n) }));
      const report = JSON.parse(u.stdout) as { notices: { message: string }[] };
      const skipped = report.notices.some((x) => x.message.includes(`more than the ${MAX_EXACT_RULES}`));
      rows.push({
        measure: `${name}, ${n} rules: lint CPU${skipped ? ` (over ${MAX_EXACT_RULES}: parsed, notice, not analysed)` : ''}`,
        value: ms(u),
        goal: 'seconds',
        met: u.wallMs < 10_000,
      });
      return u;
    });
    const r = (runs[1] as Usage).cpuMs / (runs[0] as Usage).cpuMs;
    rows.push({ measure: `${name}: 20k / 2k rules`, value: ratio(r), goal: '<= 12x', met: r <= 12 });
  }
}

if (sections.has('connectivity')) {
  // The map has a line per pair that may connect: from 1k to 10k workloads its text grows
  // about 60x (7 MB to 420 MB). What must grow like the cluster is the computation over pod
  // classes, measured in process up to the first line; producing each further line must
  // cost the same at any size; end to end, the text is written to a file.
  const sizes = [1000, 10000];
  const timed: MapTiming[] = [];
  for (const n of sizes) {
    const t = await mapInProcess(n);
    timed.push(t);
    rows.push({
      measure: `in process, ${n} workloads + ${t.policies} policies: map computation (to the first line)`,
      value: `${t.firstLineMs.toFixed(0)} ms`,
      goal: '',
    });
    rows.push({
      measure: `in process, ${n}: ${t.lines} lines, ${(t.textBytes / 1e6).toFixed(0)} MB of text: per line`,
      value: `${((t.linesMs * 1e6) / t.lines).toFixed(0)} ns`,
      goal: '',
    });
  }
  const [small, large] = timed as [MapTiming, MapTiming];
  const first = large.firstLineMs / small.firstLineMs;
  rows.push({ measure: 'in process, map computation: 10k / 1k', value: ratio(first), goal: '<= 12x', met: first <= 12 });
  const perLine = large.linesMs / large.lines / (small.linesMs / small.lines);
  rows.push({
    measure: `in process, cost per line: 10k / 1k (lines: ${ratio(large.lines / small.lines)})`,
    value: ratio(perLine),
    goal: '<= 2x',
    met: perLine <= 2,
  });
  const runs = sizes.map((n) => {
    const dir = repo(`conn-${n}`, { 'cluster.yaml': denseCluster(n) });
    const map = alternate(RUNS, { map: () => runNode([CLI, 'connectivity', '.', '-o', 'map.txt'], dir) })['map'] as Usage;
    const mb = fs.statSync(path.join(dir, 'map.txt')).size / 1e6;
    rows.push({
      measure: `connectivity map as text to a file (${mb.toFixed(0)} MB), ${n} workloads + ${n} policies in 10 namespaces`,
      value: ms(map),
      goal: '< 1 min',
      met: map.wallMs < 60_000,
    });
    const lint = bestLint(dir);
    rows.push({
      measure: `lint, ${n} workloads + ${n} policies in 10 namespaces`,
      value: ms(lint),
      goal: 'seconds',
      met: lint.wallMs < 10_000,
    });
    return map;
  });
  const r = (runs[1] as Usage).cpuMs / (runs[0] as Usage).cpuMs;
  rows.push({ measure: 'connectivity map end to end: 10k / 1k', value: ratio(r), goal: '<= 12x', met: r <= 12 });
}

if (sections.has('cold')) {
  const dir = repo('cold', {
    'policy.yaml':
      'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: x }\nspec:\n  podSelector: {}\n  ingress: [{}]\n',
  });
  const best = alternate(Math.max(RUNS, 5), { node: nodeStart, lint: () => lintRun(dir) });
  const node = best['node'] as Usage;
  const lint = best['lint'] as Usage;
  const r = lint.wallMs / node.wallMs;
  rows.push({
    measure: `cold one-file run (wall ${lint.wallMs.toFixed(0)} ms) / node -e 0 (${node.wallMs.toFixed(0)} ms)`,
    value: ratio(r),
    goal: '<= 2.5x',
    met: r <= 2.5,
  });
}

if (sections.has('netpol')) {
  const scale = await import('./netpol-scale.js');
  const r = await scale.netpolScale();
  rows.push({
    measure: `in process: ${r.workloads} workloads, ${r.policies} policies, 250 namespaces: build ${r.buildMs.toFixed(0)} ms, analysis`,
    value: `${r.analysisMs.toFixed(0)} ms`,
    goal: '',
  });
}

fs.rmSync(work, { recursive: true, force: true });
const width = Math.max(...rows.map((r) => r.measure.length));
console.log(`${'measure'.padEnd(width)}  ${'value'.padStart(16)}  ${'goal'.padEnd(10)}  met`);
for (const r of rows) {
  const met = r.met === undefined ? '' : r.met ? 'yes' : 'NO';
  console.log(`${r.measure.padEnd(width)}  ${r.value.padStart(16)}  ${r.goal.padEnd(10)}  ${met}`);
}
