import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pullRequestBase } from '../../src/action/main.js';

/**
 * On a pull request the Action's job summary says what the change does to the connectivity
 * map against the pull request's base commit. Run through GitHub's local runner
 * (`@github/local-action`) on a throwaway git repository with two commits; the expected
 * sentences are worked out by hand from the manifests.
 */

const ROOT = path.resolve(import.meta.dirname, '../..');
const LOCAL_ACTION = path.join(ROOT, 'node_modules/.bin/local-action');

const APPS = `apiVersion: v1
kind: Namespace
metadata: { name: shop, labels: { team: shop } }
---
apiVersion: apps/v1
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
`;
const DENY_DB = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: db, namespace: payments }
spec:
  podSelector: {}
  policyTypes: [Ingress]
`;
const OPEN_DB = `${DENY_DB}  ingress:
    - from: [{ namespaceSelector: { matchLabels: { team: shop } } }]
      ports: [{ port: 5432 }]
`;

let tmp: string;
let repo: string;
let base: string;

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

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nsl-action-diff-'));
  repo = path.join(tmp, 'repo');
  fs.mkdirSync(path.join(repo, 'k8s'), { recursive: true });
  git('init', '-q', '-b', 'main');
  fs.writeFileSync(path.join(repo, 'k8s/apps.yaml'), APPS);
  fs.writeFileSync(path.join(repo, 'k8s/db.yaml'), DENY_DB);
  git('add', '.');
  git('commit', '-q', '-m', 'base');
  base = git('rev-parse', 'HEAD');
  fs.writeFileSync(path.join(repo, 'k8s/db.yaml'), OPEN_DB);
  git('commit', '-q', '-am', 'open the database to the shop');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function runAction(name: string, baseSha: string): string {
  const summaryFile = path.join(tmp, `${name}.summary.md`);
  const event = path.join(tmp, `${name}.event.json`);
  fs.writeFileSync(event, JSON.stringify({ pull_request: { base: { sha: baseSha, ref: 'main' } } }));
  const env = { 'INPUT_WORKING-DIRECTORY': repo, 'INPUT_FAIL-ON': 'none', GITHUB_STEP_SUMMARY: summaryFile, GITHUB_EVENT_PATH: event };
  const dotenv = path.join(tmp, `${name}.env`);
  fs.writeFileSync(
    dotenv,
    Object.entries(env)
      .map(([k, v]) => `${k}=${JSON.stringify(v)}\n`)
      .join(''),
  );
  const run = spawnSync(LOCAL_ACTION, ['run', ROOT, 'src/action/main.ts', dotenv], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
    timeout: 120_000,
  });
  expect(run.status, `${run.stdout}${run.stderr}`).toBe(0);
  return fs.readFileSync(summaryFile, 'utf8');
}

describe('the job summary of a pull request', () => {
  it('says what the change opens, compared with the base commit', () => {
    const summary = runAction('opens', base);
    expect(summary).toContain('### Connectivity changes');
    expect(summary).toContain(`Compared with the base \`${base.slice(0, 12)}\`:`);
    expect(summary).toContain('- this change opens `shop/web[Deployment] → payments/db[StatefulSet] : TCP 5432`');
    // Nothing else changed: one sentence.
    expect(summary.match(/^- this change /gm)).toHaveLength(1);
    // The action writes its SARIF file; tracked files and HEAD are as they were.
    expect(git('status', '--porcelain', '--untracked-files=no')).toBe('');
  }, 180_000);

  it('a base commit missing from a shallow checkout: says why, and how to get it', () => {
    const missing = 'f'.repeat(40);
    const summary = runAction('shallow', missing);
    expect(summary).toContain(`Not computed against the base \`${missing.slice(0, 12)}\`: --diff: no commit "${missing}"`);
    expect(summary).toContain('`fetch-depth: 0`');
  }, 180_000);
});

describe('pullRequestBase', () => {
  it('takes the event payload first, then GITHUB_BASE_REF, else nothing', () => {
    const event = path.join(tmp, 'event.json');
    fs.writeFileSync(event, JSON.stringify({ pull_request: { base: { sha: base } } }));
    expect(pullRequestBase({ GITHUB_EVENT_PATH: event, GITHUB_BASE_REF: 'main' })).toBe(base);
    fs.writeFileSync(event, JSON.stringify({ push: {} }));
    expect(pullRequestBase({ GITHUB_EVENT_PATH: event, GITHUB_BASE_REF: 'main' })).toBe('origin/main');
    expect(pullRequestBase({ GITHUB_EVENT_PATH: event })).toBeUndefined();
    expect(pullRequestBase({})).toBeUndefined();
  });
});
