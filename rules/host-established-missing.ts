import { Iv, ROUTABLE } from '../src/analysis/packets.js';
import { ctSet } from '../src/analysis/firewall.js';
import { chainLabel, familyName, inputNeedsRule } from '../src/rulekit/host.js';

// Replies to the host's own connections arrive as ESTABLISHED packets from remote servers
// to an ephemeral local port (Linux: 32768-60999), on a public interface.
export default inputNeedsRule(
  {
    id: 'host-established-missing',
    title: 'Default-deny INPUT drops replies to the host',
    severity: 'medium',
    rationale:
      'With INPUT dropping by default, replies to connections the host opens itself (package downloads, DNS over TCP, API calls) arrive as ESTABLISHED packets to an ephemeral port. Unless a rule accepts ESTABLISHED/RELATED traffic, those replies are dropped and outbound connections hang.',
    remediation:
      'Accept established traffic early in INPUT: `iptables -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT` or nft `ct state established,related accept`.',
    precision: 'high',
    tags: ['firewall'],
  },
  {
    mode: 'none-accepted',
    packets: (a, f) =>
      a
        .universe(f)
        .restrict('ct', ctSet(['established']))
        .restrict('proto', Iv.point(6n))
        .restrict('dport', Iv.of(32768n, 60999n))
        .restrict('src', ROUTABLE[f])
        .restrict('iif', a.publicIfs()),
    message: (chain, f) =>
      `${chainLabel(chain)} drops by default and nothing accepts ESTABLISHED/RELATED traffic: replies to the host's own ${familyName(f)} connections are dropped.`,
  },
);
