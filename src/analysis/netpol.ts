import type { Model } from '../model/model.js';
import { namespaceInfo } from '../model/model.js';
import { workloadId, type NamespaceInfo, type Workload } from '../model/k8s.js';
import type { Node } from '../model/node.js';
import { CALICO_GROUPS, parseCalicoPolicy } from './calico-policy.js';
import { CILIUM_GROUPS, parseCiliumPolicies } from './cilium-policy.js';
import { isAdminPolicy, parseAdminPolicy } from './anp.js';
import { rangeContains, rangesOverlap, type IpRange } from '../core/ip.js';
import { parseKubernetesPolicy } from './netpol-kubernetes.js';
import { classKey, labelKeysRead } from './netpol-class-key.js';
import { ConnSet, resolvePorts, type NamedPort, type Protocol } from './netpol-ports.js';
import type { Tri } from './selectors.js';
import type { Direction, DirectionRules, Labels, NamespaceScope, Peer, Policy, PolicyRule } from './netpol-types.js';

/**
 * The policy engine: which policies select a pod, whether it is isolated per direction,
 * and which connections are allowed between a pod and another endpoint. Built once per
 * model and shared by every netpol rule and the connectivity map.
 *
 * Semantics, in one evaluation:
 * - A pod is isolated in a direction when a selecting policy isolates that direction.
 * - Rules are taken in order (Calico `order`, Kubernetes and Cilium at 1000, then path
 *   order); a matching `Allow` admits, `Deny` refuses, `Pass` hands the connection to
 *   the namespace profile (which allows), `Log` does nothing. Kubernetes and Cilium
 *   have only allow rules, so this is the union of their rules.
 * - Cilium deny rules refuse whatever else allows.
 * - AdminNetworkPolicies decide before all of this, by priority, first matching rule;
 *   their `Pass` and what they leave go on to the policies above, and what no isolating
 *   policy decides goes to the BaselineAdminNetworkPolicy (anp.ts).
 * Answers are bounds: `upper` assumes every uncertain match goes the permissive way,
 * `lower` the restrictive way; they differ only when labels nobody defined matter.
 */

export interface PodEndpoint {
  kind: 'pod';
  namespace: string;
  ns: NamespaceInfo;
  labels: Labels;
  /** False for stand-in pods built from a selector: other labels may exist. */
  labelsComplete: boolean;
  ports: NamedPort[];
  hostNetwork: boolean;
  workload: Workload | undefined;
  /** A stand-in pod is selected by the policy it stands for, whatever the labels say. */
  standInFor?: Policy;
}

export interface IpEndpoint {
  kind: 'ip';
  range: IpRange;
}

/** The cluster DNS reached by address (Service IP, NodeLocal DNS): any ipBlock may be it. */
export interface DnsAddressEndpoint {
  kind: 'dns-address';
}

export type Endpoint = PodEndpoint | IpEndpoint | DnsAddressEndpoint;

export interface Bounds {
  lower: ConnSet;
  upper: ConnSet;
}

/**
 * One step of an evaluation and the connections it decided: a rule (`Allow` admits, `Deny`
 * refuses, `Pass` hands on: from an admin tier to the pod's own policies, from a Calico
 * policy to the namespace profile, which allows); the pod's isolating policies, which refuse
 * what none of their rules admits; or the open default (no policy selects the pod, it is on
 * the host network, or nothing isolates the direction).
 */
export type Decision =
  | { kind: 'rule'; policy: Policy; rule: PolicyRule; action: 'Allow' | 'Deny' | 'Pass'; connections: ConnSet }
  | { kind: 'isolated'; policies: Policy[]; connections: ConnSet }
  | { kind: 'open'; reason: 'not-selected' | 'host-network' | 'not-isolated'; connections: ConnSet };

export interface Explanation {
  /** What the direction allows (the upper bound). */
  allowed: ConnSet;
  decisions: Decision[];
  /** Policies that may or may not select the pod (labels nobody defined). */
  maybe: Policy[];
}

export interface Applicable {
  policy: Policy;
  selected: Tri;
  rules: DirectionRules;
}

interface Bucket {
  byHint: Map<string, Policy[]>;
  rest: Policy[];
  all: Policy[];
}

function emptyBucket(): Bucket {
  return { byHint: new Map(), rest: [], all: [] };
}

