import type { Node } from '../model/node.js';
import type { Resource } from '../model/k8s.js';
import { isWholeFamily, parseCidr } from '../core/ip.js';
import { parseProtocol, type PortSpec } from './netpol-ports.js';
import { parseLabelSelector } from './selectors.js';
import {
  MATCH_ALL,
  MATCH_NONE,
  labelSelectorMatcher,
  type Action,
  type Direction,
  type DirectionRules,
  type NamespaceScope,
  type Peer,
  type Policy,
  type PolicyRule,
} from './netpol-types.js';

/**
 * AdminNetworkPolicy and BaselineAdminNetworkPolicy (policy.networking.k8s.io/v1alpha1),
 * the cluster-scoped tiers around NetworkPolicies:
 * - ANPs are taken by `priority` (0 first); inside one, rules in the order written. The
 *   first rule that matches a connection decides it: `Allow` admits it and `Deny` refuses
 *   it whatever NetworkPolicies say; `Pass` hands it to the NetworkPolicies.
 * - NetworkPolicies then decide as usual for a pod they isolate.
 * - Otherwise the BaselineAdminNetworkPolicy (one per cluster, named `default`) decides,
 *   first matching rule, `Allow` or `Deny`; what nothing matches is allowed.
 * The subject selects pods by namespace (`namespaces`) or by namespace and pod (`pods`).
 * Peers: `namespaces`, `pods`, and for egress `networks` (CIDRs) and `nodes` (node
 * addresses: no pod and no address range the repository can place).
 */

export const ANP_GROUP = 'policy.networking.k8s.io';

export function isAdminPolicy(r: Resource): boolean {
  return r.group === ANP_GROUP && (r.kind === 'AdminNetworkPolicy' || r.kind === 'BaselineAdminNetworkPolicy');
}

function selectorScope(node: Node | undefined): NamespaceScope {
  return { kind: 'selector', matcher: labelSelectorMatcher(parseLabelSelector(node)) };
}

/** Rules never written for a pod peer's `podSelector`-less form: `pods` needs both selectors. */
function podsPeer(item: Node, pods: Node): Peer {
  if (!pods.isMap) return { kind: 'pods', namespaces: { kind: 'any' }, pods: MATCH_NONE, node: item };
  return {
    kind: 'pods',
    namespaces: selectorScope(pods.get('namespaceSelector')),
    pods: labelSelectorMatcher(parseLabelSelector(pods.get('podSelector'))),
    // The peer item itself: its pod selector is required, so no AND/OR split can hide in it.
    node: item,
  };
}

function anpPeers(list: Node | undefined): Peer[] {
  const out: Peer[] = [];
  for (const item of list?.items() ?? []) {
    const namespaces = item.get('namespaces');
    const pods = item.get('pods');
    const networks = item.get('networks');
    const nodes = item.get('nodes');
    if (namespaces) out.push({ kind: 'pods', namespaces: selectorScope(namespaces), pods: MATCH_ALL, node: item });
    else if (pods) out.push(podsPeer(item, pods));
    else if (networks) {
      for (const n of networks.items()) {
        const range = parseCidr(n.str() ?? '');
        out.push(range ? { kind: 'cidr', range, except: [], node: n } : { kind: 'unknown' });
      }
    } else if (nodes) out.push({ kind: 'entity', entity: 'host', node: item });
    else out.push({ kind: 'unknown' });
  }
  return out;
}

