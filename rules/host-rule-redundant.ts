import { coveredRule } from '../src/rule/host-rules.js';

export default coveredRule(
  {
    id: 'host-rule-redundant',
    title: 'Firewall rule has no effect',
    severity: 'low',
    rationale:
      'Every packet this rule matches is already decided, with the same verdict, by earlier rules of the same chain. The rule changes nothing, but it makes the ruleset longer and suggests a protection or an opening that someone may rely on when editing the earlier rules.',
    remediation:
      'Delete the rule, or narrow the earlier rules (listed as related locations) if the rule was meant to be the one that decides.',
    precision: 'high',
    tags: ['firewall'],
  },
  true,
);
