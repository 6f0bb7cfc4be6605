import { defineRule } from '../src/rule/rule.js';
import type { Family } from '../src/core/ip.js';
import type { FwChain, FwRule } from '../src/parse/netfilter.js';
import { chainAnchor, chainLabel, familyName, filteredFamilies } from '../src/analysis/firewall.js';
import { PacketSet } from '../src/analysis/packets.js';

/** The chain's last rule when it accepts everything that reaches it (`-A FORWARD -j ACCEPT`). */
function finalCatchAll(chain: FwChain): FwRule | undefined {
  const last = chain.rules[chain.rules.length - 1];
  return last && last.conds.length === 0 && last.uncertain.length === 0 && last.verdict.kind === 'accept' ? last : undefined;
}

export default defineRule({
  id: 'host-default-allow',
  title: 'Host firewall accepts by default',
  severity: 'high',
  rationale: `A host firewall that ends in accept (policy ACCEPT, which is also what an unset policy means, with no final DROP or REJECT) only blocks what someone thought to list. Every service that starts listening later, on any port, is reachable from the network. nsl-lint looks for a new connection from a routable address on a public interface that falls through to the accepting policy of INPUT or FORWARD, or to a final rule that accepts everything.`,
  remediation:
    'Set the policy to drop (`iptables -P INPUT DROP`, nft `policy drop;`) or end the chain with an unconditional drop, and accept only the traffic the host needs (established replies, loopback, the services it offers).',
  precision: 'high',
  tags: ['firewall'],
  *check({ wholeFirewalls }) {
    for (const { ruleset, analysis: a } of wholeFirewalls) {
      // One finding per place: a chain's policy, or a final catch-all ACCEPT rule.
      const byPlace = new Map<FwChain | FwRule, { chain: FwChain; rule: FwRule | undefined; families: Family[]; example: string }>();
      for (const f of filteredFamilies(ruleset)) {
        for (const hook of ['input', 'forward'] as const) {
          const run = a.hook(f, hook);
          // Without a base chain on the hook itself, the ruleset does not filter that traffic at all.
          if (!run.chains.some((c) => c.chain.hook === hook)) continue;
          // Packets some rule accepts on purpose are not accepted "by default", in whichever chain.
          let explicit = PacketSet.EMPTY;
          const byDefault = run.chains.map((c) => {
            const catchAll = finalCatchAll(c.chain);
            const caught = catchAll ? (c.reach.get(catchAll) ?? PacketSet.EMPTY) : PacketSet.EMPTY;
            explicit = explicit.union(c.eval.accept.subtract(caught));
            return { run: c, catchAll, open: (c.chain.policy === 'accept' ? c.eval.ret : PacketSet.EMPTY).union(caught) };
          });
          byDefault.forEach(({ run: c, catchAll, open: own }, i) => {
            // A packet several chains let through by default is the last one's: the one that let it go.
            const later = byDefault.slice(i + 1).reduce((set, d) => set.union(d.open), PacketSet.EMPTY);
            const open = own.intersect(a.worldNew(f)).intersect(c.passLater).subtract(explicit).subtract(later);
            const w = a.witness(open);
            if (!w) return;
            const place = catchAll ?? c.chain;
            const entry = byPlace.get(place) ?? { chain: c.chain, rule: catchAll, families: [], example: a.describe(w, open) };
            if (!entry.families.includes(f)) entry.families.push(f);
            byPlace.set(place, entry);
          });
        }
      }
      for (const { chain, rule, families, example } of byPlace.values()) {
        const at = rule ? rule.at : chainAnchor(chain);
        if (!at) continue;
        const end = rule ? `its final unconditional ACCEPT (line ${rule.at.span.start.line})` : 'the ACCEPT policy';
        yield {
          at,
          message: `${chainLabel(chain)} accepts by default (${families.map(familyName).join(' and ')}): a new connection such as ${example} reaches ${end}.`,
        };
      }
    }
  },
});
