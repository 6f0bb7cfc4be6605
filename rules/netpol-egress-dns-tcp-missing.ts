import { defineRule } from '../src/rule/rule.js';
import { podName } from '../src/analysis/netpol.js';
import type { Policy } from '../src/analysis/netpol-types.js';
import { listNames } from '../src/analysis/namespaces.js';

export default defineRule({
  id: 'netpol-egress-dns-tcp-missing',
  title: 'DNS allowed over UDP 53 but not TCP 53',
  severity: 'low',
  rationale:
    'Resolvers retry over TCP when an answer does not fit in a UDP datagram (large record sets, DNSSEC) and for zone transfers. A policy that opens only UDP 53 works in tests and fails on the first large answer.',
  remediation: 'Allow TCP 53 next to UDP 53 in the same egress rule (`- protocol: TCP` and `port: 53`).',
  precision: 'high',
  tags: ['kubernetes', 'network-policy', 'dns'],
  *check({ netpol, dns }) {
    const a = netpol;
    const affected = new Map<Policy, string[]>();
    for (const pod of dns.subjects()) {
      if (a.isolated(pod, 'Egress') !== true) continue;
      const access = dns.access(pod);
      if (!access.lower.has('UDP', 53) || access.upper.has('TCP', 53)) continue;
      const givers = new Set<Policy>();
      for (const ep of dns.endpoints) for (const p of a.allowingPolicies(pod, 'Egress', ep, 'UDP', 53, true)) givers.add(p);
      for (const policy of givers) affected.set(policy, [...(affected.get(policy) ?? []), podName(pod)]);
    }
    for (const [policy, pods] of [...affected].sort(([x], [y]) => x.index - y.index)) {
      const at = policy.resource.metadata?.get('name')?.loc;
      if (!at) continue;
      yield {
        at,
        message: `${policy.resource.kind} "${policy.resource.name}" lets ${listNames(pods)} query DNS over UDP 53, but TCP 53 is not allowed: answers too large for UDP (DNSSEC, long record sets) will fail.`,
      };
    }
  },
});
