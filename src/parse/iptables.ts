import type { SpanLocation } from '../core/location.js';
import { parseAddressSpec, parseIp, type Family } from '../core/ip.js';
import { Iv, type Intervals } from '../core/intervals.js';
import { CT_STATES, PORT_PROTOCOLS, PROTOCOLS, parsePort, type CtState } from '../core/protocols.js';
import type { Cond } from './netfilter.js';

/** One argument of a command, with where it was written. */
export interface Arg {
  text: string;
  at: SpanLocation;
}

/** The rule part of an iptables command: matches and target, before chain names are resolved. */
export interface IptRuleSpec {
  conds: Cond[];
  /** `ACCEPT`, `DROP`, a user chain, …; undefined when the rule has no `-j`/`-g` (it only counts). */
  target?: string;
  goto: boolean;
  uncertain: string[];
  /** `-m state` position, for the deprecation rule. */
  stateMatch?: SpanLocation;
  /** The rule's arguments without command, chain and table, for rendering (iptables-restore syntax). */
  args: string[];
}

export type IptCommand =
  | { op: 'append' | 'check' | 'delete-rule'; table: string; chain: string; rule: IptRuleSpec }
  | { op: 'insert'; table: string; chain: string; index: number; rule: IptRuleSpec }
  | { op: 'replace'; table: string; chain: string; index: number; rule: IptRuleSpec }
  | { op: 'delete-index'; table: string; chain: string; index: number }
  | { op: 'policy'; table: string; chain: string; policy: string }
  | { op: 'new-chain' | 'rename-chain'; table: string; chain: string; newName?: string }
  | { op: 'flush' | 'delete-chain' | 'zero' | 'list'; table: string; chain?: string };

/** Messages quote the input: a hostile argument must not make a huge finding. */
const MAX_MESSAGE = 300;

