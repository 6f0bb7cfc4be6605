/**
 * Which boxes of a large list may meet a given box, without looking at every one. Rules of
 * real rulesets are narrow in some field (one source address, one port); each box is filed
 * under the field where it is narrowest, by the smallest aligned block of values that holds
 * it (a /32 under its address, a /24 under its network, port 443 under 443). A query then
 * looks only at the blocks its own values overlap. The answer is a superset: callers still
 * intersect exactly.
 */
import type { Intervals } from '../core/intervals.js';

/** One interval set per packet field (the boxes of `packets.ts`, whose field order this follows). */
type Box = readonly Intervals[];

/** The fields boxes are filed under (source and destination address, destination and source port). */
const FILED = [1, 2, 5, 4] as const;
/** Beyond this many blocks of one size, a query walks the filed blocks instead of probing each. */
const MAX_PROBES = 16n;

interface Entry<T> {
  readonly box: Box;
  readonly item: T;
  readonly seq: number;
}

/** The smallest and largest value of a field. */
function hull(d: Intervals | undefined): [bigint, bigint] | undefined {
  const first = d?.[0];
  const last = d?.[d.length - 1];
  return first && last ? [first[0], last[1]] : undefined;
}

/** log2 of the size of the smallest aligned block holding lo..hi. */
function blockBits(lo: bigint, hi: bigint): number {
  return (lo ^ hi).toString(2).length - (lo === hi ? 1 : 0);
}

/** How many bits a field has: 32 or 128 for addresses (by family), 16 for ports. */
function fieldBits(box: Box, dim: number): number {
  if (dim === 1 || dim === 2) return box[0]?.[0]?.[0] === 6n ? 128 : 32;
  return 16;
}

export class BoxIndex<T> {
  /** Boxes no field of which is narrow: every query meets them. */
  private readonly wide: Entry<T>[] = [];
  /** field → block size in bits → block number → boxes. */
  private readonly filed = new Map<number, Map<number, Map<bigint, Entry<T>[]>>>();
  private size = 0;

  static of(boxes: readonly Box[]): BoxIndex<Box> {
    const index = new BoxIndex<Box>();
    for (const b of boxes) index.add(b, b);
    return index;
  }

  add(box: Box, item: T): void {
    const entry = { box, item, seq: this.size++ };
    let best: { dim: number; bits: number; block: bigint; share: number } | undefined;
    for (const dim of FILED) {
      const h = hull(box[dim]);
      if (!h) continue;
      const bits = blockBits(h[0], h[1]);
      const width = fieldBits(box, dim);
      const share = bits / width;
      if (bits < width && (!best || share < best.share)) best = { dim, bits, block: h[0] >> BigInt(bits), share };
    }
    if (!best) {
      this.wide.push(entry);
      return;
    }
    let sizes = this.filed.get(best.dim);
    if (!sizes) this.filed.set(best.dim, (sizes = new Map()));
    let blocks = sizes.get(best.bits);
    if (!blocks) sizes.set(best.bits, (blocks = new Map()));
    const list = blocks.get(best.block);
    if (list) list.push(entry);
    else blocks.set(best.block, [entry]);
  }

  /** The items of boxes that may meet `box`, in the order they were added. */
  query(box: Box): T[] {
    const found: Entry<T>[] = [...this.wide];
    for (const [dim, sizes] of this.filed) {
      const h = hull(box[dim]);
      if (!h) continue;
      for (const [bits, blocks] of sizes) {
        const lo = h[0] >> BigInt(bits);
        const hi = h[1] >> BigInt(bits);
        if (hi - lo < MAX_PROBES) {
          for (let k = lo; k <= hi; k++) found.push(...(blocks.get(k) ?? []));
        } else {
          for (const [k, list] of blocks) if (k >= lo && k <= hi) found.push(...list);
        }
      }
    }
    return found.sort((a, b) => a.seq - b.seq).map((e) => e.item);
  }
}
