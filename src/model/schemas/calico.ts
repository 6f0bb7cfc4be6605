import type { Shape } from './shape.js';

// Calico policy fields, written from the published CRDs of Calico v3.32.1
// (libcalico-go/config/crd/crd.projectcalico.org_{networkpolicies,globalnetworkpolicies}.yaml,
// and api/config/crd/projectcalico.org_*.yaml for projectcalico.org/v3, which has the same fields).
// Ports and protocols are int-or-string; selectors are Calico selector expressions (strings).

const selectorOfServiceAccounts: Shape = { names: ['*'], selector: '*' };

/** Where a rule's traffic comes from or goes to (`source`, `destination`). */
const entityRule: Shape = {
  namespaceSelector: '*',
  nets: ['*'],
  notNets: ['*'],
  notPorts: ['*'],
  notSelector: '*',
  ports: ['*'],
  selector: '*',
  serviceAccounts: selectorOfServiceAccounts,
  services: { name: '*', namespace: '*' },
};

const icmp: Shape = { code: '*', type: '*' };

const rule: Shape = {
  action: '*',
  destination: entityRule,
  http: { methods: ['*'], paths: [{ exact: '*', prefix: '*' }] },
  icmp,
  ipVersion: '*',
  metadata: { annotations: { '*': '*' } },
  notICMP: icmp,
  notProtocol: '*',
  protocol: '*',
  source: entityRule,
};

/** `spec` of a namespaced Calico NetworkPolicy. */
export const CALICO_NETWORK_POLICY_SPEC: Shape = {
  egress: [rule],
  ingress: [rule],
  order: '*',
  performanceHints: ['*'],
  selector: '*',
  serviceAccountSelector: '*',
  tier: '*',
  types: ['*'],
};

/** `spec` of a GlobalNetworkPolicy: the namespaced fields plus the host-endpoint ones. */
export const CALICO_GLOBAL_NETWORK_POLICY_SPEC: Shape = {
  ...CALICO_NETWORK_POLICY_SPEC,
  applyOnForward: '*',
  doNotTrack: '*',
  namespaceSelector: '*',
  preDNAT: '*',
};