export class IptError extends Error {
  constructor(
    message: string,
    readonly at: SpanLocation | undefined,
  ) {
    super(message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}…` : message);
  }
}

/** Anything thrown while reading iptables input, as an IptError at `at` when it is not one already. */
export function asIptError(e: unknown, at: SpanLocation | undefined): IptError {
  if (e instanceof IptError) return e;
  const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return new IptError(`nsl-lint cannot read these rules (${what})`, at);
}

/**
 * The arguments being read, where `--opt=value` is split in two as options are met. Reads
 * go only forward from the option being read, so a split appends to `head` (moving the
 * arguments before it there first) instead of copying the rest of a long line each time.
 */
class ArgList {
  private readonly head: Arg[] = [];
  /** Position in `input` of the first argument not moved to `head`. */
  private rest = 0;

  constructor(private readonly input: readonly Arg[]) {}

  get length(): number {
    return this.head.length + this.input.length - this.rest;
  }

  get(i: number): Arg | undefined {
    return i < this.head.length ? this.head[i] : this.input[this.rest + i - this.head.length];
  }

  /** Insert `a` before position `i`. */
  insert(i: number, a: Arg): void {
    while (this.head.length < i && this.rest < this.input.length) this.head.push(this.input[this.rest++] as Arg);
    if (this.head.length === i) this.head.push(a);
    else this.head.splice(i, 0, a);
  }
}

/** Short options that are commands, and what they do. */
const COMMANDS: Record<string, string> = {
  '-A': 'append',
  '-C': 'check',
  '-D': 'delete',
  '-I': 'insert',
  '-R': 'replace',
  '-P': 'policy',
  '-N': 'new-chain',
  '-E': 'rename-chain',
  '-F': 'flush',
  '-X': 'delete-chain',
  '-Z': 'zero',
  '-L': 'list',
  '-S': 'list',
};

/** `-L`, `-S`, `--list`, `--list-rules`, and bundles that end in a listing (`-nvL`, `-vnxS`). */
const LISTING = /^(-[nvx46]*[LS]|--list|--list-rules)$/;

/** Flags without a value bundled in one word (`-nvL`, `-vnxL`); a chain may follow the last. */
const BUNDLED_FLAGS = /^-[nvx46]+[LSFZXnvx46]$|^-[nvx46]*[LSFZX][nvx46]+$/;

/** Flags that take no value and do not change the ruleset. */
const NOISE_FLAGS = new Set(['-n', '-v', '-x', '--line-numbers', '-4', '-6']);

/**
 * A long option of iptables or of an extension: its names (synonyms; the first is the one
 * nsl-lint writes) and how many values follow it. getopt_long tells options apart by
 * identity, so synonyms are one object and never ambiguous with each other.
 */
interface LongOpt {
  readonly names: readonly string[];
  readonly values: 0 | 1 | 2 | 'optional';
  /** For iptables' own options: the short option it is. */
  readonly short?: string;
}

const long = (values: LongOpt['values'], ...names: string[]): LongOpt => ({ names, values });
const base = (short: string, values: LongOpt['values'], ...names: string[]): LongOpt => ({ names, values, short });

/** iptables' own long options (`original_opts` in iptables.c of iptables 1.8). */
const BASE_OPTIONS: readonly LongOpt[] = [
  base('-A', 1, '--append'),
  base('-D', 1, '--delete'),
  base('-C', 1, '--check'),
  base('-I', 1, '--insert'),
  base('-R', 1, '--replace'),
  base('-L', 'optional', '--list'),
  base('-S', 'optional', '--list-rules'),
  base('-F', 'optional', '--flush'),
  base('-Z', 'optional', '--zero'),
  base('-N', 1, '--new-chain'),
  base('-X', 'optional', '--delete-chain'),
  base('-E', 1, '--rename-chain'),
  base('-P', 1, '--policy'),
  base('-s', 1, '--source', '--src'),
  base('-d', 1, '--destination', '--dst'),
  base('-p', 1, '--protocol'),
  base('-i', 1, '--in-interface'),
  base('-j', 1, '--jump'),
  base('-t', 1, '--table'),
  base('-m', 1, '--match'),
  base('-n', 0, '--numeric'),
  base('-o', 1, '--out-interface'),
  base('-v', 0, '--verbose'),
  base('-w', 'optional', '--wait'),
  base('-W', 'optional', '--wait-interval'),
  base('-x', 0, '--exact'),
  base('-f', 0, '--fragments'),
  base('-V', 0, '--version'),
  base('-h', 'optional', '--help'),
  base('--line-numbers', 0, '--line-numbers'),
  base('-M', 1, '--modprobe'),
  base('-c', 1, '--set-counters'),
  base('-g', 1, '--goto'),
  base('-4', 0, '--ipv4'),
  base('-6', 0, '--ipv6'),
];

const PORT_OPTIONS = [long(1, '--sport', '--source-port'), long(1, '--dport', '--destination-port')];

/**
 * Options of the match extensions whose option set nsl-lint knows (iptables 1.8 extensions):
 * abbreviations of them resolve as getopt_long resolves them, and anything else is an
 * unknown option. Other modules accept anything (their options are "may match").
 */
const MODULE_OPTIONS: Record<string, readonly LongOpt[]> = {
  tcp: [...PORT_OPTIONS, long(0, '--syn'), long(2, '--tcp-flags'), long(1, '--tcp-option')],
  udp: PORT_OPTIONS,
  sctp: [...PORT_OPTIONS, long(2, '--chunk-types')],
  dccp: [...PORT_OPTIONS, long(1, '--dccp-types'), long(1, '--dccp-option')],
  icmp: [long(1, '--icmp-type')],
  icmp6: [long(1, '--icmpv6-type')],
  limit: [long(1, '--limit'), long(1, '--limit-burst')],
  recent: [
    long(0, '--set'),
    long(0, '--rcheck'),
    long(0, '--update'),
    long(0, '--remove'),
    long(1, '--seconds'),
    long(0, '--reap'),
    long(1, '--hitcount'),
    long(0, '--rttl'),
    long(1, '--name'),
    long(0, '--rsource'),
    long(0, '--rdest'),
    long(1, '--mask'),
  ],
  state: [long(1, '--state')],
  conntrack: [
    '--ctstate',
    '--ctproto',
    '--ctorigsrc',
    '--ctorigdst',
    '--ctreplsrc',
    '--ctrepldst',
    '--ctorigsrcport',
    '--ctorigdstport',
    '--ctreplsrcport',
    '--ctrepldstport',
    '--ctstatus',
    '--ctexpire',
    '--ctdir',
  ].map((name) => long(1, name)),
  multiport: [long(1, '--sports', '--source-ports'), long(1, '--dports', '--destination-ports'), long(1, '--ports')],
  comment: [long(1, '--comment')],
  iprange: [long(1, '--src-range'), long(1, '--dst-range')],
  connlimit: [
    long(1, '--connlimit-upto'),
    long(1, '--connlimit-above'),
    long(1, '--connlimit-mask'),
    long(0, '--connlimit-saddr'),
    long(0, '--connlimit-daddr'),
  ],
  addrtype: [long(1, '--src-type'), long(1, '--dst-type'), long(0, '--limit-iface-in'), long(0, '--limit-iface-out')],
  mark: [long(1, '--mark')],
  pkttype: [long(1, '--pkt-type')],
};

/** Options of one module that exclude each other ("cannot be used together"). */
const EXCLUSIVE: Record<string, readonly (readonly string[])[]> = {
  multiport: [['--sports', '--dports', '--ports']],
  connlimit: [
    ['--connlimit-upto', '--connlimit-above'],
    ['--connlimit-saddr', '--connlimit-daddr'],
  ],
};

/** Options of the targets whose option set nsl-lint knows; other targets accept anything. */
const TARGET_OPTIONS: Record<string, readonly LongOpt[]> = {
  ACCEPT: [],
  DROP: [],
  RETURN: [],
  QUEUE: [],
  REJECT: [long(1, '--reject-with')],
  LOG: [
    long(1, '--log-level'),
    long(1, '--log-prefix'),
    long(0, '--log-tcp-sequence'),
    long(0, '--log-tcp-options'),
    long(0, '--log-ip-options'),
    long(0, '--log-uid'),
    long(0, '--log-macdecode'),
  ],
  NFQUEUE: [long(1, '--queue-num'), long(1, '--queue-balance'), long(0, '--queue-bypass'), long(0, '--queue-cpu-fanout')],
};

/**
 * The match iptables loads for `-p PROTO` when an option fits nothing loaded yet (`-p tcp
 * --dport 22` loads tcp). esp, ah and mh have options nsl-lint does not list.
 */
const IMPLICIT_MODULE: Record<number, string> = {
  6: 'tcp',
  17: 'udp',
  1: 'icmp',
  58: 'icmp6',
  132: 'sctp',
  33: 'dccp',
  50: 'esp',
  51: 'ah',
  135: 'mh',
};

/** Protocols multiport works with: tcp, udp, udplite, sctp, dccp. */
const MULTIPORT_PROTOCOLS = PORT_PROTOCOLS;

/** The chain names that see only incoming, or only outgoing, packets: `-o`, resp. `-i`, is refused there. */
const INCOMING_CHAINS = new Set(['INPUT', 'PREROUTING']);
const OUTGOING_CHAINS = new Set(['OUTPUT', 'POSTROUTING']);

/** iptables refuses chain names of XT_EXTENSION_MAXNAMELEN (29) characters or more. */
const MAX_CHAIN_NAME = 28;

/** Match modules whose conditions nsl-lint does not evaluate: a rule using them may or may not match. */
const UNMODELLED_MODULES = new Set([
  'limit',
  'recent',
  'hashlimit',
  'connlimit',
  'statistic',
  'time',
  'quota',
  'string',
  'u32',
  'set',
  'owner',
  'addrtype',
  'mark',
  'connmark',
  'pkttype',
  'length',
  'ttl',
  'hl',
  'mac',
  'physdev',
  'policy',
  'rpfilter',
  'socket',
  'bpf',
  'cgroup',
  'helper',
  'dscp',
  'tos',
  'ecn',
  'frag',
  'ipv6header',
  'rt',
  'hbh',
  'dst',
  'mh',
  'esp',
  'ah',
  'geoip',
  'realm',
  'cluster',
  'devgroup',
  'nfacct',
  'osf',
  'ipvs',
  'cpu',
  'connbytes',
  'connlabel',
  'tcpmss',
  'dccp',
  'sctp',
  'udplite',
]);

/**
 * Targets that end evaluation (or continue it) without naming a chain. `QUEUE` and `NFQUEUE`
 * hand the packet to a user-space program: evaluation ends here, neither accepted nor dropped.
 */
export const BUILTIN_TARGETS: Record<string, 'accept' | 'drop' | 'reject' | 'return' | 'continue' | 'queue'> = {
  ACCEPT: 'accept',
  DROP: 'drop',
  REJECT: 'reject',
  RETURN: 'return',
  QUEUE: 'queue',
  NFQUEUE: 'queue',
};

function ctStates(text: string, at: SpanLocation): { states: CtState[]; uncertain: boolean } {
  const states: CtState[] = [];
  let uncertain = false;
  for (const raw of text.split(',')) {
    const s = raw.trim().toLowerCase();
    if ((CT_STATES as readonly string[]).includes(s)) states.push(s as CtState);
    else if (s === 'snat' || s === 'dnat') uncertain = true;
    else throw new IptError(`unknown connection state "${raw}"`, at);
  }
  return { states, uncertain };
}

/** `22`, `1024:65535`, `:1023`, `ssh` (the tcp, udp, sctp and dccp matches). */
export function portRange(text: string, at: SpanLocation): readonly [bigint, bigint] {
  const parts = text.split(':');
  if (parts.length > 2) throw new IptError(`invalid port "${text}"`, at);
  const lo = parts[0] === '' ? 0 : parsePort(parts[0] ?? '');
  const hi = parts.length === 1 ? lo : parts[1] === '' ? 65535 : parsePort(parts[1] ?? '');
  if (lo === undefined || hi === undefined) throw new IptError(`invalid port "${text}"`, at);
  if (lo > hi) throw new IptError(`invalid portrange "${text}" (min > max)`, at);
  return [BigInt(lo), BigInt(hi)];
}

/**
 * A multiport list: at most 15 ports, a range counting as two; a range needs both ends and
 * its first port below its last (`80:80` is refused too).
 */
function multiportList(text: string, at: SpanLocation): Intervals {
  const ranges: (readonly [bigint, bigint])[] = [];
  let count = 0;
  for (const part of text.split(',')) {
    const ends = part.split(':');
    if (ends.length > 2) throw new IptError(`invalid port "${part}"`, at);
    const lo = parsePort(ends[0] ?? '');
    const hi = ends.length === 2 ? parsePort(ends[1] ?? '') : lo;
    if (lo === undefined || hi === undefined) throw new IptError(`invalid port/service "${part}" specified`, at);
    if (ends.length === 2 && lo >= hi) throw new IptError(`invalid portrange "${part}" specified`, at);
    count += ends.length;
    ranges.push([BigInt(lo), BigInt(hi)]);
  }
  if (count > 15) throw new IptError('too many ports specified (multiport takes at most 15, a range counting as two)', at);
  return Iv.from(ranges);
}

function addresses(text: string, family: Family, at: SpanLocation): Intervals {
  const ranges: (readonly [bigint, bigint])[] = [];
  for (const part of text.split(',')) {
    // An address, `addr/len` or `addr/mask`; a range (`a-b`) is only for -m iprange.
    const spec = part.includes('-') && parseIp(part.split('-')[0] ?? '') ? undefined : parseAddressSpec(part.trim());
    if (!spec) {
      // Host names are resolved by iptables at load time: nsl-lint cannot know the address.
      if (/^[a-z0-9.-]+$/i.test(part) && /[a-z]/i.test(part)) throw new IptError(`host name "${part}" cannot be resolved statically`, at);
      throw new IptError(`invalid address "${part}"`, at);
    }
    if (spec.family !== family)
      throw new IptError(`${family === 4 ? 'IPv6' : 'IPv4'} address "${part}" in an ${family === 4 ? 'iptables' : 'ip6tables'} rule`, at);
    ranges.push([spec.start, spec.end]);
  }
  return Iv.from(ranges);
}

/**
 * Single ports and protocols as shared Intervals (never modified): a file of a million
 * `--dport 22` rules holds one copy. Values up to 65535 only, so the cache stays small.
 */
const POINTS = new Map<bigint, Intervals>();
function shared(values: Intervals): Intervals {
  const only = values.length === 1 ? values[0] : undefined;
  if (!only || only[0] !== only[1] || only[0] > 65535n) return values;
  let p = POINTS.get(only[0]);
  if (!p) POINTS.set(only[0], (p = values));
  return p;
}

function protocol(text: string, family: Family, at: SpanLocation): Intervals | undefined {
  const t = text.toLowerCase();
  if (t === 'all' || t === '0') return undefined;
  let n = PROTOCOLS[t];
  if (n === undefined && /^\d+$/.test(t)) n = Number(t);
  if (n === undefined || n < 0 || n > 255) throw new IptError(`unknown protocol "${text}"`, at);
  if (family === 6 && n === 1) n = 1; // ip6tables accepts `-p icmp` literally (protocol 1), which never matches ICMPv6
  return shared(Iv.point(BigInt(n)));
}

/** Quote an argument for iptables-restore when it holds spaces. */
function renderArg(text: string): string {
  return /^[^\s"'\\]+$/.test(text) ? text : `"${text.replace(/(["\\])/g, '\\$1')}"`;
}

