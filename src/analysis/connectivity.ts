import { podOwner } from '../model/k8s.js';
import { familyMax, formatIp, formatRange, parseCidr, partition, rangeToCidrs, type Family, type IpRange } from '../core/ip.js';
import type { AssertionEndpoint, ConnectivityAssertion } from '../core/config.js';
import type { ConnectivityChangeRow, ConnectivityRow, MapNode } from '../core/connectivity.js';
import type { Location } from '../core/location.js';
import { ConnSet } from './netpol-ports.js';
import {
  Bitset,
  FormulaTable,
  candidateSet,
  PodClasses,
  formulaAt,
  ipSideOf,
  sideOf,
  sideReaches,
  type PodClass,
  type PortFormula,
  type Side,
} from './netpol-classes.js';
import { edgeRoutes, targetPorts, workloadsSelectedBy } from './services.js';
import type { Bounds, Decision, Endpoint, Explanation, NetpolAnalysis, PodEndpoint } from './netpol.js';
import type { Direction, Policy } from './netpol-types.js';

/**
 * The connectivity map: for every (source, destination) pair the connections the policies
 * may allow, where a connection needs both the source's egress and the destination's
 * ingress to admit it. Workloads without policies are open both ways. Pods are grouped by
 * owner (a Pod with a controlling `ownerReferences` entry is its owner's workload), and
 * connections between pods of one owner are left out. External addresses are split into
 * the ranges that policies tell apart (ipBlock cidrs and excepts), and adjacent ranges
 * treated alike are merged back. Uncertain matches (labels nobody defined) count as
 * allowed: the map shows what may connect. Host-network pods are shown with every
 * connection allowed: Kubernetes leaves policy for them undefined and most network
 * plugins do not apply it.
 */

export type MapEndpoint =
  | { kind: 'workload'; id: string; pod: PodEndpoint; owner: { kind: string; name: string }; hostNetwork: boolean }
  | { kind: 'ip'; id: string; range: IpRange };

export interface ConnectionLine {
  source: MapEndpoint;
  destination: MapEndpoint;
  connections: ConnSet;
}

/** How the map spells an address range: its CIDR when it is one, else `first-last`. */
export function rangeId(range: IpRange): string {
  const cidrs = rangeToCidrs(range);
  return cidrs.length === 1 ? (cidrs[0] as string) : formatRange(range);
}

export function cidrsOf(a: NetpolAnalysis): IpRange[] {
  const out: IpRange[] = [];
  for (const p of a.policies) {
    for (const d of ['Ingress', 'Egress'] as const) {
      for (const rule of [...(p[d]?.rules ?? []), ...(p[d]?.denies ?? [])]) {
        for (const peer of rule.peers) if (peer.kind === 'cidr') out.push(peer.range, ...peer.except);
      }
    }
  }
  return out;
}

export type WorkloadEndpoint = Extract<MapEndpoint, { kind: 'workload' }>;

/** One endpoint per owner; pods of one owner that differ nowhere policies look are evaluated once. */
export function groupByOwner(a: NetpolAnalysis): { groups: Map<string, PodEndpoint[]>; ids: Map<PodEndpoint, WorkloadEndpoint> } {
  const groups = new Map<string, PodEndpoint[]>();
  const ids = new Map<PodEndpoint, WorkloadEndpoint>();
  const seen = new Map<string, Set<string>>();
  for (const pod of a.pods) {
    const w = pod.workload;
    if (!w) continue;
    const owner = podOwner(w) ?? { kind: w.kind, name: w.name };
    const id = `${w.namespace}/${owner.name}[${owner.kind}]`;
    const signature = JSON.stringify([Object.entries(pod.labels).sort(), pod.ports, pod.hostNetwork]);
    const known = seen.get(id) ?? new Set<string>();
    seen.set(id, known);
    const group = groups.get(id) ?? [];
    groups.set(id, group);
    const first = group[0];
    const endpoint: WorkloadEndpoint = first
      ? (ids.get(first) as WorkloadEndpoint)
      : { kind: 'workload', id: pod.hostNetwork ? `${id}[hostNetwork]` : id, pod, owner, hostNetwork: pod.hostNetwork };
    if (pod.hostNetwork) endpoint.hostNetwork = true;
    if (known.has(signature)) continue;
    known.add(signature);
    group.push(pod);
    ids.set(pod, endpoint);
  }
  // An owner with any host-network pod is shown as host network.
  for (const group of groups.values()) {
    const e = ids.get(group[0] as PodEndpoint) as WorkloadEndpoint;
    if (e.hostNetwork && !e.id.endsWith('[hostNetwork]')) e.id = `${e.id}[hostNetwork]`;
  }
  return { groups, ids };
}

/** The map in its order; see `connectivityLines`. */
export function computeConnectivity(a: NetpolAnalysis): ConnectionLine[] {
  return [...connectivityLines(a)];
}

type IpLine = { range: IpRange; conns: ConnSet };

/** Adjacent ranges of one family with equal connections as one; ranges with none left out. */
function* mergeRuns(atoms: Iterable<IpLine>): Generator<IpLine> {
  let run: IpLine | undefined;
  for (const atom of atoms) {
    if (run && run.range.family === atom.range.family && run.conns.equals(atom.conns))
      run = { range: { ...run.range, end: atom.range.end }, conns: run.conns };
    else {
      if (run && !run.conns.isEmpty) yield run;
      run = atom;
    }
  }
  if (run && !run.conns.isEmpty) yield run;
}

