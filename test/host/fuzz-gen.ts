import { parseIp, type Family } from '../../src/core/ip.js';
import { greSport, type LabProbe } from './kernel-lab.js';
import type { Candidate, KernelRuleRef } from './kernel-oracle.js';

/**
 * A seeded generator of host rulesets for the differential kernel test: iptables-save pairs
 * (v4/v6), shell scripts (variables, functions, loops, inserts, nft commands) and nft files
 * (inet/ip/ip6/netdev tables, several base chains on the input path, named and anonymous
 * sets, `th`), with probe packets aimed at every rule. Each construct can be switched off,
 * so the test in `npm test` runs only those nsl-lint currently gets right (KNOWN_GAPS) and
 * `npm run fuzz:kernel` runs them all.
 *
 * The generator knows nothing of verdicts: the kernel decides. It knows where each rule sits
 * in the kernel (table, chain, position) and which lines of the files wrote it, so a finding
 * can be paired with the kernel's counter without nsl-lint's own model.
 */

export const CONSTRUCTS = {
  'syntax-save': 'iptables-save files (rules.v4 / rules.v6)',
  'syntax-script': 'shell scripts calling iptables, ip6tables and nft',
  'syntax-nft': 'nftables files',
  ipv6: 'IPv6 tables and probes',
  ports: 'destination port matches',
  'port-ranges': 'port ranges',
  multiport: 'iptables multiport lists and nft port sets',
  sport: 'source port matches',
  addresses: 'source and destination address matches',
  'host-bits': 'address prefixes with host bits set (`-s 10.250.1.20/24`)',
  'early-dst': 'destination address matches before the input hook (PREROUTING, netdev ingress)',
  negation: 'negated matches (`!`, `!=`)',
  iif: 'input interface matches',
  'iif-wildcard': 'input interface wildcards (`eth+`, `"eth*"`)',
  'oif-input': 'output interface matches on the input path (`-o` in a chain called from INPUT, nft `oifname`)',
  ct: 'conntrack state matches',
  'nft-ct-negated-list': 'nft `ct state != a,b` (nft 1.0.6 compiles it to "state value is not a|b", true for every packet)',
  'ct-before-conntrack': 'conntrack state matches in chains that run before conntrack (raw PREROUTING, nft priority < -200)',
  reject: 'REJECT / reject',
  'iptables-queue': 'iptables -j NFQUEUE',
  'nft-queue': 'nft queue',
  frag: 'fragment matches (`-f`, `ip frag-off`)',
  'user-chains': 'user chains with jump',
  goto: 'goto (`-g`)',
  return: 'RETURN / return',
  log: 'LOG / log (non-terminal)',
  'counter-only': 'rules without a verdict',
  'iptables-mangle': 'iptables mangle table (PREROUTING, INPUT)',
  'iptables-raw': 'iptables raw table (PREROUTING)',
  'iptables-security': 'iptables security table (INPUT)',
  'nft-multi-base': 'several nft input base chains with different priorities',
  'nft-prerouting': 'nft prerouting base chains',
  'netdev-ingress': 'nft netdev ingress chains',
  'nft-named-sets': 'nft named sets of ports and addresses',
  'nft-ifname-sets': 'nft sets of interface names (named and anonymous)',
  th: 'nft `th dport`/`th sport` (any transport protocol)',
  'icmp-probes': 'ICMP / ICMPv6 echo probes',
  'other-proto-probes': 'GRE probes (a protocol without ports)',
  'shell-command-var': 'the firewall command in a variable (`IPT=iptables`, then `$IPT -A …`)',
  'shell-vars': 'shell variables for ports, addresses and interfaces',
  'shell-functions': 'shell functions called with arguments',
  'shell-loops': 'shell for loops',
  'shell-nft': 'nft commands in shell scripts',
  insert: 'inserted rules (`-I`, `nft insert rule`)',
  'policy-drop': 'drop policies',
} as const;

export type Construct = keyof typeof CONSTRUCTS;
export const ALL_CONSTRUCTS = Object.keys(CONSTRUCTS) as Construct[];

// ---------------------------------------------------------------------------------------------
// The ruleset tree

export interface PortSpec {
  items: [number, number][];
  neg: boolean;
  set?: string;
}
export interface AddrSpec {
  family: Family;
  cidrs: string[];
  neg: boolean;
  set?: string;
}
export interface IfSpec {
  names: string[];
  neg: boolean;
  set?: string;
}
export type GVerdict = { k: 'accept' | 'drop' | 'reject' | 'return' | 'queue' | 'log' | 'count' } | { k: 'jump' | 'goto'; chain: string };

export interface GRule {
  proto?: { value: number; neg: boolean };
  /** The protocol a port match names (`tcp dport`); `th` in nft matches any transport header. */
  l4?: 'tcp' | 'udp' | 'th';
  sport?: PortSpec;
  dport?: PortSpec;
  src?: AddrSpec;
  dst?: AddrSpec;
  iif?: IfSpec;
  oif?: IfSpec;
  /** `list`: nft's `ct state != a,b` form; otherwise `!= { a, b }`. */
  ct?: { states: string[]; neg: boolean; legacy: boolean; list?: boolean };
  frag?: { neg: boolean };
  verdict: GVerdict;
  /** Scripts: how the command is written. */
  form?: 'insert' | { group: number; kind: 'loop' | 'function' };
}

export interface GSet {
  name: string;
  type: 'inet_service' | 'ipv4_addr' | 'ipv6_addr' | 'ifname';
  elements: string[];
  interval: boolean;
}

export type GHook = 'input' | 'prerouting' | 'ingress' | 'output' | 'forward';

export interface GChain {
  name: string;
  hook?: GHook;
  /** nft priority as written (a number or `filter + 5`), and its value. */
  priority?: { text: string; value: number };
  policy?: 'accept' | 'drop';
  device?: string;
  rules: GRule[];
}

export interface GTable {
  backend: 'iptables' | 'nft';
  /** iptables: `ip`/`ip6`; nft: the table family. */
  family: 'ip' | 'ip6' | 'inet' | 'netdev';
  name: string;
  chains: GChain[];
  sets: GSet[];
}

export type Syntax = 'iptables-save' | 'script' | 'nft';

export interface GRuleset {
  syntax: Syntax;
  tables: GTable[];
  /** Lab interfaces (server side). */
  ifaces: string[];
  /** Script flavour. */
  shell: { vars: boolean; commandVar: boolean; nftCommands: boolean };
}

export interface Rendered {
  files: { path: string; text: string }[];
  /** `file:line` → the kernel rules written there. */
  lines: Map<string, KernelRuleRef[]>;
  /** Interface names and wildcards the ruleset matches on, in kernel spelling (`eth+` / `eth*`). */
  patterns: string[];
}

