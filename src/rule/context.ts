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
  /** Every host ruleset with its packet-level analysis, in path order. */
  readonly firewalls: readonly { ruleset: Ruleset; analysis: RulesetAnalysis }[];
}

export class AnalysisContext implements RuleContext {
  private netpolAnalysis: NetpolAnalysis | undefined;
  private dnsAnalysis: DnsAnalysis | undefined;
  private firewallAnalyses: { ruleset: Ruleset; analysis: RulesetAnalysis }[] | undefined;

  constructor(readonly model: Model) {}

  get netpol(): NetpolAnalysis {
    return (this.netpolAnalysis ??= new NetpolAnalysis(this.model));
  }

  get dns(): DnsAnalysis {
    return (this.dnsAnalysis ??= new DnsAnalysis(this.model, this.netpol));
  }

  get firewalls(): readonly { ruleset: Ruleset; analysis: RulesetAnalysis }[] {
    return (this.firewallAnalyses ??= this.model.host.rulesets.map((ruleset) => ({
      ruleset,
      analysis: new RulesetAnalysis(ruleset, this.model.config.host.privateInterfaces),
    })));
  }
}
