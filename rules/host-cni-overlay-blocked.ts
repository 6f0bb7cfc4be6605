import { defineRule } from '../src/rule/rule.js';
import { chainAnchor, chainLabel, defaultDenyChain } from '../src/analysis/firewall.js';
import { clusterCni, cniOverlay } from '../src/analysis/cni.js';

export default defineRule({
  id: 'host-cni-overlay-blocked',
  title: 'Node firewall blocks the CNI overlay',
  severity: 'medium',
  rationale:
    'Pods on different nodes talk through the CNI: VXLAN or Geneve tunnels (Flannel and Cilium udp 8472, udp 4789, udp 6081), Calico BGP (tcp 179) and IP-in-IP (protocol 4), or WireGuard (udp 51820/51871). A node firewall that drops by default and does not accept that traffic breaks pod-to-pod networking across nodes, usually in ways that look like a CNI bug. A node firewall is one that accepts the kubelet port (tcp 10250).',
  remediation:
    'Accept the overlay traffic of your CNI from the node network, e.g. `iptables -A INPUT -s 10.0.0.0/16 -p udp --dport 8472 -j ACCEPT` for Flannel VXLAN, or `-p 4 -j ACCEPT` and `--dport 179` for Calico.',
  precision: 'medium',
  tags: ['firewall', 'kubernetes'],
  *check({ model, wholeFirewalls }) {
    const cni = clusterCni(model);
    if (!cni) return;
    const transports = cniOverlay(cni);
    if (!transports.length) return;
    for (const { ruleset, analysis: a } of wholeFirewalls) {
      if (!ruleset.filters[4]) continue;
      const chain = defaultDenyChain(a, 4);
      if (!chain) continue;
      const run = a.hook(4, 'input');
      // Overlay and kubelet traffic arrive on the node's network interface, not on lo or a tunnel.
      const fresh = { via: 'public', state: ['new'] } as const;
      const kubelet = a.traffic(4, { ...fresh, protocols: [6], dport: [10250, 10250] });
      if (run.accepted.intersect(kubelet).isEmpty) continue;
      const overlay = transports.some((t) => {
        const set = a.traffic(4, { ...fresh, protocols: [t.proto], ...(t.port === undefined ? {} : { dport: [t.port, t.port] }) });
        return !run.accepted.intersect(set).isEmpty;
      });
      if (overlay) continue;
      const at = chainAnchor(chain);
      if (!at) continue;
      yield {
        at,
        message: `${chainLabel(chain)} drops by default and accepts the kubelet, but none of the ${cni} overlay transports (${transports.map((t) => t.label).join(', ')}): pod traffic between nodes is dropped.`,
      };
    }
  },
});