/**
 * The map's lines, sorted (address ranges first, then workloads by name; per source, its
 * destinations the same way), produced one at a time: a map of thousands of workloads has
 * millions of lines, computed from pod classes (netpol-classes.ts) as they are written.
 */
export function* connectivityLines(a: NetpolAnalysis): Generator<ConnectionLine> {
  const { groups, ids } = groupByOwner(a);
  const endpointOf = (p: PodEndpoint): WorkloadEndpoint => ids.get(p) as WorkloadEndpoint;
  const members = new Map<WorkloadEndpoint, PodEndpoint[]>();
  for (const group of groups.values()) members.set(endpointOf(group[0] as PodEndpoint), group);
  const endpoints = [...members.keys()].sort(compareEndpoints);
  const pods = [...ids.keys()].filter((p) => !endpointOf(p).hostNetwork);
  const families: Family[] = cidrsOf(a).some((c) => c.family === 6) ? [4, 6] : [4];

  const classes = new PodClasses(a, pods);
  const table = new FormulaTable();
  const sides = {
    Egress: classes.classes.map((c) => sideOf(a, classes, table, c, 'Egress')),
    Ingress: classes.classes.map((c) => sideOf(a, classes, table, c, 'Ingress')),
  };
  const candidates = {
    Egress: classes.classes.map((c) => candidateSet(a, classes, c, 'Egress')),
    Ingress: classes.classes.map((c) => candidateSet(a, classes, c, 'Ingress')),
  };
  const podPorts = new Map<PodEndpoint, string>();
  const portsKey = (p: PodEndpoint): string => {
    let key = podPorts.get(p);
    if (key === undefined) podPorts.set(p, (key = JSON.stringify(p.ports)));
    return key;
  };
  const engineCache = new Map<string, ConnSet>();
  /** What `me`'s policies allow in `direction` with `other`, where the rules' order matters. */
  const engine = (direction: Direction, me: PodEndpoint, mc: number, other: PodEndpoint, oc: number): ConnSet => {
    const dst = direction === 'Egress' ? other : me;
    const key = `${direction}${mc},${oc},${portsKey(dst)}`;
    let hit = engineCache.get(key);
    if (!hit) engineCache.set(key, (hit = a.allowed(me, direction, other, true).upper));
    return hit;
  };
  /** Per class pair: the connections when no named port is involved, else the two formulas to resolve. */
  type PairValue = ConnSet | { egress: PortFormula; ingress: PortFormula; byPorts: Map<string, ConnSet> } | 'engine';
  const formulaPairs = new Map<PortFormula, Map<PortFormula, PairValue>>();
  const pairValue = (sc: number, dc: number): PairValue => {
    const es = sides.Egress[sc] as Side;
    const is = sides.Ingress[dc] as Side;
    if (es.kind === 'engine' || is.kind === 'engine') return 'engine';
    const egress = formulaAt(es, table, dc);
    const ingress = egress && formulaAt(is, table, sc);
    if (!egress || !ingress) return ConnSet.NONE;
    let byIngress = formulaPairs.get(egress);
    if (!byIngress) formulaPairs.set(egress, (byIngress = new Map()));
    let hit = byIngress.get(ingress);
    if (!hit) {
      hit =
        !egress.dependsOnPorts && !ingress.dependsOnPorts ? egress.base.intersect(ingress.base) : { egress, ingress, byPorts: new Map() };
      byIngress.set(ingress, hit);
    }
    return hit;
  };
  // Rows of pair values per source class, kept while they fit.
  const rows = new Map<number, (PairValue | undefined)[]>();
  const rowOf = (sc: number): (PairValue | undefined)[] => {
    let row = rows.get(sc);
    if (!row) {
      if (rows.size * classes.size > 8_000_000) rows.clear();
      rows.set(sc, (row = new Array<PairValue | undefined>(classes.size)));
    }
    return row;
  };
  const podPair = (s: PodEndpoint, sc: number, d: PodEndpoint, dc: number, row: (PairValue | undefined)[], ports: string): ConnSet => {
    let v = row[dc];
    if (v === undefined) row[dc] = v = pairValue(sc, dc);
    if (v instanceof ConnSet) return v;
    if (v === 'engine') {
      const egress = engine('Egress', s, sc, d, dc);
      return egress.isEmpty ? egress : egress.intersect(engine('Ingress', d, dc, s, sc));
    }
    // Named ports resolve against the destination pod's container ports.
    let hit = v.byPorts.get(ports);
    if (!hit) v.byPorts.set(ports, (hit = v.egress.resolve(d.ports).intersect(v.ingress.resolve(d.ports))));
    return hit;
  };
  /** Destination classes a source class may reach at all: both sides must let something through. */
  const reachable = new Map<number, Bitset>();
  const reachOf = (sc: number): Bitset => {
    let set = reachable.get(sc);
    if (!set) {
      set = new Bitset(classes.size);
      const egress = sides.Egress[sc] as Side;
      const egressCandidates = candidates.Egress[sc];
      for (let dc = 0; dc < classes.size; dc++) {
        // The pairs weighed: the destination's ingress candidates when it has them, else the source's egress ones.
        const ingressCandidates = candidates.Ingress[dc];
        const weighed = ingressCandidates ? ingressCandidates.has(sc) : !egressCandidates || egressCandidates.has(dc);
        if (weighed && sideReaches(egress, dc) && sideReaches(sides.Ingress[dc] as Side, sc)) set.add(dc);
      }
      reachable.set(sc, set);
    }
    return set;
  };

  // Host-network pods: no policy of theirs applies, so their side allows everything. The
  // other side's policies may see them as the pod (plugins that tell them apart) or as the
  // node's address (most plugins; any ipBlock may hold it): either reading may connect.
  const hostPairs = new Map<WorkloadEndpoint, Map<WorkloadEndpoint, ConnSet>>();
  const addHost = (s: WorkloadEndpoint, d: WorkloadEndpoint, conns: ConnSet): void => {
    const row = hostPairs.get(s) ?? new Map<WorkloadEndpoint, ConnSet>();
    hostPairs.set(s, row);
    row.set(d, (row.get(d) ?? ConnSet.NONE).union(conns));
  };
  const nodeAddress: Endpoint = { kind: 'dns-address' };
  const reach = (pod: PodEndpoint, direction: Direction, host: PodEndpoint): ConnSet =>
    a.allowed(pod, direction, { ...host, hostNetwork: false }, true).upper.union(a.allowed(pod, direction, nodeAddress, true).upper);
  for (const h of endpoints) {
    if (!h.hostNetwork) continue;
    const hosts = members.get(h) as PodEndpoint[];
    for (const o of endpoints) {
      if (o === h) continue;
      if (o.hostNetwork) {
        addHost(h, o, ConnSet.ALL);
        continue;
      }
      let inbound = ConnSet.NONE;
      let outbound = ConnSet.NONE;
      for (const hp of hosts)
        for (const op of members.get(o) as PodEndpoint[]) {
          inbound = inbound.union(reach(op, 'Ingress', hp));
          outbound = outbound.union(reach(op, 'Egress', hp));
        }
      if (!inbound.isEmpty) addHost(h, o, inbound);
      if (!outbound.isEmpty) addHost(o, h, outbound);
    }
  }

  // Address ranges: only the address blocks of a workload's own policies split its ranges.
  const whole = (family: Family): IpRange => ({ family, start: 0n, end: familyMax(family) });
  const ipSides = { Egress: new Map<number, ReturnType<typeof ipSideOf>>(), Ingress: new Map<number, ReturnType<typeof ipSideOf>>() };
  const ipSide = (c: number, direction: Direction): ReturnType<typeof ipSideOf> => {
    const known = ipSides[direction];
    if (!known.has(c)) known.set(c, ipSideOf(a, table, classes.classes[c] as PodClass, direction, families));
    return known.get(c);
  };
  const ipLines = (me: WorkloadEndpoint, direction: Direction): Iterable<IpLine> => {
    if (me.hostNetwork) return families.map((f) => ({ range: whole(f), conns: ConnSet.ALL }));
    const group = members.get(me) as PodEndpoint[];
    const cls = classes.classOf(group[0] as PodEndpoint).index;
    const fast = group.every((p) => classes.classOf(p).index === cls) ? ipSide(cls, direction) : undefined;
    if (fast) {
      // Towards an address no named port resolves; from one, the pod's own ports do.
      const conns = (i: number): ConnSet => {
        const f = fast.formulas[i];
        if (!f) return ConnSet.NONE;
        if (direction === 'Egress') return f.base;
        let out = ConnSet.NONE;
        for (const pod of group) out = out.union(table.resolve(f, pod.ports, portsKey(pod)));
        return out;
      };
      let i = 0;
      const next = (): IteratorResult<IpLine> => {
        while (i < fast.atoms.length) {
          const range = fast.atoms[i] as IpRange;
          const c = conns(i++);
          let end = range.end;
          while (i < fast.atoms.length && (fast.atoms[i] as IpRange).family === range.family && conns(i).equals(c))
            end = (fast.atoms[i++] as IpRange).end;
          if (!c.isEmpty) return { done: false, value: { range: end === range.end ? range : { ...range, end }, conns: c } };
        }
        return { done: true, value: undefined };
      };
      return { [Symbol.iterator]: () => ({ next }) };
    }
    const local: IpRange[] = [];
    for (const pod of group)
      for (const app of a.applicable(pod, direction))
        for (const rule of [...app.rules.rules, ...app.rules.denies])
          for (const peer of rule.peers) if (peer.kind === 'cidr') local.push(peer.range, ...peer.except);
    return mergeRuns(
      partition(local, families).map((atom) => {
        let conns = ConnSet.NONE;
        for (const pod of group) conns = conns.union(a.allowed(pod, direction, { kind: 'ip', range: atom }, true).upper);
        return { range: atom, conns };
      }),
    );
  };
  const ipEndpoints = { 4: new Map<bigint, Map<bigint, MapEndpoint>>(), 6: new Map<bigint, Map<bigint, MapEndpoint>>() };
  const ipEndpoint = (range: IpRange): MapEndpoint => {
    const byStart = ipEndpoints[range.family];
    let byEnd = byStart.get(range.start);
    if (!byEnd) byStart.set(range.start, (byEnd = new Map()));
    let e = byEnd.get(range.end);
    if (!e) byEnd.set(range.end, (e = { kind: 'ip', id: rangeId(range), range }));
    return e;
  };

  // Lines from address ranges: by range start, then destination, across every workload.
  type Head = { line: IpLine; rank: number; rest: Iterator<IpLine> };
  const before = (x: Head, y: Head): boolean => {
    const r = x.line.range;
    const q = y.line.range;
    if (r.family !== q.family) return r.family < q.family;
    if (r.start !== q.start) return r.start < q.start;
    return x.rank < y.rank;
  };
  const heap = new MinHeap(before);
  endpoints.forEach((e, rank) => {
    const rest = ipLines(e, 'Ingress')[Symbol.iterator]();
    const first = rest.next();
    if (!first.done) heap.push({ line: first.value, rank, rest });
  });
  for (let top = heap.pop(); top; top = heap.pop()) {
    yield { source: ipEndpoint(top.line.range), destination: endpoints[top.rank] as WorkloadEndpoint, connections: top.line.conns };
    const next = top.rest.next();
    if (!next.done) heap.push({ ...top, line: next.value });
  }

  // Lines from workloads (and the ingress controller), by name.
  const controller = ingressControllerLines(a, groups, endpointOf);
  // Per workload in order: its one class, HOST for host network, MANY for pods of several classes.
  const HOST = -1;
  const MANY = -2;
  const single = Int32Array.from(endpoints, (e) => {
    if (e.hostNetwork) return HOST;
    const group = members.get(e) as PodEndpoint[];
    return group.length === 1 ? classes.classOf(group[0] as PodEndpoint).index : MANY;
  });
  const firstPod = endpoints.map((e) => (members.get(e) as PodEndpoint[])[0] as PodEndpoint);
  const portsOf = firstPod.map(portsKey);
  /** Pods of several classes on either side: the union over their pairs. */
  const manyPair = (
    mine: PodEndpoint[],
    mineClasses: number[],
    mineRows: (PairValue | undefined)[][],
    reachSets: Bitset[],
    d: WorkloadEndpoint,
  ): ConnSet => {
    let conns = ConnSet.NONE;
    for (let i = 0; i < mine.length; i++)
      for (const dp of members.get(d) as PodEndpoint[]) {
        const c = classes.classOf(dp).index;
        if ((reachSets[i] as Bitset).has(c))
          conns = conns.union(
            podPair(mine[i] as PodEndpoint, mineClasses[i] as number, dp, c, mineRows[i] as (PairValue | undefined)[], portsKey(dp)),
          );
      }
    return conns;
  };
  const hostPositions = endpoints.flatMap((e, j) => (e.hostNetwork ? [j] : []));
  // How many one-pod workloads each class has: rows are kept for classes of several.
  const sharing = new Int32Array(classes.size);
  for (const c of single) if (c >= 0) sharing[c] = (sharing[c] as number) + 1;
  type Row = { positions: Int32Array; conns: ConnSet[] };
  const classRows = new Map<number, Row>();
  let kept = 0;
  /** The pod-network workloads a source pod of class `sc` connects to (itself included), in order, with what. */
  const classRow = (sc: number, pod: PodEndpoint): Row => {
    const known = classRows.get(sc);
    if (known) return known;
    const row = rowOf(sc);
    const reach = reachOf(sc);
    const positions: number[] = [];
    const conns: ConnSet[] = [];
    for (let j = 0; j < endpoints.length; j++) {
      const dc = single[j] as number;
      if (dc === HOST || (dc >= 0 && !reach.has(dc))) continue;
      const c =
        dc >= 0
          ? podPair(pod, sc, firstPod[j] as PodEndpoint, dc, row, portsOf[j] as string)
          : manyPair([pod], [sc], [row], [reach], endpoints[j] as WorkloadEndpoint);
      if (c === ConnSet.NONE || c.isEmpty) continue;
      positions.push(j);
      conns.push(c);
    }
    const out = { positions: Int32Array.from(positions), conns };
    // Kept while the rows stay within tens of millions of entries.
    if ((sharing[sc] as number) > 1 && kept + conns.length < 30_000_000) {
      kept += conns.length;
      classRows.set(sc, out);
    }
    return out;
  };
  const sources: MapEndpoint[] = [...endpoints];
  if (controller.length) sources.push((controller[0] as ConnectionLine).source);
  sources.sort(compareEndpoints);
  for (const s of sources) {
    if (s.kind !== 'workload') continue;
    if (s.id === INGRESS_CONTROLLER_ID && !members.has(s)) {
      yield* [...controller].sort(compareLines);
      continue;
    }
    for (const l of ipLines(s, 'Egress')) yield { source: s, destination: ipEndpoint(l.range), connections: l.conns };
    const fromHost = hostPairs.get(s);
    if (s.hostNetwork) {
      for (const d of [...(fromHost?.keys() ?? [])].sort(compareEndpoints))
        yield { source: s, destination: d, connections: fromHost?.get(d) as ConnSet };
      continue;
    }
    const mine = members.get(s) as PodEndpoint[];
    const mineClasses = mine.map((p) => classes.classOf(p).index);
    const reachSets = mineClasses.map(reachOf);
    const mineRows = mineClasses.map(rowOf);
    if (mine.length === 1) {
      // The common case, one pod: its class's row, with the host-network workloads (whose
      // connections are per workload) merged in by position.
      const row = classRow(mineClasses[0] as number, mine[0] as PodEndpoint);
      let h = 0;
      for (let k = 0; k <= row.positions.length; k++) {
        const j = k < row.positions.length ? (row.positions[k] as number) : endpoints.length;
        for (; h < hostPositions.length && (hostPositions[h] as number) < j; h++) {
          const d = endpoints[hostPositions[h] as number] as WorkloadEndpoint;
          const conns = d === s ? undefined : fromHost?.get(d);
          if (conns) yield { source: s, destination: d, connections: conns };
        }
        const d = endpoints[j];
        if (d && d !== s) yield { source: s, destination: d, connections: row.conns[k] as ConnSet };
      }
      continue;
    }
    for (let j = 0; j < endpoints.length; j++) {
      const d = endpoints[j] as WorkloadEndpoint;
      if (d === s) continue;
      if (single[j] === HOST) {
        const conns = fromHost?.get(d);
        if (conns) yield { source: s, destination: d, connections: conns };
        continue;
      }
      const conns = manyPair(mine, mineClasses, mineRows, reachSets, d);
      if (!conns.isEmpty) yield { source: s, destination: d, connections: conns };
    }
  }
}