// ---------------------------------------------------------------------------------------------
// Randomness

export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    // mulberry32
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.next() * list.length)] as T;
  }
  shuffle<T>(list: readonly T[]): T[] {
    const out = [...list];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }
}

/** The random stream of ruleset `index` of a run with `seed`. */
export function rngFor(seed: number, index: number): Rng {
  return new Rng((Math.imul(seed >>> 0, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35)) >>> 0);
}

// ---------------------------------------------------------------------------------------------
// Vocabulary: addresses only from 10.250.0.0/16, the documentation ranges and 2001:db8::/32

// Interface names: server ends of the lab, and names rules mention without a lab interface.
const VOCAB_IFACES = ['eth0', 'eth1', 'eth9', 'eth10', 'ens3', 'enp1s0', 'wg0', 'wg1', 'tun7', 'br-lan', 'vxlan1', 'nic0', 'uplink0', 'e1'];
const EXTRA_NAMES = ['eth2', 'bond0', 'wg9', 'docker0'];
const WILDCARDS = ['eth', 'eth1', 'e', 'en', 'ens', 'wg', 'tun', 'br-', 'u', 'vx', 'n'];

export const SRC: Record<Family, string[]> = {
  4: [
    '203.0.113.10',
    '203.0.113.200',
    '198.51.100.10',
    '198.51.100.77',
    '192.0.2.10',
    '192.0.2.130',
    '10.250.1.20',
    '10.250.9.9',
    '10.250.128.5',
  ],
  6: ['2001:db8:1::10', '2001:db8:1::8000', '2001:db8:2::20', '2001:db8:ffff::30', '2001:db8:1:8000::1'],
};
export const DST: Record<Family, string[]> = {
  4: ['10.250.200.1', '10.250.200.77', '10.250.201.1', '192.0.2.200'],
  6: ['2001:db8:200::1', '2001:db8:200::77', '2001:db8:201::1'],
};
const CIDRS: Record<Family, string[]> = {
  4: [
    '203.0.113.0/24',
    '203.0.113.0/25',
    '203.0.113.128/25',
    '198.51.100.0/24',
    '198.51.100.64/26',
    '192.0.2.0/24',
    '192.0.2.128/25',
    '10.250.0.0/16',
    '10.250.1.0/24',
    '10.250.128.0/17',
    '10.250.200.0/24',
    '10.250.200.77/32',
    '203.0.113.10/32',
    '192.0.2.200/32',
  ],
  6: [
    '2001:db8::/32',
    '2001:db8:1::/48',
    '2001:db8:1::/49',
    '2001:db8:2::/48',
    '2001:db8:200::/48',
    '2001:db8:200::77/128',
    '2001:db8:1::10/128',
    '2001:db8:fff0::/44',
  ],
};
/** Prefixes written with host bits set: the kernel tools keep only the network part. */
const SLOPPY_CIDRS: Record<Family, string[]> = {
  4: ['10.250.1.20/24', '192.0.2.130/25', '203.0.113.200/24', '10.250.200.77/16'],
  6: ['2001:db8:1::10/48', '2001:db8:200::77/48', '2001:db8:2::20/47'],
};
const PORTS = [22, 53, 80, 443, 2379, 2380, 6443, 8080, 10250, 10255, 51820];
const RANGES: [number, number][] = [
  [1000, 2000],
  [2379, 2380],
  [8000, 8999],
  [30000, 32767],
  [1024, 65535],
  [1, 1023],
  [6443, 6444],
];
const CT_STATES = ['new', 'established', 'related', 'invalid'];
export const ECHO: Record<Family, number> = { 4: 0x0800, 6: 0x8000 };

/** The addresses a prefix covers as the kernel reads it: host bits are masked off. */
function cidrRange(c: string): { family: Family; start: bigint; end: bigint } {
  const [text, len] = c.split('/') as [string, string | undefined];
  const a = parseIp(text);
  if (!a) throw new Error(`bad address ${c}`);
  const width = a.family === 4 ? 32n : 128n;
  const host = width - BigInt(len ?? width);
  const start = (a.value >> host) << host;
  return { family: a.family, start, end: start + (1n << host) - 1n };
}
export function inCidr(addr: string, c: string): boolean {
  const a = parseIp(addr);
  const r = cidrRange(c);
  return !!a && a.family === r.family && a.value >= r.start && a.value <= r.end;
}
function overlaps(a: string, b: string): boolean {
  const x = cidrRange(a);
  const y = cidrRange(b);
  return x.family === y.family && x.start <= y.end && y.start <= x.end;
}
export function kernelIfMatch(pattern: string, name: string): boolean {
  const wild = pattern.endsWith('+') || pattern.endsWith('*');
  return wild ? name.startsWith(pattern.slice(0, -1)) : pattern === name;
}

// ---------------------------------------------------------------------------------------------
// Generation

interface Ctx {
  g: GRuleset;
  on: (c: Construct) => boolean;
  rng: Rng;
  table: GTable;
  chain: GChain;
  /** The hook the chain's packets come from (user chains: their caller's). */
  hook: GHook;
  /** Runs before conntrack (ct state is not known yet). */
  early: boolean;
  /** User chains this chain may jump to. */
  targets: GChain[];
  builtin: boolean;
  /** Interface names and wildcards (without suffix) rules may use. */
  names: string[];
  wild: string[];
}

export function generate(rng: Rng, on: (c: Construct) => boolean): GRuleset {
  const syntaxes = (['syntax-save', 'syntax-script', 'syntax-nft'] as const).filter(on);
  if (!syntaxes.length) throw new Error('no syntax enabled');
  const syntax = ({ 'syntax-save': 'iptables-save', 'syntax-script': 'script', 'syntax-nft': 'nft' } as const)[rng.pick(syntaxes)];
  const ifaces = rng.shuffle(VOCAB_IFACES).slice(0, rng.int(2, 4));
  const g: GRuleset = {
    syntax,
    tables: [],
    ifaces,
    shell: {
      vars: on('shell-vars') && rng.chance(0.7),
      commandVar: on('shell-command-var') && rng.chance(0.6),
      nftCommands: syntax === 'script' && on('shell-nft') && rng.chance(0.35),
    },
  };
  const names = [...rng.shuffle([...ifaces, ...EXTRA_NAMES]).slice(0, 4)];
  const wild = on('iif-wildcard') ? rng.shuffle(WILDCARDS).slice(0, 3) : [];
  const base = { g, on, rng, names, wild };
  if (syntax !== 'nft') {
    const fams: ('ip' | 'ip6')[] = on('ipv6') && rng.chance(0.5) ? ['ip', 'ip6'] : on('ipv6') && rng.chance(0.2) ? ['ip6'] : ['ip'];
    for (const fam of fams) g.tables.push(...iptablesTables(base, fam));
  }
  if (syntax === 'nft' || g.shell.nftCommands) {
    const n = rng.int(1, syntax === 'nft' ? 3 : 1);
    const fams = (['inet', 'ip', 'ip6'] as const).filter((f) => f !== 'ip6' || on('ipv6'));
    for (let i = 0; i < n; i++) g.tables.push(nftTable(base, rng.pick(fams), `fw${i}`));
    if (syntax === 'nft' && on('netdev-ingress') && rng.chance(0.3)) g.tables.push(netdevTable(base));
  }
  groupRules(g, rng, on);
  return g;
}

