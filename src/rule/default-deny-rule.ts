import { defineRule, type Rule, type RuleMeta } from './rule.js';
import { namespaceWidePolicies } from '../analysis/isolation.js';
import { listNames, namespaceAnchor, workloadsByNamespace } from '../analysis/namespaces.js';
import type { Direction } from '../analysis/netpol-types.js';

/** The ingress and egress default-deny rules differ only in the direction they check. */
export function defaultDenyRule(meta: Omit<RuleMeta, 'rationale' | 'remediation'> & Partial<RuleMeta>, direction: Direction): Rule {
  const word = direction === 'Ingress' ? 'ingress' : 'egress';
  return defineRule({
    rationale: `Without a policy that selects every pod of a namespace for ${word}, any pod not picked by some other policy keeps Kubernetes' default of allowing all ${word} traffic. A namespace-wide default-deny (Kubernetes \`podSelector: {}\` with \`${direction}\` in \`policyTypes\`, Calico \`selector: all()\`, Cilium \`endpointSelector: {}\`, or a cluster-wide Calico/Cilium policy selecting every pod) makes every later allow rule the only way ${direction === 'Ingress' ? 'in' : 'out'}. Pods on the host network are not counted: policies never apply to them.`,
    remediation: `Add a NetworkPolicy with \`podSelector: {}\` and \`policyTypes: [${direction}]\` to the namespace, then allow the ${word} traffic each workload needs.`,
    precision: 'high',
    ...meta,
    *check({ model, netpol }) {
      for (const [namespace, workloads] of workloadsByNamespace(model, { podNetworkOnly: true })) {
        if (namespaceWidePolicies(netpol, namespace, direction).length > 0) continue;
        const at = namespaceAnchor(model, namespace, workloads);
        if (!at) continue;
        const names = listNames(workloads.map((w) => `${w.name} (${w.kind})`));
        yield {
          at,
          message: `Namespace "${namespace}" has no default-deny ${word} policy: ${names} ${direction === 'Ingress' ? 'accept' : 'may open'}${workloads.length === 1 && direction === 'Ingress' ? 's' : ''} connections ${direction === 'Ingress' ? 'from' : 'to'} any pod or address unless another policy selects ${workloads.length === 1 ? 'it' : 'them'}.`,
        };
      }
    },
  });
}