/**
 * Parse the arguments of one `iptables`/`ip6tables` invocation (without the program name),
 * or, with `restoreTable`, one line of an iptables-save file in that table's block.
 */
export function parseIptables(args: readonly Arg[], family: Family, where: SpanLocation, restoreTable?: string): IptCommand | undefined {
  // A listing only reads the ruleset: whatever else it says (`--line-number`, `-x`), it changes nothing.
  if (args.some((a) => LISTING.test(a.text))) return { op: 'list', table: 'filter' };
  try {
    return parseArgs(new ArgList(args), family, where, restoreTable);
  } catch (e) {
    throw asIptError(e, where);
  }
}

/** The options getopt_long sees for one loaded part: iptables' own, a match module's, or the target's. */
interface OptTable {
  /** A match module; undefined for iptables' own options and for the target's. */
  module?: string;
  target?: boolean;
  opts: readonly LongOpt[];
}

interface Found {
  table: OptTable;
  opt: LongOpt;
}

const NAMES = new WeakMap<readonly LongOpt[], Map<string, LongOpt>>();

/** The options of a table by each of their names (the tables are constants: built once each). */
function byName(opts: readonly LongOpt[]): Map<string, LongOpt> {
  let m = NAMES.get(opts);
  if (!m) NAMES.set(opts, (m = new Map(opts.flatMap((o) => o.names.map((n) => [n, o] as const)))));
  return m;
}

