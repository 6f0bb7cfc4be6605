import type { SpanLocation } from '../core/location.js';
import type { Family } from '../core/ip.js';
import type { FwTable } from '../parse/netfilter.js';

/** Host firewall rulesets, one per script / nftables file / iptables-save pair. */
export interface HostModel {
  rulesets: Ruleset[];
}

export function emptyHostModel(): HostModel {
  return { rulesets: [] };
}

export interface Ruleset {
  /** The file the ruleset is named after (the script, the nft file, the `.v4` of a pair). */
  file: string;
  /** Every file that contributed (includes, sourced scripts, the `.v6` of a pair). */
  files: string[];
  /** Where the ruleset came from; the kernel tools it speaks to. */
  source: 'script' | 'iptables-save' | 'nft';
  tables: FwTable[];
  /** Commands left out of the analysis because they could not be resolved statically. */
  unresolved: { at: SpanLocation; message: string }[];
  /** Per family: whether the ruleset filters it at all, and the first statement that does so. */
  filters: Record<Family, SpanLocation | undefined>;
  /** Interface names the ruleset mentions (exact names and `+`/`*` wildcard prefixes). */
  interfaces: string[];
  /**
   * A script that only appends or inserts rules (never sets a policy, flushes or declares a
   * base chain), like a WireGuard `PostUp` hook: part of a firewall managed elsewhere.
   */
  fragment?: boolean;
  /** The rules as the kernel tools would load them (for scripts: rendered from the extracted commands). */
  rendered: { iptables?: string; ip6tables?: string; nft?: string };
}
