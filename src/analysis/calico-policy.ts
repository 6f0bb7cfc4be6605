import type { Node } from '../model/node.js';
import type { Resource } from '../model/k8s.js';
import { calicoEqualities, evalCalico, parseCalicoSelector, type CalicoExpr } from './calico-selector.js';
import { parseCidr, type IpRange } from '../core/ip.js';
import { parseProtocol, type PortSpec } from './netpol-ports.js';
import type { Tri } from './selectors.js';
import {
  MATCH_ALL,
  type Action,
  type Direction,
  type DirectionRules,
  type Matcher,
  type NamespaceScope,
  type Peer,
  type Policy,
  type PolicyRule,
} from './netpol-types.js';

export const CALICO_GROUPS = ['projectcalico.org', 'crd.projectcalico.org'];

/** A matcher that can never decide: selectors nsl-lint cannot parse stay quiet. */
const MATCH_UNKNOWN: Matcher = { test: () => 'unknown', hints: [], all: false };

/**
 * Calico selectors see implicit labels beside the object's own: pods carry
 * `projectcalico.org/namespace` and `projectcalico.org/orchestrator`, namespaces
 * `projectcalico.org/name`.
 */
export function calicoMatcher(text: string | undefined, target: 'pod' | 'namespace'): Matcher {
  let expr: CalicoExpr;
  try {
    expr = parseCalicoSelector(text ?? '');
  } catch {
    return MATCH_UNKNOWN;
  }
  if (expr.op === 'all') return MATCH_ALL;
  const test = (labels: Readonly<Record<string, string>>, complete: boolean, namespace: string): Tri =>
    evalCalico(
      expr,
      (key) => {
        if (Object.hasOwn(labels, key)) return labels[key];
        if (target === 'pod' && key === 'projectcalico.org/namespace') return namespace;
        if (target === 'pod' && key === 'projectcalico.org/orchestrator') return 'k8s';
        if (target === 'namespace' && key === 'projectcalico.org/name') return namespace;
        return undefined;
      },
      complete,
    );
  return { test, hints: calicoEqualities(expr), all: false };
}

function andNot(a: Matcher, b: Matcher): Matcher {
  return {
    test: (labels, complete, ns) => {
      const x = a.test(labels, complete, ns);
      if (x === false) return false;
      const y = b.test(labels, complete, ns);
      if (y === true) return false;
      return x === true && y === false ? true : 'unknown';
    },
    hints: a.hints,
    all: false,
  };
}

/** Calico's default `types`: Ingress when there are ingress rules or no rules at all, Egress when there are egress rules. */
export function calicoPolicyTypes(spec: Node | undefined): Set<Direction> {
  const written = spec?.get('types');
  const types = new Set<Direction>();
  if (written?.isSeq) {
    for (const t of written.items()) {
      const s = t.str()?.toLowerCase();
      if (s === 'ingress') types.add('Ingress');
      if (s === 'egress') types.add('Egress');
    }
    return types;
  }
  const hasIngress = spec?.get('ingress') !== undefined;
  const hasEgress = spec?.get('egress') !== undefined;
  if (hasIngress || !hasEgress) types.add('Ingress');
  if (hasEgress) types.add('Egress');
  return types;
}

export function parseCalicoPolicy(r: Resource, index: number): Policy {
  const spec = r.root.get('spec');
  const global = r.kind === 'GlobalNetworkPolicy';
  const namespace = global ? undefined : (r.namespace ?? 'default');
  const selectorNode = spec?.get('selector');
  const nsSelText = spec?.get('namespaceSelector')?.str();
  const scope: NamespaceScope =
    namespace !== undefined
      ? { kind: 'own', namespace }
      : nsSelText !== undefined
        ? { kind: 'selector', matcher: calicoMatcher(nsSelText, 'namespace') }
        : { kind: 'any' };
  const bySelector = calicoMatcher(selectorNode?.str(), 'pod');
  // A service-account selector narrows the endpoints in a way labels cannot show.
  const pods: Matcher =
    spec?.get('serviceAccountSelector') === undefined
      ? bySelector
      : { ...bySelector, test: (l, c, n) => (bySelector.test(l, c, n) === false ? false : 'unknown'), all: false };
  const orderValue = spec?.get('order')?.value;
  const types = calicoPolicyTypes(spec);
  const dir = (d: Direction, field: 'ingress' | 'egress'): DirectionRules | undefined => {
    if (!types.has(d)) return undefined;
    const rules = (spec?.get(field)?.items() ?? []).map((item) => calicoRule(item, d, namespace));
    return { isolates: true, rules, denies: [] };
  };
  return {
    resource: r,
    flavor: 'calico',
    index,
    namespace,
    scope,
    pods,
    selectorNode,
    order: typeof orderValue === 'number' ? orderValue : Number.POSITIVE_INFINITY,
    Ingress: dir('Ingress', 'ingress'),
    Egress: dir('Egress', 'egress'),
  };
}

