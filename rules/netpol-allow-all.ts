import { defineRule } from '../src/engine/rule.js';
import { netpolAnalysis } from '../src/analysis/netpol.js';
import { formatIp, isWholeFamily } from '../src/analysis/netpol-ip.js';
import { resolvePorts } from '../src/analysis/netpol-ports.js';
import { DIRECTIONS } from '../src/analysis/netpol-types.js';

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
  *check(model) {
    for (const policy of netpolAnalysis(model).policies) {
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
          for (const peer of rule.peers) {
            const onPorts = rule.ports === 'all' ? 'on every port' : ports.isEmpty ? 'on the listed ports' : `on ${ports.toString()}`;
            if (peer.kind === 'cidr' && isWholeFamily(peer.range) && peer.except.length === 0 && peer.node) {
              yield {
                at: peer.node.loc,
                message: `${what} allows ${direction.toLowerCase()} ${direction === 'Ingress' ? 'from' : 'to'} ${formatIp(peer.range.family, 0n)}/0 without \`except\` ${onPorts}: every address is a ${side}.`,
              };
            } else if (peer.kind === 'entity' && (peer.entity === 'all' || peer.entity === 'world') && peer.node) {
              yield {
                at: peer.node.loc,
                message: `${what} allows ${direction.toLowerCase()} ${direction === 'Ingress' ? 'from' : 'to'} the entity "${peer.node.str() ?? peer.entity}" ${onPorts}: ${peer.entity === 'all' ? 'every endpoint' : 'every address outside the cluster'} is a ${side}.`,
              };
            }
          }
        }
      }
    }
  },
});