/** A binary heap on `before`. */
class MinHeap<T> {
  private readonly items: T[] = [];
  constructor(private readonly before: (x: T, y: T) => boolean) {}
  push(x: T): void {
    const items = this.items;
    items.push(x);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(items[i] as T, items[parent] as T)) break;
      [items[i], items[parent]] = [items[parent] as T, items[i] as T];
      i = parent;
    }
  }
  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    items[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < items.length && this.before(items[l] as T, items[m] as T)) m = l;
      if (r < items.length && this.before(items[r] as T, items[m] as T)) m = r;
      if (m === i) break;
      [items[i], items[m]] = [items[m] as T, items[i] as T];
      i = m;
    }
    return top;
  }
}

/** The ingress controller as the reference analyzer models it: a pod without labels in a namespace of its own. */
const INGRESS_CONTROLLER_NAMESPACE = 'ingress-controller-ns';
const INGRESS_CONTROLLER_ID = '{ingress-controller}';

function ingressControllerPod(): PodEndpoint {
  const name = INGRESS_CONTROLLER_NAMESPACE;
  return {
    kind: 'pod',
    namespace: name,
    ns: { name, labels: { 'kubernetes.io/metadata.name': name }, labelsComplete: true, object: undefined },
    labels: {},
    labelsComplete: true,
    ports: [],
    hostNetwork: false,
    workload: undefined,
  };
}

