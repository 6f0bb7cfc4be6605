import { defineRule } from '../src/rule/rule.js';
import { podName } from '../src/analysis/netpol.js';
import { listNames } from '../src/analysis/namespaces.js';

export default defineRule({
  id: 'netpol-hostnetwork-selected',
  title: 'Policy selects a host-network workload',
  severity: 'medium',
  rationale:
    "Pods with `hostNetwork: true` use the node's network namespace; NetworkPolicies (and Calico or Cilium pod policies) do not apply to them. A policy written for such a workload gives a false sense of protection: its traffic is governed only by the host firewall.",
  remediation:
    'Protect host-network workloads with a host firewall (or Calico host endpoint / Cilium host policies), or run them on the pod network if they do not need the host network.',
  precision: 'high',
  tags: ['kubernetes', 'network-policy'],
  *check({ netpol }) {
    const a = netpol;
    const hostPods = a.pods.filter((p) => p.hostNetwork);
    if (hostPods.length === 0) return;
    for (const policy of a.policies) {
      // An empty selector is a namespace-wide default; it is not written for the host-network pod.
      if (policy.pods.all) continue;
      const selected = hostPods.filter((pod) => a.selectsIgnoringHostNetwork(policy, pod) === true);
      if (selected.length === 0) continue;
      const at = policy.resource.metadata?.get('name')?.loc;
      if (!at) continue;
      yield {
        at,
        message: `${policy.resource.kind} "${policy.resource.name}" selects ${listNames(selected.map(podName))} with \`hostNetwork: true\`; policies do not apply to host-network pods, so it protects nothing there.`,
      };
    }
  },
});
