import { defineRule } from '../src/rule/rule.js';
import { DIRECTIONS } from '../src/analysis/netpol-types.js';

export default defineRule({
  id: 'netpol-peer-all-namespaces',
  title: 'Peer matches every pod in every namespace',
  severity: 'medium',
  rationale: `A peer holding only \`namespaceSelector: {}\` (Calico: \`namespaceSelector: all()\` without \`selector\`) selects all pods of all namespaces. It is usually an AND (namespace and pod selector in one item) split into an OR by an extra dash, which admits far more than the pod selector in the next item suggests.`,
  remediation: 'Put `namespaceSelector` and `podSelector` in the same peer item, or name the namespaces.',
  precision: 'high',
  tags: ['kubernetes', 'network-policy'],
  *check({ netpol }) {
    for (const policy of netpol.policies) {
      if (policy.flavor === 'cilium') continue;
      const podField = policy.flavor === 'kubernetes' ? 'podSelector' : 'selector';
      for (const direction of DIRECTIONS) {
        for (const rule of policy[direction]?.rules ?? []) {
          if (rule.action === 'Deny') continue;
          for (const peer of rule.peers) {
            if (peer.kind !== 'pods' || peer.namespaces.kind !== 'selector' || !peer.namespaces.matcher.all) continue;
            const nsNode = peer.node?.get('namespaceSelector');
            if (!nsNode || peer.node?.get(podField) !== undefined) continue;
            yield {
              at: nsNode.keyLoc,
              message: `${policy.resource.kind} "${policy.resource.name}" has an ${direction.toLowerCase()} peer with an empty namespace selector and no pod selector: it matches every pod in every namespace. If it should also require a pod selector, put both in one peer item.`,
            };
          }
        }
      }
    }
  },
});