/**
 * The edge in the map: `{ingress-controller} => ns/web[Deployment] : TCP 8080` for every
 * workload an Ingress (or an OpenShift Route) routes to, through its backend Service to the pods' target port
 * (TCP only), as far as the workload's ingress policies admit a controller they know
 * nothing about.
 */
export function ingressControllerLines(
  a: NetpolAnalysis,
  groups: Map<string, PodEndpoint[]>,
  endpointOf: (p: PodEndpoint) => WorkloadEndpoint,
): ConnectionLine[] {
  const controller = ingressControllerPod();
  const source: MapEndpoint = {
    kind: 'workload',
    id: INGRESS_CONTROLLER_ID,
    pod: controller,
    owner: { kind: '', name: 'ingress-controller' },
    hostNetwork: false,
  };
  const byDestination = new Map<WorkloadEndpoint, ConnSet>();
  const pods = [...groups.values()].flat();
  for (const route of edgeRoutes(a.model)) {
    const selected = new Set(workloadsSelectedBy(route.service, a.model.workloads));
    const ports = targetPorts(route.service, route.port);
    for (const pod of pods) {
      if (!pod.workload || !selected.has(pod.workload) || pod.hostNetwork) continue;
      let conns = ConnSet.NONE;
      for (const port of ports) {
        const number = typeof port === 'number' ? port : pod.ports.find((p) => p.name === port && p.protocol === 'TCP')?.port;
        if (number !== undefined) conns = conns.union(ConnSet.ports('TCP', number, number));
      }
      conns = conns.intersect(a.allowed(pod, 'Ingress', controller, true).upper);
      if (conns.isEmpty) continue;
      const d = endpointOf(pod);
      byDestination.set(d, (byDestination.get(d) ?? ConnSet.NONE).union(conns));
    }
  }
  return [...byDestination].map(([destination, connections]) => ({ source, destination, connections }));
}

