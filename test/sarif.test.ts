import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';
import { sarif } from '../src/report/sarif.js';
import { TOOL } from '../src/core/tool.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);
const MULTITOOL_DIR = path.dirname(require.resolve('@microsoft/sarif-multitool-linux/package.json'));
const SCHEMA = JSON.parse(fs.readFileSync(path.join(MULTITOOL_DIR, 'sarif-2.1.0.json'), 'utf8'));
const MULTITOOL = path.join(MULTITOOL_DIR, 'Sarif.Multitool');
const GOLDEN = path.join(ROOT, 'test/golden/shop.sarif');

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nsl-sarif-'));
});

function sarifFor(target: string, name: string): { file: string; log: SarifLog } {
  const file = path.join(tmp, `${name}.sarif`);
  const run = runCli([target, '-f', 'sarif', '-o', file], { cwd: ROOT });
  expect(run.code, run.stderr).toBeLessThan(2);
  return { file, log: JSON.parse(fs.readFileSync(file, 'utf8')) as SarifLog };
}

interface SarifLog {
  runs: {
    tool: { driver: { rules: { id: string }[] } };
    results: {
      ruleId: string;
      ruleIndex: number;
      partialFingerprints: Record<string, string>;
      locations: { physicalLocation: { region: { startLine: number } } }[];
    }[];
    originalUriBaseIds: Record<string, { uri: string }>;
  }[];
}

/** Messages of the Multitool's validation log (errors and warnings), rendered as text. */
function multitoolFindings(file: string): { level: string; text: string }[] {
  fs.chmodSync(MULTITOOL, 0o755); // npm does not run the package's own chmod step
  const out = path.join(tmp, `${path.basename(file)}.validation.sarif`);
  execFileSync(MULTITOOL, ['validate', file, '--rule-kind', 'Sarif;Ghas', '-o', out, '--log', 'ForceOverwrite'], {
    env: { ...process.env, DOTNET_SYSTEM_GLOBALIZATION_INVARIANT: '1' },
    stdio: 'pipe',
  });
  const log = JSON.parse(fs.readFileSync(out, 'utf8'));
  const run = log.runs[0];
  const rules = new Map<string, { messageStrings?: Record<string, { text: string }> }>(
    (run.tool.driver.rules ?? []).map((r: { id: string }) => [r.id, r]),
  );
  return (run.results ?? []).map((r: { ruleId: string; level?: string; message: { id?: string; arguments?: string[] } }) => {
    const template = rules.get(r.ruleId)?.messageStrings?.[r.message.id ?? '']?.text ?? '';
    const text = template.replace(/\{(\d+)\}/g, (_: string, i: string) => r.message.arguments?.[Number(i)] ?? '');
    return { level: r.level ?? 'warning', text: `${r.ruleId}: ${text}` };
  });
}

