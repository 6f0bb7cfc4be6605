/**
 * Exact sets of packets. A packet is a point in a few dimensions (address family, source
 * and destination address, protocol, ports, input/output interface, conntrack state); a
 * firewall match is a box (one interval set per dimension) and any set a ruleset produces
 * is a finite union of boxes. Everything is exact: no sampling, no approximation.
 */

import { familyMax, formatIp, type Family } from '../core/ip.js';
import { Iv, type Intervals } from '../core/intervals.js';
import { CT_STATES, PROTOCOL_NAMES, ctIndex, type CtState } from '../core/protocols.js';

export const DIMS = ['family', 'src', 'dst', 'proto', 'sport', 'dport', 'iif', 'oif', 'ct'] as const;
export type Dim = (typeof DIMS)[number];
export const D: Record<Dim, number> = { family: 0, src: 1, dst: 2, proto: 3, sport: 4, dport: 5, iif: 6, oif: 7, ct: 8 };

/** One interval set per dimension; empty when any dimension is empty. */
export type Box = readonly Intervals[];

export function boxIsEmpty(b: Box): boolean {
  return b.some((d) => d.length === 0);
}

export function boxIntersect(a: Box, b: Box): Box | undefined {
  const out: Intervals[] = [];
  for (let i = 0; i < a.length; i++) {
    const d = Iv.intersect(a[i] ?? [], b[i] ?? []);
    if (d.length === 0) return undefined;
    out.push(d);
  }
  return out;
}

/** a minus b as disjoint boxes: peel one dimension at a time. */
export function boxSubtract(a: Box, b: Box): Box[] {
  if (!boxIntersect(a, b)) return [a];
  const out: Box[] = [];
  const current = [...a];
  for (let i = 0; i < a.length; i++) {
    const outside = Iv.subtract(current[i] ?? [], b[i] ?? []);
    if (outside.length) {
      const piece = [...current];
      piece[i] = outside;
      out.push(piece);
    }
    current[i] = Iv.intersect(current[i] ?? [], b[i] ?? []);
  }
  return out;
}

function boxSubset(a: Box, b: Box): boolean {
  return a.every((d, i) => Iv.subset(d, b[i] ?? []));
}

/** The size of the interface dimension depends on the ruleset; everything else is fixed. */
export function universeBox(f: Family, interfaces: number): Box {
  const m = familyMax(f);
  const fam = BigInt(f);
  const ifs = Iv.of(0n, BigInt(interfaces - 1));
  return [
    Iv.point(fam),
    Iv.of(0n, m),
    Iv.of(0n, m),
    Iv.of(0n, 255n),
    Iv.of(0n, 65535n),
    Iv.of(0n, 65535n),
    ifs,
    ifs,
    Iv.of(0n, BigInt(CT_STATES.length - 1)),
  ];
}

/** A finite union of boxes. Immutable. */
export class PacketSet {
  static readonly EMPTY = new PacketSet([]);
  private constructor(readonly boxes: readonly Box[]) {}

  static of(boxes: Iterable<Box>): PacketSet {
    return new PacketSet([...boxes].filter((b) => !boxIsEmpty(b)));
  }

  get isEmpty(): boolean {
    return this.boxes.length === 0;
  }

  union(other: PacketSet): PacketSet {
    if (other.isEmpty) return this;
    if (this.isEmpty) return other;
    // Keep the list short: drop boxes already contained in another one.
    const out: Box[] = [...this.boxes];
    for (const b of other.boxes) if (!out.some((a) => boxSubset(b, a))) out.push(b);
    return new PacketSet(out);
  }

  intersect(other: PacketSet): PacketSet {
    const out: Box[] = [];
    for (const a of this.boxes)
      for (const b of other.boxes) {
        const c = boxIntersect(a, b);
        if (c) out.push(c);
      }
    return new PacketSet(out);
  }

  intersectBox(b: Box): PacketSet {
    return this.intersect(new PacketSet([b]));
  }

  subtract(other: PacketSet): PacketSet {
    let current: Box[] = [...this.boxes];
    for (const b of other.boxes) {
      const next: Box[] = [];
      for (const a of current) next.push(...boxSubtract(a, b));
      current = next;
      if (current.length === 0) break;
    }
    return new PacketSet(current);
  }