function hintKey(k: string, v: string): string {
  return `${k}\u0000${v}`;
}

export function triAnd(a: Tri, b: Tri): Tri {
  if (a === false || b === false) return false;
  return a === true && b === true ? true : 'unknown';
}

export function triOr(a: Tri, b: Tri): Tri {
  if (a === true || b === true) return true;
  return a === false && b === false ? false : 'unknown';
}

/** Container ports of a pod spec (named ports resolve against them); no protocol means TCP. */
export function containerPorts(spec: Node | undefined): NamedPort[] {
  const out: NamedPort[] = [];
  for (const field of ['containers', 'initContainers']) {
    for (const c of spec?.get(field)?.items() ?? []) {
      for (const p of c.get('ports')?.items() ?? []) {
        const port = p.get('containerPort')?.value;
        const name = p.get('name')?.str();
        const proto = (p.get('protocol')?.str() ?? 'TCP').toUpperCase();
        if (typeof port !== 'number' || (proto !== 'TCP' && proto !== 'UDP' && proto !== 'SCTP')) continue;
        out.push({ name: name ?? '', protocol: proto, port });
      }
    }
  }
  return out;
}

export class NetpolAnalysis {
  readonly policies: Policy[] = [];
  readonly pods: PodEndpoint[] = [];
  private readonly byWorkload = new Map<Workload, PodEndpoint>();
  private readonly namespaced = new Map<string, Bucket>();
  private readonly clusterwide = emptyBucket();
  private readonly podsByNs = new Map<string, { all: PodEndpoint[]; byHint: Map<string, PodEndpoint[]> }>();
  private readonly applicableCache = new Map<Direction, WeakMap<PodEndpoint, Applicable[]>>([
    ['Ingress', new WeakMap()],
    ['Egress', new WeakMap()],
  ]);

  private readonly applicableByClass = new Map<
    string,
    { selection: { policy: Policy; selected: Tri }[]; Ingress?: Applicable[]; Egress?: Applicable[] }
  >();
  /** Pod label keys any selector reads (undefined: some selector does not say). */
  private readonly keysRead: ReadonlySet<string> | undefined;

  constructor(readonly model: Model) {
    model.resources.forEach((r, index) => {
      if (r.kind === 'NetworkPolicy' && r.group === 'networking.k8s.io') this.policies.push(parseKubernetesPolicy(r, index));
      else if ((r.kind === 'NetworkPolicy' || r.kind === 'GlobalNetworkPolicy') && CALICO_GROUPS.includes(r.group))
        this.policies.push(parseCalicoPolicy(r, index));
      else if ((r.kind === 'CiliumNetworkPolicy' || r.kind === 'CiliumClusterwideNetworkPolicy') && CILIUM_GROUPS.includes(r.group))
        this.policies.push(...parseCiliumPolicies(r, index));
      else if (isAdminPolicy(r)) this.policies.push(parseAdminPolicy(r, index));
    });
    this.keysRead = labelKeysRead(this.policies);
    for (const p of this.policies) {
      let bucket = this.clusterwide;
      if (p.namespace !== undefined) {
        bucket = this.namespaced.get(p.namespace) ?? emptyBucket();
        this.namespaced.set(p.namespace, bucket);
      }
      bucket.all.push(p);
      // Indexed under a label every pod it selects carries (one of several values: under each; a pod has one).
      const hint = p.pods.hints[0];
      const [key, values] = hint ? [hint[0], [hint[1]]] : (p.pods.oneOf ?? ['', []]);
      const keys = values.map((v) => hintKey(key, v));
      for (const k of new Set(keys)) {
        const list = bucket.byHint.get(k) ?? [];
        list.push(p);
        bucket.byHint.set(k, list);
      }
      if (keys.length === 0) bucket.rest.push(p);
    }
    for (const w of model.workloads) {
      const pod: PodEndpoint = {
        kind: 'pod',
        namespace: w.namespace,
        ns: namespaceInfo(model, w.namespace),
        labels: w.podLabels,
        labelsComplete: true,
        ports: containerPorts(w.podSpec),
        hostNetwork: w.hostNetwork,
        workload: w,
      };
      this.pods.push(pod);
      this.byWorkload.set(w, pod);
      let entry = this.podsByNs.get(w.namespace);
      if (!entry) {
        entry = { all: [], byHint: new Map() };
        this.podsByNs.set(w.namespace, entry);
      }
      entry.all.push(pod);
      for (const [k, v] of Object.entries(w.podLabels)) {
        const key = hintKey(k, v);
        const list = entry.byHint.get(key) ?? [];
        list.push(pod);
        entry.byHint.set(key, list);
      }
    }
  }

