/**
 * The values firewall rules are made of, shared by the parsers that build them and the
 * analysis that evaluates them: interval sets, addresses, protocols, ports and conntrack
 * states.
 */
import { parseIPv4, parseIPv6, type Family } from './ip.js';

export type { Family } from './ip.js';

/** Closed intervals [lo, hi], sorted, disjoint and not adjacent. */
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

/** The dimensions of a packet, in box order. */

/** Conntrack states, as indices of the `ct` dimension. */
export const CT_STATES = ['new', 'established', 'related', 'invalid', 'untracked'] as const;
export type CtState = (typeof CT_STATES)[number];
export const ctIndex = (s: CtState): bigint => BigInt(CT_STATES.indexOf(s));

export const V4_MAX = (1n << 32n) - 1n;
export const V6_MAX = (1n << 128n) - 1n;
export const addrMax = (f: Family): bigint => (f === 4 ? V4_MAX : V6_MAX);

// Addresses

export function familyOf(text: string): Family | undefined {
  const addr = text.split('/')[0] ?? '';
  if (parseIPv4(addr) !== undefined) return 4;
  if (parseIPv6(addr) !== undefined) return 6;
  return undefined;
}

/** `a.b.c.d`, `a.b.c.d/len`, a range `a-b`, IPv6 likewise. Host bits under a prefix are ignored, as the kernel tools do. */
export function parseAddrSpec(text: string): { family: Family; range: readonly [bigint, bigint] } | undefined {
  const dash = text.indexOf('-');
  if (dash > 0 && !text.includes('/')) {
    const a = parseAddrSpec(text.slice(0, dash));
    const b = parseAddrSpec(text.slice(dash + 1));
    if (!a || !b || a.family !== b.family || a.range[0] > b.range[1]) return undefined;
    return { family: a.family, range: [a.range[0], b.range[1]] };
  }
  const [addr = '', len] = text.split('/');
  const v4 = parseIPv4(addr);
  const family: Family | undefined = v4 !== undefined ? 4 : parseIPv6(addr) !== undefined ? 6 : undefined;
  if (family === undefined) return undefined;
  const value = (v4 ?? parseIPv6(addr)) as bigint;
  const bits = family === 4 ? 32 : 128;
  if (len === undefined) return { family, range: [value, value] };
  let prefix: number;
  if (/^\d+$/.test(len)) prefix = Number(len);
  else if (family === 4 && parseIPv4(len) !== undefined) {
    // A dotted netmask, as iptables accepts (255.255.255.0).
    const mask = parseIPv4(len) as bigint;
    prefix = mask.toString(2).replace(/0+$/, '').length;
    if (mask !== 0n && !/^1+0*$/.test(mask.toString(2).padStart(32, '0'))) return undefined;
  } else return undefined;
  if (prefix > bits) return undefined;
  const host = (1n << BigInt(bits - prefix)) - 1n;
  const lo = value & ~host & addrMax(family);
  return { family, range: [lo, lo | host] };
}

// Protocols and ports

export const PROTOCOLS: Record<string, number> = {
  all: -1,
  icmp: 1,
  igmp: 2,
  ipip: 4,
  ipencap: 4,
  '4': 4,
  tcp: 6,
  udp: 17,
  gre: 47,
  esp: 50,
  ah: 51,
  icmpv6: 58,
  'ipv6-icmp': 58,
  icmp6: 58,
  ospf: 89,
  vrrp: 112,
  sctp: 132,
  dccp: 33,
  udplite: 136,
};

export const PROTOCOL_NAMES: Record<number, string> = {
  1: 'icmp',
  4: 'ipip',
  6: 'tcp',
  17: 'udp',
  47: 'gre',
  50: 'esp',
  51: 'ah',
  58: 'icmpv6',
  132: 'sctp',
  33: 'dccp',
  136: 'udplite',
};

/** Protocols that carry ports (`th dport`, iptables `--dport` after `-p`). */
export const PORT_PROTOCOLS: Intervals = Iv.from([
  [6n, 6n],
  [17n, 17n],
  [33n, 33n],
  [132n, 132n],
  [136n, 136n],
]);

export const SERVICES: Record<string, number> = {
  ftp: 21,
  ssh: 22,
  telnet: 23,
  smtp: 25,
  domain: 53,
  dns: 53,
  http: 80,
  www: 80,
  bootps: 67,
  bootpc: 68,
  ntp: 123,
  bgp: 179,
  https: 443,
  submission: 587,
  imaps: 993,
  mysql: 3306,
  postgresql: 5432,
  kerberos: 88,
  snmp: 161,
  ldap: 389,
  syslog: 514,
  'http-alt': 8080,
};

export function parsePort(text: string): number | undefined {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n <= 65535 ? n : undefined;
  }
  return SERVICES[text.toLowerCase()];
}
