import type { Node } from '../model/node.js';
import type { Resource } from '../model/k8s.js';
import { parseCidr, type IpRange } from '../core/ip.js';
import { parseProtocol, type PortSpec } from './netpol-ports.js';
import { matchesPartially, parseLabelSelector, type Requirement, type Tri } from './selectors.js';
import {
  MATCH_ALL,
  type Direction,
  type DirectionRules,
  type Entity,
  type Matcher,
  type NamespaceScope,
  type Peer,
  type Policy,
  type PolicyRule,
} from './netpol-types.js';

export const CILIUM_GROUPS = ['cilium.io'];

const POD_NAMESPACE = 'io.kubernetes.pod.namespace';
const NAMESPACE_LABELS = 'io.cilium.k8s.namespace.labels.';

/** Cilium label keys may carry a source prefix (`k8s:app`, `any:app`). */
function stripSource(key: string): string {
  const m = /^(k8s|any|container|reserved|cidr|fqdn):(.*)$/.exec(key);
  return m ? (m[2] as string) : key;
}

interface SplitSelector {
  pods: Matcher;
  /** Requirements on the namespace, rewritten over namespace labels. */
  namespace: Matcher | undefined;
}

function matcherOf(reqs: Requirement[], extraUnknown: boolean): Matcher {
  if (reqs.length === 0 && !extraUnknown) return MATCH_ALL;
  const sel = { requirements: reqs, isEmpty: reqs.length === 0 };
  const hints = reqs.filter((r) => r.operator === 'In' && r.values.length === 1).map((r) => [r.key, r.values[0] as string] as const);
  return {
    test: (labels, complete): Tri => {
      const r = matchesPartially(sel, labels, complete);
      return extraUnknown && r === true ? 'unknown' : r;
    },
    hints,
    all: false,
  };
}

/**
 * A Cilium endpoint selector is a label selector over the endpoint's labels, where the
 * namespace appears as the label `io.kubernetes.pod.namespace` and namespace labels as
 * `io.cilium.k8s.namespace.labels.<key>`: those become a namespace matcher.
 */
function splitSelector(node: Node | undefined): SplitSelector {
  const sel = parseLabelSelector(node);
  if (sel.invalid !== undefined) return { pods: { test: () => false, hints: [], all: false }, namespace: undefined };
  const podReqs: Requirement[] = [];
  const nsReqs: Requirement[] = [];
  let unknown = false;
  for (const req of sel.requirements) {
    const key = stripSource(req.key);
    if (key === POD_NAMESPACE) nsReqs.push({ ...req, key: 'kubernetes.io/metadata.name' });
    else if (key.startsWith(NAMESPACE_LABELS)) nsReqs.push({ ...req, key: key.slice(NAMESPACE_LABELS.length) });
    else if (key.startsWith('io.cilium.') || req.key.startsWith('reserved:'))
      unknown = true; // service account, cluster, reserved identities
    else podReqs.push({ ...req, key });
  }
  return { pods: matcherOf(podReqs, unknown), namespace: nsReqs.length ? matcherOf(nsReqs, false) : undefined };
}

export function parseCiliumPolicies(r: Resource, index: number): Policy[] {
  const clusterwide = r.kind === 'CiliumClusterwideNetworkPolicy';
  const specs = [r.root.get('spec'), ...(r.root.get('specs')?.items() ?? [])].filter((s): s is Node => s !== undefined);
  const out: Policy[] = [];
  for (const spec of specs) {
    const selectorNode = spec.get('endpointSelector');
    // Host policies (`nodeSelector`) protect nodes, not pods.
    if (!selectorNode) continue;
    const namespace = clusterwide ? undefined : (r.namespace ?? 'default');
    const split = splitSelector(selectorNode);
    const scope: NamespaceScope =
      namespace !== undefined
        ? { kind: 'own', namespace }
        : split.namespace
          ? { kind: 'selector', matcher: split.namespace }
          : { kind: 'any' };
    const dir = (d: Direction): DirectionRules | undefined => {
      const allowField = d === 'Ingress' ? 'ingress' : 'egress';
      const allow = spec.get(allowField);
      const deny = spec.get(`${allowField}Deny`);
      if (allow === undefined && deny === undefined) return undefined;
      const defaultDeny = spec.get('enableDefaultDeny', allowField)?.value;
      return {
        isolates: defaultDeny !== false,
        rules: (allow?.items() ?? []).map((item) => ciliumRule(item, d, 'Allow', namespace)),
        denies: (deny?.items() ?? []).map((item) => ciliumRule(item, d, 'Deny', namespace)),
      };
    };
    out.push({
      resource: r,
      flavor: 'cilium',
      index,
      namespace,
      scope,
      pods: split.pods,
      selectorNode,
      order: 1000,
      Ingress: dir('Ingress'),
      Egress: dir('Egress'),
    });
  }
  return out;
}

