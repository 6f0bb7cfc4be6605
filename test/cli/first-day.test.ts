import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

/** What a new user meets on the first day: stdin types, empty paths, config mistakes, flags that do nothing. */

const ROOT = path.resolve(import.meta.dirname, '../..');
const PKG = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  repository: string | { url: string };
};

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
const SECRET = `apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: shop
stringData:
  password: hunter2
`;
const SSH_OPEN_SCRIPT = `#!/bin/sh
iptables -P INPUT DROP
iptables -A INPUT -i lo -j ACCEPT
iptables -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
iptables -A INPUT -p tcp --dport 22 -j ACCEPT
ip6tables -P INPUT DROP
ip6tables -A INPUT -i lo -j ACCEPT
ip6tables -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
`;
const SSH_OPEN_NFT = `table inet filter {
  chain input {
    type filter hook input priority 0; policy drop;
    iif lo accept
    ct state established,related accept
    tcp dport 22 accept
  }
}
`;

function makeRepo(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsl-firstday-'));
  fs.mkdirSync(path.join(dir, '.git'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

type JsonFinding = { ruleId: string; file: string; line: number };
const findingsOf = (stdout: string): string[] =>
  (JSON.parse(stdout).findings as JsonFinding[]).map((f) => `${f.file}:${f.line} ${f.ruleId}`);

describe('--stdin-filename decides how standard input is read', () => {
  it('a .sh name reads a firewall script: the open SSH port is found on its line', () => {
    const repo = makeRepo({});
    const run = runCli(['-', '--stdin-filename', 'nodes/fw.sh', '-f', 'json'], { cwd: repo, stdin: SSH_OPEN_SCRIPT });
    expect(run.stderr).toBe('');
    expect(findingsOf(run.stdout)).toEqual(['nodes/fw.sh:5 host-port-open-to-world']);
  });

  it('a .nft name reads an nftables ruleset', () => {
    const run = runCli(['-', '--stdin-filename', 'nodes/input.nft', '-f', 'json'], { cwd: makeRepo({}), stdin: SSH_OPEN_NFT });
    expect(findingsOf(run.stdout)).toEqual(['nodes/input.nft:6 host-port-open-to-world']);
  });

  it('the same text under a .yaml name is not a script: nothing is found in it', () => {
    const run = runCli(['-', '--stdin-filename', 'nodes/fw.yaml', '-f', 'json'], { cwd: makeRepo({}), stdin: SSH_OPEN_SCRIPT });
    expect(findingsOf(run.stdout)).toEqual([]);
  });

  it('without a name, standard input is still a manifest stream', () => {
    const run = runCli(['-', '-f', 'json'], { cwd: makeRepo({}), stdin: SECRET });
    expect(findingsOf(run.stdout)).toEqual(['stdin.yaml:7 secrets-committed']);
  });
});

describe('paths with nothing to check', () => {
  it('an empty folder prints one warning line and exits 0', () => {
    const repo = makeRepo({});
    fs.mkdirSync(path.join(repo, 'empty'));
    const run = runCli(['empty'], { cwd: repo });
    expect(run.code).toBe(0);
    expect(run.stderr.split('\n').filter(Boolean)).toEqual([
      'nsl-lint: warning: empty: no recognised input (Kubernetes manifests, firewall rulesets, WireGuard or sshd configs); nothing was checked',
    ]);
  });

  it('a folder of other files, or a file nsl-lint does not read, gets the same single line', () => {
    const repo = makeRepo({ 'docs/README.md': '# docs\n', 'docs/mkdocs.yml': 'site_name: docs\n', 'notes.txt': 'hello\n' });
    for (const p of ['docs', 'notes.txt']) {
      const run = runCli([p], { cwd: repo });
      expect(run.code).toBe(0);
      expect(run.stderr.split('\n').filter(Boolean)).toEqual([
        `nsl-lint: warning: ${p}: no recognised input (Kubernetes manifests, firewall rulesets, WireGuard or sshd configs); nothing was checked`,
      ]);
    }
  });

  it('a folder with input is not warned about, even beside an empty one', () => {
    const repo = makeRepo({ 'k8s/secret.yaml': SECRET });
    fs.mkdirSync(path.join(repo, 'empty'));
    const run = runCli(['k8s', 'empty'], { cwd: repo });
    expect(run.stderr).not.toContain('k8s:');
    expect(run.stderr).toContain('nsl-lint: warning: empty: no recognised input');
  });
});

describe('config errors', () => {
  it('list every problem, each at its line, with the nearest key suggested', () => {
    const repo = makeRepo({
      'k8s/web.yaml': OPEN_DEPLOYMENT,
      '.nsl-lint.yaml': 'failon: high\nrules:\n  secrets-commited: off\ncluster:\n  dnsSelecter: { a: b }\nrender: maybe\n',
    });
    const run = runCli([], { cwd: repo });
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n').filter(Boolean)).toEqual([
      'nsl-lint: config error: .nsl-lint.yaml:1:1: unknown key "failon" (did you mean `failOn`?)',
      'nsl-lint: config error: .nsl-lint.yaml:3:3: unknown rule id "secrets-commited" (did you mean `secrets-committed`?) (see --list-rules)',
      'nsl-lint: config error: .nsl-lint.yaml:5:3: unknown key "cluster.dnsSelecter" (did you mean `dnsSelector`?)',
      'nsl-lint: config error: .nsl-lint.yaml:6:9: "render" must be equal to one of the allowed values: none, kustomize',
    ]);
  });

  it('suggest nothing when no key is close', () => {
    const repo = makeRepo({ '.nsl-lint.yaml': 'colour: blue\n' });
    expect(runCli([], { cwd: repo }).stderr).toBe('nsl-lint: config error: .nsl-lint.yaml:1:1: unknown key "colour"\n');
  });

  it('reject an unknown cluster.cni with the list of known ones; known names pass in any case', () => {
    const bad = runCli([], { cwd: makeRepo({ '.nsl-lint.yaml': 'cluster:\n  cni: calcio\n' }) });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      'nsl-lint: config error: .nsl-lint.yaml:2:8: unknown "cluster.cni" "calcio" (did you mean `calico`?); known CNIs: antrea, calico, canal, cilium, flannel, kube-router, kubenet, weave\n',
    );
    for (const cni of ['Cilium', 'flannel', 'kube-router'])
      expect(runCli([], { cwd: makeRepo({ 'k8s/secret.yaml': SECRET, '.nsl-lint.yaml': `cluster:\n  cni: ${cni}\n` }) }).code, cni).toBe(1);
  });

  it('a rule setting of the wrong shape is one message, about the form the value has', () => {
    const repo = makeRepo({ '.nsl-lint.yaml': 'rules:\n  secrets-committed: { severty: high }\n  netpol-allow-all: severe\n' });
    expect(runCli([], { cwd: repo }).stderr.split('\n').filter(Boolean)).toEqual([
      'nsl-lint: config error: .nsl-lint.yaml:2:24: unknown key "rules.secrets-committed.severty" (did you mean `severity`?)',
      "nsl-lint: config error: .nsl-lint.yaml:3:21: \"rules.netpol-allow-all\" must be equal to one of the allowed values: 'off', 'on', low, medium, high",
    ]);
  });
});

