import { defineRule } from '../src/rule/rule.js';

/** Istio reads these on the pod only. */
const ISTIO_KEYS = [
  'traffic.sidecar.istio.io/excludeInboundPorts',
  'traffic.sidecar.istio.io/excludeOutboundPorts',
  'traffic.sidecar.istio.io/excludeOutboundIPRanges',
];
/** Linkerd also copies them from the namespace to its pods. */
const LINKERD_KEYS = ['config.linkerd.io/skip-inbound-ports', 'config.linkerd.io/skip-outbound-ports'];

export default defineRule({
  id: 'mesh-port-exclusion',
  title: 'Sidecar capture bypassed for some ports or ranges',
  severity: 'medium',
  rationale:
    'Excluded ports and address ranges never reach the sidecar: that traffic is plaintext, carries no mesh identity, and no mesh authorization policy sees it. Exclusions added to get a database or a metrics scrape working often outlive the reason and open a quiet side door.',
  remediation:
    'Remove the exclusion, or narrow it to the single port or range that cannot go through the proxy, and protect that path with a NetworkPolicy.',
  precision: 'high',
  tags: ['kubernetes', 'service-mesh', 'istio', 'linkerd'],
  *check({ mesh }) {
    const entries = [...mesh.annotations(ISTIO_KEYS, { namespaces: false }), ...mesh.annotations(LINKERD_KEYS, { namespaces: true })];
    for (const e of entries) {
      // An empty list excludes nothing.
      if (e.value.trim() === '') continue;
      const r = e.resource;
      const name = r.kind === 'Namespace' ? `Namespace "${r.name}"` : `${r.kind} "${r.namespace ?? ''}/${r.name}"`;
      yield {
        at: e.node.loc,
        message: `${name} bypasses the sidecar with ${e.key}: "${e.value}": that traffic skips mTLS and mesh authorization.`,
      };
    }
  },
});
