import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import yaml from 'js-yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

/**
 * The GitHub Action run by GitHub's own local runner, `@github/local-action` (it reads
 * action.yml, takes inputs from a dotenv file as `INPUT_*`, stands in for @actions/core and
 * prints annotations as workflow commands), against throwaway repositories. The expectations
 * are written by hand from the fixtures; the SARIF file is checked against the published
 * schema and by the SARIF Multitool; the committed bundle is run with no node_modules at all.
 */

const ROOT = path.resolve(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);
const MULTITOOL_DIR = path.dirname(require.resolve('@microsoft/sarif-multitool-linux/package.json'));
const SCHEMA = JSON.parse(fs.readFileSync(path.join(MULTITOOL_DIR, 'sarif-2.1.0.json'), 'utf8'));
const MULTITOOL = path.join(MULTITOOL_DIR, 'Sarif.Multitool');
const LOCAL_ACTION = path.join(ROOT, 'node_modules/.bin/local-action');

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
const SECRET = (name: string): string => `apiVersion: v1
kind: Secret
metadata:
  name: ${name}
  namespace: shop
stringData:
  password: hunter2-${name}
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

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nsl-action-'));
});

function makeRepo(name: string, files: Record<string, string>): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(path.join(dir, '.git'), { recursive: true });
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

interface ActionRun {
  output: string;
  annotations: { level: string; props: Record<string, string>; message: string }[];
  outputs: Record<string, string>;
  failure: string | undefined;
  summary: string;
}

/** `npx local-action run <repo root> src/action/main.ts <dotenv>`, from the project (it finds @actions/core there). */
function runAction(name: string, inputs: Record<string, string>): ActionRun {
  const summaryFile = path.join(tmp, `${name}.summary.md`);
  const env = { ...inputs, GITHUB_STEP_SUMMARY: summaryFile };
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
  const output = `${run.stdout}${run.stderr}`;
  expect(run.status, output).toBe(0);
  const annotations = [...output.matchAll(/^::(error|warning|notice) ([^:]*)::(.*)$/gm)].map((m) => ({
    level: m[1] as string,
    props: Object.fromEntries((m[2] as string).split(',').map((kv) => kv.split('=') as [string, string])),
    message: m[3] as string,
  }));
  const outputs = Object.fromEntries([...output.matchAll(/^::set-output name=([\w-]+)::(.*)$/gm)].map((m) => [m[1], m[2]]));
  // setFailed is an `::error::` line without properties.
  const failure = /^::error::(.*)$/m.exec(output)?.[1];
  return { output, annotations, outputs, failure, summary: fs.existsSync(summaryFile) ? fs.readFileSync(summaryFile, 'utf8') : '' };
}

function multitoolErrors(file: string): string[] {
  fs.chmodSync(MULTITOOL, 0o755);
  const out = `${file}.validation.sarif`;
  execFileSync(MULTITOOL, ['validate', file, '--rule-kind', 'Sarif;Ghas', '-o', out, '--log', 'ForceOverwrite'], {
    env: { ...process.env, DOTNET_SYSTEM_GLOBALIZATION_INVARIANT: '1' },
    stdio: 'pipe',
  });
  const results: { level?: string; ruleId: string }[] = JSON.parse(fs.readFileSync(out, 'utf8')).runs[0].results ?? [];
  return results.filter((r) => (r.level ?? 'warning') === 'error').map((r) => r.ruleId);
}

const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats.default(ajv);
const validateSarif = ajv.compile(SCHEMA);

describe('GitHub Action (through @github/local-action)', () => {
  it('action.yml follows the TypeScript action template: node24, a committed bundle, the documented inputs and outputs', () => {
    const action = yaml.load(fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as {
      runs: { using: string; main: string };
      inputs: Record<string, { default?: string }>;
      outputs: Record<string, unknown>;
    };
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/action.js' });
    expect(fs.existsSync(path.join(ROOT, action.runs.main))).toBe(true);
    expect(Object.keys(action.inputs).sort()).toEqual([
      'annotations',
      'baseline',
      'config',
      'fail-on',
      'path',
      'sarif-file',
      'working-directory',
    ]);
    expect(action.inputs['fail-on']?.default).toBe('high');
    expect(action.inputs['sarif-file']?.default).toBe('nsl-lint.sarif');
    expect(Object.keys(action.outputs).sort()).toEqual(['findings', 'new-findings', 'sarif-file']);
  });

  it('on a dirty repository: valid SARIF, annotations with rule titles and exact places, a summary, and a failed step', () => {
    const repo = makeRepo('dirty', { 'k8s/web.yaml': OPEN_DEPLOYMENT, 'k8s/secret.yaml': SECRET('db') });
    const run = runAction('dirty', { 'INPUT_WORKING-DIRECTORY': repo, 'INPUT_SARIF-FILE': 'reports/out.sarif' });

    // Written by hand: the Deployment's metadata.name (line 4, columns 9-12) anchors both
    // default-deny findings; the Secret's first stringData key (line 7) the secret.
    // Most severe first, then in path order.
    expect(run.annotations.map((a) => `${a.level} ${a.props['title']} ${a.props['file']}:${a.props['line']}:${a.props['col']}`)).toEqual([
      'error secrets-committed k8s/secret.yaml:7:3',
      'error netpol-default-deny-ingress-missing k8s/web.yaml:4:9',
      'warning netpol-default-deny-egress-missing k8s/web.yaml:4:9',
    ]);
    const ingress = run.annotations.find((a) => a.props['title'] === 'netpol-default-deny-ingress-missing');
    expect(ingress?.props).toMatchObject({ endLine: '4', endColumn: '12' });
    expect(ingress?.message).toContain('shop');

    const sarifPath = path.join(repo, 'reports/out.sarif');
    expect(run.outputs).toEqual({ 'sarif-file': sarifPath, findings: '3', 'new-findings': '3' });
    const log = JSON.parse(fs.readFileSync(sarifPath, 'utf8'));
    expect(validateSarif(log) ? [] : validateSarif.errors).toEqual([]);
    expect(multitoolErrors(sarifPath)).toEqual([]);
    expect(log.runs[0].results.map((r: { ruleId: string }) => r.ruleId).sort()).toEqual([
      'netpol-default-deny-egress-missing',
      'netpol-default-deny-ingress-missing',
      'secrets-committed',
    ]);

    expect(run.failure).toMatch(/3 findings, at least one at or above "high"/);
    expect(run.summary).toContain('| netpol | 1 | 1 | 0 | 2 |');
    expect(run.summary).toContain('| secrets | 1 | 0 | 0 | 1 |');
    expect(run.summary).toMatch(
      /\| namespace `shop` \| – \| ✗ <sub>netpol-default-deny-ingress-missing<\/sub> \| ✗ <sub>netpol-default-deny-egress-missing<\/sub> \|/,
    );
  }, 180_000);

  it('on a clean repository: no annotation, no failure, and the matrix shows the layer holding', () => {
    const repo = makeRepo('clean', { 'k8s/web.yaml': OPEN_DEPLOYMENT, 'k8s/policy.yaml': DENY_ALL });
    const run = runAction('clean', { 'INPUT_WORKING-DIRECTORY': repo });
    expect(run.annotations).toEqual([]);
    expect(run.failure).toBeUndefined();
    expect(run.outputs).toMatchObject({ findings: '0', 'new-findings': '0', 'sarif-file': path.join(repo, 'nsl-lint.sarif') });
    expect(validateSarif(JSON.parse(fs.readFileSync(path.join(repo, 'nsl-lint.sarif'), 'utf8')))).toBe(true);
    expect(run.summary).toMatch(/\| namespace `shop` \| – \| ✓ <sub>netpol-default-deny-ingress-missing/);
  }, 180_000);

  it('fail-on decides the step: a medium finding fails "medium" and passes "high"', () => {
    const repo = makeRepo('medium', {
      'k8s/web.yaml': OPEN_DEPLOYMENT,
      'k8s/policy.yaml': DENY_ALL.replace('[Ingress, Egress]', '[Ingress]'),
    });
    // Egress is no longer denied: only netpol-default-deny-egress-missing (medium) remains.
    expect(runAction('medium-high', { 'INPUT_WORKING-DIRECTORY': repo }).failure).toBeUndefined();
    expect(runAction('medium-medium', { 'INPUT_WORKING-DIRECTORY': repo, 'INPUT_FAIL-ON': 'medium' }).failure).toMatch(
      /at or above "medium"/,
    );
  }, 180_000);

  it('annotates at most 10 per level, most severe first, and says in the summary how many were left out', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 12; i++) files[`k8s/secret-${String(i).padStart(2, '0')}.yaml`] = SECRET(`s${i}`);
    const repo = makeRepo('many', files);
    const run = runAction('many', { 'INPUT_WORKING-DIRECTORY': repo, 'INPUT_FAIL-ON': 'none' });
    expect(run.annotations.filter((a) => a.level === 'error')).toHaveLength(10);
    expect(run.outputs['findings']).toBe('12');
    expect(run.failure).toBeUndefined();
    expect(run.summary).toContain('2 findings were not annotated');
    const quiet = runAction('many-off', { 'INPUT_WORKING-DIRECTORY': repo, 'INPUT_FAIL-ON': 'none', INPUT_ANNOTATIONS: 'false' });
    expect(quiet.annotations).toEqual([]);
  }, 180_000);

  it('with a baseline, only findings it does not hold are annotated and judge the step', () => {
    const repo = makeRepo('baseline', { 'k8s/web.yaml': OPEN_DEPLOYMENT });
    const write = runCli(['--write-baseline', 'nsl-lint.baseline.json'], { cwd: repo });
    expect(write.code, write.stderr).toBe(0);
    const unchanged = runAction('baseline-unchanged', { 'INPUT_WORKING-DIRECTORY': repo, INPUT_BASELINE: 'nsl-lint.baseline.json' });
    expect(unchanged.failure).toBeUndefined();
    expect(unchanged.annotations).toEqual([]);
    expect(unchanged.outputs).toMatchObject({ findings: '2', 'new-findings': '0' });

    fs.writeFileSync(path.join(repo, 'k8s/secret.yaml'), SECRET('db'));
    const added = runAction('baseline-added', { 'INPUT_WORKING-DIRECTORY': repo, INPUT_BASELINE: 'nsl-lint.baseline.json' });
    expect(added.annotations.map((a) => `${a.props['title']} ${a.props['file']}`)).toEqual(['secrets-committed k8s/secret.yaml']);
    expect(added.outputs).toMatchObject({ findings: '3', 'new-findings': '1' });
    expect(added.failure).toMatch(/1 finding, at least one at or above "high"/);
    expect(added.summary).toContain('3 findings (1 new since the baseline)');

    const missing = runAction('baseline-missing', { 'INPUT_WORKING-DIRECTORY': repo, INPUT_BASELINE: 'no-such.json' });
    expect(missing.failure).toContain('cannot read the baseline no-such.json');
  }, 240_000);

  it('a config error or a bad input fails the step with the reason', () => {
    const repo = makeRepo('badconfig', { 'k8s/web.yaml': OPEN_DEPLOYMENT, '.nsl-lint.yaml': 'failon: high\n' });
    expect(runAction('badconfig', { 'INPUT_WORKING-DIRECTORY': repo }).failure).toContain(
      '.nsl-lint.yaml:1:1: unknown key "failon" (did you mean `failOn`?)',
    );
    expect(runAction('badinput', { 'INPUT_WORKING-DIRECTORY': repo, 'INPUT_FAIL-ON': 'critical' }).failure).toContain(
      'fail-on takes low, medium, high or none',
    );
  }, 180_000);
});

describe('the committed bundle', () => {
  it('runs as GitHub runs it (node dist/action.js) from a copy with no node_modules, WebAssembly shell check included', () => {
    const action = path.join(tmp, 'checkout');
    fs.mkdirSync(action, { recursive: true });
    fs.cpSync(path.join(ROOT, 'action.yml'), path.join(action, 'action.yml'));
    fs.cpSync(path.join(ROOT, 'dist'), path.join(action, 'dist'), { recursive: true });
    // A broken script: only mvdan/sh (sh-syntax's WebAssembly) reports this error at line 3.
    const repo = makeRepo('bundle', { 'nodes/fw.sh': '#!/bin/sh\niptables -P INPUT DROP\nif then fi (\n' });
    const outputFile = path.join(tmp, 'bundle.outputs');
    const summaryFile = path.join(tmp, 'bundle.summary.md');
    fs.writeFileSync(outputFile, '');
    fs.writeFileSync(summaryFile, '');
    const run = spawnSync(process.execPath, [path.join(action, 'dist/action.js')], {
      cwd: repo,
      encoding: 'utf8',
      env: { PATH: process.env['PATH'] ?? '', GITHUB_OUTPUT: outputFile, GITHUB_STEP_SUMMARY: summaryFile, 'INPUT_FAIL-ON': 'high' },
    });
    expect(run.stdout).toMatch(/^::error title=parse-error,file=nodes\/fw\.sh,line=3,/m);
    expect(run.status).toBe(1);
    expect(fs.readFileSync(outputFile, 'utf8')).toMatch(/^findings<<(.+)\n\d+\n\1$/m);
    expect(fs.readFileSync(summaryFile, 'utf8')).toContain('## nsl-lint');
  });
});