function compareEndpoints(x: MapEndpoint, y: MapEndpoint): number {
  if (x.kind !== y.kind) return x.kind === 'ip' ? -1 : 1;
  if (x.kind === 'ip' && y.kind === 'ip')
    return x.range.family - y.range.family || (x.range.start < y.range.start ? -1 : x.range.start > y.range.start ? 1 : 0);
  return x.id < y.id ? -1 : x.id > y.id ? 1 : 0;
}

export function compareLines(x: ConnectionLine, y: ConnectionLine): number {
  return compareEndpoints(x.source, y.source) || compareEndpoints(x.destination, y.destination);
}

/** The map as plain rows for reporters. */
export function connectivityRows(lines: readonly ConnectionLine[]): ConnectivityRow[] {
  return lines.map((l) => ({
    source: rowEndpoint(l.source),
    destination: rowEndpoint(l.destination),
    connections: l.connections.toMapString(),
    connectionsDetail: l.connections.toJSON(),
  }));
}

/** The same rows, made as they are read; endpoints and connection sets met again reuse their row form. */
export function* connectivityRowStream(lines: Iterable<ConnectionLine>): Generator<ConnectivityRow> {
  const nodes = new WeakMap<MapEndpoint, MapNode>();
  const node = (e: MapEndpoint): MapNode => {
    let n = nodes.get(e);
    if (!n) nodes.set(e, (n = rowEndpoint(e)));
    return n;
  };
  const spelled = new WeakMap<ConnSet, Pick<ConnectivityRow, 'connections' | 'connectionsDetail'>>();
  for (const l of lines) {
    let c = spelled.get(l.connections);
    if (!c) spelled.set(l.connections, (c = { connections: l.connections.toMapString(), connectionsDetail: l.connections.toJSON() }));
    yield { source: node(l.source), destination: node(l.destination), connections: c.connections, connectionsDetail: c.connectionsDetail };
  }
}