  pod(w: Workload): PodEndpoint {
    const p = this.byWorkload.get(w);
    if (!p) throw new Error(`workload ${w.namespace}/${w.name} is not in the model`);
    return p;
  }

  /** A pod standing for "whatever this policy selects", where the repository has no workload. */
  standIn(policy: Policy): PodEndpoint {
    const namespace = policy.namespace ?? 'default';
    return {
      kind: 'pod',
      namespace,
      ns: namespaceInfo(this.model, namespace),
      labels: Object.fromEntries(policy.pods.hints),
      labelsComplete: false,
      ports: [],
      hostNetwork: false,
      workload: undefined,
      standInFor: policy,
    };
  }

  namespaceMatches(scope: NamespaceScope, ns: NamespaceInfo): Tri {
    switch (scope.kind) {
      case 'own':
        return scope.namespace === ns.name;
      case 'any':
        return true;
      case 'selector':
        return scope.matcher.test(ns.labels, ns.labelsComplete, ns.name);
    }
  }

  /** Whether the policy's selector picks the pod, host network or not. */
  selectsIgnoringHostNetwork(policy: Policy, pod: PodEndpoint): Tri {
    if (pod.standInFor === policy) return true;
    return triAnd(this.namespaceMatches(policy.scope, pod.ns), policy.pods.test(pod.labels, pod.labelsComplete, pod.namespace));
  }

  /** Policies never apply to pods on the host network. */
  selects(policy: Policy, pod: PodEndpoint): Tri {
    if (pod.hostNetwork) return false;
    return this.selectsIgnoringHostNetwork(policy, pod);
  }

  /** Candidate policies for a pod, found through the namespace and label index. */
  private candidates(pod: PodEndpoint): Policy[] {
    const out: Policy[] = [];
    for (const bucket of [this.namespaced.get(pod.namespace), this.clusterwide]) {
      if (!bucket) continue;
      if (!pod.labelsComplete) {
        out.push(...bucket.all);
        continue;
      }
      out.push(...bucket.rest);
      for (const [k, v] of Object.entries(pod.labels)) out.push(...(bucket.byHint.get(hintKey(k, v)) ?? []));
    }
    return out;
  }

  /** Policies that (may) select the pod and speak about `direction`, in evaluation order. */
  applicable(pod: PodEndpoint, direction: Direction): Applicable[] {
    const cache = this.applicableCache.get(direction) as WeakMap<PodEndpoint, Applicable[]>;
    const hit = cache.get(pod);
    if (hit) return hit;
    // Pods no selector tells apart (same namespace, same labels where selectors look) share the answer.
    const key = pod.standInFor ? undefined : classKey(pod, this.keysRead);
    let shared = key !== undefined ? this.applicableByClass.get(key) : undefined;
    if (!shared) {
      shared = { selection: this.selection(pod) };
      if (key !== undefined) this.applicableByClass.set(key, shared);
    }
    let out = shared[direction];
    if (!out) {
      out = [];
      for (const { policy, selected } of shared.selection) {
        const rules = policy[direction];
        if (rules) out.push({ policy, selected, rules });
      }
      shared[direction] = out;
    }
    cache.set(pod, out);
    return out;
  }

  /** The policies that (may) select the pod, in evaluation order. */
  private selection(pod: PodEndpoint): { policy: Policy; selected: Tri }[] {
    const out: { policy: Policy; selected: Tri }[] = [];
    if (pod.hostNetwork) return out;
    for (const policy of this.candidates(pod)) {
      const selected = this.selects(policy, pod);
      if (selected !== false) out.push({ policy, selected });
    }
    return out.sort((a, b) => a.policy.order - b.policy.order || a.policy.index - b.policy.index);
  }

  isolated(pod: PodEndpoint, direction: Direction): Tri {
    const apps = this.applicable(pod, direction);
    let result = this.isolatedCache.get(apps);
    if (result !== undefined) return result;
    result = false;
    for (const a of apps) if (a.rules.isolates) result = triOr(result, a.selected);
    this.isolatedCache.set(apps, result);
    return result;
  }

