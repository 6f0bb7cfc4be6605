import type { Notice } from '../core/notice.js';
import type { Model, SuppressionReview } from '../model/model.js';
import type { Ruleset } from '../model/firewall.js';
import { NetpolAnalysis } from '../analysis/netpol.js';
import { DnsAnalysis } from '../analysis/dns.js';
import { ClusterDnsAnalysis } from '../analysis/cluster-dns.js';
import { RbacAnalysis } from '../analysis/rbac.js';
import { MeshAnalysis } from '../analysis/mesh.js';
import { RulesetAnalysis } from '../analysis/firewall.js';
import { EdgeAnalysis } from '../analysis/edge.js';

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
  /** The cluster DNS itself: its Services, workloads, ServiceAccounts and Corefile. */
  readonly clusterDns: ClusterDnsAnalysis;
  /** RBAC: roles, bindings, and what they grant a ServiceAccount. */
  readonly rbac: RbacAnalysis;
  /** Service mesh semantics: who is in the mesh, effective mTLS, which Istio policies apply. */
  readonly mesh: MeshAnalysis;
  /** Every host ruleset with its packet-level analysis, in path order (up to the size the exact analysis handles). */
  readonly firewalls: readonly { ruleset: Ruleset; analysis: RulesetAnalysis }[];
  /** The firewalls that manage the whole host (not fragments): what whole-firewall rules judge. */
  readonly wholeFirewalls: readonly { ruleset: Ruleset; analysis: RulesetAnalysis }[];
  /** Ingress controllers, TLS coverage, gateway listeners and load balancers at the edge. */
  readonly edge: EdgeAnalysis;
  /** What the suppressions did; set only for rules that judge them (`judgesSuppressions`), which run last. */
  readonly suppressionReview?: SuppressionReview;
}

/**
 * The exact packet analysis looks up the rules a rule can meet through an index, so it grows
 * about linearly with real rulesets (20,000 rules take seconds); beyond this many rules in
 * one ruleset it stops, with a notice instead of packet-level findings.
 */
export const MAX_EXACT_RULES = 50_000;

export class AnalysisContext implements RuleContext {
  private netpolAnalysis: NetpolAnalysis | undefined;
  private dnsAnalysis: DnsAnalysis | undefined;
  private clusterDnsAnalysis: ClusterDnsAnalysis | undefined;
  private rbacAnalysis: RbacAnalysis | undefined;
  private meshAnalysis: MeshAnalysis | undefined;
  private edgeAnalysis: EdgeAnalysis | undefined;
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

  get clusterDns(): ClusterDnsAnalysis {
    return (this.clusterDnsAnalysis ??= new ClusterDnsAnalysis(this.model));
  }

  get rbac(): RbacAnalysis {
    return (this.rbacAnalysis ??= new RbacAnalysis(this.model));
  }

  get mesh(): MeshAnalysis {
    return (this.meshAnalysis ??= new MeshAnalysis(this.model));
  }

  get edge(): EdgeAnalysis {
    return (this.edgeAnalysis ??= new EdgeAnalysis(this.model));
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
