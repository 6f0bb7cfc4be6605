import type { Rule } from '../rule/rule.js';
import { ruleLayer } from '../rule/rule.js';

const LAYERS: Record<string, string> = {
  parse: 'Meta',
  unknown: 'Meta',
  suppression: 'Meta',
  netpol: 'NetworkPolicy',
  cni: 'Policy enforcement (CNI)',
  mesh: 'Service mesh',
  edge: 'Edge exposure',
  dns: 'Cluster DNS',
  secrets: 'Secrets',
  host: 'Host firewall',
  access: 'VPN and bastion access',
};

/** rules/README.md, generated from the rules' metadata (`npm run docs`); a test keeps it in sync. */
export function renderRuleDocs(rules: readonly Rule[]): string {
  const out: string[] = [
    '# nsl-lint rules',
    '',
    '<!-- Generated from the rule files by `npm run docs`; do not edit by hand. -->',
    '',
    'Severity maps to SARIF `level` (high → error, medium → warning, low → note). Turn a rule off or change its severity in `.nsl-lint.yaml`:',
    '',
    '```yaml',
    'rules:',
    '  netpol-default-deny-egress-missing: off',
    '  secrets-committed: medium',
    '```',
    '',
    '| rule | severity | layer | title |',
    '|---|---|---|---|',
    ...rules.map((r) => `| [\`${r.id}\`](#${r.id}) | ${r.severity} | ${LAYERS[ruleLayer(r.id)] ?? ruleLayer(r.id)} | ${r.title} |`),
    '',
  ];
  for (const r of rules) {
    out.push(
      `## ${r.id}`,
      '',
      `**${r.title}** · severity ${r.severity} · precision ${r.precision ?? 'high'}`,
      '',
      r.rationale.trim(),
      '',
      `**Remediation:** ${r.remediation.trim()}`,
      '',
    );
  }
  return out.join('\n');
}
