/**
 * The connectivity map as it was computed before pod classes: every pair of pods evaluated
 * by the engine, then sorted. Kept as an independent oracle: the class-based map must give
 * the same lines.
 */
import { familyMax, partition, type Family, type IpRange } from '../../src/core/ip.js';
import { ConnSet } from '../../src/analysis/netpol-ports.js';
// Owner grouping, address ranges, the edge lines and the order are shared with the map; what is
// independent here is evaluating every pair of pods through the engine.
import {
  cidrsOf,
  compareLines,
  groupByOwner,
  ingressControllerLines,
  rangeId,
  type ConnectionLine,
  type MapEndpoint,
  type WorkloadEndpoint,
} from '../../src/analysis/connectivity.js';
import type { Endpoint, NetpolAnalysis, PodEndpoint } from '../../src/analysis/netpol.js';
import type { Direction, Peer } from '../../src/analysis/netpol-types.js';

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