describe('SARIF output', () => {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats.default(ajv);
  const validate = ajv.compile(SCHEMA);

  it('passes the official SARIF 2.1.0 schema (example repository and every fixture)', () => {
    const targets = ['examples/shop', ...fs.readdirSync(path.join(ROOT, 'fixtures')).map((d) => `fixtures/${d}`)];
    for (const target of targets) {
      const { log } = sarifFor(target, target.replace(/\W/g, '_'));
      expect(validate(log) ? [] : validate.errors, target).toEqual([]);
    }
  });

  it('the schema check can fail: a result with line 0 is rejected', () => {
    const { log } = sarifFor('examples/shop', 'broken');
    const broken = structuredClone(log);
    const first = broken.runs[0]?.results[0];
    if (first?.locations[0]) first.locations[0].physicalLocation.region.startLine = 0;
    expect(validate(broken)).toBe(false);
  });

  it('marks a run that failed on a file as unsuccessful, with an internal-error notification, and stays valid', () => {
    const text = sarif({
      findings: [],
      notices: [
        {
          level: 'error',
          file: 'k8s/100% #x?.yaml',
          message: 'internal error while reading this file (boom); it was not checked',
          internal: true,
        },
        { level: 'note', file: 'chart/templates/a.yaml', message: 'skipped Helm template' },
      ],
      rules: [],
      filesChecked: 2,
      tool: TOOL,
      root: ROOT,
      color: false,
    });
    const log = JSON.parse(text) as {
      runs: { invocations: { executionSuccessful: boolean; toolExecutionNotifications: Record<string, unknown>[] }[] }[];
    };
    const invocation = log.runs[0]?.invocations[0];
    expect(invocation?.executionSuccessful).toBe(false);
    expect(invocation?.toolExecutionNotifications.map((n) => n['descriptor'])).toEqual([{ id: 'internal-error' }, undefined]);
    expect(text).toContain('"uri": "k8s/100%25%20%23x%3F.yaml"');
    expect(validate(log) ? [] : validate.errors).toEqual([]);
  });

  it('has no error-level result from the SARIF Multitool with the GitHub (Ghas) rules', () => {
    const { file } = sarifFor('examples/shop', 'shop');
    const errors = multitoolFindings(file).filter((f) => f.level === 'error');
    expect(errors).toEqual([]);
  });

  it('the Multitool check can fail: a rule without help is an error for GitHub', () => {
    const { log } = sarifFor('examples/shop', 'nohelp');
    const broken = structuredClone(log) as unknown as { runs: { tool: { driver: { rules: Record<string, unknown>[] } } }[] };
    delete broken.runs[0]?.tool.driver.rules[0]?.['help'];
    const file = path.join(tmp, 'nohelp-broken.sarif');
    fs.writeFileSync(file, JSON.stringify(broken));
    expect(multitoolFindings(file).some((f) => f.level === 'error' && f.text.includes('help'))).toBe(true);
  });

  it('ruleIndex points at the descriptor of the ruleId', () => {
    const { log } = sarifFor('examples/shop', 'index');
    const run = log.runs[0];
    expect(run?.results.length).toBeGreaterThan(0);
    for (const r of run?.results ?? []) expect(run?.tool.driver.rules[r.ruleIndex]?.id).toBe(r.ruleId);
  });

  it('fingerprints survive unrelated lines moving, and only then', () => {
    const repo = fs.mkdtempSync(path.join(tmp, 'fp-'));
    const manifest = 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: a\nstringData:\n  token: abc\n';
    fs.writeFileSync(path.join(repo, 's.yaml'), manifest);
    const before = sarifFor(repo, 'fp1').log.runs[0]?.results[0];
    fs.writeFileSync(path.join(repo, 's.yaml'), `# a comment\n# another\n${manifest}`);
    const after = sarifFor(repo, 'fp2').log.runs[0]?.results[0];
    expect(after?.locations[0]?.physicalLocation.region.startLine).toBe((before?.locations[0]?.physicalLocation.region.startLine ?? 0) + 2);
    expect(after?.partialFingerprints).toEqual(before?.partialFingerprints);
    fs.writeFileSync(path.join(repo, 's.yaml'), manifest.replace('token: abc', 'apikey: abc'));
    const changed = sarifFor(repo, 'fp3').log.runs[0]?.results[0];
    expect(changed?.partialFingerprints).not.toEqual(before?.partialFingerprints);
  });

  it('matches the golden file for the example repository (UPDATE_GOLDEN=1 to refresh)', () => {
    const { log } = sarifFor('examples/shop', 'golden');
    const normalized = `${JSON.stringify(normalize(log), null, 2)}\n`;
    if (process.env['UPDATE_GOLDEN']) fs.writeFileSync(GOLDEN, normalized);
    expect(normalized).toBe(fs.readFileSync(GOLDEN, 'utf8'));
  });
});

/** The machine-specific root and the version change between runs and releases; nothing else may. */
function normalize(log: SarifLog): unknown {
  const copy = structuredClone(log) as unknown as {
    runs: { originalUriBaseIds: Record<string, { uri: string }>; tool: { driver: Record<string, unknown> } }[];
  };
  for (const run of copy.runs) {
    run.originalUriBaseIds = { '%SRCROOT%': { uri: 'file:///REPOSITORY/' } };
    run.tool.driver['version'] = 'VERSION';
    run.tool.driver['semanticVersion'] = 'VERSION';
  }
  return copy;
}