function anpPorts(list: Node | undefined): PortSpec[] | 'all' {
  // No `ports`: every port of every protocol.
  if (!list?.isSeq) return 'all';
  const out: PortSpec[] = [];
  for (const item of list.items()) {
    const number = item.get('portNumber');
    const range = item.get('portRange');
    const named = item.get('namedPort')?.str();
    if (number) {
      const protocol = parseProtocol(number.get('protocol')?.str()) ?? 'TCP';
      const port = number.get('port')?.value;
      if (typeof port === 'number' && protocol !== 'OTHER' && protocol !== 'ANY') out.push({ protocol, from: port, to: port });
    } else if (range) {
      const protocol = parseProtocol(range.get('protocol')?.str()) ?? 'TCP';
      const start = range.get('start')?.value;
      const end = range.get('end')?.value;
      if (typeof start === 'number' && typeof end === 'number' && start <= end && protocol !== 'OTHER' && protocol !== 'ANY')
        out.push({ protocol, from: start, to: end });
    } else if (named) {
      // A named port is looked up among the destination pod's container ports, with their protocol.
      out.push({ protocol: 'ANY', name: named });
    }
  }
  return out;
}

function anpRule(item: Node, peerField: 'from' | 'to', baseline: boolean): PolicyRule | undefined {
  const action = item.get('action')?.str();
  const known: readonly Action[] = baseline ? ['Allow', 'Deny'] : ['Allow', 'Deny', 'Pass'];
  if (!known.includes(action as Action)) return undefined;
  const peers = anpPeers(item.get(peerField));
  return { action: action as Action, peers, ports: anpPorts(item.get('ports')), node: item, uncertain: false };
}

/** A peer list that reaches every pod of every namespace (and, for egress, every IPv4 address). */
function coversEverything(rule: PolicyRule, direction: Direction): boolean {
  if (rule.ports !== 'all') return false;
  const allPods = rule.peers.some((p) => p.kind === 'pods' && p.namespaces.kind === 'selector' && p.namespaces.matcher.all && p.pods.all);
  if (direction === 'Ingress') return allPods;
  return allPods && rule.peers.some((p) => p.kind === 'cidr' && p.range.family === 4 && isWholeFamily(p.range));
}

/**
 * A direction is isolated by an admin tier when a `Deny` rule covers every peer on every
 * port and no earlier rule of the same policy lets everything through first: a
 * cluster-wide default deny that only the rules above it open.
 */
function tierIsolates(rules: readonly PolicyRule[], direction: Direction): boolean {
  for (const rule of rules) {
    if (!coversEverything(rule, direction)) continue;
    return rule.action === 'Deny';
  }
  return false;
}

export function parseAdminPolicy(r: Resource, index: number): Policy {
  const baseline = r.kind === 'BaselineAdminNetworkPolicy';
  const spec = r.root.get('spec');
  const subject = spec?.get('subject');
  let scope: NamespaceScope = { kind: 'any' };
  let pods = MATCH_NONE;
  const byNamespace = subject?.get('namespaces');
  const byPod = subject?.get('pods');
  if (byNamespace) {
    scope = selectorScope(byNamespace);
    pods = MATCH_ALL;
  } else if (byPod?.isMap) {
    scope = selectorScope(byPod.get('namespaceSelector'));
    pods = labelSelectorMatcher(parseLabelSelector(byPod.get('podSelector')));
  }
  const dir = (d: Direction, field: 'ingress' | 'egress', peerField: 'from' | 'to'): DirectionRules | undefined => {
    const list = spec?.get(field);
    // A policy without rules for a direction does not touch that direction's traffic.
    if (!list?.isSeq || list.items().length === 0) return undefined;
    const rules = list.items().flatMap((item) => anpRule(item, peerField, baseline) ?? []);
    return { isolates: tierIsolates(rules, d), rules, denies: [] };
  };
  const priority = spec?.get('priority')?.value;
  return {
    resource: r,
    flavor: baseline ? 'banp' : 'anp',
    tier: baseline ? 'baseline' : 'admin',
    index,
    namespace: undefined,
    scope,
    pods,
    selectorNode: subject,
    order: baseline ? Number.POSITIVE_INFINITY : typeof priority === 'number' ? priority : Number.POSITIVE_INFINITY,
    Ingress: dir('Ingress', 'ingress', 'from'),
    Egress: dir('Egress', 'egress', 'to'),
  };
}
