import { defineRule } from '../src/rule/rule.js';
import { resolvePorts } from '../src/analysis/netpol-ports.js';
import { DIRECTIONS, peerAdmitsEverything } from '../src/analysis/netpol-types.js';

export default defineRule({
  id: 'netpol-allow-all',
  title: 'Policy rule admits everything',
  severity: 'medium',
  rationale:
    'An ingress or egress rule that is empty (`- {}`), or whose peer is `0.0.0.0/0` or `::/0` with no `except`, matches every peer. Because allow rules add up, one such rule cancels the isolation every other policy of the pod builds, often without anyone noticing.',
  remediation:
    'Name the peers the workload needs (pod and namespace selectors, narrow CIDRs), or add `except` for the cluster and metadata ranges when a rule must reach the internet.',
  precision: 'high',
  tags: ['kubernetes', 'network-policy'],
  *check({ netpol }) {
    for (const policy of netpol.policies) {
      const what = `${policy.resource.kind} "${policy.resource.name}"`;
      for (const direction of DIRECTIONS) {
        const side = direction === 'Ingress' ? 'source' : 'destination';
        for (const rule of policy[direction]?.rules ?? []) {
          if (rule.action !== 'Allow' || rule.uncertain) continue;
          const ports = resolvePorts(rule.ports, []);
          if (rule.ports === 'all' && rule.peers.length === 1 && rule.peers[0]?.kind === 'all') {
            yield {
              at: rule.node.loc,
              message: `${what} has an ${direction.toLowerCase()} rule with no peers and no ports: it admits every ${side} on every port.`,
            };
            continue;
          }
          const onPorts = rule.ports === 'all' ? 'on every port' : ports.isEmpty ? 'on the listed ports' : `on ${ports.toString()}`;
          for (const peer of rule.peers) {
            const open = peerAdmitsEverything(peer);
            if (open)
              yield {
                at: open.node.loc,
                message: `${what} allows ${direction.toLowerCase()} ${direction === 'Ingress' ? 'from' : 'to'} ${open.what} ${onPorts}: ${open.everyone} is a ${side}.`,
              };
          }
        }
      }
    }
  },
});
