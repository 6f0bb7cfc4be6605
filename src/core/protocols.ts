/**
 * Protocols, ports and conntrack states as firewall rules and policies name them.
 */
import { Iv, type Intervals } from './intervals.js';

/** Conntrack states, as indices of the `ct` dimension. */
export const CT_STATES = ['new', 'established', 'related', 'invalid', 'untracked'] as const;
export type CtState = (typeof CT_STATES)[number];
export const ctIndex = (s: CtState): bigint => BigInt(CT_STATES.indexOf(s));

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

/** Conntrack states as a set of the `ct` dimension. */
export function ctSet(states: readonly CtState[]): Intervals {
  return Iv.from(states.map((s) => [ctIndex(s), ctIndex(s)] as const));
}