export function rowEndpoint(e: MapEndpoint): MapNode {
  if (e.kind === 'ip') {
    return {
      type: 'ip-range',
      id: e.id,
      family: e.range.family === 4 ? 'IPv4' : 'IPv6',
      start: formatIp(e.range.family, e.range.start),
      end: formatIp(e.range.family, e.range.end),
      cidrs: rangeToCidrs(e.range),
    };
  }
  if (e.id === INGRESS_CONTROLLER_ID) return { type: 'ingress-controller', id: INGRESS_CONTROLLER_ID };
  return { type: 'workload', id: e.id, namespace: e.pod.namespace, name: e.owner.name, kind: e.owner.kind, hostNetwork: e.hostNetwork };
}

/** The workloads of the map, one per owner (the first pod of each owner speaks for it). */
export function mapWorkloads(a: NetpolAnalysis): WorkloadEndpoint[] {
  const { groups, ids } = groupByOwner(a);
  return [...groups.values()].map((g) => ids.get(g[0] as PodEndpoint) as WorkloadEndpoint).sort(compareEndpoints);
}

// ---------------------------------------------------------------------------------------
// Explanations: which policies decide a connection, from the evaluator's own trace.

/** One side's decisions; `asNodeAddress` when the other side is a host-network pod seen by its node's address. */
export interface SideExplanation {
  direction: Direction;
  /** The endpoint whose policies decide this side. */
  endpoint: WorkloadEndpoint;
  explanation: Explanation;
  asNodeAddress?: true;
}

export interface PairExplanation {
  source: MapEndpoint;
  destination: MapEndpoint;
  /** What the pair may connect with: egress and ingress together. */
  connections: ConnSet;
  sides: SideExplanation[];
}

const NODE_ADDRESS: Endpoint = { kind: 'dns-address' };

function counterpart(e: MapEndpoint): Endpoint {
  return e.kind === 'ip' ? { kind: 'ip', range: e.range } : e.pod;
}

/**
 * How the policies of `me` judge `other` in `direction`. A host-network counterpart may be
 * seen as its pod or as its node's address (plugins differ): both readings are explained,
 * and either may connect, as in the map.
 */
function explainSide(
  a: NetpolAnalysis,
  me: WorkloadEndpoint,
  direction: Direction,
  other: MapEndpoint,
): { allowed: ConnSet; sides: SideExplanation[] } {
  const target = counterpart(other);
  if (target.kind === 'pod' && target.hostNetwork && !me.pod.hostNetwork) {
    const asPod = a.explain(me.pod, direction, { ...target, hostNetwork: false });
    const asNode = a.explain(me.pod, direction, NODE_ADDRESS);
    return {
      allowed: asPod.allowed.union(asNode.allowed),
      sides: [
        { direction, endpoint: me, explanation: asPod },
        { direction, endpoint: me, explanation: asNode, asNodeAddress: true },
      ],
    };
  }
  const explanation = a.explain(me.pod, direction, target);
  return { allowed: explanation.allowed, sides: [{ direction, endpoint: me, explanation }] };
}

/** Why `source` may (or may not) connect to `destination`: the source's egress, then the destination's ingress. */
export function explainPair(a: NetpolAnalysis, source: MapEndpoint, destination: MapEndpoint): PairExplanation {
  let connections = ConnSet.ALL;
  const sides: SideExplanation[] = [];
  if (source.kind === 'workload') {
    const e = explainSide(a, source, 'Egress', destination);
    connections = connections.intersect(e.allowed);
    sides.push(...e.sides);
  }
  if (destination.kind === 'workload') {
    const i = explainSide(a, destination, 'Ingress', source);
    connections = connections.intersect(i.allowed);
    sides.push(...i.sides);
  }
  return { source, destination, connections, sides };
}

/**
 * The whole map explained: every ordered pair of workloads (denied pairs included) and every
 * address range the map shows.
 */
export function explainMap(a: NetpolAnalysis): PairExplanation[] {
  const workloads = mapWorkloads(a);
  const pairs: [MapEndpoint, MapEndpoint][] = [];
  for (const s of workloads) for (const d of workloads) if (s !== d) pairs.push([s, d]);
  for (const line of computeConnectivity(a))
    if (line.source.kind === 'ip' || line.destination.kind === 'ip') pairs.push([line.source, line.destination]);
  return pairs
    .map(([s, d]) => explainPair(a, s, d))
    .sort((x, y) => compareEndpoints(x.source, y.source) || compareEndpoints(x.destination, y.destination));
}

/**
 * The map's endpoints a user names: `ns/name` (the owner or the workload itself, with an
 * optional `[Kind]`), or an address or CIDR. Undefined when the text is neither.
 */
