/**
 * Interval sets over integers: closed intervals [lo, hi], sorted, disjoint and not
 * adjacent. The one algebra behind addresses, ports, protocols and every other packet
 * dimension, in firewall and NetworkPolicy analysis alike.
 */
export type Intervals = readonly (readonly [bigint, bigint])[];

export const Iv = {
  of(lo: bigint, hi: bigint): Intervals {
    return lo <= hi ? [[lo, hi]] : [];
  },
  point(v: bigint): Intervals {
    return [[v, v]];
  },
  /** Normalise an arbitrary list of intervals. */
  from(list: Iterable<readonly [bigint, bigint]>): Intervals {
    const sorted = [...list].filter(([a, b]) => a <= b).sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
    const out: [bigint, bigint][] = [];
    for (const [a, b] of sorted) {
      const last = out[out.length - 1];
      if (last && a <= last[1] + 1n) {
        if (b > last[1]) last[1] = b;
      } else out.push([a, b]);
    }
    return out;
  },
  intersect(x: Intervals, y: Intervals): Intervals {
    const out: [bigint, bigint][] = [];
    let i = 0;
    let j = 0;
    while (i < x.length && j < y.length) {
      const [a1, b1] = x[i] as readonly [bigint, bigint];
      const [a2, b2] = y[j] as readonly [bigint, bigint];
      const lo = a1 > a2 ? a1 : a2;
      const hi = b1 < b2 ? b1 : b2;
      if (lo <= hi) out.push([lo, hi]);
      if (b1 < b2) i++;
      else j++;
    }
    return out;
  },
  union(x: Intervals, y: Intervals): Intervals {
    if (x.length === 0) return y;
    if (y.length === 0) return x;
    return Iv.from([...x, ...y]);
  },
  /** x minus y. */
  subtract(x: Intervals, y: Intervals): Intervals {
    const out: [bigint, bigint][] = [];
    for (const [a, b] of x) {
      let lo = a;
      for (const [c, d] of y) {
        if (d < lo || c > b) continue;
        if (c > lo) out.push([lo, c - 1n]);
        lo = d + 1n;
        if (lo > b) break;
      }
      if (lo <= b) out.push([lo, b]);
    }
    return out;
  },
  isEmpty(x: Intervals): boolean {
    return x.length === 0;
  },
  contains(x: Intervals, v: bigint): boolean {
    return x.some(([a, b]) => a <= v && v <= b);
  },
  subset(x: Intervals, y: Intervals): boolean {
    return Iv.subtract(x, y).length === 0;
  },
  equal(x: Intervals, y: Intervals): boolean {
    return x.length === y.length && x.every(([a, b], i) => a === y[i]?.[0] && b === y[i]?.[1]);
  },
};
