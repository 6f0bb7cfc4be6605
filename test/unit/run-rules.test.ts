import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/core/config.js';
import { loadModel } from '../../src/model/load.js';
import { AnalysisContext } from '../../src/rule/context.js';
import { defineRule } from '../../src/rule/rule.js';
import { runRules } from '../../src/engine/run.js';
import secretsCommitted from '../../rules/secrets-committed.js';

const SECRET = 'apiVersion: v1\nkind: Secret\nmetadata: { name: db, namespace: shop }\nstringData:\n  password: hunter2hunter2\n';

describe('running rules', () => {
  const model = loadModel('/r', [{ path: 'secret.yaml', abs: '/r/secret.yaml', kind: 'manifest', text: SECRET }], defaultConfig());

  it('turns an exception in one rule into a notice naming it; the other rules still report', () => {
    const broken = defineRule({
      id: 'netpol-broken-probe',
      title: 'Throws',
      severity: 'high',
      rationale: 'A rule that fails while checking.',
      remediation: 'None.',
      *check() {
        yield* [];
        throw new Error('selector index out of range');
      },
    });
    const { findings, notices } = runRules(new AnalysisContext(model), [
      { rule: broken, severity: 'high' },
      { rule: secretsCommitted, severity: 'high' },
    ]);
    expect(findings.map((f) => `${f.ruleId} ${f.file}:${f.span.start.line}`)).toEqual(['secrets-committed secret.yaml:5']);
    expect(notices).toEqual([
      {
        level: 'error',
        message: 'internal error in rule netpol-broken-probe: selector index out of range; its findings are missing',
        internal: true,
      },
    ]);
  });

  it('builds each analysis once and only when a rule asks for it', () => {
    const context = new AnalysisContext(model);
    expect(context.netpol).toBe(context.netpol);
    expect(context.dns).toBe(context.dns);
    expect(context.firewalls).toBe(context.firewalls);
  });
});
