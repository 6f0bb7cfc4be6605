// Builds the two self-contained bundles that are committed under dist/:
//   dist/nsl-lint.js  the CLI (bin/nsl-lint.js loads it; the pre-commit hook and npm run it)
//   dist/action.js    the GitHub Action (action.yml runs it with no node_modules)
// and copies beside them the runtime files of sh-syntax (its WebAssembly module and Go
// runtime), which the shell syntax check resolves at run time as `sh-syntax/...` from the
// bundle's own folder: dist/node_modules/sh-syntax/.
//
//   node scripts/build.js            build into dist/
//   node scripts/build.js --out DIR  build into DIR (the check-dist test compares the two)
//   node scripts/build.js --check    fail when dist/ differs from a fresh build (run before
//                                    `npm publish`); where there is no esbuild or no sources,
//                                    only check that the files npm ships are there
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const ROOT = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const require = createRequire(import.meta.url);

/** Files of the build, relative to the output folder. */
export const OUTPUTS = [
  'nsl-lint.js',
  'action.js',
  'node_modules/sh-syntax/package.json',
  'node_modules/sh-syntax/LICENSE',
  'node_modules/sh-syntax/main.wasm',
  'node_modules/sh-syntax/vendors/wasm_exec.cjs',
];

const BUNDLES = [
  { entry: 'src/cli/bin.ts', out: 'nsl-lint.js' },
  { entry: 'src/action/index.ts', out: 'action.js' },
];

// Bundled CommonJS modules call `require`; an ES module has none unless it makes one.
const BANNER = "import { createRequire as __nslCreateRequire } from 'node:module'; const require = __nslCreateRequire(import.meta.url);";

export async function build(outDir) {
  const esbuild = await import('esbuild');
  for (const { entry, out } of BUNDLES) {
    await esbuild.build({
      entryPoints: [path.join(ROOT, entry)],
      outfile: path.join(outDir, out),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'warning',
      banner: { js: BANNER },
      legalComments: 'eof',
    });
  }
  const pkgDir = path.dirname(require.resolve('sh-syntax/package.json'));
  for (const file of OUTPUTS.filter((f) => f.startsWith('node_modules/sh-syntax/'))) {
    const target = path.join(outDir, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(path.join(pkgDir, file.slice('node_modules/sh-syntax/'.length)), target);
  }
}

/** Files of `dist/` that differ from a fresh build in `fresh`, or are missing. */
export function differences(dist, fresh) {
  return OUTPUTS.filter((file) => {
    const a = path.join(dist, file);
    return !fs.existsSync(a) || !fs.readFileSync(a).equals(fs.readFileSync(path.join(fresh, file)));
  });
}

function canBuild() {
  try {
    require.resolve('esbuild');
    require.resolve('sh-syntax/package.json');
    return fs.existsSync(path.join(ROOT, 'src/cli/bin.ts'));
  } catch {
    return false;
  }
}

async function mainScript(args) {
  const dist = path.join(ROOT, 'dist');
  if (args[0] === '--check') {
    if (!canBuild()) {
      // What npm ships (package.json `files`): the CLI and sh-syntax's runtime files.
      const missing = OUTPUTS.filter((f) => f !== 'action.js' && !fs.existsSync(path.join(dist, f)));
      if (missing.length) throw new Error(`dist/ lacks ${missing.join(', ')} and cannot be built here (no esbuild or no sources)`);
      return;
    }
    const fresh = fs.mkdtempSync(path.join(os.tmpdir(), 'nsl-dist-'));
    try {
      await build(fresh);
      const stale = differences(dist, fresh);
      if (stale.length) throw new Error(`dist/ is not what the sources build (${stale.join(', ')}): run \`npm run build\``);
    } finally {
      fs.rmSync(fresh, { recursive: true, force: true });
    }
    return;
  }
  const out = args[0] === '--out' && args[1] ? path.resolve(args[1]) : dist;
  await build(out);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  mainScript(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`build: ${err.message}\n`);
    process.exitCode = 1;
  });
}
