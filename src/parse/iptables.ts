import type { SpanLocation } from '../core/location.js';
import { parseAddressSpec, type Family } from '../core/ip.js';
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

const COMMANDS: Record<string, string> = {
  '-A': 'append',
  '--append': 'append',
  '-C': 'check',
  '--check': 'check',
  '-D': 'delete',
  '--delete': 'delete',
  '-I': 'insert',
  '--insert': 'insert',
  '-R': 'replace',
  '--replace': 'replace',
  '-P': 'policy',
  '--policy': 'policy',
  '-N': 'new-chain',
  '--new-chain': 'new-chain',
  '-E': 'rename-chain',
  '--rename-chain': 'rename-chain',
  '-F': 'flush',
  '--flush': 'flush',
  '-X': 'delete-chain',
  '--delete-chain': 'delete-chain',
  '-Z': 'zero',
  '--zero': 'zero',
  '-L': 'list',
  '--list': 'list',
  '-S': 'list',
  '--list-rules': 'list',
};

/** `-L`, `-S`, `--list`, `--list-rules`, and bundles that end in a listing (`-nvL`, `-vnxS`). */
const LISTING = /^(-[nvx46]*[LS]|--list|--list-rules)$/;

/** Flags without a value bundled in one word (`-nvL`, `-vnxL`); a chain may follow the last. */
const BUNDLED_FLAGS = /^-[nvx46]+[LSFZXnvx46]$|^-[nvx46]*[LSFZX][nvx46]+$/;

/** Flags that take no value and do not change the ruleset. */
const NOISE_FLAGS = new Set(['-n', '--numeric', '-v', '--verbose', '-x', '--exact', '--line-numbers', '-4', '--ipv4', '-6', '--ipv6']);

/** Matches that only describe, never restrict. */
const NEUTRAL_MODULES = new Set(['comment']);

/** Options of the match modules whose option set nsl-lint knows; other modules accept anything. */
const MODULE_OPTIONS: Record<string, string[]> = {
  tcp: ['--sport', '--source-port', '--dport', '--destination-port', '--tcp-flags', '--syn', '--tcp-option'],
  udp: ['--sport', '--source-port', '--dport', '--destination-port'],
  icmp: ['--icmp-type'],
  icmp6: ['--icmpv6-type'],
  limit: ['--limit', '--limit-burst'],
  recent: [
    '--name',
    '--set',
    '--rcheck',
    '--update',
    '--remove',
    '--seconds',
    '--reap',
    '--hitcount',
    '--rttl',
    '--rsource',
    '--rdest',
    '--mask',
  ],
  state: ['--state'],
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
  ],
  multiport: ['--dports', '--destination-ports', '--sports', '--source-ports', '--ports'],
  comment: ['--comment'],
  iprange: ['--src-range', '--dst-range'],
  connlimit: ['--connlimit-upto', '--connlimit-above', '--connlimit-mask', '--connlimit-saddr', '--connlimit-daddr'],
  addrtype: ['--src-type', '--dst-type', '--limit-iface-in', '--limit-iface-out'],
  mark: ['--mark'],
  pkttype: ['--pkt-type'],
};

const IMPLICIT_MODULE: Record<number, string> = { 6: 'tcp', 17: 'udp', 1: 'icmp', 58: 'icmp6' };

