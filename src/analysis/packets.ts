/**
 * Exact sets of packets. A packet is a point in a few dimensions (address family, source
 * and destination address, protocol, ports, input/output interface, conntrack state); a
 * firewall match is a box (one interval set per dimension) and any set a ruleset produces
 * is a finite union of boxes. Everything is exact: no sampling, no approximation.
 */

import { familyMax, formatIp, type Family } from '../core/ip.js';
import { Iv, type Intervals } from '../core/intervals.js';
import { CT_STATES, PROTOCOL_NAMES, ctIndex, type CtState } from '../core/protocols.js';
import { BoxIndex } from './box-index.js';

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
  return boxIntersect(a, b) ? boxMinusAll(a, [b]) : [a];
}

const compare = (x: bigint, y: bigint): number => (x < y ? -1 : x > y ? 1 : 0);

/**
 * a minus the union of boxes that meet it, as disjoint boxes, one dimension at a time: the
 * values of a dimension are cut where some box starts or ends, and the pieces covered by
 * the same boxes go on together to the next dimension (a piece no box covers is part of
 * the result as it is). With one box this is peeling; with many, each piece is visited
 * once per distinct set of boxes covering it, not once per box.
 */
export function boxMinusAll(a: Box, cs: readonly Box[], dim = 0): Box[] {
  if (cs.length === 0) return [a];
  // Every box left contains a in the dimensions before this one; past the last, a is covered.
  if (dim === a.length) return [];
  const values = a[dim] ?? [];
  const whole: Box[] = [];
  const partial: Intervals[] = [];
  const partialBoxes: Box[] = [];
  for (const c of cs) {
    const here = Iv.intersect(c[dim] ?? [], values);
    if (Iv.equal(here, values)) whole.push(c);
    else {
      partial.push(here);
      partialBoxes.push(c);
    }
  }
  if (partial.length === 0) return boxMinusAll(a, whole, dim + 1);
  // Cut points: where a's own intervals and the partial boxes' intervals start and end.
  const events: { at: bigint; box: number; add: boolean }[] = [];
  partial.forEach((iv, box) => {
    for (const [lo, hi] of iv) events.push({ at: lo, box, add: true }, { at: hi + 1n, box, add: false });
  });
  events.sort((x, y) => compare(x.at, y.at));
  const cuts = [...new Set([...events.map((e) => e.at), ...values.flatMap(([lo, hi]) => [lo, hi + 1n])])].sort(compare);
  // Pieces grouped by the partial boxes covering them, in order of first appearance.
  const groups = new Map<string, { boxes: number[]; pieces: [bigint, bigint][] }>();
  const active = new Set<number>();
  let next = 0;
  for (let i = 0; i + 1 < cuts.length; i++) {
    const lo = cuts[i] as bigint;
    const hi = (cuts[i + 1] as bigint) - 1n;
    for (; next < events.length && (events[next]?.at as bigint) <= lo; next++) {
      const e = events[next] as (typeof events)[number];
      if (e.add) active.add(e.box);
      else active.delete(e.box);
    }
    if (!Iv.contains(values, lo)) continue;
    const boxes = [...active].sort((x, y) => x - y);
    const key = boxes.join(',');
    const group = groups.get(key);
    if (group) group.pieces.push([lo, hi]);
    else groups.set(key, { boxes, pieces: [[lo, hi]] });
  }
  const out: Box[] = [];
  const uncovered = groups.get('');
  if (uncovered) out.push(...boxMinusAll(withDim(a, dim, Iv.from(uncovered.pieces)), whole, dim + 1));
  for (const [key, g] of groups) {
    if (key === '') continue;
    out.push(...boxMinusAll(withDim(a, dim, Iv.from(g.pieces)), [...whole, ...g.boxes.map((i) => partialBoxes[i] as Box)], dim + 1));
  }
  return out;
}

function withDim(a: Box, dim: number, values: Intervals): Box {
  const out = [...a];
  out[dim] = values;
  return out;
}

export function boxSubset(a: Box, b: Box): boolean {
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
    return PacketSet.unionAll([this, other]);
  }

  /**
   * The union of many sets at once (what a long chain accumulates). The list is kept short
   * by leaving out boxes already inside an earlier one.
   */
  static unionAll(sets: Iterable<PacketSet>): PacketSet {
    const out: Box[] = [];
    const index = new BoxIndex<Box>();
    for (const set of sets) {
      for (const b of set.boxes) {
        if (index.query(b).some((a) => boxSubset(b, a))) continue;
        out.push(b);
        index.add(b, b);
      }
    }
    return new PacketSet(out);
  }

  intersect(other: PacketSet): PacketSet {
    return PacketSet.meet(this, BoxIndex.of(other.boxes));
  }

  /** What a set shares with indexed boxes, box by box of the set. */
  static meet(set: PacketSet, index: BoxIndex<Box>): PacketSet {
    const out: Box[] = [];
    for (const a of set.boxes)
      for (const b of index.query(a)) {
        const c = boxIntersect(a, b);
        if (c) out.push(c);
      }
    return new PacketSet(out);
  }

  intersectBox(b: Box): PacketSet {
    return this.intersect(new PacketSet([b]));
  }

  subtract(other: PacketSet): PacketSet {
    if (this.isEmpty || other.isEmpty) return this;
    const index = BoxIndex.of(other.boxes);
    const out: Box[] = [];
    for (const a of this.boxes)
      out.push(
        ...boxMinusAll(
          a,
          index.query(a).filter((b) => boxIntersect(a, b)),
        ),
      );
    return new PacketSet(out);
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
