/**
 * IPv4 and IPv6 addresses and ranges. Addresses are bigints so both families share one
 * code path; a range never mixes families. One module for NetworkPolicy `ipBlock`s,
 * Calico/Cilium CIDRs and firewall address matches.
 */
import { Iv, type Intervals } from './intervals.js';

export type Family = 4 | 6;
export const FAMILIES: readonly Family[] = [4, 6];

/** An inclusive range of addresses of one family. */
export interface IpRange {
  family: Family;
  start: bigint;
  end: bigint;
}

const BITS: Record<Family, number> = { 4: 32, 6: 128 };

export function familyMax(family: Family): bigint {
  return (1n << BigInt(BITS[family])) - 1n;
}

export function parseIPv4(text: string): bigint | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  let v = 0n;
  for (let i = 1; i <= 4; i++) {
    const n = Number(m[i]);
    if (n > 255) return undefined;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

export function parseIPv6(text: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || !text.includes(':')) return undefined;
  let head = text;
  let tailV4: bigint | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    tailV4 = parseIPv4(text.slice(lastColon + 1));
    if (tailV4 === undefined) return undefined;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const parse = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const left = parse(halves[0] ?? '');
  const right = halves.length === 2 ? parse(halves[1] ?? '') : [];
  if (!left || !right) return undefined;
  const fill = 8 - left.length - right.length;
  if ((halves.length === 1 && fill !== 0) || (halves.length === 2 && fill < 1)) return undefined;
  const groups = [...left, ...Array<number>(halves.length === 2 ? fill : 0).fill(0), ...right];
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(g);
  if (tailV4 !== undefined) v = (v & ~0xffffffffn) | tailV4;
  return v;
}

/** A bare address of either family. */
export function parseIp(text: string): { family: Family; value: bigint } | undefined {
  const v4 = parseIPv4(text);
  if (v4 !== undefined) return { family: 4, value: v4 };
  const v6 = parseIPv6(text);
  return v6 === undefined ? undefined : { family: 6, value: v6 };
}

function prefixRange(family: Family, value: bigint, prefix: number): IpRange {
  const host = (1n << BigInt(BITS[family] - prefix)) - 1n;
  const start = value & ~host & familyMax(family);
  return { family, start, end: start | host };
}

/**
 * `192.0.2.0/24`, `2001:db8::/32`, or a bare address (a /32 or /128), as Kubernetes,
 * Calico and Cilium write them. Host bits under the prefix are masked, as the API server
 * and the kernel tools do.
 */
export function parseCidr(text: string): IpRange | undefined {
  const [addr = '', prefixText, extra] = text.trim().split('/');
  if (extra !== undefined) return undefined;
  const ip = parseIp(addr);
  if (!ip) return undefined;
  const bits = BITS[ip.family];
  if (prefixText === undefined) return { family: ip.family, start: ip.value, end: ip.value };
  if (!/^\d+$/.test(prefixText) || Number(prefixText) > bits) return undefined;
  return prefixRange(ip.family, ip.value, Number(prefixText));
}

/**
 * A firewall address: what `parseCidr` reads, plus a dotted netmask (`10.0.0.0/255.0.0.0`,
 * as iptables accepts) and an explicit range `a-b` (iptables `iprange`, nft ranges).
 */
export function parseAddressSpec(text: string): IpRange | undefined {
  const dash = text.indexOf('-');
  if (dash > 0 && !text.includes('/')) {
    const a = parseIp(text.slice(0, dash));
    const b = parseIp(text.slice(dash + 1));
    if (!a || !b || a.family !== b.family || a.value > b.value) return undefined;
    return { family: a.family, start: a.value, end: b.value };
  }
  const [addr = '', mask, extra] = text.split('/');
  const maskValue = mask === undefined || extra !== undefined ? undefined : parseIPv4(mask);
  const ip = parseIPv4(addr);
  if (maskValue === undefined || ip === undefined) return parseCidr(text);
  const bitsText = maskValue.toString(2).padStart(32, '0');
  if (!/^1*0*$/.test(bitsText)) return undefined;
  return prefixRange(4, ip, bitsText.indexOf('0') < 0 ? 32 : bitsText.indexOf('0'));
}

/** The family of an address or address spec, when it is one. */
export function familyOf(text: string): Family | undefined {
  return parseIp(text.split('/')[0] ?? '')?.family;
}

/** Dotted quad, or IPv6 with the longest run of two or more zero groups compressed. */
export function formatIp(family: Family, v: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 255n)).join('.');
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((v >> BigInt(i * 16)) & 0xffffn).toString(16));
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

/** `start-end`. */
export function formatRange(r: IpRange): string {
  return `${formatIp(r.family, r.start)}-${formatIp(r.family, r.end)}`;
}

/** The fewest CIDRs covering exactly a range. */
export function rangeToCidrs(r: IpRange): string[] {
  const bits = BITS[r.family];
  const out: string[] = [];
  let start = r.start;
  while (start <= r.end) {
    let size = 0;
    while (size < bits) {
      const block = 1n << BigInt(size + 1);
      if (start % block !== 0n || start + block - 1n > r.end) break;
      size++;
    }
    out.push(`${formatIp(r.family, start)}/${bits - size}`);
    start += 1n << BigInt(size);
  }
  return out;
}

export function rangeContains(outer: IpRange, inner: IpRange): boolean {
  return outer.family === inner.family && outer.start <= inner.start && inner.end <= outer.end;
}

export function rangesOverlap(a: IpRange, b: IpRange): boolean {
  return a.family === b.family && a.start <= b.end && b.start <= a.end;
}

export function isWholeFamily(r: IpRange): boolean {
  return r.start === 0n && r.end === familyMax(r.family);
}

/** The addresses of ranges of one family, as an interval set. */
export function addressIntervals(ranges: readonly IpRange[], family: Family): Intervals {
  return Iv.from(ranges.filter((r) => r.family === family).map((r) => [r.start, r.end] as const));
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

const NON_ROUTABLE: Record<Family, string[]> = {
  4: [
    '0.0.0.0/8',
    '10.0.0.0/8',
    '100.64.0.0/10',
    '127.0.0.0/8',
    '169.254.0.0/16',
    '172.16.0.0/12',
    '192.168.0.0/16',
    '192.0.2.0/24',
    '198.51.100.0/24',
    '203.0.113.0/24',
    '224.0.0.0/4',
    '240.0.0.0/4',
  ],
  6: ['::/128', '::1/128', '2001:db8::/32', 'ff00::/8', 'fc00::/7', 'fe80::/10', '::ffff:0:0/96'],
};

function cidrIntervals(list: string[], family: Family): Intervals {
  return addressIntervals(
    list.map((s) => parseCidr(s) as IpRange),
    family,
  );
}

/**
 * Routable addresses: everything outside private, loopback, link-local, CGNAT,
 * documentation, multicast and reserved space (IPv4 240/4 and the limited broadcast are
 * not routable either; IPv4-mapped IPv6 is IPv4's business).
 */
export const ROUTABLE: Record<Family, Intervals> = {
  4: Iv.subtract(Iv.of(0n, familyMax(4)), cidrIntervals(NON_ROUTABLE[4], 4)),
  6: Iv.subtract(Iv.of(0n, familyMax(6)), cidrIntervals(NON_ROUTABLE[6], 6)),
};

export const LOOPBACK: Record<Family, Intervals> = { 4: cidrIntervals(['127.0.0.0/8'], 4), 6: cidrIntervals(['::1/128'], 6) };