export function findEndpoints(a: NetpolAnalysis, text: string): MapEndpoint[] | undefined {
  const range = parseCidr(text);
  if (range) return [{ kind: 'ip', id: rangeId(range), range }];
  const m = /^([^/\s]+)\/([^/\s[\]]+)(?:\[([A-Za-z]+)\])?$/.exec(text.trim());
  if (!m) return undefined;
  const [, namespace, name, kind] = m;
  return mapWorkloads(a).filter(
    (w) =>
      w.pod.namespace === namespace &&
      (kind === undefined || w.owner.kind === kind) &&
      (w.owner.name === name || a.pods.some((p) => p.workload?.name === name && p.namespace === namespace && sameOwner(a, p, w))),
  );
}

function sameOwner(a: NetpolAnalysis, pod: PodEndpoint, w: WorkloadEndpoint): boolean {
  const owner = pod.workload ? (podOwner(pod.workload) ?? { kind: pod.workload.kind, name: pod.workload.name }) : undefined;
  return owner?.kind === w.owner.kind && owner.name === w.owner.name && pod.namespace === w.pod.namespace;
}

/**
 * Connections as the map spells them, or `All Connections but …` when what is missing is
 * shorter to say (what an isolating policy refuses is usually everything but a few ports).
 */
export function spellConnections(c: ConnSet): string {
  const missing = ConnSet.ALL.subtract(c);
  if (c.isEmpty || missing.isEmpty || !c.other) return c.toMapString();
  const but = `All Connections but ${missing.toMapString()}`;
  return but.length < c.toMapString().length ? but : c.toMapString();
}

/** A policy as a user finds it: its kind and `namespace/name`. */
export function policyName(p: Policy): string {
  const kind = p.flavor === 'calico' ? `Calico ${p.resource.kind}` : p.resource.kind;
  return `${kind} ${p.namespace !== undefined ? `${p.namespace}/` : ''}${p.resource.name}`;
}

/** A deciding step in words, with the place that decides it (the rule item, else the policy's name). */
export interface DecisionText {
  verdict: 'allows' | 'denies' | 'passes';
  connections: ConnSet;
  text: string;
  at: Location | undefined;
  policy: Policy | undefined;
}

export function describeDecision(d: Decision, direction: Direction): DecisionText {
  const dir = direction.toLowerCase();
  switch (d.kind) {
    case 'rule': {
      const rules = d.policy[direction];
      const position = rules?.rules.indexOf(d.rule) ?? -1;
      const deny = position < 0 ? (rules?.denies.indexOf(d.rule) ?? -1) : -1;
      const name = d.rule.node.get('name')?.str();
      const which = position >= 0 ? `${dir} rule ${position + 1}` : deny >= 0 ? `${dir} deny rule ${deny + 1}` : `${dir} rule`;
      const passTo =
        d.action !== 'Pass' ? '' : d.policy.tier === 'admin' ? ' to the NetworkPolicies' : ' to the namespace profile, which allows';
      return {
        verdict: d.action === 'Allow' ? 'allows' : d.action === 'Deny' ? 'denies' : 'passes',
        connections: d.connections,
        text: `${policyName(d.policy)}, ${which}${name ? ` "${name}"` : ''}${passTo}`,
        at: d.rule.node.loc,
        policy: d.policy,
      };
    }
    case 'isolated': {
      const first = d.policies[0];
      const names = d.policies.map(policyName);
      return {
        verdict: 'denies',
        connections: d.connections,
        text: `${names.join(', ')} ${names.length === 1 ? 'isolates' : 'isolate'} ${dir} and no rule allows it`,
        at: first?.resource.metadata?.get('name')?.loc,
        policy: first,
      };
    }
    case 'open':
      return {
        verdict: 'allows',
        connections: d.connections,
        text:
          d.reason === 'host-network'
            ? 'host-network pod: policies do not apply to it'
            : d.reason === 'not-selected'
              ? `no policy selects it for ${dir}`
              : `no policy isolates its ${dir}`,
        at: undefined,
        policy: undefined,
      };
  }
}

// ---------------------------------------------------------------------------------------
// Static assertions: expected connections from the config, checked against the map's semantics.

/** The map's endpoints an assertion side selects. Namespace labels must match for certain. */
export function selectEndpoints(a: NetpolAnalysis, e: AssertionEndpoint): MapEndpoint[] {
  if (e.kind === 'cidr') {
    const range = parseCidr(e.cidr);
    return range ? [{ kind: 'ip', id: rangeId(range), range }] : [];
  }
  if (e.kind === 'workload') return findEndpoints(a, `${e.namespace}/${e.name}`) ?? [];
  const matches = (labels: Readonly<Record<string, string>>, want: Record<string, string>): boolean =>
    Object.entries(want).every(([k, v]) => labels[k] === v);
  return mapWorkloads(a).filter(
    (w) =>
      (e.namespace === undefined || w.pod.namespace === e.namespace) &&
      matches(w.pod.ns.labels, e.namespaceLabels) &&
      matches(w.pod.labels, e.podLabels),
  );
}

