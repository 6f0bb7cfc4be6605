import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { useColor } from '../../src/cli/main.js';
import { runCli } from '../support/cli.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
let repo: string;

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
    # Name resolution only, to any peer.
    - ports:
        - { protocol: UDP, port: 53 }
        - { protocol: TCP, port: 53 }
`;

/** A throwaway repository: its own `.git` makes it the root for relative paths. */
function makeRepo(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsl-cli-'));
  fs.mkdirSync(path.join(dir, '.git'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

describe('exit codes', () => {
  beforeEach(() => {
    repo = makeRepo({ 'k8s/web.yaml': OPEN_DEPLOYMENT });
  });

  it('1 when a finding reaches --fail-on (default: any finding)', () => {
    const run = runCli([], { cwd: repo });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('k8s/web.yaml:4:9');
    expect(run.stdout).toContain('netpol-default-deny-ingress-missing');
  });

  it('0 for a clean repository', () => {
    fs.writeFileSync(path.join(repo, 'k8s/policy.yaml'), DENY_ALL);
    const run = runCli(['k8s'], { cwd: repo });
    expect(run.stdout).toContain('No findings');
    expect(run.code).toBe(0);
  });

  it('--fail-on raises the threshold', () => {
    // Only the egress rule (medium) fires once ingress is denied.
    fs.writeFileSync(path.join(repo, 'k8s/policy.yaml'), DENY_ALL.replace('[Ingress, Egress]', '[Ingress]'));
    expect(runCli(['--fail-on', 'high'], { cwd: repo }).code).toBe(0);
    expect(runCli(['--fail-on', 'medium'], { cwd: repo }).code).toBe(1);
    expect(runCli(['--fail-on', 'none'], { cwd: repo }).code).toBe(0);
  });

  it('2 for an unknown flag, a bad value or a missing path, with a message and no stack trace', () => {
    for (const argv of [['--bogus'], ['-f', 'xml'], ['--fail-on', 'critical'], ['no/such/dir']]) {
      const run = runCli(argv, { cwd: repo });
      expect(run.code, argv.join(' ')).toBe(2);
      expect(run.stderr).toMatch(/^nsl-lint: /);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
  });
});

describe('config', () => {
  it('turns rules off and overrides severities', () => {
    repo = makeRepo({
      'web.yaml': OPEN_DEPLOYMENT,
      '.nsl-lint.yaml': 'rules:\n  netpol-default-deny-egress-missing: off\n  netpol-default-deny-ingress-missing: low\n',
    });
    const run = runCli(['-f', 'json'], { cwd: repo });
    const report = JSON.parse(run.stdout);
    expect(report.findings.map((f: { ruleId: string; severity: string }) => `${f.ruleId}:${f.severity}`)).toEqual([
      'netpol-default-deny-ingress-missing:low',
    ]);
  });

  it('is found upward from the working directory', () => {
    repo = makeRepo({
      'k8s/web.yaml': OPEN_DEPLOYMENT,
      '.nsl-lint.yaml': 'rules:\n  netpol-default-deny-egress-missing: off\n  netpol-default-deny-ingress-missing: off\n',
    });
    expect(runCli(['.'], { cwd: path.join(repo, 'k8s') }).code).toBe(0);
  });

  it('an unknown key is exit 2 with the file, line and key', () => {
    repo = makeRepo({ 'web.yaml': OPEN_DEPLOYMENT, '.nsl-lint.yaml': 'cluster:\n  cni: calico\n  dnsSelecter: { a: b }\n' });
    const run = runCli([], { cwd: repo });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('.nsl-lint.yaml:3:3: unknown key "cluster.dnsSelecter"');
  });

  it('a misspelt rule id or a bad value is exit 2 with its line', () => {
    repo = makeRepo({ 'c.yaml': 'rules:\n  secrets-commited: off\n', 'd.yaml': 'failOn: severe\n' });
    const misspelt = runCli(['-c', 'c.yaml'], { cwd: repo });
    expect(misspelt.code).toBe(2);
    expect(misspelt.stderr).toContain('c.yaml:2:3: unknown rule id "secrets-commited"');
    const bad = runCli(['-c', 'd.yaml'], { cwd: repo });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/d\.yaml:1:9: "failOn" must be equal to one of the allowed values/);
  });

  it('an out-of-range or reversed sensitive port is exit 2 at its line, not a silently disabled rule', () => {
    repo = makeRepo({
      'a.yaml': 'host:\n  sensitivePorts:\n    - 22\n    - "2222-22"\n',
      'b.yaml': 'host:\n  sensitivePorts: ["99999/tcp"]\n',
      'c.yaml': 'host:\n  sensitivePorts: [22, "53/udp", "8000-8100"]\n',
    });
    const reversed = runCli(['-c', 'a.yaml'], { cwd: repo });
    expect(reversed.code).toBe(2);
    expect(reversed.stderr).toContain('a.yaml:4:7: "host.sensitivePorts" entry "2222-22": the range is reversed (2222 > 22)');
    const tooHigh = runCli(['-c', 'b.yaml'], { cwd: repo });
    expect(tooHigh.code).toBe(2);
    expect(tooHigh.stderr).toContain('b.yaml:2:20: "host.sensitivePorts" entry "99999/tcp": ports are 1-65535');
    expect(runCli(['-c', 'c.yaml', '--fail-on', 'none'], { cwd: repo }).code).toBe(0);
  });

  it('--namespace sets the namespace of objects that name none', () => {
    repo = makeRepo({ 'web.yaml': OPEN_DEPLOYMENT.replace('  namespace: shop\n', '') });
    const run = runCli(['--namespace', 'payments', '-f', 'json'], { cwd: repo });
    expect(JSON.parse(run.stdout).findings[0].message).toContain('Namespace "payments"');
  });
});

describe('formats and output', () => {
  beforeEach(() => {
    repo = makeRepo({ 'k8s/web.yaml': OPEN_DEPLOYMENT });
  });

  it('json has the documented shape', () => {
    const report = JSON.parse(runCli(['-f', 'json'], { cwd: repo }).stdout);
    expect(Object.keys(report)).toEqual(['version', 'tool', 'summary', 'findings', 'notices']);
    expect(report.summary).toEqual({ filesChecked: 1, findings: 2, bySeverity: { high: 1, medium: 1, low: 0 } });
    expect(report.findings[0]).toMatchObject({ file: 'k8s/web.yaml', line: 4, column: 9, endLine: 4, endColumn: 12 });
    expect(report.findings[0].fingerprint).toMatch(/^[0-9a-f]{32}$/);
  });

  it('github prints workflow annotations', () => {
    const out = runCli(['-f', 'github'], { cwd: repo }).stdout;
    expect(out).toContain(
      '::error file=k8s/web.yaml,line=4,col=9,endLine=4,endColumn=12,title=nsl-lint netpol-default-deny-ingress-missing::',
    );
    expect(out).toContain('::warning file=k8s/web.yaml');
  });

  it('-o writes the report to a file, creating its folder', () => {
    const run = runCli(['-f', 'sarif', '-o', 'out/report.sarif'], { cwd: repo });
    expect(run.stdout).toBe('');
    expect(JSON.parse(fs.readFileSync(path.join(repo, 'out/report.sarif'), 'utf8')).version).toBe('2.1.0');
  });

  it('colour only on a terminal, NO_COLOR wins, FORCE_COLOR forces', () => {
    expect(runCli([], { cwd: repo }).stdout).not.toContain('\u001b[');
    expect(runCli([], { cwd: repo, tty: true }).stdout).toContain('\u001b[');
    expect(runCli([], { cwd: repo, tty: true, env: { NO_COLOR: '1' } }).stdout).not.toContain('\u001b[');
    expect(runCli([], { cwd: repo, env: { FORCE_COLOR: '1' } }).stdout).toContain('\u001b[');
    expect(useColor(true, { FORCE_COLOR: '0' })).toBe(false);
  });

  it('reads one stream from standard input with --stdin-filename', () => {
    const run = runCli(['-', '--stdin-filename', 'k8s/piped.yaml', '-f', 'json'], { cwd: repo, stdin: OPEN_DEPLOYMENT });
    const files = JSON.parse(run.stdout).findings.map((f: { file: string }) => f.file);
    expect(files).toEqual(['k8s/piped.yaml', 'k8s/piped.yaml']);
  });

  it('--help, --version and --list-rules answer and exit 0', () => {
    const help = runCli(['--help'], { cwd: repo });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit codes:');
    expect(runCli(['--version'], { cwd: repo }).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    const list = runCli(['--list-rules'], { cwd: repo });
    expect(list.stdout).toMatch(/^secrets-committed\s+high\s+Secret with clear-text data committed$/m);
  });
});

describe('discovery', () => {
  it('honours .gitignore (nested too) and config ignore, and skips node_modules', () => {
    repo = makeRepo({
      '.gitignore': 'generated/\n',
      'generated/web.yaml': OPEN_DEPLOYMENT,
      'node_modules/pkg/web.yaml': OPEN_DEPLOYMENT,
      'k8s/.gitignore': 'local-*.yaml\n',
      'k8s/local-web.yaml': OPEN_DEPLOYMENT,
      'vendor/web.yaml': OPEN_DEPLOYMENT,
      '.nsl-lint.yaml': 'ignore: ["vendor/"]\n',
      'k8s/kept.yaml': OPEN_DEPLOYMENT.replace('name: web', 'name: kept'),
    });
    const report = JSON.parse(runCli(['-f', 'json'], { cwd: repo }).stdout);
    expect([...new Set(report.findings.map((f: { file: string }) => f.file))]).toEqual(['k8s/kept.yaml']);
    expect(report.summary.filesChecked).toBe(1);
  });

  it('reports paths relative to the repository root, in path order', () => {
    repo = makeRepo({ 'b/x.yaml': OPEN_DEPLOYMENT.replace('shop', 'b'), 'a/y.yaml': OPEN_DEPLOYMENT.replace('shop', 'a') });
    const report = JSON.parse(runCli(['b', 'a', '-f', 'json'], { cwd: path.join(repo) }).stdout);
    expect(report.findings.map((f: { file: string }) => f.file)).toEqual(['a/y.yaml', 'a/y.yaml', 'b/x.yaml', 'b/x.yaml']);
  });
});

describe('connectivity', () => {
  it('prints the allowed connections of the repository, in every format', () => {
    repo = makeRepo({ 'k8s/web.yaml': OPEN_DEPLOYMENT, 'k8s/policy.yaml': DENY_ALL });
    const text = runCli(['connectivity'], { cwd: repo });
    expect(text.code).toBe(0);
    // Deny-all with a DNS-only egress: the only connection left is UDP/TCP 53 out.
    expect(text.stdout).toMatch(/^shop\/web\[Deployment\] => 0\.0\.0\.0\/0 : .*53/m);
    expect(text.stdout).not.toMatch(/=> shop\/web/);
    const json = JSON.parse(runCli(['connectivity', '-f', 'json'], { cwd: repo }).stdout);
    expect(json.connections.length).toBeGreaterThan(0);
    expect(runCli(['connectivity', '-f', 'md'], { cwd: repo }).stdout).toContain('```mermaid');
    expect(runCli(['connectivity', '-f', 'mermaid'], { cwd: repo }).stdout).toMatch(/^graph /m);
  });

  it('rejects a lint format', () => {
    const run = runCli(['connectivity', '-f', 'sarif'], { cwd: repo });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown format "sarif"; expected one of: text, json, md, mermaid');
  });
});

