import type { Node } from '../model/node.js';
import type { Resource } from '../model/k8s.js';
import { parseCidr, type IpRange } from '../core/ip.js';
import { parseProtocol, type PortSpec } from './netpol-ports.js';
import { parseLabelSelector } from './selectors.js';
import {
  MATCH_ALL,
  MATCH_NONE,
  labelSelectorMatcher,
  type Direction,
  type DirectionRules,
  type Peer,
  type Policy,
  type PolicyRule,
} from './netpol-types.js';

/** Calico places Kubernetes policies at order 1000 of its default tier. */
export const KUBERNETES_ORDER = 1000;

/**
 * Effective `policyTypes` of a Kubernetes NetworkPolicy: as written when present; else
 * `Ingress` always, plus `Egress` when the spec has an `egress` field.
 */
export function kubernetesPolicyTypes(policy: Resource): Set<Direction> {
  const spec = policy.root.get('spec');
  const written = spec?.get('policyTypes');
  if (written?.isSeq) {
    const types = new Set<Direction>();
    for (const t of written.items()) {
      const s = t.str();
      if (s === 'Ingress' || s === 'Egress') types.add(s);
    }
    return types;
  }
  const types = new Set<Direction>(['Ingress']);
  if (spec?.get('egress') !== undefined) types.add('Egress');
  return types;
}

export function parseKubernetesPolicy(r: Resource, index: number): Policy {
  const spec = r.root.get('spec');
  const namespace = r.namespace ?? 'default';
  const selectorNode = spec?.get('podSelector');
  const types = kubernetesPolicyTypes(r);
  const dir = (d: Direction, field: 'ingress' | 'egress', peerField: 'from' | 'to'): DirectionRules | undefined => {
    // Rules of a direction missing from policyTypes are ignored by the API semantics.
    if (!types.has(d)) return undefined;
    const rules = (spec?.get(field)?.items() ?? []).map((item) => kubernetesRule(item, peerField, namespace));
    return { isolates: true, rules, denies: [] };
  };
  return {
    resource: r,
    flavor: 'kubernetes',
    index,
    namespace,
    scope: { kind: 'own', namespace },
    pods: labelSelectorMatcher(parseLabelSelector(selectorNode)),
    selectorNode,
    order: KUBERNETES_ORDER,
    Ingress: dir('Ingress', 'ingress', 'from'),
    Egress: dir('Egress', 'egress', 'to'),
  };
}

function kubernetesRule(item: Node, peerField: 'from' | 'to', namespace: string): PolicyRule {
  const peersNode = item.get(peerField);
  // Absent or empty `from`/`to`: every peer.
  const peers: Peer[] =
    peersNode?.isSeq && peersNode.items().length > 0 ? peersNode.items().map((p) => kubernetesPeer(p, namespace)) : [{ kind: 'all' }];
  const portsNode = item.get('ports');
  const ports: PortSpec[] | 'all' = portsNode?.isSeq && portsNode.items().length > 0 ? portsNode.items().flatMap(kubernetesPort) : 'all';
  return { action: 'Allow', peers, ports, node: item, uncertain: false };
}

export function kubernetesPeer(p: Node, namespace: string): Peer {
  const ipBlock = p.get('ipBlock');
  if (ipBlock) {
    const range = parseCidr(ipBlock.get('cidr')?.str() ?? '');
    if (!range) return { kind: 'unknown' };
    const except = (ipBlock.get('except')?.items() ?? []).map((e) => parseCidr(e.str() ?? '')).filter((e): e is IpRange => e !== undefined);
    return { kind: 'cidr', range, except, node: ipBlock.get('cidr') };
  }
  const nsNode = p.get('namespaceSelector');
  const podNode = p.get('podSelector');
  // A peer with neither selector is rejected by the API server: it matches nothing here.
  if (!nsNode && !podNode) return { kind: 'pods', namespaces: { kind: 'own', namespace }, pods: MATCH_NONE, node: p };
  return {
    kind: 'pods',
    // No namespaceSelector: the policy's own namespace. Both present: AND.
    namespaces: nsNode ? { kind: 'selector', matcher: labelSelectorMatcher(parseLabelSelector(nsNode)) } : { kind: 'own', namespace },
    // No podSelector beside a namespaceSelector: every pod of those namespaces.
    pods: podNode ? labelSelectorMatcher(parseLabelSelector(podNode)) : MATCH_ALL,
    node: p,
  };
}

function kubernetesPort(p: Node): PortSpec[] {
  // No protocol means TCP.
  const protocol = parseProtocol(p.get('protocol')?.str()) ?? 'TCP';
  if (protocol === 'OTHER' || protocol === 'ANY') return [];
  const port = p.get('port');
  const v = port?.value;
  // No port means every port; so does a `{{ }}` port a template decides later (unknown: never "blocked").
  if (port === undefined || (typeof v === 'string' && v.includes('{{'))) return [{ protocol, from: 1, to: 65535 }];
  if (typeof v === 'number' || (typeof v === 'string' && /^\d+$/.test(v))) {
    const n = Number(v);
    const end = p.get('endPort')?.value;
    return [{ protocol, from: n, to: typeof end === 'number' && end >= n ? end : n }];
  }
  if (typeof v === 'string') return [{ protocol, name: v }];
  return [];
}
