import { coveredRule } from '../src/rule/host-rules.js';

export default coveredRule(
  {
    id: 'host-rule-shadowed',
    title: 'Firewall rule can never match',
    severity: 'medium',
    rationale:
      'Netfilter takes the first rule that decides a packet. When earlier rules of the same chain already accept, drop or return every packet a later rule matches, with a different verdict, the later rule is dead: whatever it was meant to allow or block does not happen. This is usually an ordering mistake (a broad ACCEPT before a specific DROP, or the reverse).',
    remediation: 'Move the rule above the rules that cover it (listed as related locations), narrow those rules, or delete the dead rule.',
    precision: 'high',
    tags: ['firewall'],
  },
  false,
);
