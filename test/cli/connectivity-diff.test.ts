import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

/**
 * `nsl-lint connectivity --diff <git-ref>` and `--diff-dir DIR` on a throwaway git
 * repository with two commits. Every expected line is worked out by hand from the
 * manifests below; the user's working tree, index, branches and worktrees must be exactly
 * as they were, and the temporary base tree must be gone.
 */

const NAMESPACES = `apiVersion: v1
kind: Namespace
metadata: { name: shop, labels: { team: shop } }
---
apiVersion: v1
kind: Namespace
metadata: { name: payments, labels: { team: payments } }
`;
const WORKLOADS = `apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: shop }
spec:
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: web, image: example.com/web }] }
---
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: db, namespace: payments }
spec:
  template:
    metadata: { labels: { app: db } }
    spec: { containers: [{ name: db, image: example.com/db }] }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: api, namespace: payments }
spec:
  template:
    metadata: { labels: { app: api } }
    spec: { containers: [{ name: api, image: example.com/api }] }
`;
const DEFAULT_DENY = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: default-deny, namespace: payments }
spec:
  podSelector: {}
  policyTypes: [Ingress]
`;
const API_FROM_SHOP = (ports: string): string => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: api-from-shop, namespace: payments }
spec:
  podSelector: { matchLabels: { app: api } }
  ingress:
    - from: [{ namespaceSelector: { matchLabels: { team: shop } } }]
      ports: ${ports}
`;
const DB_FROM_WEB = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: db-from-web, namespace: payments }
spec:
  podSelector: { matchLabels: { app: db } }
  ingress:
    - from:
        - namespaceSelector: { matchLabels: { team: shop } }
          podSelector: { matchLabels: { app: web } }
      ports: [{ port: 5432 }]
`;
const WEB_FROM_API = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: web-from-api, namespace: shop }
spec:
  podSelector: { matchLabels: { app: web } }
  ingress:
    - from:
        - namespaceSelector: { matchLabels: { team: payments } }
          podSelector: { matchLabels: { app: api } }
      ports: [{ port: 80 }]
`;

let tmp: string;
let repo: string;
let savedTmpdir: string | undefined;
let baseSha: string;

function git(...args: string[]): string {
  return execFileSync('git', args, {
    cwd: repo,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.com',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.com',
    },
  }).trim();
}

function write(files: Record<string, string>): void {
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
    fs.writeFileSync(path.join(repo, file), text);
  }
}

/** Everything git knows about the working copy that --diff must leave alone. */
function gitState(): string {
  return [
    git('status', '--porcelain', '--untracked-files=all'),
    git('rev-parse', 'HEAD'),
    git('branch', '--list'),
    git('worktree', 'list', '--porcelain'),
    git('stash', 'list'),
    git('ls-files', '--stage'),
  ].join('\n--\n');
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nsl-diff-'));
  // A private temporary folder: what --diff leaves behind is visible here.
  savedTmpdir = process.env['TMPDIR'];
  process.env['TMPDIR'] = path.join(tmp, 'scratch');
  fs.mkdirSync(process.env['TMPDIR']);
  repo = path.join(tmp, 'repo');
  fs.mkdirSync(repo);
  git('init', '-q', '-b', 'main');
  write({
    'k8s/namespaces.yaml': NAMESPACES,
    'k8s/workloads.yaml': WORKLOADS,
    'k8s/policies/default-deny.yaml': DEFAULT_DENY,
    'k8s/policies/api-from-shop.yaml': API_FROM_SHOP('[{ port: 8080 }]'),
  });
  git('add', '.');
  git('commit', '-q', '-m', 'base');
  baseSha = git('rev-parse', 'HEAD');
  write({
    'k8s/policies/api-from-shop.yaml': API_FROM_SHOP('[{ port: 8080 }, { port: 8443 }]'),
    'k8s/policies/db-from-web.yaml': DB_FROM_WEB,
    'k8s/policies/web-from-api.yaml': WEB_FROM_API,
  });
  git('add', '.');
  git('commit', '-q', '-m', 'head');
});

