/* global process */
// Preloaded into a measured child process (`node --import ./bench/usage.js …`): at exit it
// writes the process's own CPU time and peak resident memory to the file named by
// NSL_BENCH_USAGE, so the benchmark measures the process as a user runs it.
import fs from 'node:fs';

const out = process.env.NSL_BENCH_USAGE;
if (out) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    fs.writeFileSync(out, JSON.stringify({ cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000, maxRssKb: u.maxRSS }));
  });
}
