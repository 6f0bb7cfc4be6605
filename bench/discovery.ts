// Discovery alone, two ways, on a folder that is its own repository: the own walk
// (src/discover) and fast-glob listing everything, filtered with `ignore` for the
// `.gitignore` files. Both must give the same list; the faster one is what discovery uses.
//
//   npx tsx bench/discovery.ts DIR        (BENCH_RUNS: best of, default 3)
import fs from 'node:fs';
import path from 'node:path';
import fg from 'fast-glob';
import ignore, { type Ignore } from 'ignore';
import { kindByName, mayBeScript } from '../src/discover/classify.js';
import { walkedFiles } from '../src/discover/discover.js';

const SKIPPED = ['.git', 'node_modules', 'testdata', '__fixtures__', '__snapshots__'];
const CONFIG_NAMES = new Set(['.nsl-lint.yaml', '.nsl-lint.yml']);

/** The same selection as the walk: names that may be inputs, outside ignored and skipped folders, links to regular files. */
function globbedFiles(dir: string): string[] {
  const entries = fg.sync('**', {
    cwd: dir,
    dot: true,
    onlyFiles: false,
    followSymbolicLinks: false,
    objectMode: true,
    ignore: SKIPPED.map((name) => `**/${name}/**`),
  });
  const scopes: { dir: string; rules: Ignore }[] = [];
  for (const e of entries) {
    if (e.name === '.gitignore' && e.dirent.isFile()) {
      const at = path.posix.dirname(e.path);
      scopes.push({ dir: at === '.' ? '' : `${at}/`, rules: ignore().add(fs.readFileSync(path.join(dir, e.path), 'utf8')) });
    }
  }
  const out: string[] = [];
  for (const e of entries) {
    if (e.dirent.isDirectory() || CONFIG_NAMES.has(e.name)) continue;
    const plain = e.dirent.isFile();
    if (kindByName(e.name) === undefined && !(plain && mayBeScript(e.name))) continue;
    const abs = path.join(dir, e.path);
    if (!plain && !(e.dirent.isSymbolicLink() && isRegularFile(abs))) continue;
    // A rule applies below its own folder; `ignores` also checks the folders on the way.
    if (scopes.some((s) => e.path.startsWith(s.dir) && s.rules.ignores(e.path.slice(s.dir.length)))) continue;
    out.push(abs);
  }
  return out;
}

function isRegularFile(abs: string): boolean {
  try {
    return fs.statSync(abs).isFile();
  } catch {
    return false;
  }
}

/** The least CPU time of `runs` alternating runs of each (both meet the same file system cache). */
function alternate(runs: number, ways: (() => string[])[]): { ms: number; files: string[] }[] {
  const out = ways.map(() => ({ ms: Infinity, files: [] as string[] }));
  for (let i = 0; i < runs; i++) {
    ways.forEach((list, w) => {
      const start = process.cpuUsage();
      const files = list();
      const used = process.cpuUsage(start);
      const best = out[w] as { ms: number; files: string[] };
      best.ms = Math.min(best.ms, (used.user + used.system) / 1000);
      best.files = files.sort();
    });
  }
  return out;
}

const dir = path.resolve(process.argv[2] ?? '.');
const runs = Number(process.env['BENCH_RUNS'] ?? 3);
const [own, glob] = alternate(runs, [() => walkedFiles(dir, dir), () => globbedFiles(dir)]) as [
  { ms: number; files: string[] },
  { ms: number; files: string[] },
];
const same = own.files.length === glob.files.length && own.files.every((f, i) => f === glob.files[i]);
console.log(`own walk:         ${own.ms.toFixed(0)} ms CPU, ${own.files.length} files`);
console.log(`fast-glob+ignore: ${glob.ms.toFixed(0)} ms CPU, ${glob.files.length} files`);
console.log(
  same
    ? 'same list'
    : `LISTS DIFFER: only own ${own.files
        .filter((f) => !glob.files.includes(f))
        .slice(0, 5)
        .join(', ')}; only glob ${glob.files
        .filter((f) => !own.files.includes(f))
        .slice(0, 5)
        .join(', ')}`,
);
process.exitCode = same ? 0 : 1;
