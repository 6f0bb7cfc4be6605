import { defineRule } from '../src/rule/rule.js';
import { podName } from '../src/analysis/netpol.js';
import type { Policy } from '../src/analysis/netpol-types.js';
import { listNames } from '../src/analysis/namespaces.js';

export default defineRule({
  id: 'netpol-egress-dns-blocked',
  title: 'Egress-isolated pod cannot reach DNS on UDP 53',
  severity: 'high',
  rationale:
    'Once a policy isolates a pod for egress, only what some rule allows gets out, and that includes name resolution. Without UDP 53 to the cluster DNS every lookup times out and the application fails in ways that rarely point at the policy. A `port: 53` without `protocol` is the usual cause: it means TCP only.',
  remediation:
    'Add an egress rule to the DNS pods (`namespaceSelector` for their namespace together with `podSelector` for `k8s-app: kube-dns`) with both `protocol: UDP` and `protocol: TCP` on port 53.',
  precision: 'high',
  tags: ['kubernetes', 'network-policy', 'dns'],
  *check({ netpol, dns }) {
    const a = netpol;
    const affected = new Map<Policy, { pods: string[]; reasons: Set<string> }>();
    for (const pod of dns.subjects()) {
      if (a.isolated(pod, 'Egress') !== true) continue;
      // Blocked only when even the permissive reading of uncertain matches lets no UDP 53 through.
      if (dns.access(pod).upper.has('UDP', 53)) continue;
      const reason = dns.explainBlocked(pod);
      for (const app of a.applicable(pod, 'Egress')) {
        if (!app.rules.isolates || app.selected !== true) continue;
        const entry = affected.get(app.policy) ?? { pods: [], reasons: new Set<string>() };
        entry.pods.push(podName(pod));
        entry.reasons.add(reason);
        affected.set(app.policy, entry);
      }
    }
    for (const [policy, { pods, reasons }] of [...affected].sort(([x], [y]) => x.index - y.index)) {
      const at = policy.resource.metadata?.get('name')?.loc;
      if (!at) continue;
      yield {
        at,
        message: `${policy.resource.kind} "${policy.resource.name}" makes ${listNames(pods)} egress-isolated, and ${pods.length === 1 ? 'it' : 'they'} cannot reach DNS on UDP 53: ${[...reasons].join('; ')}.`,
      };
    }
  },
});
