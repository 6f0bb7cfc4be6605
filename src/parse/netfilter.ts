import type { SpanLocation } from '../core/location.js';
import type { Family } from '../core/ip.js';
import type { Intervals } from '../core/intervals.js';
import type { CtState } from '../core/protocols.js';

/**
 * What iptables and nftables text means structurally, in one shape for both: a table
 * holds chains; a base chain sits on a netfilter hook with a priority and a policy; a rule
 * is a conjunction of matches and a verdict.
 */

export type Hook = 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting' | 'ingress' | 'egress';

export type TableKind = 'iptables' | 'nft';
export type TableFamily = 'ip' | 'ip6' | 'inet' | 'arp' | 'bridge' | 'netdev';

export interface FwTable {
  kind: TableKind;
  family: TableFamily;
  name: string;
  at: SpanLocation | undefined;
  chains: FwChain[];
}

export type PolicyVerdict = 'accept' | 'drop';

export interface FwChain {
  name: string;
  table: FwTable;
  /** Base chains only. */
  hook?: Hook;
  /** nft ingress/egress chains: the devices whose packets they see (`device "eth0"`). */
  devices?: string[];
  /** nft chain type (`filter`, `nat`, `route`); iptables tables map to it. */
  type?: string;
  priority: number;
  policy?: PolicyVerdict;
  /** `-P INPUT DROP`, `:INPUT DROP [0:0]`, nft `policy drop;`. */
  policyAt?: SpanLocation;
  /** `-N`, `:CHAIN`, nft `chain x {`. */
  declaredAt?: SpanLocation;
  rules: FwRule[];
}

/**
 * What a rule does with the packets it matches. `queue` (iptables `-j NFQUEUE`/`QUEUE`, nft
 * `queue`) hands them to a user-space program: evaluation ends there, and the packet is
 * neither accepted nor dropped by this ruleset.
 */
export type Verdict = { kind: 'accept' | 'drop' | 'reject' | 'return' | 'continue' | 'queue' } | { kind: 'jump' | 'goto'; chain: string };

/** One constraint on one packet dimension. Address constraints carry the family they belong to. */
export type Cond =
  | { dim: 'src' | 'dst'; family: Family; values: Intervals; negate: boolean }
  | { dim: 'proto' | 'sport' | 'dport'; values: Intervals; negate: boolean }
  | { dim: 'iif' | 'oif'; names: string[]; negate: boolean }
  | { dim: 'ct'; states: CtState[]; negate: boolean }
  | { dim: 'family'; family: Family };

export interface FwRule {
  at: SpanLocation;
  /** The rule as written (resolved), for messages. */
  text: string;
  conds: Cond[];
  verdict: Verdict;
  /**
   * Matches nsl-lint cannot evaluate (`-m limit`, `-m recent`, icmp types, …). The rule
   * may or may not match a packet its other conditions select: it never covers other
   * rules and its verdict is only possible, never certain.
   */
  uncertain: string[];
  /** `-m state` (legacy alias of conntrack). */
  stateMatch?: SpanLocation;
  /** Where a shell function holding this rule was called from. */
  via?: SpanLocation;
}

/** How messages name a verdict: `accept`, `jump NAME`, `queue`, … */
export function verdictText(v: Verdict): string {
  switch (v.kind) {
    case 'jump':
    case 'goto':
      return `${v.kind} ${v.chain}`;
    case 'queue':
      return 'queue';
    default:
      return v.kind;
  }
}

export function tableFamilies(t: FwTable): Family[] {
  return t.family === 'ip' ? [4] : t.family === 'ip6' ? [6] : t.family === 'inet' ? [4, 6] : [];
}

/** Built-in iptables chains and the hooks they sit on, per table. */
export const IPTABLES_BUILTINS: Record<string, Record<string, Hook>> = {
  filter: { INPUT: 'input', FORWARD: 'forward', OUTPUT: 'output' },
  nat: { PREROUTING: 'prerouting', INPUT: 'input', OUTPUT: 'output', POSTROUTING: 'postrouting' },
  mangle: { PREROUTING: 'prerouting', INPUT: 'input', FORWARD: 'forward', OUTPUT: 'output', POSTROUTING: 'postrouting' },
  raw: { PREROUTING: 'prerouting', OUTPUT: 'output' },
  security: { INPUT: 'input', FORWARD: 'forward', OUTPUT: 'output' },
};