describe('the installed command', () => {
  it('runs the bundled CLI on the example repository', () => {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'pipe' });
    const run = spawnSync(process.execPath, [path.join(ROOT, 'bin/nsl-lint.js'), 'examples/shop'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('examples/shop/k8s/staging/app.yaml');
    expect(run.stderr).toBe('');
  });
});

describe('notes on stderr', () => {
  const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'nsl-notes-'));
  fs.mkdirSync(path.join(repo, 'chart', 'templates'), { recursive: true });
  fs.writeFileSync(path.join(repo, 'chart', 'Chart.yaml'), 'apiVersion: v2\nname: c\nversion: 0.1.0\n');
  for (let i = 0; i < 12; i++)
    fs.writeFileSync(path.join(repo, 'chart', 'templates', `t${String(i).padStart(2, '0')}.yaml`), 'replicas: {{ .Values.n }}\n');
  const notes = (stderr: string): string[] => stderr.split('\n').filter((l) => l.startsWith('nsl-lint: note: chart/'));

  it('the first ten are listed, then a count', () => {
    const run = runCli(['.'], { cwd: repo });
    const all = runCli(['.', '--verbose'], { cwd: repo })
      .stderr.split('\n')
      .filter((l) => l.startsWith('nsl-lint: note: '));
    expect(notes(run.stderr)).toHaveLength(10);
    expect(run.stderr).toContain(
      `nsl-lint: note: ${all.length - 10} more notes not shown (--verbose lists them; -f json and -f sarif include them all)\n`,
    );
  });

  it('--verbose lists all of them', () => {
    const run = runCli(['.', '--verbose'], { cwd: repo });
    expect(notes(run.stderr)).toHaveLength(12);
    expect(run.stderr).not.toContain('more notes not shown');
  });
});

