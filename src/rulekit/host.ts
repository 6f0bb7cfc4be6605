import { defineRule, type Report, type Rule, type RuleMeta } from '../engine/rule.js';
import type { Model } from '../model/model.js';
import type { FwChain, FwRule, Ruleset } from '../model/firewall.js';
import { analyse, chainAnchor, chainLabel, defaultDenyChain, FAMILIES, type RulesetAnalysis } from '../analysis/firewall.js';
import type { Family, PacketSet } from '../analysis/packets.js';

/** Every (ruleset, analysis) pair of the model. */
export function* rulesets(model: Model): Generator<{ rs: Ruleset; a: RulesetAnalysis }> {
  for (const rs of model.host.rulesets) yield { rs, a: analyse(model, rs) };
}

/** Families the ruleset filters at all. */
export function filteredFamilies(rs: Ruleset): Family[] {
  return FAMILIES.filter((f) => rs.filters[f] !== undefined);
}

export const familyName = (f: Family): string => (f === 4 ? 'IPv4' : 'IPv6');

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
    message(chain: FwChain, f: Family, example: string | undefined): string;
  },
): Rule {
  return defineRule({
    ...meta,
    *check(model) {
      for (const { rs, a } of rulesets(model)) {
        const byChain = new Map<FwChain, { families: Family[]; example: string | undefined }>();
        for (const f of filteredFamilies(rs)) {
          const chain = defaultDenyChain(a, f);
          if (!chain) continue;
          const run = a.hook(f, 'input');
          const wanted = need.packets(a, f);
          let example: string | undefined;
          if (need.mode === 'none-accepted') {
            if (!run.accepted.intersect(wanted).isEmpty) continue;
            const w = a.witness(wanted);
            example = w && a.describe(w, wanted);
          } else {
            const missing = wanted.subtract(run.accepted);
            if (missing.isEmpty) continue;
            const w = a.witness(missing);
            example = w && a.describe(w, missing);
          }
          const entry = byChain.get(chain) ?? { families: [], example };
          entry.families.push(f);
          byChain.set(chain, entry);
        }
        for (const [chain, { families, example }] of byChain) {
          const at = chainAnchor(chain);
          if (!at) continue;
          const report: Report = { at, message: need.message(chain, families.length === 1 ? (families[0] as Family) : 4, example) };
          yield report;
        }
      }
    },
  });
}

export interface SensitivePort {
  proto: 6 | 17;
  lo: number;
  hi: number;
  label: string;
}

export const DEFAULT_SENSITIVE_PORTS: SensitivePort[] = [
  { proto: 6, lo: 22, hi: 22, label: 'SSH' },
  { proto: 6, lo: 6443, hi: 6443, label: 'Kubernetes API server' },
  { proto: 6, lo: 2379, hi: 2380, label: 'etcd' },
  { proto: 6, lo: 10250, hi: 10250, label: 'kubelet' },
  { proto: 6, lo: 10255, hi: 10255, label: 'kubelet read-only' },
  { proto: 6, lo: 10257, hi: 10257, label: 'kube-controller-manager' },
  { proto: 6, lo: 10259, hi: 10259, label: 'kube-scheduler' },
];

/** `host.sensitivePorts` replaces the default list when set: `22`, `"8000-8100"`, `"53/udp"`. */
export function sensitivePorts(model: Model): SensitivePort[] {
  const configured = model.config.host.sensitivePorts;
  if (!configured.length) return DEFAULT_SENSITIVE_PORTS;
  return configured.map((entry) => {
    const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp))?$/.exec(String(entry)) as RegExpExecArray;
    const lo = Number(m[1]);
    const hi = m[2] ? Number(m[2]) : lo;
    const known = DEFAULT_SENSITIVE_PORTS.find((d) => d.lo === lo && d.hi === hi && (m[3] ?? 'tcp') === 'tcp');
    return { proto: m[3] === 'udp' ? 17 : 6, lo, hi, label: known?.label ?? 'configured sensitive port' };
  });
}

export function portText(p: SensitivePort): string {
  return `${p.proto === 6 ? 'tcp' : 'udp'}/${p.lo === p.hi ? p.lo : `${p.lo}-${p.hi}`}`;
}

export { chainLabel };

/** `host-rule-shadowed` and `host-rule-redundant` differ only in whether the covering verdicts match. */
export function coveredRule(meta: RuleMeta, sameVerdict: boolean): Rule {
  return defineRule({
    ...meta,
    *check(model) {
      for (const { rs, a } of rulesets(model)) {
        for (const table of rs.tables) {
          for (const chain of table.chains) {
            for (const cover of a.covered(chain)) {
              if (cover.sameVerdict !== sameVerdict) continue;
              const lines = cover.covering.map((c) => `line ${c.at.span.start.line}`);
              const report: Report = {
                at: cover.rule.at,
                message: sameVerdict
                  ? `Rule has no effect: every packet it matches is already ${verdictWord(cover.rule.verdict.kind)} by the earlier rule${lines.length > 1 ? 's' : ''} at ${lines.join(', ')} in ${chainLabel(chain)}.`
                  : `Rule can never match: the earlier rule${lines.length > 1 ? 's' : ''} at ${lines.join(', ')} in ${chainLabel(chain)} already decide${lines.length > 1 ? '' : 's'} every packet it matches${cover.covering.some((c) => c.verdict.kind !== cover.rule.verdict.kind) ? ', with a different verdict' : ''}.`,
                related: cover.covering.map((c) => ({ at: c.at, message: `covering rule (${describeVerdict(c)})` })),
              };
              yield report;
            }
          }
        }
      }
    },
  });
}

function verdictWord(kind: string): string {
  return kind === 'accept'
    ? 'accepted'
    : kind === 'drop'
      ? 'dropped'
      : kind === 'reject'
        ? 'rejected'
        : kind === 'return'
          ? 'returned'
          : 'decided';
}

function describeVerdict(rule: FwRule): string {
  const v = rule.verdict;
  return v.kind === 'jump' || v.kind === 'goto' ? `${v.kind} ${v.chain}` : v.kind;
}
