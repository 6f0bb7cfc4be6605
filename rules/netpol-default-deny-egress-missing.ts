import { defaultDenyRule } from '../src/rule/default-deny-rule.js';

export default defaultDenyRule(
  {
    id: 'netpol-default-deny-egress-missing',
    title: 'Namespace has no default-deny egress policy',
    severity: 'medium',
    tags: ['kubernetes', 'network-policy'],
  },
  'Egress',
);
