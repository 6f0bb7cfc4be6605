// Would parsing in worker threads pay? Discovery, then every manifest read and parsed either
// on the main thread or in N workers that send the documents back (structured clone), as the
// model would need them. Prints process CPU time (all threads) and wall time for each.
// Measured on a 2-core machine, the workers cost CPU (each starts its own parser, and every
// document is copied across threads) for little or no wall time, so nsl-lint does not use them.
//
//   npx tsx bench/workers.ts DIR [WORKERS]      (default 2)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { discover } from '../src/discover/discover.js';
import { GuardedReader } from '../src/discover/read.js';
import { parseJsonStream } from '../src/parse/json.js';
import { parseYamlStream } from '../src/parse/yaml.js';

const parse = (file: string, text: string): unknown[] => (file.endsWith('.json') ? parseJsonStream(text) : parseYamlStream(text)).docs;

function parseAll(root: string, files: string[]): unknown[][] {
  const reader = new GuardedReader(root, Number.MAX_SAFE_INTEGER);
  return files.map((abs) => {
    const read = reader.read(abs);
    return read.ok ? parse(abs, read.text) : [];
  });
}

if (!isMainThread) {
  const { root, files } = workerData as { root: string; files: string[] };
  parentPort?.postMessage(parseAll(root, files));
} else {
  const root = path.resolve(process.argv[2] ?? '.');
  // Workers run this file bundled, as nsl-lint ships (no TypeScript loader in each thread).
  const bundle = path.join(os.tmpdir(), `nsl-lint-bench-workers-${process.pid}.mjs`);
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: [fileURLToPath(import.meta.url)],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'esm',
    logLevel: 'warning',
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  });
  const workers = Number(process.argv[3] ?? 2);
  const run = async (label: string, threads: number): Promise<void> => {
    const cpu = process.cpuUsage();
    const start = performance.now();
    const files = discover({ paths: ['.'], cwd: root, root, ignore: [], maxFileBytes: 20 << 20 })
      .files.filter((f) => f.kind === 'manifest')
      .map((f) => f.abs);
    let docs = 0;
    if (threads === 0) for (const d of parseAll(root, files)) docs += d.length;
    else {
      // Every n-th file to each worker: bundles and small files spread evenly.
      const shares = Array.from({ length: threads }, (_, w) => files.filter((_f, i) => i % threads === w));
      const results = await Promise.all(
        shares.map(
          (share) =>
            new Promise<unknown[][]>((resolve, reject) => {
              const worker = new Worker(bundle, { workerData: { root, files: share } });
              worker.once('message', resolve);
              worker.once('error', reject);
            }),
        ),
      );
      for (const r of results) for (const d of r) docs += d.length;
    }
    const used = process.cpuUsage(cpu);
    console.log(
      `${label}: ${files.length} files, ${docs} documents, CPU ${((used.user + used.system) / 1000).toFixed(0)} ms, wall ${(performance.now() - start).toFixed(0)} ms`,
    );
  };
  for (let i = 0; i < 3; i++) {
    await run('main thread', 0);
    await run(`${workers} workers`, workers);
  }
  fs.rmSync(bundle, { force: true });
}
