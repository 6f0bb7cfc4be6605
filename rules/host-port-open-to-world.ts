import { defineRule, type Report } from '../src/rule/rule.js';
import type { FwRule } from '../src/parse/netfilter.js';
import type { Family } from '../src/core/ip.js';
import type { SensitivePort } from '../src/core/config.js';
import { familyName, filteredFamilies, portText, sensitivePorts } from '../src/analysis/firewall.js';

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
      // Per rule, per sensitive port: the families it is open on and one example.
      const found = new Map<FwRule, Map<SensitivePort, { families: Family[]; example: string }>>();
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
              const byPort = found.get(rule) ?? new Map<SensitivePort, { families: Family[]; example: string }>();
              const entry = byPort.get(port) ?? { families: [], example: a.describe(w, hit) };
              if (!entry.families.includes(f)) entry.families.push(f);
              byPort.set(port, entry);
              found.set(rule, byPort);
            }
          }
        }
      }
      for (const [rule, byPort] of found) {
        const what = [...byPort].map(
          ([port, { families, example }]) =>
            `${portText(port)} (${port.label}) from any routable ${families.map(familyName).join(' or ')} address, e.g. ${example}`,
        );
        const report: Report = {
          at: rule.at,
          message: `Accepts ${what[0]}${what.length > 1 ? ` (and ${what.length - 1} more sensitive port${what.length > 2 ? 's' : ''})` : ''}${rule.uncertain.length ? ` unless ${rule.uncertain.join(', ')} holds it back` : ''}.`,
        };
        if (rule.via) report.related = [{ at: rule.via, message: 'called from here' }];
        yield report;
      }
    }
  },
});
