/** A small seeded generator (mulberry32), so a failing case can be replayed from its seed. */
export function seeded(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % n) as number;
  };
}

/** One of the items, chosen by `next`. */
export function pick<T>(next: (n: number) => number, items: readonly T[]): T {
  return items[next(items.length)] as T;
}
