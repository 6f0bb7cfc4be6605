import { chainLabel } from '../src/analysis/firewall.js';
import { inputNeedsRule } from '../src/rule/host-rules.js';

// Local processes talk to each other over `lo` (databases, metrics agents, the kubelet and
// the container runtime): every new loopback connection should be accepted.
export default inputNeedsRule(
  {
    id: 'host-loopback-missing',
    title: 'Default-deny INPUT drops loopback traffic',
    severity: 'medium',
    rationale:
      'With INPUT dropping by default, connections between local processes over `lo` are dropped unless a rule accepts them. Services that talk to each other on 127.0.0.1 or ::1 then fail in ways that look unrelated to the firewall.',
    remediation: 'Accept loopback traffic first in INPUT: `iptables -A INPUT -i lo -j ACCEPT` or nft `iif lo accept`.',
    precision: 'high',
    tags: ['firewall'],
  },
  {
    mode: 'some-dropped',
    packets: (a, f) => a.traffic(f, { from: 'loopback', via: 'loopback', state: ['new'], protocols: [6, 17] }),
    message: (chain, _f, example) =>
      `${chainLabel(chain)} drops by default and does not accept all loopback traffic: ${example ?? 'a loopback packet'} is dropped.`,
  },
);
