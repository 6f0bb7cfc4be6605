import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * The pre-commit hook, installed and run by the real `pre-commit try-repo` (Debian's 3.0.4 in
 * CI). `try-repo` clones the hook repository's committed HEAD, so the hook repository here is
 * a one-commit copy of what installing needs: the manifest, package.json, bin/ and the
 * committed bundle. The copy's package.json has no devDependencies and npm runs offline
 * (`npm_config_offline`): installing must need neither the registry nor a build, and the
 * committed bundle is what runs.
 */

const ROOT = path.resolve(import.meta.dirname, '../..');
const preCommit = spawnSync('pre-commit', ['--version'], { encoding: 'utf8' });
const available = preCommit.status === 0;
if (!available) process.stderr.write('precommit.test.ts: pre-commit is not installed (apt-get install pre-commit); skipping\n');

const OPEN_DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      containers: [{ name: web, image: example.com/web }]
`;
const DENY_ALL = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: deny-all
  namespace: shop
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  egress:
    - ports:
        - { protocol: UDP, port: 53 }
        - { protocol: TCP, port: 53 }
`;
const SECRET = `apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: shop
stringData:
  password: hunter2
`;

const GIT_USER = ['-c', 'user.name=nsl-lint test', '-c', 'user.email=test@example.com'];
let tmp: string;
let hookRepo: string;

function git(cwd: string, ...args: string[]): void {
  execFileSync('git', [...GIT_USER, ...args], { cwd, stdio: 'pipe' });
}

beforeAll(() => {
  if (!available) return;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nsl-precommit-'));
  hookRepo = path.join(tmp, 'hook');
  fs.mkdirSync(path.join(hookRepo, 'dist'), { recursive: true });
  for (const file of ['.pre-commit-hooks.yaml', 'LICENSE', 'bin', 'dist/nsl-lint.js', 'dist/node_modules'])
    fs.cpSync(path.join(ROOT, file), path.join(hookRepo, file), { recursive: true });
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  delete pkg.devDependencies;
  fs.writeFileSync(path.join(hookRepo, 'package.json'), JSON.stringify(pkg, null, 2));
  git(hookRepo, 'init', '-q');
  git(hookRepo, 'add', '-A');
  git(hookRepo, 'commit', '-q', '-m', 'hook');
});

/** A git repository with the files added (pre-commit passes tracked files). */
function target(name: string, files: Record<string, string>): string {
  const dir = path.join(tmp, name);
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  git(dir, 'init', '-q');
  git(dir, 'add', '-A');
  return dir;
}

function tryRepo(cwd: string, ...args: string[]): { code: number | null; out: string } {
  const run = spawnSync('pre-commit', ['try-repo', hookRepo, 'nsl-lint', ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, PRE_COMMIT_HOME: path.join(tmp, 'cache'), npm_config_offline: 'true', NO_COLOR: '1' },
    timeout: 240_000,
  });
  return { code: run.status, out: `${run.stdout}${run.stderr}` };
}

describe.skipIf(!available)('pre-commit hook (pre-commit try-repo)', () => {
  it('fails on a dirty repository and prints the findings', () => {
    const repo = target('dirty', { 'k8s/web.yaml': OPEN_DEPLOYMENT, 'README.md': '# app\n' });
    const run = tryRepo(repo, '--all-files');
    expect(run.code, run.out).toBe(1);
    expect(run.out).toMatch(/^nsl-lint\.+Failed$/m);
    expect(run.out).toMatch(/^k8s\/web\.yaml:4:9\s+high\s+.*netpol-default-deny-ingress-missing$/m);
    expect(run.out).toMatch(/^k8s\/web\.yaml:4:9\s+medium\s+.*netpol-default-deny-egress-missing$/m);
  }, 300_000);

  it('passes on a clean repository', () => {
    const repo = target('clean', { 'k8s/web.yaml': OPEN_DEPLOYMENT, 'k8s/policy.yaml': DENY_ALL });
    const run = tryRepo(repo, '--all-files');
    expect(run.code, run.out).toBe(0);
    expect(run.out).toMatch(/^nsl-lint\.+Passed$/m);
  }, 300_000);

  it('reports only findings in the files passed, judged against the whole repository', () => {
    const repo = target('some', { 'k8s/web.yaml': OPEN_DEPLOYMENT, 'k8s/policy.yaml': DENY_ALL, 'k8s/secret.yaml': SECRET });
    // The Deployment is isolated by a policy in another file: alone it would lack default-deny.
    const web = tryRepo(repo, '--files', 'k8s/web.yaml');
    expect(web.code, web.out).toBe(0);
    expect(web.out).not.toContain('secrets-committed');
    const secret = tryRepo(repo, '--files', 'k8s/secret.yaml');
    expect(secret.code, secret.out).toBe(1);
    expect(secret.out).toMatch(/^k8s\/secret\.yaml:7:3\s+high\s+.*secrets-committed$/m);
    expect(secret.out).not.toContain('k8s/web.yaml');
  }, 300_000);
});
