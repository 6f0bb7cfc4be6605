import { chainLabel, familyName } from '../src/analysis/firewall.js';
import { inputNeedsRule } from '../src/rule/host-rules.js';

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
    packets: (a, f) => a.traffic(f, { from: 'world', via: 'public', state: ['established'], protocols: [6], dport: [32768, 60999] }),
    message: (chain, families) =>
      `${chainLabel(chain)} drops by default and nothing accepts ESTABLISHED/RELATED traffic: replies to the host's own ${families.map(familyName).join(' and ')} connections are dropped.`,
  },
);
