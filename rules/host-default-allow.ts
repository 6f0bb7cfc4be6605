import { defineRule } from '../src/rule/rule.js';
import type { Family } from '../src/core/ip.js';
import type { FwChain } from '../src/parse/netfilter.js';
import { chainAnchor, chainLabel, familyName, filteredFamilies } from '../src/analysis/firewall.js';

export default defineRule({
  id: 'host-default-allow',
  title: 'Host firewall accepts by default',
  severity: 'high',
  rationale: `A host firewall that ends in accept (policy ACCEPT, which is also what an unset policy means, with no final DROP or REJECT) only blocks what someone thought to list. Every service that starts listening later, on any port, is reachable from the network. nsl-lint looks for a new connection from a routable address on a public interface that falls through to the accepting policy of INPUT or FORWARD.`,
  remediation:
    'Set the policy to drop (`iptables -P INPUT DROP`, nft `policy drop;`) or end the chain with an unconditional drop, and accept only the traffic the host needs (established replies, loopback, the services it offers).',
  precision: 'high',
  tags: ['firewall'],
  *check({ wholeFirewalls }) {
    for (const { ruleset, analysis: a } of wholeFirewalls) {
      const byChain = new Map<FwChain, { families: Family[]; example: string }>();
      for (const f of filteredFamilies(ruleset)) {
        for (const hook of ['input', 'forward'] as const) {
          for (const run of a.hook(f, hook).chains) {
            if (run.chain.policy !== 'accept') continue;
            const open = run.eval.ret.intersect(a.worldNew(f)).intersect(run.passLater);
            const w = a.witness(open);
            if (!w) continue;
            const entry = byChain.get(run.chain) ?? { families: [], example: a.describe(w, open) };
            entry.families.push(f);
            byChain.set(run.chain, entry);
          }
        }
      }
      for (const [chain, { families, example }] of byChain) {
        const at = chainAnchor(chain);
        if (!at) continue;
        yield {
          at,
          message: `${chainLabel(chain)} accepts by default (${families.map(familyName).join(' and ')}): a new connection such as ${example} reaches the ACCEPT policy.`,
        };
      }
    }
  },
});