  private readonly isolatedCache = new WeakMap<Applicable[], Tri>();

  peerMatches(peer: Peer, ep: Endpoint): Tri {
    switch (peer.kind) {
      case 'all':
        return true;
      case 'unknown':
        return 'unknown';
      case 'fqdn':
        return false;
      case 'entity':
        if (peer.entity === 'all') return true;
        if (peer.entity === 'other') return 'unknown';
        if (ep.kind === 'pod') return peer.entity === 'cluster' && !ep.hostNetwork;
        if (ep.kind === 'ip') return peer.entity === 'world';
        return peer.entity === 'cluster' || peer.entity === 'host';
      case 'cidr':
        if (ep.kind === 'dns-address') return true;
        if (ep.kind !== 'ip') return false;
        if (!rangeContains(peer.range, ep.range)) return rangesOverlap(peer.range, ep.range) ? 'unknown' : false;
        for (const ex of peer.except) {
          if (rangeContains(ex, ep.range)) return false;
          if (rangesOverlap(ex, ep.range)) return 'unknown';
        }
        return true;
      case 'pods':
        // Traffic of host-network pods carries the node's address, not a pod identity.
        if (ep.kind !== 'pod' || ep.hostNetwork) return false;
        return triAnd(this.namespaceMatches(peer.namespaces, ep.ns), peer.pods.test(ep.labels, ep.labelsComplete, ep.namespace));
    }
  }

  ruleMatches(rule: PolicyRule, ep: Endpoint): Tri {
    let m: Tri = false;
    for (const peer of rule.peers) {
      m = triOr(m, this.peerMatches(peer, ep));
      if (m === true) break;
    }
    return rule.uncertain ? triAnd(m, 'unknown') : m;
  }

  /**
   * Connections allowed for `pod` in `direction` with `other` (the source for ingress, the
   * destination for egress), as far as the policies selecting `pod` decide. `upperOnly`
   * skips the lower bound (it is then a copy of the upper one).
   */
  allowed(pod: PodEndpoint, direction: Direction, other: Endpoint, upperOnly = false): Bounds {
    const apps = this.applicable(pod, direction);
    if (apps.length === 0) return { lower: ConnSet.ALL, upper: ConnSet.ALL };
    const dst = direction === 'Ingress' ? pod : other;
    const dstPorts = dst.kind === 'pod' ? dst.ports : [];
    // The answer depends on the pod only through its policies (shared by pods alike) and its
    // ports: asked again for another pod of the same kind, it is remembered.
    let byOther = this.allowedCache.get(apps);
    if (!byOther) this.allowedCache.set(apps, (byOther = new WeakMap()));
    let byPorts = byOther.get(other);
    if (!byPorts) byOther.set(other, (byPorts = new Map()));
    const key = `${upperOnly ? 'upper' : 'both'}${direction === 'Ingress' ? this.portsKey(pod.ports) : ''}`;
    const known = byPorts.get(key);
    if (known) return known;
    const answer = this.computeAllowed(apps, other, dstPorts, upperOnly);
    byPorts.set(key, answer);
    return answer;
  }

  private readonly allowedCache = new WeakMap<Applicable[], WeakMap<Endpoint, Map<string, Bounds>>>();
  private readonly portsKeys = new WeakMap<readonly NamedPort[], string>();
  private portsKey(ports: readonly NamedPort[]): string {
    let key = this.portsKeys.get(ports);
    if (key === undefined) this.portsKeys.set(ports, (key = JSON.stringify(ports)));
    return key;
  }

  private computeAllowed(apps: Applicable[], other: Endpoint, dstPorts: NamedPort[], upperOnly: boolean): Bounds {
    const sure = apps.filter((a) => a.selected === true);
    const bounds = (list: Applicable[]): Bounds => {
      const upper = this.evaluate(list, other, dstPorts, 'upper');
      return { lower: upperOnly ? upper : this.evaluate(list, other, dstPorts, 'lower'), upper };
    };
    const r1 = bounds(sure);
    if (sure.length === apps.length) return r1;
    // Policies that may or may not select the pod: both worlds are possible.
    const r2 = bounds(apps);
    return { lower: r1.lower.intersect(r2.lower), upper: r1.upper.union(r2.upper) };
  }