type Base = Pick<Ctx, 'g' | 'on' | 'rng' | 'names' | 'wild'>;

const IPT_BUILTINS: Record<string, Partial<Record<GHook, string>>> = {
  filter: { input: 'INPUT', forward: 'FORWARD', output: 'OUTPUT' },
  mangle: { prerouting: 'PREROUTING', input: 'INPUT', forward: 'FORWARD', output: 'OUTPUT' },
  raw: { prerouting: 'PREROUTING', output: 'OUTPUT' },
  security: { input: 'INPUT', forward: 'FORWARD', output: 'OUTPUT' },
};

function iptablesTables(b: Base, family: 'ip' | 'ip6'): GTable[] {
  const { rng, on } = b;
  const out: GTable[] = [];
  const names = ['filter'];
  if (on('iptables-mangle') && rng.chance(0.3)) names.push('mangle');
  if (on('iptables-raw') && rng.chance(0.25)) names.push('raw');
  if (on('iptables-security') && rng.chance(0.2)) names.push('security');
  for (const name of names) {
    const t: GTable = { backend: 'iptables', family, name, chains: [], sets: [] };
    const hooks = Object.entries(IPT_BUILTINS[name] as Record<GHook, string>) as [GHook, string][];
    const user: GChain[] = [];
    if (on('user-chains'))
      for (let i = 0; i < rng.int(0, 2); i++) user.push({ name: `${name.toUpperCase().slice(0, 3)}_C${i}`, rules: [] });
    for (const [hook, chainName] of hooks) {
      const filtering = hook === 'input' || hook === 'prerouting';
      const dropPolicy = on('policy-drop') && rng.chance(name === 'filter' ? 0.6 : 0.1);
      const c: GChain = { name: chainName, hook, policy: dropPolicy && filtering ? 'drop' : 'accept', rules: [] };
      t.chains.push(c);
      if (!filtering && !rng.chance(0.3)) continue;
      // User chains belong to the one builtin that calls them first (REJECT must stay on input).
      const own = filtering ? user.filter((u) => u.rules.length === 0 && !calledFrom(t, user, u)) : [];
      fillChain(
        { ...b, table: t, chain: c, hook, early: name === 'raw', targets: own, builtin: true },
        rng.int(filtering ? 2 : 1, filtering ? 7 : 2),
      );
      for (const u of own) {
        if (!c.rules.some((r) => 'chain' in r.verdict && r.verdict.chain === u.name)) continue;
        fillUser({ ...b, table: t, chain: u, hook, early: name === 'raw', targets: [], builtin: false }, user);
      }
    }
    // Chains nobody calls stay declared (empty), as scripts often leave them.
    t.chains.push(...user);
    out.push(t);
  }
  return out;
}

function calledFrom(t: GTable, user: GChain[], u: GChain): boolean {
  return [...t.chains, ...user].some((x) => x.rules.some((r) => 'chain' in r.verdict && r.verdict.chain === u.name));
}

/** Fill a user chain and the user chains after it that it may call. */
function fillUser(ctx: Ctx, user: GChain[]): void {
  if (ctx.chain.rules.length) return;
  const later = user.slice(user.indexOf(ctx.chain) + 1);
  fillChain({ ...ctx, targets: later }, ctx.rng.int(1, 4));
  for (const u of later)
    if (ctx.chain.rules.some((r) => 'chain' in r.verdict && r.verdict.chain === u.name)) fillUser({ ...ctx, chain: u }, user);
}

const NFT_INPUT_PRIORITIES: { text: string; value: number }[] = [
  { text: '0', value: 0 },
  { text: 'filter', value: 0 },
  { text: '-150', value: -150 },
  { text: 'mangle', value: -150 },
  { text: 'filter + 5', value: 5 },
  { text: '-10', value: -10 },
  { text: '10', value: 10 },
  { text: 'security', value: 50 },
  { text: '100', value: 100 },
];
const NFT_PRE_PRIORITIES: { text: string; value: number }[] = [
  { text: 'raw', value: -300 },
  { text: '-300', value: -300 },
  { text: '-150', value: -150 },
  { text: 'mangle', value: -150 },
  { text: '-5', value: -5 },
  { text: '0', value: 0 },
  { text: '100', value: 100 },
];

function nftTable(b: Base, family: 'inet' | 'ip' | 'ip6', name: string): GTable {
  const { rng, on } = b;
  const t: GTable = { backend: 'nft', family, name, chains: [], sets: [] };
  if (on('nft-named-sets') && rng.chance(0.5)) {
    t.sets.push({ name: 'ports', type: 'inet_service', interval: true, elements: portElements(rng, rng.int(1, 3), on) });
    const fam: Family = family === 'ip6' ? 6 : family === 'ip' ? 4 : rng.pick([4, 6] as const);
    t.sets.push({
      name: `nets${fam}`,
      type: fam === 4 ? 'ipv4_addr' : 'ipv6_addr',
      interval: true,
      elements: disjointCidrs(rng, fam, rng.int(1, 3)),
    });
  }
  if (on('nft-ifname-sets') && rng.chance(0.4))
    t.sets.push({ name: 'ifs', type: 'ifname', interval: false, elements: rng.shuffle(b.names).slice(0, rng.int(1, 3)) });
  const bases: { hook: GHook; prio: { text: string; value: number } }[] = [{ hook: 'input', prio: rng.pick(NFT_INPUT_PRIORITIES) }];
  if (on('nft-multi-base') && rng.chance(0.4)) bases.push({ hook: 'input', prio: rng.pick(NFT_INPUT_PRIORITIES) });
  if (on('nft-prerouting') && rng.chance(0.35)) bases.push({ hook: 'prerouting', prio: rng.pick(NFT_PRE_PRIORITIES) });
  if (rng.chance(0.2)) bases.push({ hook: rng.pick(['output', 'forward'] as const), prio: { text: '0', value: 0 } });
  const user: GChain[] = on('user-chains') ? Array.from({ length: rng.int(0, 2) }, (_, i) => ({ name: `c${i}`, rules: [] })) : [];
  bases.forEach((bc, i) => {
    const early = bc.hook === 'prerouting' && bc.prio.value < -200;
    const c: GChain = {
      name: `${bc.hook}${i}`,
      hook: bc.hook,
      priority: bc.prio,
      policy:
        on('policy-drop') && (bc.hook === 'input' || bc.hook === 'prerouting') && rng.chance(bc.hook === 'input' ? 0.5 : 0.1)
          ? 'drop'
          : 'accept',
      rules: [],
    };
    t.chains.push(c);
    const filtering = bc.hook === 'input' || bc.hook === 'prerouting';
    const own = filtering ? user.filter((u) => u.rules.length === 0 && !calledFrom(t, user, u)) : [];
    fillChain(
      { ...b, table: t, chain: c, hook: bc.hook, early, targets: own, builtin: true },
      rng.int(filtering ? 2 : 1, filtering ? 7 : 2),
    );
    for (const u of own)
      if (c.rules.some((r) => 'chain' in r.verdict && r.verdict.chain === u.name))
        fillUser({ ...b, table: t, chain: u, hook: bc.hook, early, targets: [], builtin: false }, user);
  });
  t.chains.push(...user);
  return t;
}

