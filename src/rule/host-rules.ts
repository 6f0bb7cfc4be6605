import type { Family } from '../core/ip.js';
import { chainAnchor, chainLabel, defaultDenyChain, filteredFamilies, type RulesetAnalysis } from '../analysis/firewall.js';
import type { PacketSet } from '../analysis/packets.js';
import { verdictText, type FwChain, type FwRule, type Verdict } from '../parse/netfilter.js';
import { defineRule, type Report, type Rule, type RuleMeta } from './rule.js';

/**
 * Rules of the form "INPUT is default-deny, yet some traffic the host needs is not
 * accepted" (replies, loopback): they differ only in which packets they probe and whether
 * one dropped packet or no accepted one is the signal.
 */
export function inputNeedsRule(
  meta: RuleMeta,
  need: {
    /** The packets the host needs to accept, for one family. */
    packets(a: RulesetAnalysis, f: Family): PacketSet;
    /** `some-dropped`: any of them dropped is a finding; `none-accepted`: only when none is accepted. */
    mode: 'some-dropped' | 'none-accepted';
    /** `families`: every family for which the chain drops them (an inet chain names both). */
    message(chain: FwChain, families: readonly Family[], example: string | undefined): string;
  },
): Rule {
  return defineRule({
    ...meta,
    *check({ wholeFirewalls }) {
      for (const { ruleset, analysis: a } of wholeFirewalls) {
        const byChain = new Map<FwChain, { families: Family[]; example: string | undefined; dropper: FwRule | undefined }>();
        for (const f of filteredFamilies(ruleset)) {
          const chain = defaultDenyChain(a, f);
          if (!chain) continue;
          const run = a.hook(f, 'input');
          const wanted = need.packets(a, f);
          const missing = need.mode === 'none-accepted' ? wanted : wanted.subtract(run.accepted);
          if (need.mode === 'none-accepted' ? !run.accepted.intersect(wanted).isEmpty : missing.isEmpty) continue;
          const w = a.witness(missing);
          // The rule that drops the example, when a rule (not a policy) does: often in another table.
          const by = w ? a.verdict('input', w).by : undefined;
          const dropper = by && 'rule' in by ? by.rule : undefined;
          const entry = byChain.get(chain) ?? { families: [], example: w && a.describe(w, missing), dropper };
          entry.families.push(f);
          byChain.set(chain, entry);
        }
        for (const [chain, { families, example, dropper }] of byChain) {
          const at = chainAnchor(chain);
          if (!at) continue;
          const report: Report = { at, message: need.message(chain, families, example) };
          if (dropper) report.related = [{ at: dropper.at, message: 'this rule drops that packet' }];
          yield report;
        }
      }
    },
  });
}

/** `host-rule-shadowed` and `host-rule-redundant` differ only in whether the covering verdicts match. */
export function coveredRule(meta: RuleMeta, sameVerdict: boolean): Rule {
  return defineRule({
    ...meta,
    *check({ firewalls }) {
      for (const { ruleset, analysis: a } of firewalls) {
        for (const table of ruleset.tables) {
          for (const chain of table.chains) {
            for (const cover of a.covered(chain)) {
              if (cover.sameVerdict !== sameVerdict) continue;
              const lines = cover.covering.map((c) => `line ${c.at.span.start.line}`);
              yield {
                at: cover.rule.at,
                message: sameVerdict
                  ? `Rule has no effect: every packet it matches is already ${verdictWord(cover.rule.verdict.kind)} by the earlier rule${lines.length > 1 ? 's' : ''} at ${lines.join(', ')} in ${chainLabel(chain)}.`
                  : `Rule can never match: the earlier rule${lines.length > 1 ? 's' : ''} at ${lines.join(', ')} in ${chainLabel(chain)} already decide${lines.length > 1 ? '' : 's'} every packet it matches${cover.covering.some((c) => c.verdict.kind !== cover.rule.verdict.kind) ? ', with a different verdict' : ''}.`,
                related: cover.covering.map((c) => ({ at: c.at, message: `covering rule (${verdictText(c.verdict)})` })),
              };
            }
          }
        }
      }
    },
  });
}

const VERDICT_WORDS: Partial<Record<Verdict['kind'], string>> = {
  accept: 'accepted',
  drop: 'dropped',
  reject: 'rejected',
  return: 'returned',
};

function verdictWord(kind: Verdict['kind']): string {
  return VERDICT_WORDS[kind] ?? 'decided';
}