/**
 * getopt_long's reading of `--name`: the first option spelled exactly so, else the one option
 * that `name` abbreviates; undefined when none does, or several (ambiguous). A module whose
 * options were merged twice (`-m tcp`, then tcp loaded for `-p tcp`) makes its abbreviations
 * ambiguous, as in iptables.
 */
function lookup(name: string, tables: readonly OptTable[]): Found | undefined {
  for (const table of tables) {
    const opt = byName(table.opts).get(name);
    if (opt) return { table, opt };
  }
  let found: Found | undefined;
  for (const table of tables)
    for (const opt of table.opts)
      if (opt.names.some((n) => n.startsWith(name))) {
        if (found) return undefined;
        found = { table, opt };
      }
  return found;
}

const RULE_COMMANDS = new Set(['append', 'check', 'delete', 'insert', 'replace']);

/** Options each command refuses ("Illegal option with this command"; commands_v_options in iptables' xshared.c). */
const ALL_OPTIONS = ['-n', '-s', '-d', '-p', '-j', '-x', '-i', '-o', '--line-numbers', '-c', '-f'];
const ILLEGAL_OPTIONS: Record<string, readonly string[]> = {
  append: ['-n', '-x', '--line-numbers'],
  insert: ['-n', '-x', '--line-numbers'],
  replace: ['-n', '-x', '--line-numbers'],
  'delete-rule': ['-n', '-x', '--line-numbers', '-c'],
  check: ['-n', '-x', '--line-numbers', '-c'],
  policy: ALL_OPTIONS.filter((o) => o !== '-c'),
  'delete-index': ALL_OPTIONS,
  flush: ALL_OPTIONS,
  zero: ALL_OPTIONS,
  'new-chain': ALL_OPTIONS,
  'delete-chain': ALL_OPTIONS,
  'rename-chain': ALL_OPTIONS,
};