/** Bounds of what a pair may connect with: `lower` what it surely may, `upper` what it possibly may. */
function pairBounds(a: NetpolAnalysis, s: MapEndpoint, d: MapEndpoint): Bounds {
  const side = (me: MapEndpoint, direction: Direction, other: MapEndpoint): Bounds => {
    if (me.kind === 'ip') return { lower: ConnSet.ALL, upper: ConnSet.ALL };
    const target = counterpart(other);
    if (target.kind === 'pod' && target.hostNetwork && !me.pod.hostNetwork) {
      // Seen as the pod or as the node's address: either may be how the plugin sees it.
      const asPod = a.allowed(me.pod, direction, { ...target, hostNetwork: false });
      const asNode = a.allowed(me.pod, direction, NODE_ADDRESS);
      return { lower: asPod.lower.intersect(asNode.lower), upper: asPod.upper.union(asNode.upper) };
    }
    return a.allowed(me.pod, direction, target);
  };
  const egress = side(s, 'Egress', d);
  const ingress = side(d, 'Ingress', s);
  return { lower: egress.lower.intersect(ingress.lower), upper: egress.upper.intersect(ingress.upper) };
}

export interface AssertionBreach {
  source: MapEndpoint;
  destination: MapEndpoint;
  /** What the pair actually connects with on the asserted connections. */
  actual: ConnSet;
  /** The steps that decide the asserted connections the wrong way. */
  because: { direction: Direction; endpoint: WorkloadEndpoint; decision: Decision }[];
}

export type AssertionOutcome =
  { holds: true } | { holds: false; empty: ('from' | 'to')[] } | { holds: false; breaches: AssertionBreach[]; pairs: number };

/**
 * Whether an assertion holds. `deny`: no selected pair surely connects on the asserted
 * connections (any connection without `port`). `allow`: every selected pair may connect on
 * every asserted port (on something, without `port`). An answer that hangs on labels nobody
 * defined is not a breach. A side that selects nothing breaks the assertion: it checks nothing.
 */
export function checkAssertion(a: NetpolAnalysis, assertion: ConnectivityAssertion): AssertionOutcome {
  const from = selectEndpoints(a, assertion.from);
  const to = selectEndpoints(a, assertion.to);
  const empty = [...(from.length ? [] : ['from' as const]), ...(to.length ? [] : ['to' as const])];
  if (empty.length) return { holds: false, empty };
  const asked = assertion.port ? ConnSet.ports(assertion.port.protocol, assertion.port.from, assertion.port.to) : ConnSet.ALL;
  const breaches: AssertionBreach[] = [];
  let pairs = 0;
  for (const s of from) {
    for (const d of to) {
      // Pods of one owner talking among themselves are not judged, as in the map.
      if (s === d || (s.kind === 'workload' && d.kind === 'workload' && s.id === d.id)) continue;
      pairs++;
      const bounds = pairBounds(a, s, d);
      const broken =
        assertion.expect === 'deny'
          ? !bounds.lower.intersect(asked).isEmpty
          : assertion.port
            ? !asked.subtract(bounds.upper).isEmpty
            : bounds.upper.isEmpty;
      if (!broken) continue;
      const actual = (assertion.expect === 'deny' ? bounds.lower : bounds.upper).intersect(asked);
      const wrong = assertion.expect === 'deny' ? (v: DecisionText) => v.verdict !== 'denies' : (v: DecisionText) => v.verdict === 'denies';
      const because: AssertionBreach['because'] = [];
      for (const side of explainPair(a, s, d).sides)
        for (const decision of side.explanation.decisions) {
          const v = describeDecision(decision, side.direction);
          if (wrong(v) && !v.connections.intersect(asked).isEmpty)
            because.push({ direction: side.direction, endpoint: side.endpoint, decision });
        }
      breaches.push({ source: s, destination: d, actual, because });
    }
  }
  return breaches.length ? { holds: false, breaches, pairs } : { holds: true };
}

// ---------------------------------------------------------------------------------------
// Diff: two maps compared row by row, endpoints by name.

export interface ConnectionChange {
  change: 'added' | 'removed' | 'changed';
  source: MapEndpoint;
  destination: MapEndpoint;
  before: ConnSet;
  after: ConnSet;
}

/** Rows that appear, disappear or whose connections differ between `before` and `after`. */
export function diffConnectivity(before: readonly ConnectionLine[], after: readonly ConnectionLine[]): ConnectionChange[] {
  const key = (l: ConnectionLine): string => `${l.source.id}\u0000${l.destination.id}`;
  const old = new Map(before.map((l) => [key(l), l]));
  const now = new Map(after.map((l) => [key(l), l]));
  const out: ConnectionChange[] = [];
  for (const [k, l] of now) {
    const was = old.get(k);
    if (!was) out.push({ change: 'added', source: l.source, destination: l.destination, before: ConnSet.NONE, after: l.connections });
    else if (!was.connections.equals(l.connections))
      out.push({ change: 'changed', source: l.source, destination: l.destination, before: was.connections, after: l.connections });
  }
  for (const [k, l] of old)
    if (!now.has(k))
      out.push({ change: 'removed', source: l.source, destination: l.destination, before: l.connections, after: ConnSet.NONE });
  return out.sort((x, y) => compareEndpoints(x.source, y.source) || compareEndpoints(x.destination, y.destination));
}

/** The changes as plain rows for reporters. */
export function changeRows(changes: readonly ConnectionChange[]): ConnectivityChangeRow[] {
  return changes.map((c) => ({
    change: c.change,
    source: rowEndpoint(c.source),
    destination: rowEndpoint(c.destination),
    before: c.before.toMapString(),
    after: c.after.toMapString(),
    beforeDetail: c.before.toJSON(),
    afterDetail: c.after.toJSON(),
    opened: spellConnections(c.after.subtract(c.before)),
    closed: spellConnections(c.before.subtract(c.after)),
  }));
}
