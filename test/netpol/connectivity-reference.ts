/**
 * The connectivity map as it was computed before pod classes: every pair of pods evaluated
 * by the engine, then sorted. Kept as an independent oracle: the class-based map must give
 * the same lines.
 */
import { podOwner } from '../../src/model/k8s.js';
import { familyMax, partition, type Family, type IpRange } from '../../src/core/ip.js';
import { ConnSet } from '../../src/analysis/netpol-ports.js';
import { edgeRoutes, targetPorts, workloadsSelectedBy } from '../../src/analysis/services.js';
import { rangeId, type ConnectionLine, type MapEndpoint, type WorkloadEndpoint } from '../../src/analysis/connectivity.js';
import type { Endpoint, NetpolAnalysis, PodEndpoint } from '../../src/analysis/netpol.js';
import type { Direction, Peer } from '../../src/analysis/netpol-types.js';

function cidrsOf(a: NetpolAnalysis): IpRange[] {
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

/** One endpoint per owner; pods of one owner that differ nowhere policies look are evaluated once. */
function groupByOwner(a: NetpolAnalysis): { groups: Map<string, PodEndpoint[]>; ids: Map<PodEndpoint, WorkloadEndpoint> } {
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

export function referenceConnectivity(a: NetpolAnalysis): ConnectionLine[] {
  const { groups, ids } = groupByOwner(a);
  const endpointOf = (p: PodEndpoint): WorkloadEndpoint => ids.get(p) as WorkloadEndpoint;
  const all = [...ids.keys()];
  const pods = all.filter((p) => !endpointOf(p).hostNetwork);
  const hostEndpoints = [...new Set(all.filter((p) => endpointOf(p).hostNetwork).map(endpointOf))];
  const cuts = cidrsOf(a);
  const families: Family[] = cuts.some((c) => c.family === 6) ? [4, 6] : [4];

  const peerCache = new Map<Peer, PodEndpoint[]>();
  const matching = (peer: Peer): PodEndpoint[] => {
    let hit = peerCache.get(peer);
    if (!hit) {
      hit = a.podsMatching(peer);
      peerCache.set(peer, hit);
    }
    return hit;
  };
  /** Pods a pod may talk with in a direction; undefined = every pod (not isolated, or a rule for all peers). */
  const candidates = (pod: PodEndpoint, direction: Direction): Set<PodEndpoint> | undefined => {
    if (a.isolated(pod, direction) === false) return undefined;
    const out = new Set<PodEndpoint>();
    for (const app of a.applicable(pod, direction)) {
      for (const rule of app.rules.rules) {
        if (rule.action === 'Deny' || rule.action === 'Log') continue;
        for (const peer of rule.peers) {
          const list = matching(peer);
          if (list === a.pods) return undefined;
          for (const p of list) out.add(p);
        }
      }
    }
    return out;
  };

  /** Connections per (source, destination) endpoint pair, united over the pods of each owner. */
  const pairs = new Map<WorkloadEndpoint, Map<WorkloadEndpoint, ConnSet>>();
  const add = (s: WorkloadEndpoint, d: WorkloadEndpoint, conns: ConnSet): void => {
    const row = pairs.get(s) ?? new Map<WorkloadEndpoint, ConnSet>();
    pairs.set(s, row);
    row.set(d, (row.get(d) ?? ConnSet.NONE).union(conns));
  };
  const inMap = new Set(pods);
  const egressTargets = new Map<PodEndpoint, Set<PodEndpoint> | undefined>(pods.map((p) => [p, candidates(p, 'Egress')]));
  const openSources = pods.filter((p) => egressTargets.get(p) === undefined);
  const reverse = new Map<PodEndpoint, PodEndpoint[]>();
  for (const [s, targets] of egressTargets) for (const d of targets ?? []) reverse.set(d, [...(reverse.get(d) ?? []), s]);

  for (const d of pods) {
    const fromIngress = candidates(d, 'Ingress');
    const sources = fromIngress ? [...fromIngress].filter((s) => inMap.has(s)) : [...openSources, ...(reverse.get(d) ?? [])];
    const seen = new Set<PodEndpoint>();
    for (const s of sources) {
      // Pods of one owner talking among themselves are not shown.
      if (endpointOf(s) === endpointOf(d) || seen.has(s)) continue;
      seen.add(s);
      const egress = a.allowed(s, 'Egress', d, true).upper;
      if (egress.isEmpty) continue;
      const conns = egress.intersect(a.allowed(d, 'Ingress', s, true).upper);
      if (!conns.isEmpty) add(endpointOf(s), endpointOf(d), conns);
    }
  }
  // Host-network pods: no policy of theirs applies, so their side allows everything. The
  // other side's policies may see them as the pod (plugins that tell them apart) or as the
  // node's address (most plugins; any ipBlock may hold it): either reading may connect.
  const nodeAddress: Endpoint = { kind: 'dns-address' };
  const reach = (pod: PodEndpoint, direction: Direction, host: PodEndpoint): ConnSet =>
    a.allowed(pod, direction, { ...host, hostNetwork: false }, true).upper.union(a.allowed(pod, direction, nodeAddress, true).upper);
  for (const h of hostEndpoints) {
    const hosts = groups.get(h.id.replace(/\[hostNetwork\]$/, '')) ?? [];
    for (const others of groups.values()) {
      const o = endpointOf(others[0] as PodEndpoint);
      if (o === h) continue;
      if (o.hostNetwork) {
        add(h, o, ConnSet.ALL);
        continue;
      }
      let inbound = ConnSet.NONE;
      let outbound = ConnSet.NONE;
      for (const hp of hosts)
        for (const op of others) {
          inbound = inbound.union(reach(op, 'Ingress', hp));
          outbound = outbound.union(reach(op, 'Egress', hp));
        }
      if (!inbound.isEmpty) add(h, o, inbound);
      if (!outbound.isEmpty) add(o, h, outbound);
    }
  }
  const lines: ConnectionLine[] = [];
  for (const [s, row] of pairs) for (const [d, connections] of row) lines.push({ source: s, destination: d, connections });

  const whole = (family: Family): IpRange => ({ family, start: 0n, end: familyMax(family) });
  for (const [, group] of groups) {
    const me = endpointOf(group[0] as PodEndpoint);
    for (const direction of ['Ingress', 'Egress'] as const) {
      const push = (range: IpRange, conns: ConnSet): void => {
        if (conns.isEmpty) return;
        const ip: MapEndpoint = { kind: 'ip', id: rangeId(range), range };
        lines.push(
          direction === 'Ingress'
            ? { source: ip, destination: me, connections: conns }
            : { source: me, destination: ip, connections: conns },
        );
      };
      if (me.hostNetwork) {
        for (const f of families) push(whole(f), ConnSet.ALL);
        continue;
      }
      let run: { range: IpRange; conns: ConnSet } | undefined;
      // Only the address blocks of this owner's own policies split its ranges.
      const local: IpRange[] = [];
      for (const pod of group) {
        for (const app of a.applicable(pod, direction)) {
          for (const rule of [...app.rules.rules, ...app.rules.denies])
            for (const peer of rule.peers) if (peer.kind === 'cidr') local.push(peer.range, ...peer.except);
        }
      }
      for (const atom of partition(local, families)) {
        let conns = ConnSet.NONE;
        for (const pod of group) conns = conns.union(a.allowed(pod, direction, { kind: 'ip', range: atom }, true).upper);
        if (run && run.range.family === atom.family && run.conns.equals(conns)) run.range = { ...run.range, end: atom.end };
        else {
          if (run) push(run.range, run.conns);
          run = { range: atom, conns };
        }
      }
      if (run) push(run.range, run.conns);
    }
  }
  lines.push(...ingressControllerLines(a, groups, endpointOf));
  return lines.sort(compareLines);
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
function ingressControllerLines(
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

function compareLines(x: ConnectionLine, y: ConnectionLine): number {
  return compareEndpoints(x.source, y.source) || compareEndpoints(x.destination, y.destination);
}