const ENTITIES: Record<string, Entity> = {
  world: 'world',
  'world-ipv4': 'world',
  'world-ipv6': 'world',
  cluster: 'cluster',
  host: 'host',
  'remote-node': 'remote-node',
  'kube-apiserver': 'kube-apiserver',
  all: 'all',
};

function ciliumRule(item: Node, direction: Direction, action: 'Allow' | 'Deny', namespace: string | undefined): PolicyRule {
  const pre = direction === 'Ingress' ? 'from' : 'to';
  const peers: Peer[] = [];
  let l3 = false;
  let uncertain = false;
  for (const ep of item.get(`${pre}Endpoints`)?.items() ?? []) {
    l3 = true;
    const split = splitSelector(ep);
    // Without a namespace label, a namespaced policy's peers are in its own namespace.
    const namespaces: NamespaceScope = split.namespace
      ? { kind: 'selector', matcher: split.namespace }
      : namespace !== undefined
        ? { kind: 'own', namespace }
        : { kind: 'any' };
    peers.push({ kind: 'pods', namespaces, pods: split.pods, node: ep });
  }
  for (const c of item.get(`${pre}CIDR`)?.items() ?? []) {
    l3 = true;
    const range = parseCidr(c.str() ?? '');
    peers.push(range ? { kind: 'cidr', range, except: [], node: c } : { kind: 'unknown' });
  }
  for (const c of item.get(`${pre}CIDRSet`)?.items() ?? []) {
    l3 = true;
    const range = parseCidr(c.get('cidr')?.str() ?? '');
    const except = (c.get('except')?.items() ?? []).map((e) => parseCidr(e.str() ?? '')).filter((e): e is IpRange => e !== undefined);
    peers.push(range ? { kind: 'cidr', range, except, node: c.get('cidr') } : { kind: 'unknown' });
  }
  for (const e of item.get(`${pre}Entities`)?.items() ?? []) {
    l3 = true;
    peers.push({ kind: 'entity', entity: ENTITIES[e.str() ?? ''] ?? 'other', node: e });
  }
  for (const f of item.get('toFQDNs')?.items() ?? []) {
    l3 = true;
    const pattern = f.get('matchName')?.str() ?? f.get('matchPattern')?.str();
    if (pattern) peers.push({ kind: 'fqdn', pattern });
  }
  for (const field of [`${pre}Requires`, `${pre}Groups`, `${pre}Nodes`, 'toServices']) {
    if (item.get(field) !== undefined) {
      l3 = true;
      if (field.endsWith('Requires')) uncertain = true;
      else peers.push({ kind: 'unknown' });
    }
  }
  const toPorts = item.get('toPorts')?.items() ?? [];
  const icmps = item.get('icmps');
  // A rule with ports but no peer fields is L4-only and applies to every peer; an empty rule matches nothing.
  if (!l3 && (toPorts.length > 0 || icmps !== undefined)) peers.push({ kind: 'all' });
  let ports: PortSpec[] | 'all' = 'all';
  if (toPorts.length > 0 || icmps !== undefined) {
    ports = [];
    for (const tp of toPorts) {
      const list = tp.get('ports')?.items() ?? [];
      if (list.length === 0) ports.push({ protocol: 'ANY', from: 1, to: 65535 });
      for (const p of list) {
        const proto = parseProtocol(p.get('protocol')?.str()) ?? 'ANY';
        if (proto === 'OTHER') continue;
        const v = p.get('port')?.value;
        const end = p.get('endPort')?.value;
        if (v === undefined || v === 0 || v === '0') ports.push({ protocol: proto, from: 1, to: 65535 });
        else if (typeof v === 'number' || (typeof v === 'string' && /^\d+$/.test(v))) {
          const n = Number(v);
          ports.push({ protocol: proto, from: n, to: typeof end === 'number' && end >= n ? end : n });
        } else if (typeof v === 'string') ports.push({ protocol: proto, name: v });
      }
    }
    if (icmps !== undefined) ports.push({ protocol: 'OTHER' });
  }
  return { action, peers, ports, node: item, uncertain };
}