describe('flags that would do nothing are usage errors', () => {
  it('connectivity rejects --fail-on and --only-files', () => {
    const repo = makeRepo({ 'k8s/web.yaml': OPEN_DEPLOYMENT });
    const failOn = runCli(['connectivity', '--fail-on', 'high'], { cwd: repo });
    expect(failOn.code).toBe(2);
    expect(failOn.stderr).toBe('nsl-lint: --fail-on does not apply to `connectivity` (it reports no findings)\n');
    expect(runCli(['connectivity', '--only-files', 'k8s/web.yaml'], { cwd: repo }).code).toBe(2);
    expect(runCli(['connectivity'], { cwd: repo }).code).toBe(0);
  });

  it('--only-files needs files, not standard input', () => {
    const repo = makeRepo({ 'k8s/web.yaml': OPEN_DEPLOYMENT });
    expect(runCli(['--only-files', '-'], { cwd: repo, stdin: SECRET }).code).toBe(2);
  });
});

describe('--only-files', () => {
  const repo = makeRepo({
    'k8s/web.yaml': OPEN_DEPLOYMENT,
    'k8s/api.yaml': OPEN_DEPLOYMENT.replace('name: web', 'name: api'),
    'k8s/secret.yaml': SECRET,
  });

  it('reports only the findings anchored in the named files, from a run over the whole repository', () => {
    const run = runCli(['--only-files', 'k8s/secret.yaml', '-f', 'json'], { cwd: repo });
    expect(findingsOf(run.stdout)).toEqual(['k8s/secret.yaml:7 secrets-committed']);
    expect(run.code).toBe(1);
    // The namespace's default-deny findings are anchored at its first workload in path order,
    // "api" in k8s/api.yaml: web.yaml alone has none, though checked alone it would.
    const web = runCli(['--only-files', 'k8s/web.yaml', '-f', 'json'], { cwd: repo });
    expect(findingsOf(web.stdout)).toEqual([]);
    expect(web.code).toBe(0);
    const api = runCli(['--only-files', 'k8s/api.yaml', 'k8s/web.yaml', '-f', 'json'], { cwd: repo });
    expect(findingsOf(api.stdout)).toEqual([
      'k8s/api.yaml:4 netpol-default-deny-egress-missing',
      'k8s/api.yaml:4 netpol-default-deny-ingress-missing',
    ]);
    expect(findingsOf(runCli(['k8s/web.yaml', '-f', 'json'], { cwd: repo }).stdout)).toContain(
      'k8s/web.yaml:4 netpol-default-deny-ingress-missing',
    );
  });

  it('takes paths relative to the working directory and is documented in --help', () => {
    const run = runCli(['--only-files', 'secret.yaml', '-f', 'json'], { cwd: path.join(repo, 'k8s') });
    expect(findingsOf(run.stdout)).toEqual(['k8s/secret.yaml:7 secrets-committed']);
    expect(runCli(['--help'], { cwd: repo }).stdout).toMatch(
      /^ {6}--only-files {10}check the whole repository, but report only findings$/m,
    );
  });
});

describe('SARIF helpUri', () => {
  it("points at the rule's section of rules/README.md in the repository, at the release's tag", () => {
    const repo = makeRepo({ 'k8s/secret.yaml': SECRET });
    const log = JSON.parse(runCli(['-f', 'sarif'], { cwd: repo }).stdout);
    const url = (typeof PKG.repository === 'string' ? PKG.repository : PKG.repository.url).replace(/^git\+/, '').replace(/\.git$/, '');
    expect(url).toBe('https://github.com/nsl-lint/nsl-lint');
    const readme = fs.readFileSync(path.join(ROOT, 'rules/README.md'), 'utf8');
    const rules: { id: string; helpUri: string }[] = log.runs[0].tool.driver.rules;
    expect(rules.length).toBeGreaterThan(10);
    for (const rule of rules) {
      expect(rule.helpUri).toBe(`${url}/blob/v${PKG.version}/rules/README.md#${rule.id}`);
      // GitHub's anchor for "## <id>" is the id itself (lower case, hyphens kept).
      expect(readme, rule.id).toMatch(new RegExp(`^## ${rule.id}$`, 'm'));
    }
  });
});