function parseArgs(args: ArgList, family: Family, where: SpanLocation, restoreTable: string | undefined): IptCommand | undefined {
  let table = restoreTable ?? 'filter';
  let op: string | undefined;
  let chain: string | undefined;
  let index: number | undefined;
  let policy: string | undefined;
  let newName: string | undefined;
  const conds: Cond[] = [];
  const uncertain: string[] = [];
  const ruleArgs: string[] = [];
  let target: string | undefined;
  let isGoto = false;
  let stateMatch: SpanLocation | undefined;
  let proto: Intervals | undefined;
  let protoNegated = false;
  /** The match `-p` loads when an option fits nothing else, once per rule. */
  let protoModule: string | undefined;
  let implicitLoaded = false;
  /** Modules named with `-m`. */
  const explicit: string[] = [];
  /** iptables' own options first, then what was loaded, newest first (the order getopt_long scans). */
  const tables: OptTable[] = [{ opts: BASE_OPTIONS }];
  const loadedTypes = new Set<string>();
  /** The options given to the latest use of each module (`-m multiport … -m multiport …` is two uses). */
  const instances = new Map<string, Set<LongOpt>>();
  /** A match module or a target was loaded whose options nsl-lint does not know. */
  let unknownModule = false;
  let unknownTarget = false;
  /** Options given: for those iptables takes once per rule, and for the check of which a command allows. */
  const given = new Set<string>();
  let multiAddress = false;
  let i = 0;
  let negate = false;
  const next = (opt: Arg): Arg => {
    const a = args.get(++i);
    if (!a) throw new IptError(`option "${opt.text}" requires an argument`, opt.at);
    return a;
  };
  const optional = (): Arg | undefined => {
    const a = args.get(i + 1);
    if (a && !a.text.startsWith('-') && a.text !== '!') {
      i++;
      return a;
    }
    return undefined;
  };
  const take = (opt: Arg): Arg => {
    // Old syntax: `--dport ! 22`.
    let v = next(opt);
    if (v.text === '!') {
      negate = !negate;
      v = next(opt);
    }
    return v;
  };
  const push = (cond: Cond): void => {
    conds.push(cond);
  };
  /** Conditions from the protocol match's own `--sport`/`--dport` (not multiport's). */
  const portOptionConds = new Set<Cond>();
  const pushArgs = (...texts: string[]): void => {
    ruleArgs.push(...(negate ? ['!'] : []), ...texts.map(renderArg));
  };
  const onlyOnce = (short: string, at: SpanLocation): void => {
    if (given.has(short)) throw new IptError(`multiple ${short} flags not allowed`, at);
    given.add(short);
  };
  const load = (mod: string, merge: boolean): void => {
    const opts = MODULE_OPTIONS[mod];
    if (!opts) unknownModule = true;
    else if (merge || !loadedTypes.has(mod)) tables.splice(1, 0, { module: mod, opts });
    loadedTypes.add(mod);
    instances.set(mod, new Set());
  };
  /**
   * What `--name` is. When nothing loaded fits, iptables loads the match of `-p` (once) and
   * tries again. Undefined: it may be an option of a module or target whose options
   * nsl-lint does not know.
   */
  const resolve = (name: string, at: SpanLocation): Found | undefined => {
    const found = lookup(name, tables);
    if (found) return found;
    if (protoModule && !implicitLoaded) {
      const opts = MODULE_OPTIONS[protoModule];
      const trial: OptTable[] = opts ? [tables[0] as OptTable, { module: protoModule, opts }, ...tables.slice(1)] : [];
      const again = opts ? lookup(name, trial) : undefined;
      if (again || !opts) {
        implicitLoaded = true;
        load(protoModule, true);
        if (again) return again;
      }
    }
    if (unknownModule || unknownTarget) return undefined;
    throw new IptError(`unknown option "${name}"`, at);
  };
  /** The values an option takes, read and rendered. */
  const values = (o: LongOpt, a: Arg): string[] => {
    if (o.values === 0) return [];
    // `--opt ! value` is old syntax for one value only (`--tcp-flags ! SYN,ACK SYN` is refused).
    if (o.values === 1) return [take(a).text];
    const first = next(a);
    if (first.text === '!') throw new IptError(`"!" goes before ${o.names[0]}, not after it`, first.at);
    return [first.text, next(a).text];
  };
  /** An option of a module or target whose options nsl-lint does not know: its value is guessed. */
  const unlisted = (name: string): void => {
    const parts = [name];
    const val = args.get(i + 1);
    if (val && (!val.text.startsWith('-') || /^-\d/.test(val.text)) && val.text !== '!') {
      parts.push(val.text);
      i++;
      // `--match-set NAME FLAGS` takes two values.
      const second = args.get(i + 1);
      if (name === '--match-set' && second) {
        parts.push(second.text);
        i++;
      }
    }
    if (target !== undefined && unknownTarget) ruleArgs.push(...parts.map(renderArg));
    else {
      // A match nsl-lint does not model: the rule may or may not match.
      uncertain.push(parts.join(' '));
      pushArgs(...parts);
    }
  };
  const moduleOption = (mod: string, o: LongOpt, a: Arg): void => {
    const name = o.names[0] as string;
    const used = instances.get(mod) as Set<LongOpt>;
    if (used.has(o)) throw new IptError(`${mod}: option "${name}" can only be used once`, a.at);
    for (const group of EXCLUSIVE[mod] ?? [])
      if (group.includes(name))
        for (const other of used)
          if (group.includes(other.names[0] as string))
            throw new IptError(`${mod}: option "${other.names[0]}" cannot be used together with "${name}"`, a.at);
    used.add(o);
    switch (name) {
      case '--dport':
      case '--sport': {
        const v = take(a);
        const cond: Cond = { dim: name === '--dport' ? 'dport' : 'sport', values: shared([portRange(v.text, v.at)]), negate };
        push(cond);
        portOptionConds.add(cond);
        // Under `! -p tcp` the port bytes are read from whatever header follows.
        if (protoNegated) uncertain.push(`${name} with ! -p`);
        pushArgs(name, v.text);
        return;
      }
      case '--dports':
      case '--sports':
      case '--ports': {
        const v = take(a);
        if (!proto) throw new IptError('multiport needs -p tcp, -p udp, -p udplite, -p sctp or -p dccp', a.at);
        if (protoNegated || !Iv.subset(proto, MULTIPORT_PROTOCOLS))
          throw new IptError('multiport only works with TCP, UDP, UDPLITE, SCTP and DCCP', a.at);
        const ports = multiportList(v.text, v.at);
        if (name === '--ports') uncertain.push('multiport --ports (source or destination)');
        else push({ dim: name === '--dports' ? 'dport' : 'sport', values: ports, negate });
        pushArgs(name, v.text);
        return;
      }
      case '--state':
      case '--ctstate': {
        const v = take(a);
        const { states, uncertain: u } = ctStates(v.text, v.at);
        if (u) uncertain.push(`${name} ${v.text}`);
        else push({ dim: 'ct', states, negate });
        pushArgs(name, v.text);
        return;
      }
      case '--src-range':
      case '--dst-range': {
        const v = take(a);
        const [from, to, extra] = v.text.split('-').map((x) => parseIp(x));
        if (!from || !to || extra || from.family !== family || to.family !== family) throw new IptError(`invalid range "${v.text}"`, v.at);
        // A reversed range is accepted (the kernel warns) and matches nothing.
        const values: Intervals = from.value <= to.value ? [[from.value, to.value]] : [];
        push({ dim: name === '--src-range' ? 'src' : 'dst', family, values, negate });
        pushArgs(name, v.text);
        return;
      }
      case '--comment': {
        if (negate) throw new IptError('comment: option "--comment" cannot be inverted', a.at);
        const v = next(a);
        if (v.text.length > 256) throw new IptError('comment longer than 256 characters', v.at);
        ruleArgs.push('--comment', renderArg(v.text));
        return;
      }
      default: {
        // A match nsl-lint does not evaluate (`--syn`, `--limit`, `--icmp-type`, …): the rule may or may not match.
        const parts = [name, ...values(o, a)];
        uncertain.push(parts.join(' '));
        pushArgs(...parts);
      }
    }
  };

  for (; i < args.length; i++) {
    const a = args.get(i) as Arg;
    const t = a.text;
    if (t === '!') {
      if (negate) throw new IptError('multiple consecutive ! not allowed', a.at);
      negate = true;
      continue;
    }
    let opt = t;
    if (t.startsWith('--')) {
      const eq = t.indexOf('=');
      const name = eq > 0 ? t.slice(0, eq) : t;
      if (eq > 0) {
        // `--dport=22` is accepted by getopt_long.
        args.insert(i + 1, { text: t.slice(eq + 1), at: a.at });
      }
      const found = resolve(name, a.at);
      if (!found) {
        unlisted(name);
        negate = false;
        continue;
      }
      if (found.table.module) {
        moduleOption(found.table.module, found.opt, a);
        negate = false;
        continue;
      }
      if (found.table.target) {
        ruleArgs.push(found.opt.names[0] as string, ...values(found.opt, a).map(renderArg));
        negate = false;
        continue;
      }
      opt = found.opt.short as string;
    } else if (BUNDLED_FLAGS.test(t)) {
      // getopt bundles flags without values: `-nvL` is `-n -v -L`.
      [...t.slice(1)].reverse().forEach((letter) => args.insert(i + 1, { text: `-${letter}`, at: a.at }));
      continue;
    }
    const command = COMMANDS[opt];
    if (command) {
      if (negate) throw new IptError(`unexpected "!" before ${opt}`, a.at);
      if (op) throw new IptError(`two commands in one invocation (${t})`, a.at);
      op = command;
      if (command === 'flush' || command === 'delete-chain' || command === 'zero' || command === 'list') {
        chain = optional()?.text;
        if (command === 'list' && args.get(i + 1) && /^\d+$/.test(args.get(i + 1)?.text ?? '')) i++;
        continue;
      }
      chain = next(a).text;
      if (command === 'insert' || command === 'delete' || command === 'replace') {
        const n = args.get(i + 1);
        if (n && /^\d+$/.test(n.text)) {
          index = Number(n.text);
          i++;
        } else if (command === 'replace') throw new IptError('-R needs a rule number', a.at);
      }
      if (command === 'policy') policy = next(a).text;
      if (command === 'rename-chain') newName = next(a).text;
      continue;
    }
    if (NOISE_FLAGS.has(opt)) {
      given.add(opt);
      continue;
    }
    switch (opt) {
      case '-t':
        if (restoreTable !== undefined) throw new IptError('the table cannot be changed inside a table block (-t)', a.at);
        table = next(a).text;
        break;
      case '-w':
      case '-W':
        optional();
        break;
      case '-M':
        next(a);
        break;
      case '-c':
        given.add('-c');
        next(a);
        if (!/^\d+:\d+$/.test(args.get(i)?.text ?? '')) next(a);
        break;
      case '-p': {
        onlyOnce('-p', a.at);
        const v = next(a);
        const p = protocol(v.text, family, v.at);
        pushArgs('-p', v.text);
        if (p) {
          proto = p;
          protoNegated = negate;
          protoModule = p.length === 1 && p[0]?.[0] === p[0]?.[1] ? IMPLICIT_MODULE[Number(p[0]?.[0])] : undefined;
          push({ dim: 'proto', values: p, negate });
        }
        break;
      }
      case '-s':
      case '-d': {
        onlyOnce(opt, a.at);
        const v = next(a);
        const dim = opt === '-s' ? 'src' : 'dst';
        if (negate && v.text.includes(',')) throw new IptError('! not allowed with multiple source or destination IP addresses', v.at);
        if (v.text.includes(',')) multiAddress = true;
        push({ dim, family, values: addresses(v.text, family, v.at), negate });
        pushArgs(opt, v.text);
        break;
      }
      case '-i':
      case '-o': {
        onlyOnce(opt, a.at);
        const v = next(a);
        push({ dim: opt === '-i' ? 'iif' : 'oif', names: [v.text], negate });
        pushArgs(opt, v.text);
        break;
      }
      case '-j':
      case '-g': {
        if (negate) throw new IptError(`cannot have ! before ${opt}`, a.at);
        if (target) throw new IptError('more than one target', a.at);
        given.add('-j');
        const v = next(a);
        target = v.text;
        isGoto = opt === '-g';
        ruleArgs.push(opt, renderArg(v.text));
        const own = TARGET_OPTIONS[v.text];
        if (own) tables.splice(1, 0, { target: true, opts: own });
        else unknownTarget = true;
        break;
      }
      case '-m': {
        if (negate) throw new IptError('unexpected ! flag before --match', a.at);
        const v = next(a);
        const mod = v.text.toLowerCase();
        explicit.push(mod);
        load(mod, false);
        ruleArgs.push('-m', v.text);
        if (mod === 'state') stateMatch = a.at;
        if (UNMODELLED_MODULES.has(mod)) uncertain.push(`-m ${mod}`);
        break;
      }
      case '-f':
        onlyOnce('-f', a.at);
        // Only second and later fragments of a packet: which packets those are is not modelled.
        uncertain.push(`${negate ? '! ' : ''}-f (fragments)`);
        pushArgs('-f');
        break;
      default: {
        if (!opt.startsWith('-')) throw new IptError(`unexpected argument "${t}"`, a.at);
        throw new IptError(`unknown option "${t}"`, a.at);
      }
    }
    negate = false;
  }
  if (negate) throw new IptError('"!" without an option after it', where);
  if (!op) {
    if (args.length === 0) return undefined;
    throw new IptError('no command specified (-A, -I, -P, …)', where);
  }
  if (instances.get('iprange')?.size === 0) throw new IptError("iprange match: You must specify '--src-range' or '--dst-range'", where);
  // The tcp and udp matches need their protocol, negated or not.
  for (const m of ['tcp', 'udp'])
    if (explicit.includes(m) && protoModule !== m) throw new IptError(`${m.toUpperCase()} match requires '-p ${m}'`, where);
  const c = chain ?? '';
  if (c.length > MAX_CHAIN_NAME) throw new IptError(`chain name "${c}" too long (must be under ${MAX_CHAIN_NAME + 1} characters)`, where);
  if (RULE_COMMANDS.has(op)) {
    // Incoming packets have no output interface yet, outgoing ones no input interface: iptables refuses to ask.
    if (INCOMING_CHAINS.has(c) && conds.some((x) => x.dim === 'oif')) throw new IptError(`can't use -o with ${c}`, where);
    if (OUTGOING_CHAINS.has(c) && conds.some((x) => x.dim === 'iif')) throw new IptError(`can't use -i with ${c}`, where);
  }
  if (op === 'replace' && multiAddress) throw new IptError('replacement rule does not specify a unique address', where);
  const kind = op === 'delete' ? (index !== undefined && conds.length === 0 && target === undefined ? 'delete-index' : 'delete-rule') : op;
  const illegal = ILLEGAL_OPTIONS[kind]?.find((o) => given.has(o));
  if (illegal) throw new IptError(`illegal option "${illegal}" with this command`, where);
  // `! --sport A ! --dport B`: iptables-nft 1.8.9 joins both into one 4-byte comparison, true
  // when either port differs; iptables-legacy needs both to differ. Which one runs is unknown.
  const inverted = (dim: 'sport' | 'dport'): Cond | undefined =>
    conds.find(
      (x) => portOptionConds.has(x) && x.dim === dim && x.negate && x.values.length === 1 && x.values[0]?.[0] === x.values[0]?.[1],
    );
  const invertedSport = inverted('sport');
  const invertedDport = inverted('dport');
  if (invertedSport && invertedDport) {
    conds.splice(conds.indexOf(invertedSport), 1);
    conds.splice(conds.indexOf(invertedDport), 1);
    uncertain.push('! --sport with ! --dport (read differently by iptables-nft and iptables-legacy)');
  }
  // Exact-size copies: pushed arrays keep spare room, for each of maybe a million rules.
  const rule: IptRuleSpec = { conds: conds.slice(), goto: isGoto, uncertain: uncertain.slice(), args: ruleArgs.slice() };
  if (target !== undefined) rule.target = target;
  if (stateMatch) rule.stateMatch = stateMatch;
  switch (op) {
    case 'append':
    case 'check':
      return { op, table, chain: c, rule };
    case 'insert':
      return { op, table, chain: c, index: index ?? 1, rule };
    case 'replace':
      return { op, table, chain: c, index: index ?? 1, rule };
    case 'delete':
      return index !== undefined && conds.length === 0 && target === undefined
        ? { op: 'delete-index', table, chain: c, index }
        : { op: 'delete-rule', table, chain: c, rule };
    case 'policy':
      return { op, table, chain: c, policy: policy ?? '' };
    case 'new-chain':
      return { op, table, chain: c };
    case 'rename-chain':
      return newName !== undefined ? { op, table, chain: c, newName } : { op, table, chain: c };
    default: {
      const cmd: IptCommand = { op: op as 'flush' | 'delete-chain' | 'zero' | 'list', table };
      if (chain !== undefined) cmd.chain = chain;
      return cmd;
    }
  }
}
