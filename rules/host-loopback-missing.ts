import { Iv, LOOPBACK } from '../src/analysis/packets.js';
import { ctSet } from '../src/analysis/firewall.js';
import { chainLabel, inputNeedsRule } from '../src/rulekit/host.js';

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
    packets: (a, f) =>
      a
        .universe(f)
        .restrict('iif', a.ifSet(['lo']))
        .restrict('src', LOOPBACK[f])
        .restrict('ct', ctSet(['new']))
        .restrict(
          'proto',
          Iv.from([
            [6n, 6n],
            [17n, 17n],
          ]),
        ),
    message: (chain, _f, example) =>
      `${chainLabel(chain)} drops by default and does not accept all loopback traffic: ${example ?? 'a loopback packet'} is dropped.`,
  },
);
