import { defineRule } from '../src/rule/rule.js';
import { firstAllowingAny } from '../src/model/access.js';

export default defineRule({
  id: 'access-wireguard-peer-allows-any',
  title: 'WireGuard server lets a roaming peer use any source address',
  severity: 'high',
  rationale:
    "WireGuard's `AllowedIPs` works both ways: it is the set of source addresses accepted from a peer and the routes sent to it. On a VPN server, a client peer (one without `Endpoint`: it roams and connects in) with `0.0.0.0/0` or `::/0` may send packets claiming any source address through the tunnel, defeating every source-address rule behind the bastion, and the server routes all traffic no other peer claims to that client. It is the client's full-tunnel setting copied to the wrong end.",
  remediation:
    "Give each client peer on the server only its own tunnel address (`AllowedIPs = 10.0.200.2/32`, `fd00:200::2/128`), or the subnet behind it for a site. Keep `0.0.0.0/0` for the client's own config, where it routes the client's traffic into the tunnel.",
  precision: 'high',
  tags: ['vpn', 'bastion'],
  *check({ model: { access } }) {
    for (const peer of access.wireguardPeers) {
      // With an Endpoint this end dials the peer: a client's view of its server, or a fixed site.
      if (peer.endpoint || peer.listens === false) continue;
      const any = firstAllowingAny(peer.allowedIps);
      if (!any) continue;
      const family = any.cidr.includes(':') ? 'IPv6' : 'IPv4';
      const consequence = 'that peer may send from any source address and receives every packet no other peer claims.';
      yield {
        at: any.at,
        message:
          peer.source === 'config'
            ? `A roaming peer of this WireGuard server has \`AllowedIPs\` covering every ${family} address: ${consequence}`
            : `\`wg set … peer … allowed-ips\` without \`endpoint\` covers every ${family} address: ${consequence}`,
      };
    }
  },
});
