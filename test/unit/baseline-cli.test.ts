import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

const require = createRequire(import.meta.url);
const SCHEMA = JSON.parse(
  fs.readFileSync(path.join(path.dirname(require.resolve('@microsoft/sarif-multitool-linux/package.json')), 'sarif-2.1.0.json'), 'utf8'),
);
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats.default(ajv);
const validateSarif = ajv.compile(SCHEMA);

const SECRET = (name: string, value = 'tk-4f9a0c2e7b'): string =>
  `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\n  namespace: shop\nstringData:\n  token: ${value}\n`;

function makeRepo(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsl-baseline-'));
  fs.mkdirSync(path.join(dir, '.git'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

interface SarifResult {
  ruleId: string;
  baselineState?: string;
  suppressions?: { kind: string; justification?: string; location?: unknown }[];
  locations: { physicalLocation: { region: { startLine: number } } }[];
}

function sarifResults(repo: string, argv: string[]): { code: number; results: SarifResult[] } {
  const out = path.join(repo, 'out.sarif');
  const run = runCli([...argv, '-f', 'sarif', '-o', out], { cwd: repo });
  const log = JSON.parse(fs.readFileSync(out, 'utf8')) as { runs: { results: SarifResult[] }[] };
  expect(validateSarif(log) ? [] : validateSarif.errors, 'SARIF 2.1.0 schema').toEqual([]);
  fs.rmSync(out);
  return { code: run.code, results: log.runs[0]?.results ?? [] };
}

describe('baseline through the CLI', () => {
  it('written once, an unchanged repository passes; a new finding fails and is the only one reported', () => {
    const repo = makeRepo({
      'k8s/a.yaml': `${SECRET('a')}---\n${SECRET('b')}`,
      'fw.sh': '#!/bin/sh\niptables -A INPUT -p tcp --dport 22 -j ACCEPT\n',
    });
    expect(runCli(['.'], { cwd: repo }).code).toBe(1);

    const write = runCli(['--write-baseline', 'nsl-baseline.json'], { cwd: repo });
    expect(write.code).toBe(0);
    expect(write.stdout).toBe('');
    expect(write.stderr).toContain('wrote 3 findings to the baseline nsl-baseline.json');
    const data = JSON.parse(fs.readFileSync(path.join(repo, 'nsl-baseline.json'), 'utf8')) as {
      findings: { ruleId: string; file: string }[];
    };
    expect(data.findings.map((f) => `${f.file} ${f.ruleId}`)).toEqual([
      'fw.sh host-port-open-to-world',
      'k8s/a.yaml secrets-committed',
      'k8s/a.yaml secrets-committed',
    ]);

    const same = runCli(['--baseline', 'nsl-baseline.json'], { cwd: repo });
    expect(same.code).toBe(0);
    expect(same.stdout).toBe('✓ No findings (3 files checked; 3 hidden by the baseline).\n');

    // Unrelated edits keep the baseline valid: lines added above, documents swapped.
    fs.writeFileSync(path.join(repo, 'k8s/a.yaml'), `# shop secrets\n${SECRET('b')}---\n${SECRET('a')}---\n${SECRET('c')}`);
    const added = runCli(['--baseline', 'nsl-baseline.json'], { cwd: repo });
    expect(added.code).toBe(1);
    const lines = added.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^k8s\/a\.yaml:24:3 .*"shop\/c".*secrets-committed$/);
    expect(lines[2]).toBe('✖ 1 finding (1 high) in 1 file; 3 files checked; 3 hidden by the baseline.');

    const { code, results } = sarifResults(repo, ['--baseline', 'nsl-baseline.json']);
    expect(code).toBe(1);
    expect(results.map((r) => `${r.ruleId}:${r.locations[0]?.physicalLocation.region.startLine} ${r.baselineState}`)).toEqual([
      'host-port-open-to-world:2 unchanged',
      'secrets-committed:8 unchanged',
      'secrets-committed:16 unchanged',
      'secrets-committed:24 new',
    ]);
    // Without a baseline, results carry no baseline state.
    expect(sarifResults(repo, []).results.every((r) => r.baselineState === undefined)).toBe(true);
  });

  it('a missing or malformed baseline is a one-line usage error', () => {
    const repo = makeRepo({ 's.yaml': SECRET('a'), 'bad.json': '{"version": 1, "findings": {}}' });
    for (const file of ['missing.json', 'bad.json']) {
      const run = runCli(['--baseline', file], { cwd: repo });
      expect(run.code, file).toBe(2);
      expect(run.stderr, file).toMatch(new RegExp(`^nsl-lint: .*${file.replace('.', '\\.')}.*\\n$`));
      expect(run.stdout).toBe('');
    }
  });
});

describe('suppressed findings through the CLI', () => {
  const repo = makeRepo({
    's.yaml': `${SECRET('a', 'tk-4f9a0c2e7b  # nsl-lint-disable-line secrets-committed -- test credential of the kind cluster')}`,
  });

  it('do not count for the exit code and are only counted in the stylish summary', () => {
    const run = runCli([], { cwd: repo });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('✓ No findings (1 file checked; 1 suppressed).\n');
  });

  it('are absent from GitHub annotations', () => {
    expect(runCli(['-f', 'github'], { cwd: repo }).stdout).toBe('');
  });

  it('stay in SARIF with an inSource suppression and its justification', () => {
    const { code, results } = sarifResults(repo, []);
    expect(code).toBe(0);
    expect(results).toHaveLength(1);
    expect(results[0]?.suppressions).toEqual([
      {
        kind: 'inSource',
        justification: 'test credential of the kind cluster',
        location: {
          physicalLocation: {
            artifactLocation: { uri: 's.yaml', uriBaseId: '%SRCROOT%' },
            region: { startLine: 7, startColumn: 25, endLine: 7, endColumn: 105 },
          },
        },
      },
    ]);
  });

  it('stay in JSON with a `suppressed` field, out of the summary counts', () => {
    const out = JSON.parse(runCli(['-f', 'json'], { cwd: repo }).stdout) as {
      summary: { findings: number; suppressed: number };
      findings: { ruleId: string; suppressed: boolean; justification?: string }[];
    };
    expect(out.summary).toMatchObject({ findings: 0, suppressed: 1 });
    expect(out.findings).toMatchObject([
      { ruleId: 'secrets-committed', suppressed: true, justification: 'test credential of the kind cluster' },
    ]);
  });

  it('are left out of a written baseline', () => {
    expect(runCli(['--write-baseline', 'b.json'], { cwd: repo }).code).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(repo, 'b.json'), 'utf8')).findings).toEqual([]);
  });
});