function netdevTable(b: Base): GTable {
  const { rng } = b;
  const t: GTable = { backend: 'nft', family: 'netdev', name: 'edge', chains: [], sets: [] };
  const c: GChain = {
    name: 'ingress0',
    hook: 'ingress',
    priority: rng.pick([
      { text: '0', value: 0 },
      { text: '-500', value: -500 },
      { text: 'filter', value: 0 },
    ]),
    policy: b.on('policy-drop') && rng.chance(0.1) ? 'drop' : 'accept',
    device: rng.pick(b.g.ifaces),
    rules: [],
  };
  t.chains.push(c);
  fillChain({ ...b, table: t, chain: c, hook: 'ingress', early: true, targets: [], builtin: true }, rng.int(1, 4));
  return t;
}

function portElements(rng: Rng, n: number, on: (c: Construct) => boolean): string[] {
  const items = disjointPorts(rng, n, on);
  return items.map(([lo, hi]) => (lo === hi ? String(lo) : `${lo}-${hi}`));
}

function disjointPorts(rng: Rng, n: number, on: (c: Construct) => boolean): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < n * 3 && out.length < n; i++) {
    const r: [number, number] =
      on('port-ranges') && rng.chance(0.3) ? rng.pick(RANGES) : ((p) => [p, p] as [number, number])(rng.pick(PORTS));
    if (out.some(([lo, hi]) => r[0] <= hi + 1 && lo <= r[1] + 1)) continue;
    out.push(r);
  }
  return out.sort((x, y) => x[0] - y[0]);
}

function disjointCidrs(rng: Rng, f: Family, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n * 4 && out.length < n; i++) {
    const c = rng.pick(CIDRS[f]);
    if (out.some((o) => overlaps(o, c))) continue;
    out.push(c);
  }
  return out;
}

function tableFams(t: GTable): Family[] {
  return t.family === 'ip' ? [4] : t.family === 'ip6' ? [6] : [4, 6];
}

function fillChain(ctx: Ctx, n: number): void {
  for (let i = 0; i < n; i++) ctx.chain.rules.push(genRule(ctx));
  // Every user chain this chain may call is called at least by chance.
}

function genRule(ctx: Ctx): GRule {
  const { rng, on, table } = ctx;
  const nft = table.backend === 'nft';
  const neg = (): boolean => on('negation') && rng.chance(0.2);
  const r: GRule = { verdict: genVerdict(ctx) };
  const fams = tableFams(table);
  // Addresses fix the family of an inet rule.
  if (on('addresses') && rng.chance(0.35)) {
    const f = rng.pick(fams);
    const named = nft && table.sets.find((s) => s.type === (f === 4 ? 'ipv4_addr' : 'ipv6_addr'));
    if (named && rng.chance(0.4)) r.src = { family: f, cidrs: named.elements, neg: neg(), set: named.name };
    else if (on('host-bits') && rng.chance(0.15)) r.src = { family: f, cidrs: [rng.pick(SLOPPY_CIDRS[f])], neg: neg() };
    else
      r.src = { family: f, cidrs: nft && on('multiport') && rng.chance(0.3) ? disjointCidrs(rng, f, 2) : [rng.pick(CIDRS[f])], neg: neg() };
  }
  const early = ctx.hook === 'prerouting' || ctx.hook === 'ingress';
  if (on('addresses') && (!early || on('early-dst')) && rng.chance(0.15)) {
    const f = r.src?.family ?? rng.pick(fams);
    r.dst = { family: f, cidrs: [rng.pick(CIDRS[f].filter((c) => DST[f].some((d) => inCidr(d, c))))], neg: neg() };
  }
  if (on('ports') && rng.chance(0.5)) {
    const th = nft && on('th') && rng.chance(0.35);
    r.l4 = th ? 'th' : rng.pick(['tcp', 'tcp', 'udp'] as const);
    const named = nft && table.sets.find((s) => s.type === 'inet_service');
    if (named && rng.chance(0.3)) r.dport = { items: named.elements.map(parseItem), neg: neg(), set: named.name };
    else {
      const multi = on('multiport') && rng.chance(0.25);
      r.dport = { items: disjointPorts(rng, multi ? rng.int(2, 3) : 1, on), neg: neg() };
    }
    if (on('sport') && rng.chance(0.2)) r.sport = { items: disjointPorts(rng, 1, on), neg: neg() };
    if (!nft) r.proto = { value: r.l4 === 'udp' ? 17 : 6, neg: false };
  } else if (rng.chance(0.3)) {
    const f = r.src?.family ?? (fams.length === 1 ? fams[0] : undefined);
    const choices = [6, 17, ...(on('other-proto-probes') ? [47] : []), ...(f === 4 ? [1] : f === 6 ? [58] : [])];
    r.proto = { value: rng.pick(choices), neg: neg() };
  }
  if (on('iif') && ctx.hook !== 'output' && rng.chance(0.3)) r.iif = ifSpec(ctx, neg());
  const oifOk = nft ? true : !ctx.builtin;
  if (on('oif-input') && oifOk && ctx.hook !== 'ingress' && rng.chance(0.15)) r.oif = ifSpec(ctx, neg());
  if (on('ct') && ctx.hook !== 'ingress' && (!ctx.early || on('ct-before-conntrack')) && rng.chance(0.2)) {
    const states = rng.shuffle(CT_STATES).slice(0, rng.int(1, 2));
    r.ct = { states, neg: neg(), legacy: !nft && rng.chance(0.3) };
    if (nft && r.ct.neg && states.length > 1 && on('nft-ct-negated-list') && rng.chance(0.5)) r.ct.list = true;
  }
  if (
    on('frag') &&
    fams.includes(4) &&
    (r.src === undefined || r.src.family === 4) &&
    (r.dst === undefined || r.dst.family === 4) &&
    rng.chance(0.06)
  ) {
    // ip6tables has no -f; an nft match on the IPv4 header makes the rule IPv4-only.
    if (!nft && table.family !== 'ip') return r;
    r.frag = { neg: on('negation') && rng.chance(0.3) };
  }
  return r;
}