  /**
   * Why `pod` allows what it allows in `direction` with `other`: the deciding steps of the
   * evaluation, in the order they decide (admin tier, deny rules, the pod's own policies,
   * isolation, baseline tier, the open default), each with the connections it decided.
   * Uncertain matches count as matching, as in the upper bound; `maybe` lists the policies
   * that select the pod only through labels nobody defined.
   */
  explain(pod: PodEndpoint, direction: Direction, other: Endpoint): Explanation {
    const apps = this.applicable(pod, direction);
    if (apps.length === 0) {
      const reason = pod.hostNetwork ? 'host-network' : 'not-selected';
      return { allowed: ConnSet.ALL, decisions: [{ kind: 'open', reason, connections: ConnSet.ALL }], maybe: [] };
    }
    const dst = direction === 'Ingress' ? pod : other;
    const decisions: Decision[] = [];
    const allowed = this.evaluate(apps, other, dst.kind === 'pod' ? dst.ports : [], 'upper', decisions);
    return { allowed, decisions, maybe: apps.filter((a) => a.selected !== true).map((a) => a.policy) };
  }

  private evaluate(apps: Applicable[], other: Endpoint, dstPorts: NamedPort[], bound: 'lower' | 'upper', trace?: Decision[]): ConnSet {
    const takes = (rule: PolicyRule, permissive: boolean): boolean => {
      const m = this.ruleMatches(rule, other);
      // Upper bound: uncertain allows match and uncertain denies do not; lower bound the reverse.
      return permissive === (bound === 'upper') ? m !== false : m === true;
    };
    type Hit = { policy: Policy; rule: PolicyRule; action: 'Allow' | 'Deny' | 'Pass'; connections: ConnSet };
    /** First match per connection over `rules`, starting from `open`: what Allow (and Pass) take, and what no rule takes. */
    const firstMatch = (list: Applicable[], open: ConnSet, hits?: Hit[]): { allowed: ConnSet; passed: ConnSet; rest: ConnSet } => {
      let rest = open;
      let allowed = ConnSet.NONE;
      let passed = ConnSet.NONE;
      outer: for (const a of list) {
        for (const rule of a.rules.rules) {
          if (rule.action === 'Log') continue;
          if (!takes(rule, rule.action !== 'Deny')) continue;
          const c = resolvePorts(rule.ports, dstPorts).intersect(rest);
          if (c.isEmpty) continue;
          hits?.push({ policy: a.policy, rule, action: rule.action, connections: c });
          if (rule.action === 'Allow') allowed = allowed.union(c);
          else if (rule.action === 'Pass') passed = passed.union(c);
          rest = rest.subtract(c);
          if (rest.isEmpty) break outer;
        }
      }
      return { allowed, passed, rest };
    };
    /** Record what each hit decided, as far as `within` leaves it. */
    const record = (hits: readonly Hit[], within: (h: Hit) => ConnSet): void => {
      for (const h of hits) {
        const connections = within(h);
        if (!connections.isEmpty) trace?.push({ kind: 'rule', policy: h.policy, rule: h.rule, action: h.action, connections });
      }
    };
    const hits: Hit[] | undefined = trace ? [] : undefined;
    const admin = apps.filter((a) => a.policy.tier === 'admin');
    const own = apps.filter((a) => a.policy.tier === undefined);
    const baseline = apps.filter((a) => a.policy.tier === 'baseline');
    // The admin tier decides first; what it passes or leaves goes on.
    const top = admin.length ? firstMatch(admin, ConnSet.ALL, hits) : { allowed: ConnSet.NONE, passed: ConnSet.NONE, rest: ConnSet.ALL };
    const open = top.rest.union(top.passed);
    if (hits) record(hits.splice(0), (h) => h.connections);
    if (open.isEmpty) return top.allowed;
    let denied = ConnSet.NONE;
    for (const a of own)
      for (const rule of a.rules.denies)
        if (takes(rule, false)) {
          const c = resolvePorts(rule.ports, dstPorts);
          if (hits)
            record([{ policy: a.policy, rule, action: 'Deny', connections: c }], (h) => h.connections.intersect(open).subtract(denied));
          denied = denied.union(c);
        }
    const isolating = own.filter((a) => a.rules.isolates);
    if (isolating.length) {
      // Calico's `Pass` goes to the namespace profile, which allows.
      const mid = firstMatch(own, ConnSet.ALL, hits);
      if (hits) {
        record(hits.splice(0), (h) => h.connections.intersect(open).subtract(h.action === 'Deny' ? ConnSet.NONE : denied));
        const unmatched = mid.rest.intersect(open).subtract(denied);
        if (!unmatched.isEmpty) trace?.push({ kind: 'isolated', policies: isolating.map((a) => a.policy), connections: unmatched });
      }
      return top.allowed.union(mid.allowed.union(mid.passed).intersect(open).subtract(denied));
    }
    const left = open.subtract(denied);
    if (!baseline.length) {
      if (!left.isEmpty) trace?.push({ kind: 'open', reason: 'not-isolated', connections: left });
      return top.allowed.union(left);
    }
    // The baseline tier: its first matching rule decides; what it does not match is allowed.
    const low = firstMatch(baseline, left, hits);
    if (hits) record(hits.splice(0), (h) => h.connections);
    if (!low.rest.isEmpty) trace?.push({ kind: 'open', reason: 'not-isolated', connections: low.rest });
    return top.allowed.union(low.allowed).union(low.rest);
  }