  /** Restrict one dimension to a set of values. */
  restrict(dim: Dim, values: Intervals): PacketSet {
    const i = D[dim];
    return PacketSet.of(
      this.boxes.map((b) => {
        const c = [...b];
        c[i] = Iv.intersect(b[i] ?? [], values);
        return c;
      }),
    );
  }

  subsetOf(other: PacketSet): boolean {
    return this.subtract(other).isEmpty;
  }

  /** The values one dimension takes over the whole set. */
  project(dim: Dim): Intervals {
    let acc: Intervals = [];
    for (const b of this.boxes) acc = Iv.union(acc, b[D[dim]] ?? []);
    return acc;
  }
}

/** A concrete packet. */
export interface Packet {
  family: Family;
  src: bigint;
  dst: bigint;
  proto: number;
  sport: number;
  dport: number;
  iif: number;
  oif: number;
  ct: CtState;
}

/** Values a witness prefers, when the set allows them, so messages and kernel probes read naturally. */
const PREFERRED: Partial<Record<Dim, bigint[]>> = {
  proto: [6n, 17n, 1n, 58n],
  sport: [40000n, 50000n, 1024n],
  ct: [0n],
};

function pick(d: Intervals, preferred: bigint[] = []): bigint | undefined {
  for (const p of preferred) if (Iv.contains(d, p)) return p;
  const first = d[0];
  if (!first) return undefined;
  // Prefer `x.x.x.1`-like values to network addresses for readability.
  return first[0] === 0n && first[1] > 0n ? 1n : first[0];
}

/** One packet of the set, choosing per dimension within the first box, with the given preferences. */
export function witness(set: PacketSet, prefer: Partial<Record<Dim, bigint[]>> = {}): Packet | undefined {
  // The first box holding TCP, else the first box.
  const box = set.boxes.find((b) => Iv.contains(b[D.proto] ?? [], 6n)) ?? set.boxes[0];
  if (!box) return undefined;
  const v = (dim: Dim): bigint => pick(box[D[dim]] ?? [], [...(prefer[dim] ?? []), ...(PREFERRED[dim] ?? [])]) ?? 0n;
  return {
    family: Number(v('family')) as Family,
    src: v('src'),
    dst: v('dst'),
    proto: Number(v('proto')),
    sport: Number(v('sport')),
    dport: Number(v('dport')),
    iif: Number(v('iif')),
    oif: Number(v('oif')),
    ct: CT_STATES[Number(v('ct'))] ?? 'new',
  };
}

export function packetBox(p: Packet): Box {
  return [
    Iv.point(BigInt(p.family)),
    Iv.point(p.src),
    Iv.point(p.dst),
    Iv.point(BigInt(p.proto)),
    Iv.point(BigInt(p.sport)),
    Iv.point(BigInt(p.dport)),
    Iv.point(BigInt(p.iif)),
    Iv.point(BigInt(p.oif)),
    Iv.point(ctIndex(p.ct)),
  ];
}

export function boxContains(b: Box, p: Packet): boolean {
  const point = packetBox(p);
  return b.every((d, i) => Iv.subset(point[i] ?? [], d));
}

/**
 * A packet in words. `free` names the fields whose value does not matter (the set the packet
 * stands for admits any value there): a free destination is left out; the source port is
 * named only when it is not free.
 */
export function describePacket(
  p: Packet,
  ifName: (i: number) => string,
  free: { dst?: boolean; sport?: boolean } = { sport: true },
): string {
  const withPorts = p.proto === 6 || p.proto === 17 || p.proto === 132;
  const proto = PROTOCOL_NAMES[p.proto] ?? `protocol ${p.proto}`;
  const ports = withPorts ? `port ${p.dport}` : '';
  const from = `${formatIp(p.family, p.src)}${withPorts && !free.sport ? ` port ${p.sport}` : ''}`;
  const to = free.dst ? (ports ? ` to ${ports}` : '') : ` to ${formatIp(p.family, p.dst)}${ports ? ` ${ports}` : ''}`;
  return `${proto} from ${from}${to} on ${ifName(p.iif)}${p.ct !== 'new' ? ` (${p.ct})` : ''}`;
}