/** Targets that end evaluation (or continue it) without naming a chain. */
export const BUILTIN_TARGETS: Record<string, 'accept' | 'drop' | 'reject' | 'return' | 'continue'> = {
  ACCEPT: 'accept',
  DROP: 'drop',
  REJECT: 'reject',
  RETURN: 'return',
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

/** `22`, `1024:65535`, `:1023`, `ssh`. */
export function portRange(text: string, at: SpanLocation): readonly [bigint, bigint] {
  const parts = text.split(':');
  if (parts.length > 2) throw new IptError(`invalid port "${text}"`, at);
  const lo = parts[0] === '' ? 0 : parsePort(parts[0] ?? '');
  const hi = parts.length === 1 ? lo : parts[1] === '' ? 65535 : parsePort(parts[1] ?? '');
  if (lo === undefined || hi === undefined) throw new IptError(`invalid port "${text}"`, at);
  return lo <= hi ? [BigInt(lo), BigInt(hi)] : [BigInt(hi), BigInt(lo)];
}

function addresses(text: string, family: Family, at: SpanLocation): Intervals {
  const ranges: (readonly [bigint, bigint])[] = [];
  for (const part of text.split(',')) {
    const spec = parseAddressSpec(part.trim());
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
 * or one line of an iptables-save file.
 */
export function parseIptables(args: readonly Arg[], family: Family, where: SpanLocation): IptCommand | undefined {
  // A listing only reads the ruleset: whatever else it says (`--line-number`, `-x`), it changes nothing.
  if (args.some((a) => LISTING.test(a.text))) return { op: 'list', table: 'filter' };
  try {
    return parseArgs(new ArgList(args), family, where);
  } catch (e) {
    throw asIptError(e, where);
  }
}

function parseArgs(args: ArgList, family: Family, where: SpanLocation): IptCommand | undefined {
  let table = 'filter';
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
  const modules: string[] = [];
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
      ruleArgs.pop();
      v = next(opt);
    }
    return v;
  };
  const push = (cond: Cond): void => {
    conds.push(cond);
  };
  const pushArgs = (...texts: string[]): void => {
    ruleArgs.push(...(negate ? ['!'] : []), ...texts.map(renderArg));
  };

  for (; i < args.length; i++) {
    const a = args.get(i) as Arg;
    const t = a.text;
    if (t === '!') {
      negate = !negate;
      continue;
    }
    const eq = t.startsWith('--') ? t.indexOf('=') : -1;
    const opt = eq > 0 ? t.slice(0, eq) : t;
    if (eq > 0) {
      // `--dport=22` is accepted by getopt_long.
      args.insert(i + 1, { text: t.slice(eq + 1), at: a.at });
    }
    if (BUNDLED_FLAGS.test(opt)) {
      // getopt bundles flags without values: `-nvL` is `-n -v -L`.
      [...opt.slice(1)].reverse().forEach((letter) => args.insert(i + 1, { text: `-${letter}`, at: a.at }));
      continue;
    }
    const command = COMMANDS[opt];
    if (command) {
      if (op) throw new IptError(`two commands in one invocation (${opt})`, a.at);
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
    if (NOISE_FLAGS.has(opt)) continue;
    switch (opt) {
      case '-t':
      case '--table':
        table = next(a).text;
        break;
      case '-w':
      case '--wait':
      case '-W':
      case '--wait-interval':
        optional();
        break;
      case '-c':
      case '--set-counters':
        next(a);
        if (!/^\d+:\d+$/.test(args.get(i)?.text ?? '')) next(a);
        break;
      case '-p':
      case '--protocol': {
        const v = next(a);
        const p = protocol(v.text, family, v.at);
        pushArgs('-p', v.text);
        if (p) {
          proto = p;
          protoNegated = negate;
          push({ dim: 'proto', values: p, negate });
        }
        break;
      }
      case '-s':
      case '--source':
      case '--src':
      case '-d':
      case '--destination':
      case '--dst': {
        const v = next(a);
        const dim = opt.startsWith('-s') || opt === '--source' || opt === '--src' ? 'src' : 'dst';
        if (negate && v.text.includes(',')) throw new IptError('! not allowed with multiple source or destination IP addresses', v.at);
        push({ dim, family, values: addresses(v.text, family, v.at), negate });
        pushArgs(dim === 'src' ? '-s' : '-d', v.text);
        break;
      }
      case '-i':
      case '--in-interface':
      case '-o':
      case '--out-interface': {
        const v = next(a);
        const dim = opt === '-i' || opt === '--in-interface' ? 'iif' : 'oif';
        push({ dim, names: [v.text], negate });
        pushArgs(dim === 'iif' ? '-i' : '-o', v.text);
        break;
      }
      case '-j':
      case '--jump':
      case '-g':
      case '--goto': {
        if (target) throw new IptError('more than one target', a.at);
        const v = next(a);
        target = v.text;
        isGoto = opt === '-g' || opt === '--goto';
        ruleArgs.push(isGoto ? '-g' : '-j', renderArg(v.text));
        // Target options: everything up to the next match or command.
        while (args.get(i + 1) && args.get(i + 1)?.text.startsWith('--') && !COMMANDS[args.get(i + 1)?.text ?? '']) {
          const o = args.get(++i) as Arg;
          ruleArgs.push(o.text);
          const val = optional();
          if (val) ruleArgs.push(renderArg(val.text));
        }
        break;
      }
      case '-m':
      case '--match': {
        const v = next(a);
        const mod = v.text.toLowerCase();
        modules.push(mod);
        ruleArgs.push('-m', v.text);
        if (mod === 'state') stateMatch = a.at;
        if (
          [
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
          ].includes(mod)
        )
          uncertain.push(`-m ${mod}`);
        break;
      }
      case '--dport':
      case '--destination-port':
      case '--sport':
      case '--source-port': {
        const v = take(a);
        if (!proto || protoNegated || !Iv.subset(proto, PORT_PROTOCOLS))
          throw new IptError(`unknown option "${opt}" (needs -p tcp or -p udp)`, a.at);
        const dim = opt === '--dport' || opt === '--destination-port' ? 'dport' : 'sport';
        push({ dim, values: shared([portRange(v.text, v.at)]), negate });
        pushArgs(opt, v.text);
        break;
      }
      case '--dports':
      case '--destination-ports':
      case '--sports':
      case '--source-ports':
      case '--ports': {
        const v = take(a);
        if (!modules.includes('multiport')) throw new IptError(`unknown option "${opt}" (needs -m multiport)`, a.at);
        if (!proto || protoNegated) throw new IptError('multiport needs -p tcp, -p udp, -p udplite, -p sctp or -p dccp', a.at);
        const parts = v.text.split(',');
        if (parts.length > 15) throw new IptError('too many ports specified (multiport takes at most 15)', v.at);
        const values = Iv.from(parts.map((p) => portRange(p, v.at)));
        if (opt === '--ports') uncertain.push('multiport --ports (source or destination)');
        else push({ dim: opt.includes('dports') || opt === '--destination-ports' ? 'dport' : 'sport', values, negate });
        pushArgs(opt, v.text);
        break;
      }
      case '--state':
      case '--ctstate': {
        const v = take(a);
        if (opt === '--state' && !modules.includes('state')) throw new IptError('unknown option "--state" (needs -m state)', a.at);
        if (opt === '--ctstate' && !modules.includes('conntrack'))
          throw new IptError('unknown option "--ctstate" (needs -m conntrack)', a.at);
        const { states, uncertain: u } = ctStates(v.text, v.at);
        if (u) uncertain.push(`${opt} ${v.text}`);
        else push({ dim: 'ct', states, negate });
        pushArgs(opt, v.text);
        break;
      }
      case '--src-range':
      case '--dst-range': {
        const v = take(a);
        if (!modules.includes('iprange')) throw new IptError(`unknown option "${opt}" (needs -m iprange)`, a.at);
        const spec = parseAddressSpec(v.text);
        if (!spec || spec.family !== family) throw new IptError(`invalid range "${v.text}"`, v.at);
        push({ dim: opt === '--src-range' ? 'src' : 'dst', family, values: [[spec.start, spec.end]], negate });
        pushArgs(opt, v.text);
        break;
      }
      case '-f':
      case '--fragment':
        // Only second and later fragments of a packet: which packets those are is not modelled.
        uncertain.push(`${negate ? '! ' : ''}-f (fragments)`);
        pushArgs('-f');
        break;
      case '--comment': {
        const v = next(a);
        if (!modules.includes('comment')) throw new IptError('unknown option "--comment" (needs -m comment)', a.at);
        if (v.text.length > 256) throw new IptError('comment longer than 256 characters', v.at);
        ruleArgs.push('--comment', renderArg(v.text));
        break;
      }
      default: {
        if (!opt.startsWith('-')) throw new IptError(`unexpected argument "${t}"`, a.at);
        // An option of a match module (or of the implicit tcp/udp/icmp match) that does not
        // change which addresses, ports or states match: the rule may or may not match.
        const loaded = [...modules];
        const implicit = proto?.length === 1 && proto[0]?.[0] === proto[0]?.[1] ? IMPLICIT_MODULE[Number(proto[0]?.[0])] : undefined;
        if (implicit) loaded.push(implicit);
        const known = loaded.some((m) => !NEUTRAL_MODULES.has(m));
        const listed = loaded.every((m) => MODULE_OPTIONS[m]) && !loaded.some((m) => MODULE_OPTIONS[m]?.includes(opt));
        if (!known || listed) throw new IptError(`unknown option "${opt}"`, a.at);
        const parts = [opt];
        if (opt === '--syn') parts.length = 1;
        else {
          const val = args.get(i + 1);
          if (val && (!val.text.startsWith('-') || /^-\d/.test(val.text)) && val.text !== '!') {
            parts.push(val.text);
            i++;
            // `--tcp-flags MASK COMP` and `--match-set NAME FLAGS` take two values.
            const second = args.get(i + 1);
            if ((opt === '--tcp-flags' || opt === '--match-set') && second) {
              parts.push(second.text);
              i++;
            }
          }
        }
        uncertain.push(parts.join(' '));
        pushArgs(...parts);
      }
    }
    negate = false;
  }
  if (negate) throw new IptError('"!" without an option after it', where);
  if (!op) {
    if (args.length === 0) return undefined;
    throw new IptError('no command specified (-A, -I, -P, …)', where);
  }
  // Exact-size copies: pushed arrays keep spare room, for each of maybe a million rules.
  const rule: IptRuleSpec = { conds: conds.slice(), goto: isGoto, uncertain: uncertain.slice(), args: ruleArgs.slice() };
  if (target !== undefined) rule.target = target;
  if (stateMatch) rule.stateMatch = stateMatch;
  const c = chain ?? '';
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