function calicoAction(s: string | undefined): Action {
  switch (s?.toLowerCase()) {
    case 'deny':
      return 'Deny';
    case 'pass':
      return 'Pass';
    case 'log':
      return 'Log';
    default:
      return 'Allow';
  }
}

const MODELLED_ENTITY_FIELDS = new Set(['selector', 'namespaceSelector', 'nets', 'ports']);

function calicoRule(item: Node, direction: Direction, namespace: string | undefined): PolicyRule {
  const action = calicoAction(item.get('action')?.str());
  const peerNode = item.get(direction === 'Ingress' ? 'source' : 'destination');
  const localNode = item.get(direction === 'Ingress' ? 'destination' : 'source');
  // Conditions nsl-lint does not evaluate make the rule's match uncertain rather than wrong.
  let uncertain = ['notProtocol', 'icmp', 'notICMP', 'http', 'ipVersion'].some((f) => item.get(f) !== undefined);
  for (const k of peerNode?.keys() ?? []) if (!MODELLED_ENTITY_FIELDS.has(k) && k !== 'notSelector') uncertain = true;
  for (const k of localNode?.keys() ?? []) if (k !== 'ports') uncertain = true;
  const peers = calicoPeers(peerNode, namespace);
  const protocol = parseProtocol(item.get('protocol')?.str());
  const portItems = item.get('destination', 'ports')?.items() ?? [];
  let ports: PortSpec[] | 'all';
  if (protocol === undefined) {
    ports = 'all';
    if (portItems.length) uncertain = true; // ports need a protocol; Calico rejects this rule
  } else if (protocol === 'OTHER') {
    ports = [{ protocol: 'OTHER' }];
  } else if (portItems.length === 0) {
    ports = [{ protocol, from: 1, to: 65535 }];
  } else {
    ports = portItems.flatMap((p): PortSpec[] => {
      const v = p.value;
      if (typeof v === 'number') return [{ protocol, from: v, to: v }];
      if (typeof v !== 'string') return [];
      const m = /^(\d+)(?::(\d+))?$/.exec(v);
      if (m) return [{ protocol, from: Number(m[1]), to: Number(m[2] ?? m[1]) }];
      return [{ protocol, name: v }];
    });
  }
  return { action, peers, ports, node: item, uncertain };
}

function calicoPeers(entity: Node | undefined, namespace: string | undefined): Peer[] {
  const selector = entity?.get('selector')?.str();
  const nsSelector = entity?.get('namespaceSelector')?.str();
  const notSelector = entity?.get('notSelector')?.str();
  const nets = (entity?.get('nets')?.items() ?? []).map((n) => ({ range: parseCidr(n.str() ?? ''), node: n }));
  const hasPods = selector !== undefined || nsSelector !== undefined || notSelector !== undefined;
  if (nets.length && hasPods) return [{ kind: 'unknown' }]; // nets AND selector: depends on pod addresses
  if (nets.length) {
    return nets.map(({ range, node }): Peer => (range ? { kind: 'cidr', range, except: [] as IpRange[], node } : { kind: 'unknown' }));
  }
  if (!hasPods) return [{ kind: 'all' }];
  const namespaces: NamespaceScope =
    nsSelector !== undefined
      ? { kind: 'selector', matcher: calicoMatcher(nsSelector, 'namespace') }
      : namespace !== undefined
        ? { kind: 'own', namespace }
        : { kind: 'any' };
  let pods = selector !== undefined ? calicoMatcher(selector, 'pod') : MATCH_ALL;
  if (notSelector !== undefined) pods = andNot(pods, calicoMatcher(notSelector, 'pod'));
  return [{ kind: 'pods', namespaces, pods, node: entity }];
}
