import { defaultDenyRule } from '../src/rule/default-deny-rule.js';

export default defaultDenyRule(
  {
    id: 'netpol-default-deny-ingress-missing',
    title: 'Namespace has no default-deny ingress policy',
    severity: 'high',
    tags: ['kubernetes', 'network-policy'],
  },
  'Ingress',
);
