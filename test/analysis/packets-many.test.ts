/**
 * The packet-set algebra on many boxes (what large rulesets produce), checked point by point:
 * boxes live in a small grid (a few values per dimension), every point of the grid is
 * enumerated, and membership is decided by plain comparisons written here, never by the
 * code under test.
 */
import { describe, expect, it } from 'vitest';
import { BoxIndex } from '../../src/analysis/box-index.js';
import { PacketSet, boxMinusAll, type Box } from '../../src/analysis/packets.js';

/** Values per dimension (family fixed to IPv4): src, dst and ports get room for prefixes and ranges. */
const SIZES = [1, 8, 2, 3, 2, 8, 2, 1, 2];
const FAMILY = 4n;

/** A tiny seeded generator, so a failure can be replayed. */
function rng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s % n;
  };
}

/** One dimension: everything, an aligned block (like a prefix), a range, or two separate values. */
function randomDim(next: (n: number) => number, size: number): [bigint, bigint][] {
  const kind = next(5);
  if (kind === 0 || size === 1) return [[0n, BigInt(size - 1)]];
  if (kind === 1) {
    const bits = next(Math.log2(size) + 1);
    const start = next(size >> bits) << bits;
    return [[BigInt(start), BigInt(start + (1 << bits) - 1)]];
  }
  const a = next(size);
  const b = next(size);
  if (kind === 2) return [[BigInt(Math.min(a, b)), BigInt(Math.max(a, b))]];
  if (Math.abs(a - b) < 2) return [[BigInt(a), BigInt(a)]];
  return [
    [BigInt(Math.min(a, b)), BigInt(Math.min(a, b))],
    [BigInt(Math.max(a, b)), BigInt(Math.max(a, b))],
  ];
}

function randomBox(next: (n: number) => number): Box {
  return SIZES.map((size, i) => (i === 0 ? [[FAMILY, FAMILY]] : randomDim(next, size)));
}

/** Every point of the grid, as coordinates. */
function* points(): Generator<bigint[]> {
  const p = SIZES.map(() => 0);
  for (;;) {
    yield p.map((v, i) => (i === 0 ? FAMILY : BigInt(v)));
    let i = 1;
    while (i < SIZES.length && ++p[i]! >= SIZES[i]!) p[i++] = 0;
    if (i === SIZES.length) return;
  }
}

function inBox(p: bigint[], b: Box): boolean {
  return p.every((v, i) => (b[i] ?? []).some(([lo, hi]) => lo <= v && v <= hi));
}

const inSet = (p: bigint[], boxes: readonly Box[]): boolean => boxes.some((b) => inBox(p, b));

/** How many boxes of a list hold the point (disjoint pieces: at most one). */
const holders = (p: bigint[], boxes: readonly Box[]): number => boxes.filter((b) => inBox(p, b)).length;

describe('many boxes', () => {
  it('boxMinusAll leaves exactly the points of a outside every box, in disjoint pieces', () => {
    for (let seed = 1; seed <= 6; seed++) {
      const next = rng(seed);
      const a = randomBox(next);
      const cs = Array.from({ length: 1 + next(40) }, () => randomBox(next));
      const out = boxMinusAll(a, cs);
      for (const p of points()) {
        const want = inBox(p, a) && !inSet(p, cs);
        expect(holders(p, out), `seed ${seed}`).toBe(want ? 1 : 0);
      }
    }
  });

  it('union, intersection and difference of sets of many boxes, point by point', () => {
    for (let seed = 100; seed < 103; seed++) {
      const next = rng(seed);
      const xs = Array.from({ length: 10 + next(40) }, () => randomBox(next));
      const ys = Array.from({ length: 10 + next(40) }, () => randomBox(next));
      const x = PacketSet.of(xs);
      const y = PacketSet.of(ys);
      const union = x.union(y);
      const inter = x.intersect(y);
      const diff = x.subtract(y);
      for (const p of points()) {
        const inX = inSet(p, xs);
        const inY = inSet(p, ys);
        expect(inSet(p, union.boxes), `seed ${seed} union`).toBe(inX || inY);
        expect(inSet(p, inter.boxes), `seed ${seed} intersect`).toBe(inX && inY);
        expect(holders(p, diff.boxes) > 0, `seed ${seed} subtract`).toBe(inX && !inY);
      }
      expect(x.subsetOf(union) && y.subsetOf(union)).toBe(true);
      expect(diff.intersect(y).isEmpty).toBe(true);
    }
  });

  it('a union keeps no box that lies inside an earlier one', () => {
    const whole: Box = SIZES.map((size, i) => (i === 0 ? [[FAMILY, FAMILY]] : [[0n, BigInt(size - 1)]]));
    const part: Box = whole.map((d, i) => (i === 1 ? [[3n, 3n]] : d));
    expect(PacketSet.unionAll([PacketSet.of([whole]), PacketSet.of([part, part])]).boxes).toEqual([whole]);
    // The other way round the part comes first and stays: only later boxes are checked against earlier ones.
    expect(PacketSet.unionAll([PacketSet.of([part]), PacketSet.of([whole])]).boxes).toEqual([part, whole]);
  });
});

describe('BoxIndex', () => {
  it('finds every box that shares a point with the query, in the order the boxes were added', () => {
    for (let seed = 200; seed < 215; seed++) {
      const next = rng(seed);
      const boxes = Array.from({ length: 5 + next(60) }, () => randomBox(next));
      const index = new BoxIndex<number>();
      boxes.forEach((b, i) => index.add(b, i));
      for (let q = 0; q < 10; q++) {
        const query = randomBox(next);
        const found = index.query(query);
        expect(
          [...found].sort((x, y) => x - y),
          `seed ${seed}`,
        ).toEqual(found);
        boxes.forEach((b, i) => {
          // Two boxes share a point when every dimension has two overlapping intervals.
          const meets = b.every((d, k) => d.some(([lo, hi]) => (query[k] ?? []).some(([qlo, qhi]) => lo <= qhi && qlo <= hi)));
          if (meets) expect(found, `seed ${seed}: box ${i} meets the query`).toContain(i);
        });
      }
    }
  });

  it('files a box under its narrowest field and skips blocks the query does not reach', () => {
    // Addresses as in a real ruleset: 10.0.0.0/8 wide, one /32 per rule.
    const universe = (): Box => [
      [[4n, 4n]],
      [[0n, 2n ** 32n - 1n]],
      [[0n, 2n ** 32n - 1n]],
      [[0n, 255n]],
      [[0n, 65535n]],
      [[0n, 65535n]],
      [[0n, 0n]],
      [[0n, 0n]],
      [[0n, 4n]],
    ];
    const host = (ip: bigint, port: bigint): Box => universe().map((d, i) => (i === 1 ? [[ip, ip]] : i === 5 ? [[port, port]] : d));
    const index = new BoxIndex<string>();
    index.add(universe(), 'everything');
    for (let k = 0n; k < 1000n; k++) index.add(host(0x0a000000n + k, 1000n + k), `host ${k}`);
    expect(index.query(host(0x0a000000n + 7n, 1007n))).toEqual(['everything', 'host 7']);
    // Another port of the same address: the address still files it, so it is a candidate.
    expect(index.query(host(0x0a000000n + 7n, 22n))).toEqual(['everything', 'host 7']);
    expect(index.query(universe())).toHaveLength(1001);
  });
});