  /** Policies whose allow rules (may) admit `probe` between `pod` and `other`: who gives a connection. */
  allowingPolicies(pod: PodEndpoint, direction: Direction, other: Endpoint, protocol: Protocol, port: number, certain: boolean): Policy[] {
    const dst = direction === 'Ingress' ? pod : other;
    const dstPorts = dst.kind === 'pod' ? dst.ports : [];
    const out = new Set<Policy>();
    for (const a of this.applicable(pod, direction)) {
      if (certain && a.selected !== true) continue;
      for (const rule of a.rules.rules) {
        if (rule.action !== 'Allow') continue;
        const m = this.ruleMatches(rule, other);
        if (certain ? m !== true : m === false) continue;
        if (resolvePorts(rule.ports, dstPorts).has(protocol, port)) out.add(a.policy);
      }
    }
    return [...out];
  }

  /** Namespaces a scope may reach, among those the model knows. */
  /** The repository's pods in a namespace (from the index built once per model). */
  podsIn(namespace: string): readonly PodEndpoint[] {
    return this.podsByNs.get(namespace)?.all ?? [];
  }

  namespacesIn(scope: NamespaceScope): string[] {
    if (scope.kind === 'own') return [scope.namespace];
    const names = [...this.podsByNs.keys()];
    if (scope.kind === 'any') return names;
    return names.filter((n) => this.namespaceMatches(scope, namespaceInfo(this.model, n)) !== false);
  }

  /** Pods of the repository a peer may match, through the namespace and label index. */
  podsMatching(peer: Peer): PodEndpoint[] {
    if (peer.kind === 'all' || (peer.kind === 'entity' && (peer.entity === 'all' || peer.entity === 'cluster')) || peer.kind === 'unknown')
      return this.pods;
    if (peer.kind !== 'pods') return [];
    const out: PodEndpoint[] = [];
    const hint = peer.pods.hints[0];
    for (const ns of this.namespacesIn(peer.namespaces)) {
      const entry = this.podsByNs.get(ns);
      if (!entry) continue;
      const candidates = hint ? (entry.byHint.get(hintKey(hint[0], hint[1])) ?? []) : entry.all;
      for (const pod of candidates) if (this.peerMatches(peer, pod) !== false) out.push(pod);
    }
    return out;
  }

  /** Policies that select every pod of `namespace` and isolate `direction` (namespaced or cluster-wide). */
  namespaceWide(namespace: string, direction: Direction): Policy[] {
    const ns = namespaceInfo(this.model, namespace);
    const out: Policy[] = [];
    for (const p of [...(this.namespaced.get(namespace)?.all ?? []), ...this.clusterwide.all]) {
      if (!p[direction]?.isolates || !p.pods.all) continue;
      // A cluster-wide policy whose namespace selector depends on unknown labels may cover it: stay quiet.
      if (this.namespaceMatches(p.scope, ns) !== false) out.push(p);
    }
    return out;
  }
}

/** `ns/name[Kind]` for a pod endpoint; a stand-in is described from its policy's point of view. */
export function podName(pod: PodEndpoint): string {
  if (pod.workload) return workloadId(pod.workload);
  const p = pod.standInFor;
  return p ? `the pods it selects in namespace "${pod.namespace}" (no workload in the repository)` : `${pod.namespace}/?`;
}
