import type { Node } from '../model/node.js';
import type { Resource } from '../model/k8s.js';
import { isWholeFamily, type IpRange } from '../core/ip.js';
import type { PortSpec } from './netpol-ports.js';
import { matchesPartially, type LabelSelector, type Tri } from './selectors.js';

/**
 * One normalised form for Kubernetes, Calico and Cilium policies, so that selection,
 * isolation and allowed traffic are computed by a single engine (netpol.ts).
 */

export type Direction = 'Ingress' | 'Egress';
export const DIRECTIONS: readonly Direction[] = ['Ingress', 'Egress'];

export type Flavor = 'kubernetes' | 'calico' | 'cilium' | 'anp' | 'banp';

export type Labels = Readonly<Record<string, string>>;

/** A selector over pod or namespace labels, whatever its syntax. */
export interface Matcher {
  /** `namespace` lets selectors see implicit labels (Calico's `projectcalico.org/namespace`). */
  test(labels: Labels, complete: boolean, namespace: string): Tri;
  /** `key=value` pairs every match carries: used to index, never to decide. */
  hints: readonly (readonly [string, string])[];
  /** Selects everything. */
  all: boolean;
  /** Every label key `test` reads (pods differing elsewhere match alike); undefined when not known. */
  keys?: readonly string[];
  /** A key every match carries with one of these values (`In` with several): used to index, never to decide. */
  oneOf?: readonly [string, readonly string[]];
}

export const MATCH_ALL: Matcher = { test: () => true, hints: [], all: true, keys: [] };
export const MATCH_NONE: Matcher = { test: () => false, hints: [], all: false, keys: [] };

export function labelSelectorMatcher(sel: LabelSelector): Matcher {
  if (sel.isEmpty) return MATCH_ALL;
  if (sel.invalid !== undefined) return MATCH_NONE;
  const hints = sel.requirements
    .filter((r) => r.operator === 'In' && r.values.length === 1)
    .map((r) => [r.key, r.values[0] as string] as const);
  const keys = [...new Set(sel.requirements.map((r) => r.key))];
  const matcher: Matcher = { test: (labels, complete) => matchesPartially(sel, labels, complete), hints, all: false, keys };
  const among = sel.requirements.find((r) => r.operator === 'In' && r.values.length > 1);
  if (among) matcher.oneOf = [among.key, among.values];
  return matcher;
}

/** Which namespaces a selector or peer reaches. */
export type NamespaceScope = { kind: 'own'; namespace: string } | { kind: 'any' } | { kind: 'selector'; matcher: Matcher };

/** Cilium entities; `cluster` and `all` cover pods, `world` and `all` cover outside addresses. */
export type Entity = 'world' | 'cluster' | 'host' | 'remote-node' | 'kube-apiserver' | 'all' | 'other';

export type Peer =
  /** A rule without `from`/`to`: every pod and every address. */
  | { kind: 'all' }
  | { kind: 'pods'; namespaces: NamespaceScope; pods: Matcher; node: Node | undefined }
  | { kind: 'cidr'; range: IpRange; except: IpRange[]; node: Node | undefined }
  | { kind: 'entity'; entity: Entity; node: Node | undefined }
  | { kind: 'fqdn'; pattern: string }
  /** Something nsl-lint does not model (service accounts, negations): its match is never certain. */
  | { kind: 'unknown' };

export type Action = 'Allow' | 'Deny' | 'Pass' | 'Log';

export interface PolicyRule {
  action: Action;
  /** OR over peers. */
  peers: Peer[];
  ports: readonly PortSpec[] | 'all';
  /** The rule item, for anchors. */
  node: Node;
  /** Part of the rule is not modelled: a match is at most `unknown`. */
  uncertain: boolean;
}

export interface DirectionRules {
  /** Whether selecting a pod makes it isolated in this direction. */
  isolates: boolean;
  /** Evaluated in order; first match decides (Kubernetes and Cilium have only `Allow`, so order is moot). */
  rules: PolicyRule[];
  /** Cilium deny rules: they win over every allow, whatever the order. */
  denies: PolicyRule[];
}

export interface Policy {
  resource: Resource;
  flavor: Flavor;
  /** Position in path order. */
  index: number;
  /** Namespaced policies select pods of this namespace only; undefined for cluster-wide kinds. */
  namespace: string | undefined;
  /** Namespaces whose pods the policy can select. */
  scope: NamespaceScope;
  pods: Matcher;
  /** The selector field (`podSelector`, `selector`, `endpointSelector`); undefined when absent. */
  selectorNode: Node | undefined;
  /** Calico `order`; Kubernetes policies behave as order 1000 under Calico; unset orders sort last. ANP: `priority`. */
  order: number;
  /**
   * AdminNetworkPolicy tiers: `admin` is decided before every other policy, `baseline`
   * only for what neither the admin tier nor an isolating policy decided. Absent: the
   * policy is one of the pod's own (Kubernetes, Calico, Cilium).
   */
  tier?: 'admin' | 'baseline';
  Ingress: DirectionRules | undefined;
  Egress: DirectionRules | undefined;
}

/**
 * A peer that admits every address or endpoint by itself: an `ipBlock` of a whole address
 * family (`0.0.0.0/0`, `::/0`) with no `except`, or the Cilium entities `all` (every
 * endpoint) and `world` (every address outside the cluster). Says what it admits.
 */
export function peerAdmitsEverything(peer: Peer): { node: Node; what: string; everyone: string } | undefined {
  if (peer.kind === 'cidr' && peer.node && peer.except.length === 0 && isWholeFamily(peer.range))
    return { node: peer.node, what: `${peer.range.family === 4 ? '0.0.0.0' : '::'}/0 without \`except\``, everyone: 'every address' };
  if (peer.kind === 'entity' && peer.node && (peer.entity === 'all' || peer.entity === 'world'))
    return {
      node: peer.node,
      what: `the entity "${peer.node.str() ?? peer.entity}"`,
      everyone: peer.entity === 'all' ? 'every endpoint' : 'every address outside the cluster',
    };
  return undefined;
}
