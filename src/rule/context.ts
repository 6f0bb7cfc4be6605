import type { Notice } from '../core/notice.js';
import type { Model } from '../model/model.js';
import type { Ruleset } from '../model/firewall.js';
import { NetpolAnalysis } from '../analysis/netpol.js';
import { DnsAnalysis } from '../analysis/dns.js';
import { RulesetAnalysis } from '../analysis/firewall.js';

/**
 * What a rule's `check` receives: the model and the shared analyses over it. Each
 * analysis is computed on first use and then shared by every rule of the run, so rules
 * that never ask for one do not pay for it.
 */
export interface RuleContext {
  readonly model: Model;
  /** NetworkPolicy semantics: isolation, selection, allowed connections. */
  readonly netpol: NetpolAnalysis;
  /** Where pods send DNS queries and whether their egress reaches it. */
  readonly dns: DnsAnalysis;
  /** Every host ruleset with its packet-level analysis, in path order (up to the size the exact analysis handles). */
  readonly firewalls: readonly { ruleset: Ruleset; analysis: RulesetAnalysis }[];
  /** The firewalls that manage the whole host (not fragments): what whole-firewall rules judge. */
  readonly wholeFirewalls: readonly { ruleset: Ruleset; analysis: RulesetAnalysis }[];
}

/**
 * The exact packet analysis compares rules pairwise; beyond this many rules in one ruleset
 * it would take minutes, so such a ruleset gets a notice instead of packet-level findings.
 */
export const MAX_EXACT_RULES = 1000;

export class AnalysisContext implements RuleContext {
  private netpolAnalysis: NetpolAnalysis | undefined;
  private dnsAnalysis: DnsAnalysis | undefined;
  private firewallAnalyses: { ruleset: Ruleset; analysis: RulesetAnalysis }[] | undefined;

  /** What the analyses could not do (a ruleset too large), for the run's notices. */
  readonly notices: Notice[] = [];

  constructor(readonly model: Model) {}

  get netpol(): NetpolAnalysis {
    return (this.netpolAnalysis ??= new NetpolAnalysis(this.model));
  }

  get dns(): DnsAnalysis {
    return (this.dnsAnalysis ??= new DnsAnalysis(this.model, this.netpol));
  }

  get firewalls(): readonly { ruleset: Ruleset; analysis: RulesetAnalysis }[] {
    if (!this.firewallAnalyses) {
      this.firewallAnalyses = [];
      for (const ruleset of this.model.host.rulesets) {
        const rules = ruleset.tables.reduce((n, t) => n + t.chains.reduce((m, c) => m + c.rules.length, 0), 0);
        if (rules > MAX_EXACT_RULES) {
          this.notices.push({
            level: 'warning',
            file: ruleset.file,
            message: `${rules} firewall rules: more than the ${MAX_EXACT_RULES} the exact packet analysis handles per ruleset, so the packet-level host rules (default allow, open ports, shadowed rules, …) did not check it`,
          });
          continue;
        }
        this.firewallAnalyses.push({ ruleset, analysis: new RulesetAnalysis(ruleset, this.model.config.host.privateInterfaces) });
      }
    }
    return this.firewallAnalyses;
  }

  get wholeFirewalls(): readonly { ruleset: Ruleset; analysis: RulesetAnalysis }[] {
    return this.firewalls.filter((f) => !f.ruleset.fragment);
  }
}