afterAll(() => {
  if (savedTmpdir === undefined) delete process.env['TMPDIR'];
  else process.env['TMPDIR'] = savedTmpdir;
  fs.rmSync(tmp, { recursive: true, force: true });
});

const leftovers = (): string[] => fs.readdirSync(path.join(tmp, 'scratch'));

describe('connectivity --diff', () => {
  it('lists exactly the connections added, removed and changed between two commits', () => {
    const before = gitState();
    const run = runCli(['connectivity', '--diff', 'HEAD~1'], { cwd: repo });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    // web-from-api isolates shop/web's ingress: the internet and payments/db lose it, api
    // keeps TCP 80; api-from-shop adds 8443; db-from-web opens 5432 from web.
    expect(run.stdout).toBe(
      [
        `Connections changed since HEAD~1 (${baseSha.slice(0, 12)}):`,
        'removed  0.0.0.0/0 => shop/web[Deployment] : All Connections',
        'changed  payments/api[Deployment] => shop/web[Deployment] : All Connections -> TCP 80 (closes All Connections but TCP 80)',
        'removed  payments/db[StatefulSet] => shop/web[Deployment] : All Connections',
        'changed  shop/web[Deployment] => payments/api[Deployment] : TCP 8080 -> TCP 8080,8443 (opens TCP 8443)',
        'added    shop/web[Deployment] => payments/db[StatefulSet] : TCP 5432',
        '',
      ].join('\n'),
    );
    expect(gitState()).toBe(before);
    expect(leftovers()).toEqual([]);
  });

  it('compares the working tree, uncommitted changes included, and only the paths given', () => {
    fs.rmSync(path.join(repo, 'k8s/policies/db-from-web.yaml'));
    try {
      const before = gitState();
      const run = runCli(['connectivity', 'k8s', '--diff', 'HEAD'], { cwd: repo });
      expect(run.stdout).toBe(
        [
          `Connections changed since HEAD (${git('rev-parse', 'HEAD').slice(0, 12)}):`,
          'removed  shop/web[Deployment] => payments/db[StatefulSet] : TCP 5432',
          '',
        ].join('\n'),
      );
      expect(gitState()).toBe(before);
      // From a subfolder, the same places in the base.
      const sub = runCli(['connectivity', '.', '--diff', 'HEAD'], { cwd: path.join(repo, 'k8s') });
      expect(sub.stdout).toBe(run.stdout);
    } finally {
      git('checkout', '-q', '--', 'k8s/policies/db-from-web.yaml');
    }
    expect(runCli(['connectivity', '--diff', 'HEAD'], { cwd: repo }).stdout).toMatch(/^No connection changed since HEAD \(/);
    expect(leftovers()).toEqual([]);
  });

  it('json and md', () => {
    const json = JSON.parse(runCli(['connectivity', '--diff', baseSha, '-f', 'json'], { cwd: repo }).stdout);
    expect(json.base).toBe(`${baseSha} (${baseSha.slice(0, 12)})`);
    expect(
      json.changes.map(
        (c: { change: string; source: { id: string }; destination: { id: string } }) => `${c.change} ${c.source.id} ${c.destination.id}`,
      ),
    ).toEqual([
      'removed 0.0.0.0/0 shop/web[Deployment]',
      'changed payments/api[Deployment] shop/web[Deployment]',
      'removed payments/db[StatefulSet] shop/web[Deployment]',
      'changed shop/web[Deployment] payments/api[Deployment]',
      'added shop/web[Deployment] payments/db[StatefulSet]',
    ]);
    const added = json.changes[4];
    expect(added.before).toEqual({ protocols: [] });
    expect(added.after).toEqual({ protocols: [{ protocol: 'TCP', ports: [{ from: 5432, to: 5432 }] }] });

    const md = runCli(['connectivity', '--diff', 'HEAD~1', '-f', 'md'], { cwd: repo }).stdout;
    expect(md).toContain('- This change opens `shop/web[Deployment] → payments/db[StatefulSet] : TCP 5432`.');
    expect(md).toContain('- This change opens `shop/web[Deployment] → payments/api[Deployment] : TCP 8443`.');
    expect(md).toContain('- This change closes `0.0.0.0/0 → shop/web[Deployment] : All Connections`.');
    expect(md).toContain('| added | shop/web[Deployment] | payments/db[StatefulSet] | No Connections | TCP 5432 |');
  });

  it('--diff-dir compares with a folder', () => {
    const base = path.join(tmp, 'base-copy');
    fs.mkdirSync(path.join(base, 'k8s/policies'), { recursive: true });
    fs.writeFileSync(path.join(base, 'k8s/namespaces.yaml'), NAMESPACES);
    fs.writeFileSync(path.join(base, 'k8s/workloads.yaml'), WORKLOADS);
    fs.writeFileSync(path.join(base, 'k8s/policies/default-deny.yaml'), DEFAULT_DENY);
    fs.writeFileSync(path.join(base, 'k8s/policies/api-from-shop.yaml'), API_FROM_SHOP('[{ port: 8080 }, { port: 8443 }]'));
    fs.writeFileSync(path.join(base, 'k8s/policies/web-from-api.yaml'), WEB_FROM_API);
    const run = runCli(['connectivity', '--diff-dir', base], { cwd: repo });
    expect(run.stdout).toBe(
      [`Connections changed since ${base}:`, 'added    shop/web[Deployment] => payments/db[StatefulSet] : TCP 5432', ''].join('\n'),
    );
  });

  it('a clear one-line error outside a git repository, for an unknown revision, and for wrong combinations', () => {
    const outside = path.join(tmp, 'not-a-repo');
    fs.mkdirSync(outside, { recursive: true });
    fs.writeFileSync(path.join(outside, 'x.yaml'), WORKLOADS);
    // GIT_CEILING_DIRECTORIES keeps git from finding a repository above the temporary folder.
    const env = process.env['GIT_CEILING_DIRECTORIES'];
    process.env['GIT_CEILING_DIRECTORIES'] = tmp;
    try {
      const notRepo = runCli(['connectivity', '--diff', 'main'], { cwd: outside });
      expect(notRepo.code).toBe(2);
      expect(notRepo.stderr).toBe(`nsl-lint: --diff needs a git repository: ${outside} is not inside one\n`);
    } finally {
      if (env === undefined) delete process.env['GIT_CEILING_DIRECTORIES'];
      else process.env['GIT_CEILING_DIRECTORIES'] = env;
    }
    const unknown = runCli(['connectivity', '--diff', 'no-such-branch'], { cwd: repo });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe(`nsl-lint: --diff: no commit "no-such-branch" in the repository at ${fs.realpathSync(repo)}\n`);
    const option = runCli(['connectivity', '--diff', '--output=/tmp/x'], { cwd: repo });
    expect(option.code).toBe(2);
    expect(runCli(['connectivity', '--diff=-v'], { cwd: repo }).stderr).toMatch(/^nsl-lint: --diff: no commit "-v"/);
    expect(runCli(['--diff', 'HEAD'], { cwd: repo }).stderr).toBe(
      'nsl-lint: --diff goes with `connectivity` (nsl-lint connectivity --diff …)\n',
    );
    expect(runCli(['connectivity', '--diff', 'HEAD', '-f', 'dot'], { cwd: repo }).stderr).toBe(
      'nsl-lint: --diff prints text, json or md, not "dot"\n',
    );
    expect(runCli(['connectivity', '--diff', 'HEAD', '--explain'], { cwd: repo }).stderr).toBe(
      'nsl-lint: --diff and --explain cannot be combined: choose one\n',
    );
    expect(runCli(['connectivity', '--diff-dir', 'nowhere'], { cwd: repo }).stderr).toBe('nsl-lint: --diff-dir: nowhere is not a folder\n');
    expect(leftovers()).toEqual([]);
  });
});