describe('templates outside charts', () => {
  const repo = makeRepo({
    // Not YAML at all: `{{` opens flow mappings that never make sense.
    'k8s/broken.yaml':
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  {{- range .Values.keys }}\n  {{ . }}: x\n  {{- end }}\n',
    // YAML whose `{{ }}` stands for a whole value.
    'k8s/whole.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\ndata: {{ .Values.data }}\n',
    // JSON whose `{{ }}` stands for a key.
    'k8s/keyed.json': '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"{{ .Values.key }}": "x"}}\n',
    // `{{ }}` inside a string value: read, the value unknown.
    'k8s/inside.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: d\ndata:\n  k: "{{ .Values.v }}"\n',
  });

  it('are skipped with a note saying why, and valid YAML with `{{ }}` in values is read', () => {
    const run = runCli(['.', '--verbose', '-f', 'json', '--fail-on', 'none'], { cwd: repo });
    const notes = (JSON.parse(run.stdout) as { notices: { file?: string; message: string }[] }).notices
      .filter((n) => n.message.startsWith('skipped template'))
      .map((n) => `${n.file}: ${n.message}`)
      .sort();
    expect(notes).toEqual([
      'k8s/broken.yaml: skipped template: `{{ }}` markup that is not YAML',
      'k8s/keyed.json: skipped template: `{{ }}` stands for keys or whole values',
      'k8s/whole.yaml: skipped template: `{{ }}` stands for keys or whole values',
    ]);
  });
});
