/**
 * Address ranges for `ipBlock`, Calico `nets` and Cilium CIDR peers. Addresses are
 * bigints so IPv4 and IPv6 share one code path; a range never mixes families.
 */

import { formatIp, parseIPv4, parseIPv6, type Family } from '../model/ip.js';

export type { Family } from '../model/ip.js';
export { formatIp } from '../model/ip.js';

export interface IpRange {
  family: Family;
  start: bigint;
  end: bigint;
}

const BITS: Record<Family, number> = { 4: 32, 6: 128 };

export function familyMax(family: Family): bigint {
  return (1n << BigInt(BITS[family])) - 1n;
}

/** `192.0.2.0/24`, `2001:db8::/32`, or a bare address (a /32 or /128). Host bits are masked as the API server does. */
export function parseCidr(text: string): IpRange | undefined {
  const [addr = '', prefixText] = text.trim().split('/');
  const family: Family = addr.includes(':') ? 6 : 4;
  const n = family === 4 ? parseIPv4(addr) : parseIPv6(addr);
  if (n === undefined) return undefined;
  const bits = BITS[family];
  const prefix = prefixText === undefined ? bits : /^\d+$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= 0 && prefix <= bits)) return undefined;
  const host = (1n << BigInt(bits - prefix)) - 1n;
  const start = n & ~host & familyMax(family);
  return { family, start, end: start | host };
}

/** `start-end`, as connectivity maps print address ranges. */
export function formatRange(r: IpRange): string {
  return `${formatIp(r.family, r.start)}-${formatIp(r.family, r.end)}`;
}

export function contains(outer: IpRange, inner: IpRange): boolean {
  return outer.family === inner.family && outer.start <= inner.start && inner.end <= outer.end;
}

export function overlaps(a: IpRange, b: IpRange): boolean {
  return a.family === b.family && a.start <= b.end && b.start <= a.end;
}

export function isWholeFamily(r: IpRange): boolean {
  return r.start === 0n && r.end === familyMax(r.family);
}

/**
 * Split each family's full range at every boundary of `cuts`: within one resulting range
 * every cut either contains all addresses or none, so a policy treats them all alike.
 */
export function partition(cuts: readonly IpRange[], families: readonly Family[]): IpRange[] {
  const out: IpRange[] = [];
  for (const family of families) {
    const points = new Set<bigint>([0n]);
    const max = familyMax(family);
    for (const c of cuts) {
      if (c.family !== family) continue;
      points.add(c.start);
      if (c.end < max) points.add(c.end + 1n);
    }
    const sorted = [...points].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    sorted.forEach((start, i) => {
      const next = sorted[i + 1];
      out.push({ family, start, end: next === undefined ? max : next - 1n });
    });
  }
  return out;
}