function parseItem(e: string): [number, number] {
  const [lo, hi] = e.split('-').map(Number) as [number, number | undefined];
  return [lo, hi ?? lo];
}

function ifSpec(ctx: Ctx, neg: boolean): IfSpec {
  const { rng, table } = ctx;
  const nft = table.backend === 'nft';
  const named = nft && ctx.on('nft-ifname-sets') ? table.sets.find((s) => s.type === 'ifname') : undefined;
  if (named && rng.chance(0.4)) return { names: named.elements, neg, set: named.name };
  const one = (): string => (ctx.wild.length && rng.chance(0.4) ? `${rng.pick(ctx.wild)}${nft ? '*' : '+'}` : rng.pick(ctx.names));
  if (nft && ctx.on('nft-ifname-sets') && rng.chance(0.2)) return { names: [...new Set([one(), one()])], neg };
  return { names: [one()], neg };
}

function genVerdict(ctx: Ctx): GVerdict {
  const { rng, on, table, hook } = ctx;
  const nft = table.backend === 'nft';
  const input = hook === 'input';
  const options: [GVerdict, number][] = [
    [{ k: 'accept' }, 30],
    [{ k: 'drop' }, 25],
  ];
  if (on('reject') && input && (nft || table.name === 'filter')) options.push([{ k: 'reject' }, 8]);
  if (on('return')) options.push([{ k: 'return' }, ctx.builtin ? 2 : 8]);
  if (on('log') && hook !== 'ingress') options.push([{ k: 'log' }, 4]);
  if (on('counter-only')) options.push([{ k: 'count' }, 4]);
  if (hook !== 'ingress' && (nft ? on('nft-queue') : on('iptables-queue'))) options.push([{ k: 'queue' }, 4]);
  for (const t of ctx.targets) {
    options.push([{ k: 'jump', chain: t.name }, 10]);
    if (on('goto')) options.push([{ k: 'goto', chain: t.name }, 4]);
  }
  const total = options.reduce((s, [, w]) => s + w, 0);
  let x = rng.next() * total;
  for (const [v, w] of options) {
    x -= w;
    if (x < 0) return v;
  }
  return { k: 'accept' };
}

