import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

export const ROOT = path.resolve(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);
const SCHEMA = JSON.parse(
  fs.readFileSync(path.join(path.dirname(require.resolve('@microsoft/sarif-multitool-linux/package.json')), 'sarif-2.1.0.json'), 'utf8'),
);
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
const validateSarif = ajv.compile(SCHEMA);

/** A Deployment with no policy: `netpol-default-deny-ingress-missing` at line 4 of k8s/app.yaml. */
export const GOOD_MANIFEST = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    metadata: { labels: { app: web } }
    spec:
      containers: [{ name: web, image: example.com/web }]
`;
export const GOOD_FINDING = 'k8s/app.yaml:4 netpol-default-deny-ingress-missing';

/** The bundled CLI, built once into a cache folder so a stale dist/ cannot mislead the suite. */
let bundle: string | undefined;
export function cliBundle(): string {
  if (bundle) return bundle;
  // A fresh build of the sources under test, beside the committed one (which may be stale while editing).
  const out = path.join(ROOT, 'node_modules/.cache/nsl-lint-hostile');
  execFileSync(process.execPath, [path.join(ROOT, 'scripts/build.js'), '--out', out], { cwd: ROOT, stdio: 'pipe' });
  bundle = path.join(out, 'nsl-lint.js');
  return bundle;
}

/** A repository with its own `.git`, the good manifest, and whatever the case adds. */
export function makeRepo(files: Record<string, string | Buffer> = {}): { dir: string; outside: string } {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'nsl-hostile-'));
  fs.chmodSync(base, 0o755);
  const dir = path.join(base, 'repo');
  const outside = path.join(base, 'outside');
  fs.mkdirSync(path.join(dir, '.git'), { recursive: true });
  fs.mkdirSync(outside);
  const all = { 'k8s/app.yaml': GOOD_MANIFEST, ...files };
  for (const [name, content] of Object.entries(all)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return { dir, outside };
}

export interface HostileRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** Findings as `file:line rule` from the SARIF report. */
  findings: string[];
  sarif: unknown;
  sarifErrors: string[];
  /** Files the process opened (only when traced with strace). */
  opened: string[] | undefined;
}

export const HAS_STRACE = (() => {
  try {
    execFileSync('strace', ['-V'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
})();

/**
 * Run the bundled CLI on a repository in a child process with a wall-clock bound and a
 * heap cap, writing SARIF (unless `raw`: the arguments as given); with `trace`, under
 * `strace` to see every file it opens.
 */
export function runHostile(
  dir: string,
  args: string[] = ['.'],
  options: { trace?: boolean; timeoutMs?: number; uid?: number; env?: Record<string, string>; raw?: boolean } = {},
): Promise<HostileRun> {
  const sarifFile = path.join(path.dirname(dir), 'report.sarif');
  const traceFile = path.join(path.dirname(dir), 'trace.txt');
  const node = [
    process.execPath,
    '--max-old-space-size=1536',
    cliBundle(),
    ...args,
    ...(options.raw ? [] : ['-f', 'sarif', '-o', sarifFile]),
  ];
  const argv = options.trace ? ['strace', '-f', '-qq', '-e', 'trace=open,openat,openat2', '-o', traceFile, ...node] : node;
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(argv[0] as string, argv.slice(1), {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1', CI: 'true', ...options.env },
      ...(options.uid !== undefined ? { uid: options.uid, gid: options.uid } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      let sarif: unknown;
      let findings: string[] = [];
      let sarifErrors: string[] = [];
      if (fs.existsSync(sarifFile)) {
        sarif = JSON.parse(fs.readFileSync(sarifFile, 'utf8'));
        if (!validateSarif(sarif)) sarifErrors = (validateSarif.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
        findings = sarifFindings(sarif);
      }
      const opened = options.trace && fs.existsSync(traceFile) ? openedPaths(fs.readFileSync(traceFile, 'utf8')) : undefined;
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started, findings, sarif, sarifErrors, opened });
    });
  });
}

function sarifFindings(sarif: unknown): string[] {
  const runs = (
    sarif as {
      runs: {
        results: {
          ruleId: string;
          locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[];
        }[];
      }[];
    }
  ).runs;
  return runs.flatMap((r) =>
    r.results.map((x) => {
      const loc = x.locations[0]?.physicalLocation;
      return `${decodeURIComponent(loc?.artifactLocation.uri ?? '')}:${loc?.region.startLine} ${x.ruleId}`;
    }),
  );
}

/** Paths from strace lines such as `123 openat(AT_FDCWD, "/x/y", O_RDONLY) = 3` (successful or not). */
function openedPaths(trace: string): string[] {
  const out: string[] = [];
  for (const m of trace.matchAll(/open(?:at2?)?\((?:[^,]+, )?"((?:[^"\\]|\\.)*)"/g)) out.push(m[1] ?? '');
  return out;
}

export function cleanupRepo(dir: string): void {
  fs.rmSync(path.dirname(dir), { recursive: true, force: true });
}

/** Opened paths that resolve (through links) into `outside`. */
export function openedOutside(run: HostileRun, dir: string, outside: string): string[] {
  const realOutside = fs.realpathSync(outside);
  return (run.opened ?? []).filter((p) => {
    const abs = path.resolve(dir, p);
    let real = abs;
    try {
      real = fs.realpathSync(abs);
    } catch {
      // A path that no longer exists cannot be outside.
    }
    return real === realOutside || real.startsWith(`${realOutside}/`) || abs.startsWith(`${realOutside}/`);
  });
}
