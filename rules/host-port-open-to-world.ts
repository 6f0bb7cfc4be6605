import { defineRule, type Report } from '../src/rule/rule.js';
import type { FwRule } from '../src/parse/netfilter.js';
import { filteredFamilies, portText, sensitivePorts } from '../src/analysis/firewall.js';

export default defineRule({
  id: 'host-port-open-to-world',
  title: 'Sensitive port accepts connections from the Internet',
  severity: 'high',
  rationale:
    'SSH, the Kubernetes API server, etcd and the kubelet are prime targets: brute force, token theft, and in the case of etcd or the kubelet direct control of the cluster. A host firewall rule that accepts them from any routable address exposes them to the whole Internet. Accepts limited to private interfaces (loopback, VPN, overlay) and to private or documentation source ranges do not count.',
  remediation:
    'Restrict the rule to the management network or VPN (`-s 10.0.100.0/24`, `-i wg0`, nft `ip saddr 10.0.100.0/24`), or reach the service through a bastion.',
  precision: 'high',
  tags: ['firewall', 'exposure'],
  *check({ model, firewalls }) {
    const ports = sensitivePorts(model.config.host.sensitivePorts);
    for (const { ruleset, analysis: a } of firewalls) {
      const found = new Map<FwRule, string[]>();
      for (const f of filteredFamilies(ruleset)) {
        const run = a.hook(f, 'input');
        for (const port of ports) {
          const wanted = a.traffic(f, { from: 'world', via: 'public', state: ['new'], protocols: [port.proto], dport: [port.lo, port.hi] });
          for (const chainRun of run.chains) {
            for (const [rule, reached] of chainRun.reach) {
              if (rule.verdict.kind !== 'accept') continue;
              const hit = reached.intersect(wanted).intersect(chainRun.passLater);
              const w = a.witness(hit);
              if (!w) continue;
              const list = found.get(rule) ?? [];
              list.push(`${portText(port)} (${port.label}) from any routable address, e.g. ${a.describe(w, hit)}`);
              found.set(rule, list);
            }
          }
        }
      }
      for (const [rule, what] of found) {
        const unique = [...new Set(what)];
        const report: Report = {
          at: rule.at,
          message: `Accepts ${unique[0]}${unique.length > 1 ? ` (and ${unique.length - 1} more sensitive port${unique.length > 2 ? 's' : ''})` : ''}${rule.uncertain.length ? ` unless ${rule.uncertain.join(', ')} holds it back` : ''}.`,
        };
        if (rule.via) report.related = [{ at: rule.via, message: 'called from here' }];
        yield report;
      }
    }
  },
});
