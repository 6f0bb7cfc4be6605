import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const HERE = import.meta.dirname;
const ROOT = path.resolve(HERE, '..');
/** NSL_BENCH_CLI: another build of the CLI to measure (a bundle built with `scripts/build.js --out`). */
export const CLI = process.env['NSL_BENCH_CLI'] ? path.resolve(process.env['NSL_BENCH_CLI']) : path.join(ROOT, 'bin/nsl-lint.js');
export const FLOOR = path.join(HERE, 'floor.js');
const USAGE = path.join(HERE, 'usage.js');

export interface Usage {
  /** User plus system CPU time of the child process. */
  cpuMs: number;
  wallMs: number;
  /** Peak resident set size of the child process, in KiB. */
  maxRssKb: number;
  status: number | null;
  stdout: string;
  /** Stopped after BENCH_TIMEOUT_S seconds (default 300): the times are lower bounds. */
  timedOut?: boolean;
}

const TIMEOUT_MS = Number(process.env['BENCH_TIMEOUT_S'] ?? 300) * 1000;

/** Runs `node <args>` as a child process and reports its own CPU time and peak memory. */
export function runNode(args: string[], cwd: string, nodeOptions: string[] = []): Usage {
  const file = path.join(os.tmpdir(), `nsl-lint-bench-usage-${process.pid}.json`);
  fs.rmSync(file, { force: true });
  const start = performance.now();
  const run = spawnSync(process.execPath, [...nodeOptions, '--import', pathToUrl(USAGE), ...args], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 256 << 20,
    env: { ...process.env, NSL_BENCH_USAGE: file },
    timeout: TIMEOUT_MS,
  });
  const wallMs = performance.now() - start;
  if (run.signal !== null && wallMs >= TIMEOUT_MS)
    return { cpuMs: wallMs, wallMs, maxRssKb: 0, status: null, stdout: '{"findings":[],"notices":[]}', timedOut: true };
  if (run.error) throw run.error;
  if (!fs.existsSync(file)) throw new Error(`node ${args.join(' ')} reported no usage (exit ${run.status}): ${run.stderr.slice(0, 500)}`);
  const usage = JSON.parse(fs.readFileSync(file, 'utf8')) as { cpuMs: number; maxRssKb: number };
  fs.rmSync(file, { force: true });
  return { ...usage, wallMs, status: run.status, stdout: run.stdout };
}

/** A bare `node -e 0` with the same preload: the cost of starting Node at all. */
export function nodeStart(): Usage {
  return runNode(['-e', '0'], os.tmpdir());
}

/** nsl-lint over `target` with its working directory as the repository, report discarded. */
export function lintRun(target: string, extra: string[] = []): Usage {
  return runNode([CLI, ...extra, '.', '-f', 'json', '--fail-on', 'none'], target);
}

export function floorRun(target: string): Usage {
  return runNode([FLOOR, '.'], target);
}

/**
 * The least disturbed of `n` alternating runs of each contender (the machine may be busy):
 * the smallest CPU time and the largest peak memory seen.
 */
export function alternate(n: number, contenders: Record<string, () => Usage>): Record<string, Usage> {
  const best: Record<string, Usage> = {};
  for (let i = 0; i < n; i++) {
    for (const [name, run] of Object.entries(contenders)) {
      const u = run();
      const prev = best[name];
      best[name] = !prev ? u : { ...(u.cpuMs < prev.cpuMs ? u : prev), maxRssKb: Math.max(u.maxRssKb, prev.maxRssKb), stdout: u.stdout };
    }
  }
  return best;
}

function pathToUrl(p: string): string {
  return new URL(`file://${p}`).href;
}
