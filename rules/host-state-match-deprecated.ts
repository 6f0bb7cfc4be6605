import { defineRule } from '../src/rule/rule.js';

export default defineRule({
  id: 'host-state-match-deprecated',
  title: 'Legacy `-m state` match',
  severity: 'low',
  rationale:
    'The `state` match is a legacy alias kept for compatibility; `conntrack` is the maintained match with the same states and more (ctstatus, ctorigsrc, …). iptables-nft translates `-m state` but tools and reviewers expect `-m conntrack --ctstate`.',
  remediation: 'Replace `-m state --state X` with `-m conntrack --ctstate X`.',
  precision: 'very-high',
  tags: ['firewall', 'style'],
  *check({ model }) {
    for (const rs of model.host.rulesets)
      for (const t of rs.tables)
        for (const c of t.chains)
          for (const r of c.rules)
            if (r.stateMatch) yield { at: r.at, message: 'Uses `-m state --state`; use `-m conntrack --ctstate` instead.' };
  },
});