/** Scripts: runs of rules that differ only in their destination port become loops or function calls. */
function groupRules(g: GRuleset, rng: Rng, on: (c: Construct) => boolean): void {
  if (g.syntax !== 'script') return;
  let group = 0;
  for (const t of g.tables) {
    if (t.backend !== 'iptables') continue;
    for (const c of t.chains) {
      const kinds = [...(on('shell-loops') ? (['loop'] as const) : []), ...(on('shell-functions') ? (['function'] as const) : [])];
      if (kinds.length && c.rules.length >= 2 && rng.chance(0.4)) {
        // Replace a rule with a run of copies that differ in one port.
        const i = rng.int(0, c.rules.length - 1);
        const tmpl = c.rules[i] as GRule;
        if (!tmpl.dport || tmpl.dport.items.length !== 1 || tmpl.dport.neg) continue;
        const kind = rng.pick(kinds);
        const ports = disjointPorts(rng, rng.int(2, 3), () => false);
        const copies = ports.map((p) => ({ ...tmpl, dport: { items: [p], neg: false }, form: { group, kind } }));
        c.rules.splice(i, 1, ...copies);
        group++;
      }
      if (on('insert') && c.rules.length >= 2 && rng.chance(0.25)) {
        const n = rng.int(1, Math.min(2, c.rules.length - 1));
        for (let k = 0; k < n; k++) if (!(c.rules[k] as GRule).form) (c.rules[k] as GRule).form = 'insert';
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Probes: packets aimed at each rule, one near miss each, and random ones

interface ProbeCtx {
  rng: Rng;
  on: (c: Construct) => boolean;
  g: GRuleset;
  used: Set<string>;
  nextSport: number;
  out: Candidate[];
}

export function probesFor(g: GRuleset, rng: Rng, on: (c: Construct) => boolean, max = 60): Candidate[] {
  const pc: ProbeCtx = { rng, on, g, used: new Set(), nextSport: 20000, out: [] };
  const rules: { t: GTable; c: GChain; r: GRule; i: number }[] = [];
  for (const t of g.tables) for (const c of t.chains) c.rules.forEach((r, i) => rules.push({ t, c, r, i }));
  for (const { t, c, r, i } of rng.shuffle(rules)) {
    const where = `${t.backend} ${t.family} ${t.name} ${c.name} #${i + 1}`;
    addProbe(pc, aim(pc, t, r, false), `aimed at ${where}`);
    if (rng.chance(0.6)) addProbe(pc, aim(pc, t, r, true), `near miss of ${where}`);
    if (pc.out.length >= max * 0.8) break;
  }
  while (pc.out.length < Math.min(max, rules.length * 2 + 8)) addProbe(pc, randomProbe(pc), 'random');
  return pc.out;
}

function protos(pc: ProbeCtx, f: Family): number[] {
  return [6, 6, 17, ...(pc.on('icmp-probes') ? [f === 4 ? 1 : 58] : []), ...(pc.on('other-proto-probes') ? [47] : [])];
}

function families(pc: ProbeCtx): Family[] {
  return pc.on('ipv6') ? [4, 6] : [4];
}

function randomProbe(pc: ProbeCtx): LabProbe {
  const { rng } = pc;
  const f = rng.pick(families(pc));
  const proto = rng.pick(protos(pc, f));
  return {
    family: f,
    proto,
    src: rng.pick(SRC[f]),
    dst: rng.pick(DST[f]),
    sport: proto === 1 || proto === 58 ? ECHO[f] : 0,
    dport: rng.chance(0.6) ? rng.pick(PORTS) : rng.int(1, 65535),
    iif: rng.pick(pc.g.ifaces),
  };
}

function inPorts(p: number, s: PortSpec): boolean {
  return s.items.some(([lo, hi]) => p >= lo && p <= hi) !== s.neg;
}

function pickPort(rng: Rng, s: PortSpec, want: boolean): number | undefined {
  const cands = [...s.items.flatMap(([lo, hi]) => [lo, hi, lo - 1, hi + 1, Math.floor((lo + hi) / 2)]), ...PORTS, rng.int(1, 65535)];
  const ok = rng.shuffle(cands).filter((p) => p >= 1 && p <= 65535 && inPorts(p, s) === want);
  return ok[0];
}

function pickAddr(rng: Rng, pool: string[], s: AddrSpec | undefined, want: boolean): string | undefined {
  if (!s) return rng.pick(pool);
  const ok = rng.shuffle(pool).filter((a) => (s.cidrs.some((c) => inCidr(a, c)) !== s.neg) === want);
  return ok[0];
}

function pickIface(rng: Rng, ifaces: string[], s: IfSpec | undefined, want: boolean): string {
  if (!s) return rng.pick(ifaces);
  const ok = rng.shuffle(ifaces).filter((n) => (s.names.some((p) => kernelIfMatch(p, n)) !== s.neg) === want);
  return ok[0] ?? rng.pick(ifaces);
}

/** A packet meeting every match of the rule (or, for a near miss, all but one). */
function aim(pc: ProbeCtx, t: GTable, r: GRule, miss: boolean): LabProbe | undefined {
  const { rng } = pc;
  const fams = tableFams(t).filter((f) => families(pc).includes(f));
  const f = r.src?.family ?? r.dst?.family ?? (fams.length ? rng.pick(fams) : undefined);
  if (f === undefined || !families(pc).includes(f)) return undefined;
  const dims = (['proto', 'sport', 'dport', 'src', 'dst', 'iif'] as const).filter((d) => (d === 'proto' ? r.proto || r.l4 : r[d]));
  const flip = miss && dims.length ? rng.pick(dims) : undefined;
  let proto: number;
  if (r.l4 === 'tcp' || r.l4 === 'udp') proto = flip === 'proto' ? (r.l4 === 'tcp' ? 17 : 6) : r.l4 === 'tcp' ? 6 : 17;
  else if (r.proto) {
    const want = flip !== 'proto';
    const { value, neg } = r.proto;
    const ok = protos(pc, f).filter((p) => ((p === value) !== neg) === want);
    if (!ok.length) return undefined;
    proto = rng.pick(ok);
  } else proto = rng.pick(protos(pc, f));
  const icmp = proto === 1 || proto === 58;
  const sport = icmp ? ECHO[f] : r.sport ? pickPort(rng, r.sport, flip !== 'sport') : 0;
  const dport = r.dport ? pickPort(rng, r.dport, flip !== 'dport') : rng.chance(0.5) ? rng.pick(PORTS) : rng.int(1, 65535);
  const src = pickAddr(rng, SRC[f], r.src, flip !== 'src');
  const dst = pickAddr(rng, DST[f], r.dst, flip !== 'dst');
  if (sport === undefined || dport === undefined || !src || !dst) return undefined;
  // A netdev chain sees only its own device.
  const device = t.chains.find((c) => c.device)?.device;
  const iif = device && rng.chance(0.7) && !r.iif ? device : pickIface(rng, pc.g.ifaces, r.iif, flip !== 'iif');
  return { family: f, proto, src, dst, sport, dport, iif };
}

/** Give the probe a tuple of its own (conntrack would otherwise see an old connection). */
function addProbe(pc: ProbeCtx, p: LabProbe | undefined, why: string): void {
  if (!p) return;
  const key = (q: LabProbe): string => `${q.family} ${q.src} ${q.dst} ${q.sport} ${q.dport}`;
  const q = { ...p };
  const fresh = (): number => (q.proto === 47 ? greSport(pc.nextSport++) : pc.nextSport++);
  if (q.sport === 0) q.sport = fresh();
  q.sport = q.proto === 47 ? greSport(q.sport) : q.sport;
  for (let i = 0; i < 20 && pc.used.has(key(q)); i++) {
    if (q.proto === 1 || q.proto === 58) q.dport = pc.rng.int(1, 65535);
    else if (p.sport === 0) q.sport = fresh();
    else q.src = pc.rng.pick(SRC[q.family]);
  }
  if (pc.used.has(key(q))) return;
  pc.used.add(key(q));
  pc.out.push({ probe: q, why });
}

// ---------------------------------------------------------------------------------------------
// Rendering

const PROTO_NAME: Record<number, string> = { 6: 'tcp', 17: 'udp', 1: 'icmp', 58: 'ipv6-icmp', 47: '47' };

function iptPorts(dir: 'sport' | 'dport', s: PortSpec): string {
  const neg = s.neg ? '! ' : '';
  const item = ([lo, hi]: [number, number]): string => (lo === hi ? String(lo) : `${lo}:${hi}`);
  if (s.items.length > 1) return `-m multiport ${neg}--${dir}s ${s.items.map(item).join(',')}`;
  return `${neg}--${dir} ${item(s.items[0] as [number, number])}`;
}

/** The words of an iptables rule after `-A CHAIN`. */
function iptRule(r: GRule, ports?: { dport: string }): string[] {
  const w: string[] = [];
  const neg = (b: boolean): string[] => (b ? ['!'] : []);
  if (r.proto) w.push(...neg(r.proto.neg), '-p', PROTO_NAME[r.proto.value] ?? String(r.proto.value));
  if (r.src) w.push(...neg(r.src.neg), '-s', r.src.cidrs[0] as string);
  if (r.dst) w.push(...neg(r.dst.neg), '-d', r.dst.cidrs[0] as string);
  if (r.iif) w.push(...neg(r.iif.neg), '-i', r.iif.names[0] as string);
  if (r.oif) w.push(...neg(r.oif.neg), '-o', r.oif.names[0] as string);
  if (r.frag) w.push(...neg(r.frag.neg), '-f');
  if (r.sport) w.push(...iptPorts('sport', r.sport).split(' '));
  if (r.dport) w.push(...(ports ? ['--dport', ports.dport] : iptPorts('dport', r.dport).split(' ')));
  if (r.ct) {
    const states = r.ct.states.map((s) => s.toUpperCase()).join(',');
    w.push(
      ...(r.ct.legacy ? ['-m', 'state', ...neg(r.ct.neg), '--state', states] : ['-m', 'conntrack', ...neg(r.ct.neg), '--ctstate', states]),
    );
  }
  const v = r.verdict;
  switch (v.k) {
    case 'accept':
    case 'drop':
    case 'reject':
    case 'return':
      w.push('-j', v.k.toUpperCase());
      break;
    case 'queue':
      w.push('-j', 'NFQUEUE', '--queue-num', '7');
      break;
    case 'log':
      w.push('-j', 'LOG', '--log-prefix', 'nsl');
      break;
    case 'count':
      break;
    case 'jump':
      w.push('-j', v.chain);
      break;
    case 'goto':
      w.push('-g', v.chain);
      break;
  }
  return w;
}

function nftSetText(items: string[]): string {
  return items.length === 1 ? (items[0] as string) : `{ ${items.join(', ')} }`;
}

/** An nft rule statement (without `add rule …`). */
function nftRule(r: GRule): string {
  const w: string[] = [];
  const op = (neg: boolean): string => (neg ? '!= ' : '');
  const portText = (s: PortSpec): string =>
    s.set ? `@${s.set}` : nftSetText(s.items.map(([lo, hi]) => (lo === hi ? String(lo) : `${lo}-${hi}`)));
  const addrText = (s: AddrSpec): string => (s.set ? `@${s.set}` : nftSetText(s.cidrs));
  const ifText = (s: IfSpec): string => (s.set ? `@${s.set}` : nftSetText(s.names.map((n) => `"${n}"`)));
  if (r.proto && !(r.l4 && r.l4 !== 'th')) w.push(`meta l4proto ${op(r.proto.neg)}${PROTO_NAME[r.proto.value] ?? r.proto.value}`);
  if (r.src) w.push(`${r.src.family === 4 ? 'ip' : 'ip6'} saddr ${op(r.src.neg)}${addrText(r.src)}`);
  if (r.dst) w.push(`${r.dst.family === 4 ? 'ip' : 'ip6'} daddr ${op(r.dst.neg)}${addrText(r.dst)}`);
  if (r.iif) w.push(`iifname ${op(r.iif.neg)}${ifText(r.iif)}`);
  if (r.oif) w.push(`oifname ${op(r.oif.neg)}${ifText(r.oif)}`);
  if (r.frag) w.push(`ip frag-off & 0x1fff ${r.frag.neg ? '==' : '!='} 0`);
  if (r.sport) w.push(`${r.l4} sport ${op(r.sport.neg)}${portText(r.sport)}`);
  if (r.dport) w.push(`${r.l4} dport ${op(r.dport.neg)}${portText(r.dport)}`);
  if (r.ct)
    w.push(
      `ct state ${op(r.ct.neg)}${r.ct.neg && !r.ct.list && r.ct.states.length > 1 ? `{ ${r.ct.states.join(', ')} }` : r.ct.states.join(',')}`,
    );
  const v = r.verdict;
  switch (v.k) {
    case 'accept':
    case 'drop':
    case 'reject':
    case 'return':
      w.push(v.k);
      break;
    case 'queue':
      w.push('queue num 7');
      break;
    case 'log':
      w.push('log prefix "nsl "');
      break;
    case 'count':
      w.push('counter');
      break;
    case 'jump':
    case 'goto':
      w.push(`${v.k} ${v.chain}`);
      break;
  }
  return w.join(' ');
}

function nftSetDecl(s: GSet, indent: string): string[] {
  return [
    `${indent}set ${s.name} {`,
    `${indent}  type ${s.type}`,
    ...(s.interval ? [`${indent}  flags interval`] : []),
    `${indent}  elements = { ${s.elements.map((e) => (s.type === 'ifname' ? `"${e}"` : e)).join(', ')} }`,
    `${indent}}`,
  ];
}

function chainHead(c: GChain): string {
  const dev = c.device ? ` device "${c.device}"` : '';
  return `type filter hook ${c.hook} ${dev ? dev.trim() + ' ' : ''}priority ${c.priority?.text ?? '0'}; policy ${c.policy ?? 'accept'};`;
}

class Out {
  lines: string[] = [];
  refs = new Map<string, KernelRuleRef[]>();
  constructor(readonly file: string) {}
  push(text: string, ref?: KernelRuleRef | KernelRuleRef[]): number {
    this.lines.push(text);
    const line = this.lines.length;
    if (ref) {
      const key = `${this.file}:${line}`;
      this.refs.set(key, [...(this.refs.get(key) ?? []), ...(Array.isArray(ref) ? ref : [ref])]);
    }
    return line;
  }
}

function refOf(t: GTable, c: GChain, index: number): KernelRuleRef {
  return {
    backend: t.backend,
    family: t.backend === 'iptables' ? (t.family === 'ip6' ? '6' : '4') : t.family,
    table: t.name,
    chain: c.name,
    index,
  };
}

function renderSave(g: GRuleset, family: 'ip' | 'ip6'): Out {
  const o = new Out(family === 'ip' ? 'rules.v4' : 'rules.v6');
  o.push(`# generated by test/host/fuzz-gen.ts`);
  for (const t of g.tables.filter((x) => x.backend === 'iptables' && x.family === family)) {
    o.push(`*${t.name}`);
    for (const c of t.chains) o.push(c.hook ? `:${c.name} ${(c.policy ?? 'accept').toUpperCase()} [0:0]` : `:${c.name} - [0:0]`);
    for (const c of t.chains) c.rules.forEach((r, i) => o.push(['-A', c.name, ...iptRule(r)].join(' '), refOf(t, c, i)));
    o.push('COMMIT');
  }
  return o;
}

const shq = (w: string): string => (/^[A-Za-z0-9_.,:/+=@-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`);

function renderScript(g: GRuleset, rng: Rng): Out {
  const o = new Out('firewall.sh');
  o.push('#!/bin/sh');
  o.push('# generated by test/host/fuzz-gen.ts');
  const vars = g.shell.vars;
  const cv = g.shell.commandVar;
  const cmd = { ip: cv ? '$IPT' : 'iptables', ip6: cv ? '$IP6T' : 'ip6tables', nft: cv ? '$NFT' : 'nft' };
  if (cv) {
    o.push(`IPT=${rng.pick(['iptables', '/usr/sbin/iptables', '"iptables -w"'])}`);
    o.push(`IP6T=${rng.pick(['ip6tables', '/usr/sbin/ip6tables'])}`);
    o.push('NFT=nft');
  }
  // Variables for the values rules use (addresses, ports, interfaces), each set once before its first use.
  const values = new Map<string, string>();
  const VALUE_FLAGS = new Set(['-s', '-d', '-i', '-o', '--dport', '--sport', '--dports', '--sports']);
  const words = (list: string[]): string =>
    list
      .map((w, i) => {
        if (w.startsWith('"$')) return w;
        if (!vars || !VALUE_FLAGS.has(list[i - 1] ?? '') || !/^[A-Za-z0-9_.:/,+-]+$/.test(w) || rng.chance(0.5)) return shq(w);
        let name = values.get(w);
        if (!name) {
          name = `V${values.size}`;
          values.set(w, name);
          o.push(`${name}=${shq(w)}`);
        }
        return `"$${name}"`;
      })
      .join(' ');
  const ipt = g.tables.filter((t) => t.backend === 'iptables');
  for (const t of ipt) {
    const tool = t.family === 'ip' ? cmd.ip : cmd.ip6;
    const tflag = t.name === 'filter' && rng.chance(0.5) ? [] : ['-t', t.name];
    o.push([tool, ...tflag, '-F'].join(' '));
    for (const c of t.chains) {
      if (c.hook && (c.policy === 'drop' || rng.chance(0.3)))
        o.push([tool, ...tflag, '-P', c.name, (c.policy ?? 'accept').toUpperCase()].join(' '));
      if (!c.hook) o.push([tool, ...tflag, '-N', c.name].join(' '));
    }
  }
  for (const t of ipt) {
    const tool = t.family === 'ip' ? cmd.ip : cmd.ip6;
    const tflag = t.name === 'filter' ? [] : ['-t', t.name];
    for (const c of t.chains) {
      const inserts: number[] = [];
      for (let i = 0; i < c.rules.length; i++) {
        const r = c.rules[i] as GRule;
        if (r.form === 'insert') {
          inserts.push(i);
          continue;
        }
        if (r.form && typeof r.form === 'object') {
          const group = r.form.group;
          let j = i;
          while (j < c.rules.length && typeof c.rules[j]?.form === 'object' && (c.rules[j]?.form as { group: number }).group === group) j++;
          const run = c.rules.slice(i, j);
          const ports = run.map((x) => portItem(x.dport as PortSpec));
          const refs = run.map((_, k) => refOf(t, c, i + k));
          const command = (dport: string): string => `${tool} ${words([...tflag, '-A', c.name, ...iptRule(r, { dport })])}`;
          if (r.form.kind === 'loop') {
            o.push(`for p in ${ports.join(' ')}; do`);
            o.push(`  ${command('"$p"')}`, refs);
            o.push('done');
          } else {
            const name = `allow_${group}`;
            o.push(`${name}() {`);
            o.push(`  ${command('"$1"')}`, refs);
            o.push('}');
            for (const p of ports) o.push(`${name} ${p}`);
          }
          i = j - 1;
          continue;
        }
        o.push(`${tool} ${words([...tflag, '-A', c.name, ...iptRule(r)])}`, refOf(t, c, i));
      }
      // Inserted at the top, last first: they end up in order before the appended ones.
      for (const i of inserts.reverse())
        o.push(`${tool} ${words([...tflag, '-I', c.name, '1', ...iptRule(c.rules[i] as GRule)])}`, refOf(t, c, i));
    }
  }
  for (const t of g.tables.filter((x) => x.backend === 'nft')) {
    const tt = `${t.family} ${t.name}`;
    o.push(`${cmd.nft} add table ${tt}`);
    for (const s of t.sets) {
      o.push(`${cmd.nft} ${shq(`add set ${tt} ${s.name} { type ${s.type};${s.interval ? ' flags interval;' : ''} }`)}`);
      o.push(
        `${cmd.nft} ${shq(`add element ${tt} ${s.name} { ${s.elements.map((e) => (s.type === 'ifname' ? `"${e}"` : e)).join(', ')} }`)}`,
      );
    }
    for (const c of t.chains)
      o.push(`${cmd.nft} ${shq(c.hook ? `add chain ${tt} ${c.name} { ${chainHead(c)} }` : `add chain ${tt} ${c.name}`)}`);
    for (const c of t.chains) {
      const inserts: number[] = [];
      c.rules.forEach((r, i) => {
        if (r.form === 'insert') inserts.push(i);
        else o.push(`${cmd.nft} ${shq(`add rule ${tt} ${c.name} ${nftRule(r)}`)}`, refOf(t, c, i));
      });
      for (const i of inserts.reverse())
        o.push(`${cmd.nft} ${shq(`insert rule ${tt} ${c.name} ${nftRule(c.rules[i] as GRule)}`)}`, refOf(t, c, i));
    }
  }
  return o;
}

function portItem(s: PortSpec): string {
  const [lo, hi] = s.items[0] as [number, number];
  return lo === hi ? String(lo) : `${lo}:${hi}`;
}

function renderNft(g: GRuleset): Out {
  const o = new Out('nftables.nft');
  o.push('#!/usr/sbin/nft -f');
  o.push('# generated by test/host/fuzz-gen.ts');
  o.push('flush ruleset');
  for (const t of g.tables) {
    o.push(`table ${t.family} ${t.name} {`);
    for (const s of t.sets) for (const line of nftSetDecl(s, '  ')) o.push(line);
    for (const c of t.chains) {
      o.push(`  chain ${c.name} {`);
      if (c.hook) o.push(`    ${chainHead(c)}`);
      c.rules.forEach((r, i) => o.push(`    ${nftRule(r)}`, refOf(t, c, i)));
      o.push('  }');
    }
    o.push('}');
  }
  return o;
}

export function render(g: GRuleset, rng: Rng): Rendered {
  const outs: Out[] = [];
  if (g.syntax === 'iptables-save') {
    outs.push(renderSave(g, 'ip'));
    if (g.tables.some((t) => t.family === 'ip6')) outs.push(renderSave(g, 'ip6'));
  } else if (g.syntax === 'script') outs.push(renderScript(g, rng));
  else outs.push(renderNft(g));
  const lines = new Map<string, KernelRuleRef[]>();
  for (const o of outs) for (const [k, v] of o.refs) lines.set(k, v);
  const patterns = new Set<string>();
  for (const t of g.tables) {
    for (const s of t.sets) if (s.type === 'ifname') for (const e of s.elements) patterns.add(e);
    for (const c of t.chains) {
      if (c.device) patterns.add(c.device);
      for (const r of c.rules) for (const spec of [r.iif, r.oif]) for (const n of spec?.names ?? []) patterns.add(n);
    }
  }
  return { files: outs.map((o) => ({ path: o.file, text: o.lines.join('\n') + '\n' })), lines, patterns: [...patterns] };
}

/** Which constructs a ruleset uses (for reports and for minimising). */
export function constructsOf(g: GRuleset): string[] {
  const out = new Set<string>([g.syntax]);
  for (const t of g.tables) {
    if (t.backend === 'iptables' && t.name !== 'filter') out.add(`iptables-${t.name}`);
    if (t.family === 'netdev') out.add('netdev-ingress');
    if (t.sets.length) out.add('sets');
    for (const c of t.chains) {
      if (c.hook === 'prerouting') out.add(`prerouting`);
      for (const r of c.rules) {
        if (r.l4 === 'th') out.add('th');
        if (r.oif) out.add('oif');
        if (r.iif?.names.some((n) => /[+*]$/.test(n))) out.add('iif-wildcard');
        if (r.iif?.set || r.oif?.set) out.add('ifname-set');
        if (r.ct) out.add('ct');
        if (r.frag) out.add('frag');
        out.add(`verdict-${r.verdict.k}`);
      }
    }
  }
  return [...out].sort();
}
