import { workloadId } from '../model/k8s.js';
import { formatIp, formatRange, partition, rangeToCidrs, type Family, type IpRange } from '../core/ip.js';
import type { ConnectivityRow, MapNode } from '../core/connectivity.js';
import { ConnSet } from './netpol-ports.js';
import type { NetpolAnalysis, PodEndpoint } from './netpol.js';
import type { Direction, Peer } from './netpol-types.js';

/**
 * The connectivity map: for every (source, destination) pair the connections the policies
 * may allow, where a connection needs both the source's egress and the destination's
 * ingress to admit it. Workloads without policies are open both ways. External addresses
 * are split into the ranges that policies tell apart (ipBlock cidrs and excepts), and
 * adjacent ranges treated alike are merged back. Uncertain matches (labels nobody
 * defined) count as allowed: the map shows what may connect.
 */

export type MapEndpoint = { kind: 'workload'; id: string; pod: PodEndpoint } | { kind: 'ip'; id: string; range: IpRange };

export interface ConnectionLine {
  source: MapEndpoint;
  destination: MapEndpoint;
  connections: ConnSet;
}

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

export function computeConnectivity(a: NetpolAnalysis): ConnectionLine[] {
  const pods = a.pods.filter((p) => !p.hostNetwork && p.workload);
  const ids = new Map<PodEndpoint, MapEndpoint>(
    pods.map((p) => [p, { kind: 'workload', id: workloadId(p.workload as NonNullable<PodEndpoint['workload']>), pod: p }]),
  );
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

  const lines: ConnectionLine[] = [];
  const egressTargets = new Map<PodEndpoint, Set<PodEndpoint> | undefined>(pods.map((p) => [p, candidates(p, 'Egress')]));
  const openSources = pods.filter((p) => egressTargets.get(p) === undefined);
  const reverse = new Map<PodEndpoint, PodEndpoint[]>();
  for (const [s, targets] of egressTargets) for (const d of targets ?? []) reverse.set(d, [...(reverse.get(d) ?? []), s]);

  for (const d of pods) {
    const fromIngress = candidates(d, 'Ingress');
    const sources = fromIngress ? [...fromIngress].filter((s) => ids.has(s)) : [...openSources, ...(reverse.get(d) ?? [])];
    const seen = new Set<PodEndpoint>();
    for (const s of sources) {
      if (s === d || seen.has(s)) continue;
      seen.add(s);
      const egress = a.allowed(s, 'Egress', d, true).upper;
      if (egress.isEmpty) continue;
      const conns = egress.intersect(a.allowed(d, 'Ingress', s, true).upper);
      if (!conns.isEmpty) lines.push({ source: ids.get(s) as MapEndpoint, destination: ids.get(d) as MapEndpoint, connections: conns });
    }
  }

  for (const pod of pods) {
    const me = ids.get(pod) as MapEndpoint;
    for (const direction of ['Ingress', 'Egress'] as const) {
      let run: { range: IpRange; conns: ConnSet } | undefined;
      const flush = (): void => {
        if (!run || run.conns.isEmpty) return;
        const ip: MapEndpoint = { kind: 'ip', id: formatRange(run.range), range: run.range };
        lines.push(
          direction === 'Ingress'
            ? { source: ip, destination: me, connections: run.conns }
            : { source: me, destination: ip, connections: run.conns },
        );
      };
      // Only the address blocks of this pod's own policies split its ranges.
      const local: IpRange[] = [];
      for (const app of a.applicable(pod, direction)) {
        for (const rule of [...app.rules.rules, ...app.rules.denies])
          for (const peer of rule.peers) if (peer.kind === 'cidr') local.push(peer.range, ...peer.except);
      }
      for (const atom of partition(local, families)) {
        const conns = a.allowed(pod, direction, { kind: 'ip', range: atom }, true).upper;
        if (run && run.range.family === atom.family && run.conns.equals(conns)) run.range = { ...run.range, end: atom.end };
        else {
          flush();
          run = { range: atom, conns };
        }
      }
      flush();
    }
  }
  return lines.sort(compareLines);
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

/** The map as plain rows for reporters. */
export function connectivityRows(lines: readonly ConnectionLine[]): ConnectivityRow[] {
  return lines.map((l) => ({
    source: rowEndpoint(l.source),
    destination: rowEndpoint(l.destination),
    connections: l.connections.toString(),
    connectionsDetail: l.connections.toJSON(),
  }));
}

function rowEndpoint(e: MapEndpoint): MapNode {
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
  const w = e.pod.workload;
  return { type: 'workload', id: e.id, namespace: e.pod.namespace, name: w?.name, kind: w?.kind };
}
