import { defaultDenyRule } from '../src/rulekit/default-deny.js';

export default defaultDenyRule(
  {
    id: 'netpol-default-deny-ingress-missing',
    title: 'Namespace has no default-deny ingress policy',
    severity: 'high',
    tags: ['kubernetes', 'network-policy'],
  },
  'Ingress',
);
