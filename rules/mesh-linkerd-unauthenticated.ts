import { defineRule } from '../src/rule/rule.js';

const KEY = 'config.linkerd.io/default-inbound-policy';
const OPEN = ['all-unauthenticated', 'cluster-unauthenticated'];

export default defineRule({
  id: 'mesh-linkerd-unauthenticated',
  title: 'Linkerd default inbound policy is unauthenticated',
  severity: 'high',
  rationale:
    "Linkerd's default inbound policy decides what a proxy admits on ports no `Server` describes. `all-unauthenticated` admits anyone, `cluster-unauthenticated` anyone from the cluster's networks, in both cases without a mesh identity. Setting it explicitly on a namespace or pod template fixes that open default in place.",
  remediation:
    'Use `all-authenticated` or `cluster-authenticated` (or `deny`) and describe the traffic each workload needs with `Server` and `AuthorizationPolicy` resources.',
  precision: 'very-high',
  tags: ['kubernetes', 'service-mesh', 'linkerd'],
  *check({ mesh }) {
    for (const e of mesh.annotations([KEY], { namespaces: true })) {
      if (!OPEN.includes(e.value)) continue;
      const r = e.resource;
      const name = r.kind === 'Namespace' ? `Namespace "${r.name}"` : `${r.kind} "${r.namespace ?? ''}/${r.name}"`;
      yield {
        at: e.node.loc,
        message: `${name} sets Linkerd's default inbound policy to ${e.value}: its proxies admit connections without a mesh identity.`,
      };
    }
  },
});
