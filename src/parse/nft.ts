import path from 'node:path';
import type { SpanLocation } from '../core/location.js';
import { parseAddressSpec, type Family } from '../core/ip.js';
import { Iv, type Intervals } from '../core/intervals.js';
import { CT_STATES, PORT_PROTOCOLS, PROTOCOLS, parsePort, type CtState } from '../core/protocols.js';
import type { Cond, FwChain, FwRule, FwTable, Hook, TableFamily, Verdict } from './netfilter.js';
import { LineIndex } from './conf-text.js';

/**
 * A reader for nftables rulesets (`nft -f` files and `nft add …` command lines): tables,
 * chains with type/hook/priority/policy, named sets, `define` variables, `include`s from
 * the repository, and rules made of the matches firewall rulesets use (addresses, ports,
 * protocols, interfaces, conntrack state) and verdicts. Expressions nsl-lint does not model
 * make the rule "may match" instead of failing.
 */

/** Messages quote the input: a hostile token (a 4 MB number) must not make a 4 MB finding. */
const MAX_MESSAGE = 300;

export class NftError extends Error {
  constructor(
    message: string,
    readonly at: SpanLocation,
  ) {
    super(message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}…` : message);
  }
}

type TokKind = 'word' | 'string' | 'var' | '{' | '}' | ';' | '\n' | ',' | 'op' | 'eof';
interface Tok {
  readonly k: TokKind;
  readonly text: string;
  readonly at: SpanLocation;
}

/*
 * Bounds that keep a hostile ruleset from exhausting the stack, memory or time of the run.
 * Reading is iterative throughout (no recursion follows the input's nesting). The depth
 * bounds sit where nft itself already refuses or crashes, never below; the budgets (expanded
 * variables, set elements, verdict map entries, included files) are far beyond real rulesets
 * and refuse only what would take nsl-lint gigabytes or minutes to read.
 */

/**
 * Literal `{` nesting. nft's bison parser (a 10,000-entry stack, two entries per brace) fails
 * with "memory exhausted" just under 5,000 levels, so no ruleset nft accepts nests deeper.
 */
export const MAX_BRACE_DEPTH = 5000;
/**
 * Chains of `define`s referring to each other (`define b = { $a, … }`). nft 1.0.6 reads
 * 10,000 levels and overflows its stack near 12,000.
 */
export const MAX_DEFINE_DEPTH = 16_384;
/**
 * Tokens substituted for `$variable`s in one ruleset: `define a = { $b, $b }` chains double
 * at each level. Generous for real rulesets (a 1,000-element set used 1,000 times).
 */
export const MAX_EXPANDED_TOKENS = 4_000_000;
/**
 * Set elements one ruleset reads (named sets, `add element`, anonymous sets, expanded
 * variables): each is held as tokens until its set is used (about 140 bytes), so a 20 MB
 * file of `1,1,1,…` would need gigabytes. Verdict map entries each become a rule (about
 * 600 bytes): a ruleset holds at most MAX_VMAP_ENTRIES of them.
 */
export const MAX_SET_ELEMENTS = 2_000_000;
export const MAX_VMAP_ENTRIES = 1_000_000;
/** nft's own limit: "Include nested too deeply, max 16 levels" (the first file and 15 includes). */
export const MAX_INCLUDE_DEPTH = 16;
/** Files one ruleset reads through `include`, and their total length in characters. */
export const MAX_INCLUDED_FILES = 10_000;
export const MAX_INCLUDED_CHARS = 64 * 1024 * 1024;

/** A token whose position is computed when a message needs it (most never do). */
class LexTok implements Tok {
  private where: SpanLocation | undefined;

  constructor(
    readonly k: TokKind,
    readonly text: string,
    private readonly index: LineIndex,
    private readonly start: number,
    private readonly end: number,
  ) {}

  get at(): SpanLocation {
    return (this.where ??= this.index.at(this.start, this.end));
  }
}

/** Ends a word: white space or a character that is a token of its own. */
const WORD_END = /[\s;{},"#!<>=&|^]/g;
/** Operators: `!=`, `==`, `<=`, `>=` and the single characters they start with. */
const OP_START = '!=<>&|^';
const TWO_CHAR_OPS = new Set(['!=', '==', '<=', '>=']);
/** Characters nft's scanner reports as "junk" outside strings and comments (tab, newline and CR aside). */
function isJunk(code: number): boolean {
  return code < 0x20 || code === 0x7f || code === 0xfeff;
}

/** Tokens on demand, so the tokens of a large file are never all in memory at once. */
class Lexer {
  private i = 0;
  private depth = 0;
  private done: Tok | undefined;

  constructor(
    private readonly index: LineIndex,
    private readonly fixedAt?: SpanLocation,
  ) {}

  private tok(k: TokKind, text: string, a: number, b: number): Tok {
    return this.fixedAt ? { k, text, at: this.fixedAt } : new LexTok(k, text, this.index, a, b);
  }

  private at(a: number, b: number): SpanLocation {
    return this.fixedAt ?? this.index.at(a, b);
  }

  /** Where the next token would start (the end of the text once it is read). */
  position(): SpanLocation {
    return this.at(this.i, this.i);
  }

  next(): Tok {
    if (this.done) return this.done;
    const s = this.index.text;
    while (this.i < s.length) {
      const i = this.i;
      const c = s[i] as string;
      if (c === ' ' || c === '\t' || c === '\r') {
        this.i++;
        continue;
      }
      if (c === '\\' && s[i + 1] === '\n') {
        this.i += 2;
        continue;
      }
      if (c === '#') {
        const nl = s.indexOf('\n', i);
        this.i = nl < 0 ? s.length : nl;
        continue;
      }
      if (c === '\n' || c === ';' || c === '{' || c === '}' || c === ',') {
        this.i++;
        if (c === '{' && ++this.depth > MAX_BRACE_DEPTH)
          throw new NftError(`syntax error, braces nested more than ${MAX_BRACE_DEPTH} levels deep`, this.at(i, i + 1));
        if (c === '}' && this.depth > 0) this.depth--;
        return this.tok(c as TokKind, c, i, i + 1);
      }
      if (c === '"') {
        const end = s.indexOf('"', i + 1);
        if (end < 0) throw new NftError('unterminated string', this.at(i, i + 1));
        this.i = end + 1;
        return this.tok('string', s.slice(i + 1, end), i, end + 1);
      }
      if (isJunk(c.charCodeAt(0))) throw new NftError('syntax error, unexpected junk', this.at(i, i + 1));
      if (OP_START.includes(c)) {
        const text = TWO_CHAR_OPS.has(s.slice(i, i + 2)) ? s.slice(i, i + 2) : c;
        this.i += text.length;
        return this.tok('op', text, i, i + text.length);
      }
      WORD_END.lastIndex = i;
      const m = WORD_END.exec(s);
      const end = m ? m.index : s.length;
      // `=` inside a word only in `define x = …` forms written without spaces is rare; treat `=` as its own token.
      if (end === i) {
        this.i++;
        return this.tok('op', c, i, i + 1);
      }
      const text = s.slice(i, end);
      for (let k = i; k < end; k++) if (isJunk(s.charCodeAt(k))) throw new NftError('syntax error, unexpected junk', this.at(k, k + 1));
      this.i = end;
      return this.tok(text.startsWith('$') ? 'var' : 'word', text, i, end);
    }
    return (this.done = this.tok('eof', '', s.length, s.length));
  }
}

/**
 * A `define` value: its tokens, and the values of the variables it names as they were when it
 * was defined. Kept unexpanded (nft expands at use too), with its size known in advance, so a
 * definition that would expand to billions of tokens costs nothing until it is used.
 */
interface DefValue {
  parts: readonly (Tok | DefValue)[];
  /** Tokens when fully expanded (may exceed 2^53: only compared against the budget). */
  size: number;
  /** 1 + the deepest chain of definitions it refers to. */
  depth: number;
  /** `{` minus `}` in the expansion. */
  balance: number;
}

function isDef(x: Tok | DefValue): x is DefValue {
  return 'parts' in x;
}

/** Anything thrown while reading, as an NftError (at `at` when it is not one already). */
function asNftError(e: unknown, at: SpanLocation): NftError {
  if (e instanceof NftError) return e;
  const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return new NftError(`nsl-lint cannot read this ruleset (${what})`, at);
}

/**
 * Single ports and protocols as shared Intervals (never modified): a ruleset of a million
 * `tcp dport 22 accept` rules holds one copy. Values up to 65535 only, so the cache stays small.
 */
const POINTS = new Map<bigint, Intervals>();
function shared(values: Intervals): Intervals {
  const only = values.length === 1 ? values[0] : undefined;
  if (!only || only[0] !== only[1] || only[0] > 65535n) return values;
  let p = POINTS.get(only[0]);
  if (!p) POINTS.set(only[0], (p = values));
  return p;
}

function fileStart(file: string): SpanLocation {
  return { file, span: { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } } };
}

/** `name` against an include pattern where `*` matches any characters (no backtracking blow-up). */
export function globMatch(pattern: string, name: string): boolean {
  let p = 0;
  let n = 0;
  let star = -1;
  let mark = 0;
  while (n < name.length) {
    if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = n;
    } else if (p < pattern.length && pattern[p] === name[n]) {
      p++;
      n++;
    } else if (star >= 0) {
      p = star + 1;
      n = ++mark;
    } else return false;
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

/** A priority number: nft reads at most 64 bits (`-` aside) and refuses anything else. */
function priorityNumber(t: Tok, text: string): number {
  const digits = text.replace(/^[+-]/, '').replace(/^0+(?=\d)/, '');
  if (!/^\d+$/.test(digits) || (digits.length >= 20 && (digits.length > 20 || BigInt(digits) > 18446744073709551615n)))
    throw new NftError(`invalid priority "${text}"`, t.at);
  return Number(text);
}

/**
 * What a set holds, as the rules that name it read it: addresses of one family, ports,
 * protocols, interface names (`ifname`, wildcards allowed) or indexes (`iface_index`, named
 * by interface), conntrack states. `other`: a type nsl-lint does not read (marks,
 * concatenations, …).
 */
type SetKind = 'ip4' | 'ip6' | 'port' | 'proto' | 'ifname' | 'ifindex' | 'ct' | 'other';

const SET_KIND_NAMES: Record<SetKind, string> = {
  ip4: 'IPv4 address',
  ip6: 'IPv6 address',
  port: 'internet network service',
  proto: 'Internet protocol',
  ifname: 'network interface name',
  ifindex: 'network interface index',
  ct: 'conntrack state',
  other: 'other',
};

/** `type NAME` of a set or map key. */
const TYPE_KINDS: Record<string, SetKind> = {
  ipv4_addr: 'ip4',
  ipv6_addr: 'ip6',
  inet_service: 'port',
  inet_proto: 'proto',
  ifname: 'ifname',
  iface_index: 'ifindex',
  ct_state: 'ct',
};

/** `typeof EXPR` of a set or map key. */
function typeofKind(expr: string): SetKind {
  if (/^ip (saddr|daddr)$/.test(expr)) return 'ip4';
  if (/^ip6 (saddr|daddr)$/.test(expr)) return 'ip6';
  if (/^(tcp|udp|udplite|sctp|dccp|th) (sport|dport)$/.test(expr)) return 'port';
  if (/^(meta l4proto|ip protocol|ip6 nexthdr)$/.test(expr)) return 'proto';
  if (/^(meta )?(iifname|oifname)$/.test(expr)) return 'ifname';
  if (/^(meta )?(iif|oif)$/.test(expr)) return 'ifindex';
  if (expr === 'ct state') return 'ct';
  return 'other';
}

/** Words that follow a set element and describe it (`22 timeout 1h comment "ssh"`), not part of its value. */
const ELEMENT_OPTIONS = new Set(['timeout', 'expires', 'comment', 'counter', 'quota', 'limit']);

/** One element of a set as an interval of its kind, for the overlap check; where it was written. */
interface SetInterval {
  lo: bigint | string;
  hi: bigint | string;
  at: SpanLocation;
  /** Order of addition: a conflict is reported at the later element, as nft does. */
  seq: number;
}

interface NftSet {
  name: string;
  /** Key kind (for a map, of the key). */
  kind: SetKind;
  /** A map (`map m { type K : V; }`); its value type (`verdict` for a verdict map). */
  map?: string;
  elements: Tok[][];
  flags: Set<string>;
  autoMerge: boolean;
  /** Elements expire (`timeout 1h` on the set). */
  timeout: boolean;
  /** Elements are removed by commands nsl-lint does not follow (`delete element`). */
  changed: boolean;
  /** Elements as intervals, for the conflict check of interval sets without auto-merge. */
  intervals: SetInterval[];
  /** Parsed values by kind, computed once however many rules name the set. */
  values: Map<string, Intervals>;
}

/**
 * Whether the set's elements are what the ruleset says: not filled or pruned from the packet
 * path (`flags dynamic`, timeouts), by commands nsl-lint does not follow, or only at run time
 * (a set declared without elements that nothing in the ruleset adds to).
 */
function staticElements(set: NftSet): boolean {
  return (
    set.kind !== 'other' &&
    !set.flags.has('dynamic') &&
    !set.flags.has('timeout') &&
    !set.timeout &&
    !set.changed &&
    set.elements.length > 0
  );
}

interface NftChainState {
  name: string;
  at: SpanLocation;
  type?: string;
  hook?: Hook;
  /** Ingress/egress chains: the devices they are bound to. */
  devices?: string[];
  priority: number;
  policy?: 'accept' | 'drop';
  policyAt?: SpanLocation;
  rules: FwRule[];
  /** Rules put in front by `insert rule`, last inserted last: they come before `rules`, in reverse. */
  front: FwRule[];
}

function chainRules(c: NftChainState): FwRule[] {
  return c.front.length ? [...c.front].reverse().concat(c.rules) : c.rules;
}

function flushChain(c: NftChainState): void {
  c.rules = [];
  c.front = [];
}

interface NftTableState {
  family: TableFamily;
  name: string;
  at: SpanLocation;
  chains: Map<string, NftChainState>;
  sets: Map<string, NftSet>;
}

const FAMILIES = new Set(['ip', 'ip6', 'inet', 'arp', 'bridge', 'netdev']);
const HOOKS = new Set(['prerouting', 'input', 'forward', 'output', 'postrouting', 'ingress', 'egress']);
const PRIORITY_NAMES: Record<string, number> = {
  raw: -300,
  mangle: -150,
  dstnat: -100,
  filter: 0,
  security: 50,
  srcnat: 100,
  out: 100,
  conntrack: -200,
};
const STATEMENT_KEYWORDS = new Set([
  'ip',
  'ip6',
  'tcp',
  'udp',
  'sctp',
  'dccp',
  'udplite',
  'th',
  'meta',
  'iif',
  'iifname',
  'oif',
  'oifname',
  'ct',
  'icmp',
  'icmpv6',
  'counter',
  'log',
  'limit',
  'comment',
  'accept',
  'drop',
  'reject',
  'return',
  'jump',
  'goto',
  'continue',
  'queue',
  'fib',
  'mark',
  'l4proto',
  'nfproto',
  'notrack',
  'masquerade',
  'snat',
  'dnat',
  'redirect',
  'ether',
  'vlan',
  'arp',
  'pkttype',
  'iiftype',
  'oiftype',
  'socket',
  'rt',
  'ipsec',
  'numgen',
  'quota',
  'set',
  'update',
  'add',
  'meter',
  'tproxy',
  'flow',
  'dup',
  'fwd',
  'synproxy',
  'osf',
  'exthdr',
  'hbh',
  'frag',
  'dst',
  'mh',
  'srh',
  'ah',
  'esp',
  'comp',
  'igmp',
  'skuid',
  'skgid',
  'cpu',
  'cgroup',
  'nftrace',
  'priority',
  'length',
  'protocol',
  'time',
  'day',
  'hour',
  'jhash',
  'symhash',
  'inner',
  'vxlan',
  'geneve',
  'gre',
  'tunnel',
  'xfrm',
  'last',
  'reset',
]);

/** Expressions that name a field after them (`tcp dport`, `meta mark`). */
const FIELD_KEYWORDS = new Set([
  'ip',
  'ip6',
  'tcp',
  'udp',
  'sctp',
  'dccp',
  'udplite',
  'th',
  'meta',
  'ct',
  'icmp',
  'icmpv6',
  'ether',
  'vlan',
  'arp',
]);
/** Transport protocols whose header fields imply the protocol. */
const PORT_KEYWORDS = new Set(['tcp', 'udp', 'sctp', 'dccp', 'udplite']);

/** Statements that end evaluation like a verdict: nothing may follow them in a rule. */
const NAT_STATEMENTS = new Set(['dnat', 'snat', 'masquerade', 'redirect']);

const cmp = (a: bigint | string, b: bigint | string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Two elements of an interval set that overlap without being the same element (nft: "conflicting
 * intervals specified"); the later of the two is returned, where nft reports it.
 */
function overlap(intervals: readonly SetInterval[]): SetInterval | undefined {
  if (intervals.length < 2) return undefined;
  const sorted = [...intervals].sort((a, b) => cmp(a.lo, b.lo) || cmp(a.hi, b.hi));
  let prev = sorted[0] as SetInterval;
  let reach = prev;
  for (const x of sorted.slice(1)) {
    const same = cmp(x.lo, prev.lo) === 0 && cmp(x.hi, prev.hi) === 0;
    if (!same && cmp(x.lo, reach.hi) <= 0) return x.seq > reach.seq ? x : reach;
    if (cmp(x.hi, reach.hi) > 0) reach = x;
    prev = x;
  }
  return undefined;
}

/** A condition on a named set, filled from the set's elements once the ruleset is read. */
interface SetUse {
  cond: Cond;
  set: NftSet;
  kind: SetKind;
}

/** What a rule collects while its statements are read. */
interface RuleState {
  conds: Cond[];
  uncertain: string[];
  refs: SetUse[];
  /** `th` fields matched (`dport`, `sport`). */
  th: string[];
  vmap?: { dim: 'ct' | 'proto' | 'dport' | 'sport' | 'iif'; entries?: VmapEntry[]; unknown?: string; family?: Family };
}

/** Whether the protocol conditions of a rule admit only protocols with ports (tcp, udp, udplite, sctp, dccp). */
function portProtocolsOnly(conds: readonly Cond[]): boolean {
  let allowed = Iv.of(0n, 255n);
  for (const c of conds) if (c.dim === 'proto') allowed = c.negate ? Iv.subtract(allowed, c.values) : Iv.intersect(allowed, c.values);
  return Iv.subset(allowed, PORT_PROTOCOLS);
}

/** Reads a file from the repository by repository-relative path; lists a directory for globs. */
export interface NftFiles {
  read(relPath: string): string | undefined;
  list(relDir: string): string[];
}

export class NftReader {
  private readonly tables = new Map<string, NftTableState>();
  private readonly defines = new Map<string, DefValue>();
  readonly files: string[] = [];
  private readonly including = new Set<string>();
  private includeDepth = 0;
  private includedFiles = 0;
  private includedChars = 0;
  private readonly budget: Budget = { expanded: 0, elements: 0, vmapEntries: 0 };
  /** Where reading started, for errors that have no better position. */
  private startAt: SpanLocation | undefined;
  /** Where each family is first filtered (a table of that family is declared). */
  firstTable: Record<Family, SpanLocation | undefined> = { 4: undefined, 6: undefined };
  /** Interface names used by rules. */
  readonly interfaces = new Set<string>();
  /** Rules waiting for the whole ruleset: conditions on named sets, `th` matches. */
  private readonly pending: { rules: FwRule[]; refs: SetUse[]; th: string[] }[] = [];

  constructor(private readonly repo: NftFiles) {}

  /** A whole file in `nft -f` syntax. */
  readFile(file: string, text: string): void {
    const start = fileStart(file);
    try {
      const index = new LineIndex(file, text);
      this.files.push(file);
      this.including.add(file);
      try {
        this.parse(new Lexer(index), file);
      } finally {
        this.including.delete(file);
      }
    } catch (e) {
      throw asNftError(e, start);
    }
  }

  /** Text in `nft -f` syntax embedded in another file (a here-document), positioned by `index`. */
  readEmbedded(index: LineIndex): void {
    try {
      this.parse(new Lexer(index), index.file);
    } catch (e) {
      throw asNftError(e, index.at(0));
    }
  }

  /** One `nft add rule …` command line; every position points at the command. */
  readCommand(words: string[], at: SpanLocation): void {
    try {
      const text = words.join(' ');
      this.parse(new Lexer(new LineIndex(at.file, text), at), at.file);
    } catch (e) {
      throw asNftError(e, at);
    }
  }

  private parse(lexer: Lexer, file: string): void {
    const p = new TokStream(lexer, this.defines, this.budget);
    this.startAt ??= lexer.position();
    try {
      for (;;) {
        p.skipSeparators();
        const t = p.peek();
        if (t.k === 'eof') return;
        this.command(p, file);
        const end = p.peek();
        if (end.k !== ';' && end.k !== '\n' && end.k !== 'eof') throw new NftError(`syntax error, unexpected "${end.text}"`, end.at);
      }
    } catch (e) {
      // Anything but an NftError (a RangeError, a bug) still fails this ruleset only, at the last token read.
      throw asNftError(e, p.position());
    }
  }

  private command(p: TokStream, file: string): void {
    const t = p.next();
    if (t.k !== 'word') throw new NftError(`syntax error, unexpected "${t.text}"`, t.at);
    switch (t.text) {
      case 'table':
        this.tableBlock(p, t);
        return;
      case 'define':
      case 'redefine': {
        const name = p.word('variable name');
        const eq = p.next();
        if (eq.text !== '=') throw new NftError('syntax error, expected "="', eq.at);
        this.defines.set(name.text, p.rawValue());
        return;
      }
      case 'undefine':
        this.defines.delete(p.word('variable name').text);
        return;
      case 'include': {
        const f = p.next();
        if (f.k !== 'string') throw new NftError('include needs a quoted file name', f.at);
        this.include(f, file);
        return;
      }
      case 'flush':
      case 'delete':
      case 'destroy': {
        const what = p.word('object');
        if (what.text === 'ruleset') {
          const fam = p.peek();
          if (fam.k === 'word' && FAMILIES.has(fam.text)) {
            p.next();
            for (const [k, tb] of this.tables) if (tb.family === fam.text) this.tables.delete(k);
          } else this.tables.clear();
          return;
        }
        const { family, name } = this.tableRef(p);
        const key = `${family} ${name}`;
        if (what.text === 'table') {
          if (t.text === 'flush') for (const c of this.tables.get(key)?.chains.values() ?? []) flushChain(c);
          else this.tables.delete(key);
        } else if (what.text === 'chain') {
          const chain = p.word('chain name').text;
          const c = this.tables.get(key)?.chains.get(chain);
          if (t.text === 'flush' && c) flushChain(c);
          else this.tables.get(key)?.chains.delete(chain);
        } else if (what.text === 'set' || what.text === 'map') {
          const sname = p.word('set name').text;
          const set = this.tables.get(key)?.sets.get(sname);
          if (t.text === 'flush' && set) {
            set.elements = [];
            set.intervals = [];
            set.values.clear();
          } else if (t.text !== 'flush') this.tables.get(key)?.sets.delete(sname);
        } else if (what.text === 'element') {
          // Which elements go is not followed: what the set holds is known only at run time.
          const set = this.tables.get(key)?.sets.get(p.word('set name').text);
          if (set) set.changed = true;
        }
        p.skipToEnd();
        return;
      }
      case 'add':
      case 'create':
      case 'insert': {
        const what = p.word('object');
        if (what.text === 'table') {
          this.tableBlock(p, t, true);
          return;
        }
        const { family, name } = this.tableRef(p);
        const table = this.tables.get(`${family} ${name}`);
        if (!table) throw new NftError(`no such table: ${family} ${name}`, what.at);
        if (what.text === 'chain') {
          const cname = p.word('chain name');
          const chain = this.chain(table, cname.text, t.at);
          if (p.peek().k === '{') {
            p.next();
            this.chainBody(p, table, chain);
          }
          return;
        }
        if (what.text === 'rule') {
          const cname = p.word('chain name');
          const chain = table.chains.get(cname.text);
          if (!chain) throw new NftError(`no such chain: ${cname.text}`, cname.at);
          const pos = p.peek();
          if (pos.k === 'word' && (pos.text === 'position' || pos.text === 'handle' || pos.text === 'index')) {
            p.next();
            p.next();
          }
          const rule = this.rule(p, table);
          if (rule) {
            if (t.text === 'insert') for (let i = rule.length - 1; i >= 0; i--) chain.front.push(rule[i] as FwRule);
            else for (const r of rule) chain.rules.push(r);
          }
          return;
        }
        if (what.text === 'set' || what.text === 'map') {
          const sname = p.word('set name');
          p.expect('{');
          this.setBody(p, table, sname.text, what.text === 'map');
          return;
        }
        if (what.text === 'element') {
          const sname = p.word('set name');
          const set = table.sets.get(sname.text);
          if (!set) throw new NftError(`no such set: ${sname.text}`, sname.at);
          p.expect('{');
          this.addElements(set, p.elementList());
          return;
        }
        p.skipToEnd();
        return;
      }
      case 'list':
      case 'reset':
      case 'monitor':
      case 'describe':
      case 'rename':
      case 'replace':
        p.skipToEnd();
        return;
      default:
        throw new NftError(`syntax error, unexpected "${t.text}"`, t.at);
    }
  }

  private include(f: Tok, file: string): void {
    const name = f.text;
    if (name.startsWith('/')) return; // Installed elsewhere on the host; a repository copy is checked on its own.
    const dir = path.posix.dirname(file);
    const rel = path.posix.normalize(path.posix.join(dir, name));
    const targets: string[] = [];
    if (rel.includes('*')) {
      const pattern = path.posix.basename(rel);
      const relDir = path.posix.dirname(rel);
      for (const entry of this.repo.list(relDir).sort())
        if (globMatch(pattern, entry)) targets.push(relDir === '.' ? entry : `${relDir}/${entry}`);
    } else targets.push(rel);
    for (const target of targets) {
      if (this.including.has(target)) throw new NftError(`include loop: ${target}`, f.at);
      if (this.includeDepth >= MAX_INCLUDE_DEPTH - 1)
        throw new NftError(`include nested too deeply, max ${MAX_INCLUDE_DEPTH} levels`, f.at);
      const text = this.repo.read(target);
      if (text === undefined) {
        if (rel.includes('*')) continue;
        throw new NftError(`file not found: ${name}`, f.at);
      }
      this.includedChars += text.length;
      if (++this.includedFiles > MAX_INCLUDED_FILES || this.includedChars > MAX_INCLUDED_CHARS)
        throw new NftError(
          `included files exceed what nsl-lint reads for one ruleset (${MAX_INCLUDED_FILES} files, ${MAX_INCLUDED_CHARS / 1024 / 1024} MiB)`,
          f.at,
        );
      this.includeDepth++;
      try {
        this.readFile(target, text);
      } finally {
        this.includeDepth--;
      }
    }
  }

  private tableRef(p: TokStream): { family: TableFamily; name: string } {
    const a = p.word('table');
    if (FAMILIES.has(a.text)) {
      const n = p.peek();
      if (n.k === 'word' && !['{'].includes(n.text)) return { family: a.text as TableFamily, name: p.next().text };
    }
    return { family: 'ip', name: a.text };
  }

  private tableBlock(p: TokStream, start: Tok, optionalBody = false): void {
    const { family, name } = this.tableRef(p);
    const key = `${family} ${name}`;
    let table = this.tables.get(key);
    if (!table) {
      table = { family, name, at: start.at, chains: new Map(), sets: new Map() };
      this.tables.set(key, table);
    }
    if (family === 'ip' || family === 'inet') this.firstTable[4] ??= start.at;
    if (family === 'ip6' || family === 'inet') this.firstTable[6] ??= start.at;
    if (optionalBody && p.peek().k !== '{') return;
    p.expect('{');
    for (;;) {
      p.skipSeparators();
      const t = p.next();
      if (t.k === '}') return;
      if (t.k === 'eof') throw new NftError('syntax error, unexpected end of file (missing "}")', t.at);
      if (t.k !== 'word') throw new NftError(`syntax error, unexpected "${t.text}"`, t.at);
      if (t.text === 'chain') {
        const cname = p.word('chain name');
        const chain = this.chain(table, cname.text, t.at);
        p.expect('{');
        this.chainBody(p, table, chain);
      } else if (t.text === 'set' || t.text === 'map') {
        const sname = p.word('set name');
        p.expect('{');
        this.setBody(p, table, sname.text, t.text === 'map');
      } else if (['flags', 'comment'].includes(t.text)) {
        p.skipToEnd();
      } else if (['flowtable', 'counter', 'quota', 'ct', 'limit', 'secmark', 'synproxy'].includes(t.text)) {
        // Stateful objects: read and ignore their block.
        while (p.peek().k !== '{' && p.peek().k !== 'eof') p.next();
        p.expect('{');
        p.skipBlock();
      } else throw new NftError(`syntax error, unexpected "${t.text}" in table`, t.at);
      this.endOfItem(p);
    }
  }

  private chain(table: NftTableState, name: string, at: SpanLocation): NftChainState {
    let c = table.chains.get(name);
    if (!c) {
      c = { name, at, priority: 0, rules: [], front: [] };
      table.chains.set(name, c);
    }
    return c;
  }

  private setBody(p: TokStream, table: NftTableState, name: string, map: boolean): void {
    let set = table.sets.get(name);
    if (!set) {
      set = {
        name,
        kind: 'other',
        elements: [],
        flags: new Set(),
        autoMerge: false,
        timeout: false,
        changed: false,
        intervals: [],
        values: new Map(),
      };
      table.sets.set(name, set);
    }
    // Elements are checked against the whole declaration (`flags interval` may follow them).
    const added: Tok[][] = [];
    for (;;) {
      p.skipSeparators();
      const t = p.next();
      if (t.k === '}') {
        this.addElements(set, added);
        return;
      }
      if (t.k === 'eof') throw new NftError('syntax error, unexpected end of file in set', t.at);
      if (t.text === 'elements') {
        const eq = p.next();
        if (eq.text !== '=') throw new NftError('syntax error, expected "="', eq.at);
        p.expect('{');
        for (const e of p.elementList()) added.push(e);
        continue;
      }
      const words: string[] = [];
      while (![';', '\n', '}', 'eof'].includes(p.peek().k)) words.push(p.next().text);
      if (t.text === 'type' || t.text === 'typeof') {
        const [key = '', value] = words.join(' ').split(/\s*:\s*/);
        set.kind = key.includes(' . ') || key.includes('.') ? 'other' : t.text === 'type' ? (TYPE_KINDS[key] ?? 'other') : typeofKind(key);
        if (map) set.map = value ?? '';
      } else if (t.text === 'flags') {
        for (const w of words) if (w !== ',') set.flags.add(w);
      } else if (t.text === 'auto-merge') set.autoMerge = true;
      else if (t.text === 'timeout') set.timeout = true;
      // Every other property ends with a newline or a semicolon, as `elements` need not.
      this.endOfItem(p);
    }
  }

  /** nft ends every item of a block (a rule, a chain, `policy drop`, …) with a newline or a semicolon. */
  private endOfItem(p: TokStream): void {
    const n = p.peek();
    if (n.k === ';' || n.k === '\n' || n.k === 'eof') return;
    throw new NftError(`syntax error, unexpected "${n.text}", expecting newline or semicolon`, n.at);
  }

  /**
   * Elements of a named set, checked as nft checks them: values of the set's type, ranges
   * and prefixes only in an interval set, no reversed range. Overlaps in an interval set
   * without auto-merge are checked over all elements by `validate`.
   */
  private addElements(set: NftSet, elements: Tok[][]): void {
    for (const raw of elements) {
      // `22 timeout 1h comment "ssh"`: the words after the value describe the element.
      const cut = raw.findIndex((t, i) => i > 0 && t.k === 'word' && ELEMENT_OPTIONS.has(t.text));
      const el = cut < 0 ? raw : raw.slice(0, cut);
      set.elements.push(el);
      if (set.map !== undefined || set.kind === 'other') continue;
      const { lo, hi, shape } = this.element(set.kind, el);
      if (shape && !set.flags.has('interval'))
        throw new NftError(`You must add 'flags interval' to your set declaration if you want to add ${shape} elements`, (el[0] as Tok).at);
      if (set.flags.has('interval') && !set.autoMerge) set.intervals.push({ lo, hi, at: (el[0] as Tok).at, seq: set.intervals.length });
    }
    set.values.clear();
  }

  /** One element of a set of `kind`: its interval, and whether it is a range or a prefix. */
  private element(kind: SetKind, el: Tok[]): { lo: bigint | string; hi: bigint | string; shape?: 'range' | 'prefix' } {
    const first = el[0] as Tok;
    const text = el.map((t) => t.text).join('');
    switch (kind) {
      case 'ip4':
      case 'ip6': {
        const [range] = this.addresses([el], kind === 'ip4' ? 4 : 6);
        if (!range) throw new NftError(`invalid address "${text}"`, first.at);
        return { lo: range[0], hi: range[1], ...(text.includes('/') ? { shape: 'prefix' } : text.includes('-') ? { shape: 'range' } : {}) };
      }
      case 'port': {
        const [range] = this.ports([el]);
        if (!range) throw new NftError(`invalid port "${text}"`, first.at);
        return { lo: range[0], hi: range[1], ...(/.-/.test(text) ? { shape: 'range' } : {}) };
      }
      case 'ifname':
      case 'ifindex': {
        const name = this.ifName(el);
        if (kind === 'ifname' && name.endsWith('+')) return { lo: name.slice(0, -1), hi: `${name.slice(0, -1)}\uffff`, shape: 'prefix' };
        return { lo: name, hi: name };
      }
      case 'proto': {
        const [range] = this.protocols([el]);
        return { lo: range?.[0] ?? 0n, hi: range?.[1] ?? 0n };
      }
      case 'ct': {
        const [state] = this.ctStates([el]);
        return { lo: state ?? '', hi: state ?? '' };
      }
      default:
        return { lo: 0n, hi: 0n };
    }
  }

  private chainBody(p: TokStream, table: NftTableState, chain: NftChainState): void {
    for (;;) {
      p.skipSeparators();
      const t = p.peek();
      if (t.k === '}') {
        p.next();
        return;
      }
      if (t.k === 'eof') throw new NftError('syntax error, unexpected end of file (missing "}")', t.at);
      if (t.k === 'word' && t.text === 'type') {
        p.next();
        chain.type = p.word('chain type').text;
        if (!['filter', 'nat', 'route'].includes(chain.type)) throw new NftError(`unknown chain type "${chain.type}"`, t.at);
        const h = p.word('hook');
        if (h.text !== 'hook') throw new NftError('syntax error, expected "hook"', h.at);
        const hook = p.word('hook name');
        if (!HOOKS.has(hook.text)) throw new NftError(`unknown chain hook "${hook.text}"`, hook.at);
        chain.hook = hook.text as Hook;
        // An ingress or egress chain sees the packets of its devices: interfaces the ruleset names.
        const device = p.peek();
        if (device.text === 'device') {
          p.next();
          chain.devices = [this.ifName([p.next()])];
        } else if (device.text === 'devices') {
          p.next();
          const eq = p.next();
          if (eq.text !== '=') throw new NftError('syntax error, expected "="', eq.at);
          chain.devices = p.value().toks.map((el) => this.ifName(el));
        }
        const onDevice = hook.text === 'ingress' || hook.text === 'egress';
        if (table.family === 'netdev' && !onDevice) throw new NftError('The netdev family does not support this hook', hook.at);
        if ((table.family === 'ip' || table.family === 'ip6') && onDevice)
          throw new NftError(`The ${table.family} family does not support this hook`, hook.at);
        if (onDevice && device.text !== 'device' && device.text !== 'devices')
          throw new NftError("Missing `device' in this chain definition", hook.at);
        if (!onDevice && (device.text === 'device' || device.text === 'devices'))
          throw new NftError('This chain type cannot be bound to device', device.at);
        const pr = p.word('priority');
        if (pr.text !== 'priority') throw new NftError('syntax error, expected "priority"', pr.at);
        chain.priority = this.priority(p);
        this.endOfItem(p);
        continue;
      }
      if (t.k === 'word' && t.text === 'policy') {
        p.next();
        const v = p.next();
        const value = v.k === 'var' ? v.text : v.text;
        if (value !== 'accept' && value !== 'drop') throw new NftError(`syntax error, invalid policy "${value}"`, v.at);
        chain.policy = value;
        chain.policyAt =
          t.at.file === v.at.file && t.at.span.start.line === v.at.span.start.line
            ? { file: t.at.file, span: { start: t.at.span.start, end: v.at.span.end } }
            : t.at;
        this.endOfItem(p);
        continue;
      }
      if (t.k === 'word' && (t.text === 'comment' || t.text === 'devices' || t.text === 'device' || t.text === 'flags')) {
        p.skipToEnd();
        this.endOfItem(p);
        continue;
      }
      const rules = this.rule(p, table);
      if (rules) for (const r of rules) chain.rules.push(r);
      this.endOfItem(p);
    }
  }

  private priority(p: TokStream): number {
    const t = p.next();
    let value: number;
    if (/^-?\d+$/.test(t.text)) value = priorityNumber(t, t.text);
    else if (t.text in PRIORITY_NAMES) value = PRIORITY_NAMES[t.text] as number;
    else throw new NftError(`invalid priority "${t.text}"`, t.at);
    const n = p.peek();
    if (n.k === 'word' && /^[+-]$/.test(n.text)) {
      p.next();
      const d = p.next();
      value += (n.text === '-' ? -1 : 1) * priorityNumber(d, d.text);
    } else if (n.k === 'word' && /^[+-]\d+$/.test(n.text)) {
      p.next();
      value += priorityNumber(n, n.text);
    }
    return value;
  }

  /** One rule: statements up to the end of the line. A verdict map gives one rule per key. */
  private rule(p: TokStream, table: NftTableState): FwRule[] | undefined {
    const first = p.peek();
    const r: RuleState = { conds: [], uncertain: [], refs: [], th: [] };
    const { conds, uncertain } = r;
    let verdict: Verdict = { kind: 'continue' };
    /** The statement that ended evaluation: nothing but a comment may follow it. */
    let terminal = false;
    let commented = false;
    let last = first;
    const famOf = (f: Family): void => {
      if (table.family === (f === 4 ? 'ip6' : 'ip'))
        throw new NftError(`conflicting protocols specified: ${table.family} vs. ${f === 4 ? 'ip' : 'ip6'}`, last.at);
    };
    const words: string[] = [];
    for (;;) {
      const t = p.peek();
      if (t.k === ';' || t.k === '\n' || t.k === '}' || t.k === 'eof') break;
      // A comment ends the rule.
      if (commented) throw new NftError(`syntax error, unexpected "${t.text}", expecting newline or semicolon`, t.at);
      p.next();
      last = t;
      words.push(t.text);
      if (t.k !== 'word') {
        if (t.k === 'string' || t.k === ',') continue;
        throw new NftError(`syntax error, unexpected "${t.text}"`, t.at);
      }
      const kw = t.text;
      if (terminal && kw !== 'comment') throw new NftError('Statement after terminal statement has no effect', t.at);
      switch (kw) {
        case 'ip':
        case 'ip6': {
          const f: Family = kw === 'ip' ? 4 : 6;
          famOf(f);
          const field = p.word('field');
          words.push(field.text);
          if ((field.text === 'saddr' || field.text === 'daddr') && p.peek().text === '.') {
            conds.push({ dim: 'family', family: f });
            this.concatenation(p, r, table);
          } else if (field.text === 'saddr' || field.text === 'daddr') {
            const v = p.value();
            const dim = field.text === 'saddr' ? 'src' : 'dst';
            const kind = f === 4 ? 'ip4' : 'ip6';
            if (!this.useSet(r, v, table, kind, { dim, family: f, values: [], negate: v.negate }))
              conds.push({ dim, family: f, values: this.addresses(this.literal(v, SET_KIND_NAMES[kind]), f), negate: v.negate });
          } else if ((kw === 'ip' && field.text === 'protocol') || (kw === 'ip6' && field.text === 'nexthdr')) {
            conds.push({ dim: 'family', family: f });
            const vm = this.vmapAfter(p, table);
            if (vm) r.vmap = { dim: 'proto', ...vm, family: f };
            else this.protocolMatch(r, p.value(), table);
          } else {
            conds.push({ dim: 'family', family: f });
            this.skipExpr(p);
            uncertain.push(`${kw} ${field.text}`);
          }
          break;
        }
        case 'tcp':
        case 'udp':
        case 'sctp':
        case 'dccp':
        case 'udplite':
        case 'th': {
          const field = p.word('field');
          words.push(field.text);
          // `th` reads the bytes where a transport header's ports are, whatever the protocol.
          if (kw !== 'th') conds.push({ dim: 'proto', values: shared(Iv.point(BigInt(PROTOCOLS[kw] as number))), negate: false });
          if ((field.text === 'dport' || field.text === 'sport') && p.peek().text === '.') this.concatenation(p, r, table);
          else if (field.text === 'dport' || field.text === 'sport') {
            if (kw === 'th') r.th.push(field.text);
            const vm = this.vmapAfter(p, table);
            if (vm) r.vmap = { dim: field.text, ...vm };
            else {
              const v = p.value();
              if (!this.useSet(r, v, table, 'port', { dim: field.text, values: [], negate: v.negate }))
                conds.push({ dim: field.text, values: this.ports(this.literal(v, SET_KIND_NAMES.port)), negate: v.negate });
            }
          } else {
            this.skipExpr(p);
            uncertain.push(`${kw} ${field.text}`);
          }
          break;
        }
        case 'meta': {
          const field = p.word('meta key');
          words.push(field.text);
          this.metaOrShort(p, field, r, table);
          break;
        }
        case 'iif':
        case 'iifname':
        case 'oif':
        case 'oifname':
        case 'l4proto':
        case 'nfproto':
          this.metaOrShort(p, t, r, table);
          break;
        case 'ct': {
          // Conntrack cannot be used from a netdev table: the kernel refuses the rule (EPROTO).
          if (table.family === 'netdev') throw new NftError('Could not process rule: Protocol error', t.at);
          const field = p.word('ct key');
          words.push(field.text);
          if (field.text === 'state') {
            const vm = this.vmapAfter(p, table);
            if (vm) r.vmap = { dim: 'ct', ...vm };
            else {
              // ct state is a bitmask: `established,related` needs no braces.
              const v = p.value();
              // `!= a,b` without braces: nft 1.0.6 compares the state with the bits' sum, which
              // no packet's single state bit equals (always true); later nft tests "neither".
              if (v.negate && v.list) uncertain.push('ct state != list (meaning depends on the nft version)');
              else if (!this.useSet(r, v, table, 'ct', { dim: 'ct', states: [], negate: v.negate }))
                conds.push({ dim: 'ct', states: this.ctStates(v.toks), negate: v.negate });
            }
          } else {
            this.skipExpr(p);
            uncertain.push(`ct ${field.text}`);
          }
          break;
        }
        case 'icmp':
        case 'icmpv6': {
          const f: Family = kw === 'icmp' ? 4 : 6;
          famOf(f);
          conds.push({ dim: 'family', family: f }, { dim: 'proto', values: shared(Iv.point(kw === 'icmp' ? 1n : 58n)), negate: false });
          const field = p.word('field');
          words.push(field.text);
          this.skipExpr(p);
          uncertain.push(`${kw} ${field.text}`);
          break;
        }
        case 'counter':
          while (p.peek().text === 'packets' || p.peek().text === 'bytes') {
            p.next();
            p.next();
          }
          break;
        case 'log':
          while (['prefix', 'level', 'flags', 'group', 'snaplen', 'queue-threshold'].includes(p.peek().text)) {
            p.next();
            p.next();
            while (p.peek().k === ',') {
              p.next();
              p.next();
            }
          }
          break;
        case 'comment':
          p.next();
          commented = true;
          break;
        case 'limit':
        case 'quota':
          uncertain.push(kw);
          this.skipExpr(p);
          break;
        case 'accept':
        case 'drop':
        case 'return':
          verdict = { kind: kw };
          terminal = true;
          break;
        case 'continue':
          verdict = { kind: kw };
          break;
        case 'reject':
          verdict = { kind: 'reject' };
          terminal = true;
          if (p.peek().text === 'with') {
            p.next();
            const kind = p.next();
            if (kind.text === 'tcp') {
              p.next();
            } else {
              if (p.peek().text === 'type') p.next();
              p.next();
            }
          }
          break;
        case 'jump':
        case 'goto': {
          const target = p.word('chain');
          verdict = { kind: kw, chain: target.text };
          terminal = true;
          break;
        }
        case 'queue':
          // The packet goes to a user-space program (`num 3`, `to 1-3`, `flags bypass,fanout`): evaluation ends here.
          verdict = { kind: 'queue' };
          terminal = true;
          this.skipExpr(p);
          break;
        default:
          if (!STATEMENT_KEYWORDS.has(kw)) throw new NftError(`syntax error, unexpected "${kw}"`, t.at);
          // An expression nsl-lint does not model (fib, mark, ether, nat statements, …).
          uncertain.push(kw);
          if (NAT_STATEMENTS.has(kw)) terminal = true;
          this.skipExpr(p);
      }
    }
    if (words.length === 0) return undefined;
    const at: SpanLocation =
      first.at.file === last.at.file ? { file: first.at.file, span: { start: first.at.span.start, end: last.at.span.end } } : first.at;
    const text = words.join(' ');
    let out: FwRule[];
    const vmap = r.vmap;
    if (vmap?.unknown) {
      // A verdict map nsl-lint cannot read (filled at run time, combined keys): any key may accept or drop.
      const why = vmap.unknown;
      out = (['accept', 'drop'] as const).map((kind) => ({
        at,
        text,
        conds: conds.slice(),
        verdict: { kind },
        uncertain: [...uncertain, why],
      }));
    } else if (vmap) {
      // One rule per key of the verdict map; packets matching no key continue.
      out = [];
      for (const e of vmap.entries ?? []) {
        const extra: Cond[] =
          vmap.dim === 'ct'
            ? [{ dim: 'ct', states: this.ctStates([e.key]), negate: false }]
            : vmap.dim === 'proto'
              ? [{ dim: 'proto', values: this.protocols([e.key]), negate: false }]
              : vmap.dim === 'iif'
                ? [{ dim: 'iif', names: [this.ifName(e.key)], negate: false }]
                : [{ dim: vmap.dim, values: this.ports([e.key]), negate: false }];
        out.push({ at, text, conds: [...conds, ...extra], verdict: e.verdict, uncertain: [...uncertain] });
      }
    } else {
      // Exact-size copies: pushed arrays keep spare room, for each of maybe a million rules.
      out = [{ at, text, conds: conds.slice(), verdict, uncertain: uncertain.slice() }];
    }
    if (r.refs.length || r.th.length) this.pending.push({ rules: out, refs: r.refs, th: r.th });
    return out;
  }

  /**
   * The rest of a concatenation (`ip saddr . tcp dport @allowed`, `… vmap { 192.0.2.1 . 22 :
   * accept }`): nsl-lint does not model matches on combined keys, so the rule may match; a
   * verdict map of them may accept or drop.
   */
  private concatenation(p: TokStream, r: RuleState, table: NftTableState): void {
    while (p.peek().text === '.') {
      p.next();
      const head = p.word('expression');
      if (PORT_KEYWORDS.has(head.text))
        r.conds.push({ dim: 'proto', values: shared(Iv.point(BigInt(PROTOCOLS[head.text] as number))), negate: false });
      if (FIELD_KEYWORDS.has(head.text)) p.word('field');
    }
    r.uncertain.push('concatenation');
    const vm = this.vmapAfter(p, table);
    if (vm) {
      r.vmap = { dim: 'proto', unknown: 'vmap on a concatenation (not modelled)' };
      return;
    }
    for (;;) {
      p.value();
      if (p.peek().text !== '.') return;
      p.next();
    }
  }

  /**
   * `@name` as the value of a match: the condition is filled from the set's elements once the
   * whole ruleset is read (an `add element` after the rule counts too). False for literals.
   */
  private useSet(r: RuleState, v: Value, table: NftTableState, kind: SetKind, placeholder: Cond): boolean {
    const set = this.setRef(v, table, kind);
    if (!set) return false;
    r.conds.push(placeholder);
    r.refs.push({ cond: placeholder, set, kind });
    return true;
  }

  private protocolMatch(r: RuleState, v: Value, table: NftTableState): void {
    if (!this.useSet(r, v, table, 'proto', { dim: 'proto', values: [], negate: v.negate }))
      r.conds.push({ dim: 'proto', values: this.protocols(this.literal(v, SET_KIND_NAMES.proto)), negate: v.negate });
  }

  private metaOrShort(p: TokStream, key: Tok, r: RuleState, table: NftTableState): void {
    switch (key.text) {
      case 'iif':
      case 'iifname':
      case 'oif':
      case 'oifname': {
        if (p.peek().text === '.') return this.concatenation(p, r, table);
        const dim = key.text.startsWith('i') ? 'iif' : 'oif';
        const vm = dim === 'iif' ? this.vmapAfter(p, table) : undefined;
        if (vm) r.vmap = { dim: 'iif', ...vm };
        else {
          const v = p.value();
          const kind = key.text.endsWith('name') ? 'ifname' : 'ifindex';
          if (!this.useSet(r, v, table, kind, { dim, names: [], negate: v.negate }))
            r.conds.push({ dim, names: this.literal(v, SET_KIND_NAMES[kind]).map((t) => this.ifName(t)), negate: v.negate });
        }
        return;
      }
      case 'l4proto': {
        if (p.peek().text === '.') return this.concatenation(p, r, table);
        const vm = this.vmapAfter(p, table);
        if (vm) r.vmap = { dim: 'proto', ...vm };
        else this.protocolMatch(r, p.value(), table);
        return;
      }
      case 'nfproto': {
        const v = p.value();
        const names = v.toks.map((t) => t.map((x) => x.text).join(''));
        const fams = names.map((n) => (n === 'ipv4' ? 4 : n === 'ipv6' ? 6 : 0));
        if (fams.some((f) => f === 0)) throw new NftError(`invalid nfproto "${names.join(',')}"`, key.at);
        if (fams.length === 1 && !v.negate) r.conds.push({ dim: 'family', family: fams[0] as Family });
        else if (fams.length === 1 && v.negate) r.conds.push({ dim: 'family', family: fams[0] === 4 ? 6 : 4 });
        return;
      }
      case 'protocol':
      default:
        this.skipExpr(p);
        r.uncertain.push(`meta ${key.text}`);
    }
  }

  /** `vmap { key : verdict, … }` or `vmap @name` right after a value, if present. */
  private vmapAfter(p: TokStream, table: NftTableState): { entries?: VmapEntry[]; unknown?: string } | undefined {
    if (p.peek().text !== 'vmap') return undefined;
    const v = p.vmap();
    if (Array.isArray(v)) return { entries: v };
    const map = table.sets.get(v.text.slice(1));
    if (!map || map.map === undefined) throw new NftError(`map "${v.text.slice(1)}" does not exist`, v.at);
    if (map.map !== 'verdict') throw new NftError(`map "${map.name}" is not a verdict map`, v.at);
    if (!staticElements(map)) return { unknown: `vmap ${v.text} (entries known only at run time)` };
    return { entries: map.elements.map((el) => vmapEntry(el, v.at)) };
  }

  /**
   * Once the whole ruleset is read: conditions on named sets get the sets' final elements (a
   * set whose elements are known only at run time makes its rule "may match"), and a `th`
   * port match whose rule lets through protocols without ports becomes "may match" (those
   * bytes are an ICMP checksum, an ESP SPI, …).
   */
  private settle(): void {
    for (const { rules, refs, th } of this.pending.splice(0)) {
      for (const ref of refs) {
        const filled = this.fill(ref);
        for (const rule of rules) {
          if (filled) rule.conds = rule.conds.map((c) => (c === ref.cond ? filled : c));
          else {
            // May match; an address match still means its family.
            const cond = ref.cond;
            rule.conds =
              cond.dim === 'src' || cond.dim === 'dst'
                ? rule.conds.map((c) => (c === cond ? { dim: 'family', family: cond.family } : c))
                : rule.conds.filter((c) => c !== cond);
            rule.uncertain.push(`@${ref.set.name} (elements known only at run time)`);
          }
        }
      }
      if (th.length)
        for (const rule of rules)
          if (!portProtocolsOnly(rule.conds)) for (const f of th) rule.uncertain.push(`th ${f} (bytes of any transport header)`);
    }
  }

  private fill({ cond, set, kind }: SetUse): Cond | undefined {
    if (!staticElements(set)) return undefined;
    switch (cond.dim) {
      case 'src':
      case 'dst':
      case 'proto':
      case 'sport':
      case 'dport':
        return { ...cond, values: this.setValues(set, kind) };
      case 'iif':
      case 'oif':
        return { ...cond, names: set.elements.map((el) => this.ifName(el)) };
      case 'ct':
        return { ...cond, states: this.ctStates(set.elements) };
      default:
        return undefined;
    }
  }

  private ifName(toks: Tok[]): string {
    const name = toks.map((t) => t.text).join('');
    if (name.length > 15 + (name.endsWith('*') ? 1 : 0)) throw new NftError(`interface name "${name}" is too long`, (toks[0] as Tok).at);
    const out = name.endsWith('*') ? `${name.slice(0, -1)}+` : name;
    this.interfaces.add(out);
    return out;
  }

  private skipExpr(p: TokStream): void {
    for (;;) {
      const t = p.peek();
      if (t.k === ';' || t.k === '\n' || t.k === '}' || t.k === 'eof') return;
      if (
        t.k === 'word' &&
        (STATEMENT_KEYWORDS.has(t.text) ||
          ['accept', 'drop', 'reject', 'return', 'jump', 'goto', 'continue', 'counter', 'log'].includes(t.text)) &&
        !['set', 'add', 'update', 'mark', 'priority', 'protocol', 'length', 'time', 'day', 'hour', 'dst', 'frag'].includes(t.text)
      )
        return;
      if (t.k === '{') {
        p.next();
        p.skipBlock();
        continue;
      }
      p.next();
    }
  }

  private addresses(toks: Tok[][], f: Family): Intervals {
    return Iv.from(
      toks.map((el): readonly [bigint, bigint] => {
        const text = el.map((t) => t.text).join('');
        const spec = parseAddressSpec(text);
        if (!spec) {
          const [a, b] = text.split('-').map((x) => parseAddressSpec(x));
          if (a && b && a.start > b.start) throw new NftError('Range has zero or negative size', (el[0] as Tok).at);
          throw new NftError(`invalid address "${text}"`, (el[0] as Tok).at);
        }
        if (spec.family !== f) throw new NftError(`address "${text}" is not ${f === 4 ? 'IPv4' : 'IPv6'}`, (el[0] as Tok).at);
        return [spec.start, spec.end];
      }),
    );
  }

  private ports(toks: Tok[][]): Intervals {
    const out = Iv.from(
      toks.map((el): readonly [bigint, bigint] => {
        const text = el.map((t) => t.text).join('');
        const [a = '', b] = text.split('-');
        const lo = parsePort(a);
        const hi = b === undefined ? lo : parsePort(b);
        if (lo === undefined || hi === undefined) throw new NftError(`invalid port "${text}"`, (el[0] as Tok).at);
        if (lo > hi) throw new NftError('Range has zero or negative size', (el[0] as Tok).at);
        return [BigInt(lo), BigInt(hi)];
      }),
    );
    return shared(out);
  }

  private protocols(toks: Tok[][]): Intervals {
    const ranges: (readonly [bigint, bigint])[] = [];
    for (const el of toks) {
      const text = el
        .map((t) => t.text)
        .join('')
        .toLowerCase();
      const n = PROTOCOLS[text] ?? (/^\d+$/.test(text) ? Number(text) : undefined);
      if (n === undefined || n < 0 || n > 255) throw new NftError(`unknown protocol "${text}"`, (el[0] as Tok).at);
      ranges.push([BigInt(n), BigInt(n)]);
    }
    return shared(Iv.from(ranges));
  }

  /**
   * `@name` as a whole value: the set, checked to exist and to hold values of `kind` (nft:
   * "datatype mismatch"). A set of a type nsl-lint does not read is accepted: what it holds
   * is then unknown.
   */
  private setRef(v: Value, table: NftTableState, kind: SetKind): NftSet | undefined {
    const tok = v.toks.length === 1 && v.toks[0]?.length === 1 ? (v.toks[0][0] as Tok) : undefined;
    if (!tok || tok.k !== 'word' || !tok.text.startsWith('@')) return undefined;
    const set = table.sets.get(tok.text.slice(1));
    if (!set || set.map !== undefined) throw new NftError(`set "${tok.text.slice(1)}" does not exist`, tok.at);
    if (set.kind !== 'other' && set.kind !== kind)
      throw new NftError(
        `datatype mismatch, expected ${SET_KIND_NAMES[kind]}, set "${set.name}" has type ${SET_KIND_NAMES[set.kind]}`,
        tok.at,
      );
    return set;
  }

  /** A literal value of an expression whose type is no bitmask: a comma list needs braces (`{ 22, 23 }`). */
  private literal(v: Value, what: string): Tok[][] {
    if (v.list) throw new NftError(`Basetype of type ${what} is not bitmask (a list needs braces: { a, b })`, (v.toks[0]?.[0] as Tok).at);
    return v.toks;
  }

  /** The values of a named set as a rule of `kind` reads them; computed once per set and kind. */
  private setValues(set: NftSet, kind: SetKind): Intervals {
    let v = set.values.get(kind);
    if (!v) {
      if (kind === 'ip4' || kind === 'ip6') v = this.addresses(set.elements, kind === 'ip4' ? 4 : 6);
      else if (kind === 'port') v = this.ports(set.elements);
      else v = this.protocols(set.elements);
      set.values.set(kind, v);
    }
    return v;
  }

  private ctStates(toks: Tok[][]): CtState[] {
    return toks.map((el) => {
      const text = el.map((t) => t.text).join('');
      if (!(CT_STATES as readonly string[]).includes(text)) throw new NftError(`invalid conntrack state "${text}"`, (el[0] as Tok).at);
      return text as CtState;
    });
  }

  tablesOut(): FwTable[] {
    try {
      this.settle();
      const out: FwTable[] = [];
      for (const t of this.tables.values()) {
        const table: FwTable = { kind: 'nft', family: t.family, name: t.name, at: t.at, chains: [] };
        for (const c of t.chains.values()) {
          const chain: FwChain = { name: c.name, table, priority: c.priority, rules: chainRules(c), declaredAt: c.at };
          if (c.hook) {
            chain.hook = c.hook;
            chain.type = c.type ?? 'filter';
            chain.policy = c.policy ?? 'accept';
            if (c.devices) chain.devices = c.devices;
          }
          if (c.policyAt) chain.policyAt = c.policyAt;
          table.chains.push(chain);
        }
        out.push(table);
      }
      return out;
    } catch (e) {
      throw asNftError(e, this.startAt ?? fileStart(''));
    }
  }

  /**
   * Chains named by jump/goto must exist in the same table, and the elements of an interval
   * set without auto-merge must not overlap (nft refuses the ruleset otherwise).
   */
  validate(): NftError | undefined {
    try {
      for (const t of this.tables.values()) {
        for (const c of t.chains.values())
          for (const r of chainRules(c))
            if ((r.verdict.kind === 'jump' || r.verdict.kind === 'goto') && !t.chains.has(r.verdict.chain))
              return new NftError(`chain "${r.verdict.chain}" does not exist`, r.at);
        for (const set of t.sets.values()) {
          const conflict = overlap(set.intervals);
          if (conflict) return new NftError(`conflicting intervals specified in set "${set.name}" (it has no auto-merge)`, conflict.at);
        }
      }
      return undefined;
    } catch (e) {
      throw asNftError(e, this.startAt ?? fileStart(''));
    }
  }
}

/** A value after a match: its elements (one token list each), `!=`, and whether it was a comma list without braces. */
interface Value {
  negate: boolean;
  toks: Tok[][];
  list?: true;
}

interface VmapEntry {
  key: Tok[];
  verdict: Verdict;
}

/** What one ruleset has used of its bounds, across all the files and commands it reads. */
interface Budget {
  expanded: number;
  elements: number;
  vmapEntries: number;
}

/** One `$variable` being expanded: its value and the use site every token of it is reported at. */
interface Frame {
  parts: readonly (Tok | DefValue)[];
  i: number;
  at: SpanLocation;
}

/** Tokens with `define` substitution and small readers for values. */
class TokStream {
  /** Expansions under way, innermost last; empty when reading straight from the lexer. */
  private readonly frames: Frame[] = [];
  /** The lexer's next token, read but not consumed. */
  private ahead: Tok | undefined;
  /** What peek() returns until next() consumes it. */
  private current: Tok | undefined;
  /** The last token looked at, for errors that carry no position of their own. */
  private last: Tok | undefined;

  constructor(
    private readonly lexer: Lexer,
    private readonly defines: Map<string, DefValue>,
    private readonly budget: Budget,
  ) {}

  position(): SpanLocation {
    return this.last?.at ?? this.lexer.position();
  }

  /** The next item without expanding it: a token, or the value of a variable and where it is used. */
  private peekRaw(): Tok | { def: DefValue; at: SpanLocation } {
    if (this.current) return this.current;
    while (this.frames.length > 0) {
      const f = this.frames[this.frames.length - 1] as Frame;
      if (f.i >= f.parts.length) {
        this.frames.pop();
        continue;
      }
      const part = f.parts[f.i] as Tok | DefValue;
      if (isDef(part)) return { def: part, at: f.at };
      return (this.last = this.current = { k: part.k, text: part.text, at: f.at });
    }
    const t = (this.ahead ??= this.lexer.next());
    this.last = t;
    if (t.k !== 'var') return (this.current = t);
    const def = this.defines.get(t.text.slice(1));
    if (!def) throw new NftError(`unknown identifier "${t.text.slice(1)}"`, t.at);
    return { def, at: t.at };
  }

  /** Consume what peekRaw() returned. */
  private advance(): void {
    this.current = undefined;
    // (Never read frames[-1]: an out-of-bounds read is slow in V8.)
    if (this.frames.length > 0) (this.frames[this.frames.length - 1] as Frame).i++;
    else this.ahead = undefined;
  }

  peek(): Tok {
    for (;;) {
      const x = this.peekRaw();
      if (!('def' in x)) return x;
      const outermost = this.frames.length === 0;
      this.advance();
      if (outermost) {
        // Everything nested in the value is counted in its size and depth.
        if (x.def.depth > MAX_DEFINE_DEPTH)
          throw new NftError(`definitions refer to each other more than ${MAX_DEFINE_DEPTH} levels deep`, x.at);
        this.budget.expanded += x.def.size;
        if (this.budget.expanded > MAX_EXPANDED_TOKENS)
          throw new NftError(
            `variables expand to more than ${MAX_EXPANDED_TOKENS} tokens in this ruleset (a definition that doubles at each level?)`,
            x.at,
          );
      }
      this.frames.push({ parts: x.def.parts, i: 0, at: x.at });
    }
  }

  next(): Tok {
    const t = this.peek();
    if (t.k !== 'eof') this.advance();
    return t;
  }

  word(what: string): Tok {
    const t = this.next();
    if (t.k !== 'word' && t.k !== 'string') throw new NftError(`syntax error, expected ${what}`, t.at);
    return t;
  }

  expect(k: TokKind): Tok {
    const t = this.next();
    if (t.k !== k) throw new NftError(`syntax error, expected "${k}"`, t.at);
    return t;
  }

  skipSeparators(): void {
    while (this.peek().k === ';' || this.peek().k === '\n') this.next();
  }

  skipToEnd(): void {
    for (;;) {
      const t = this.peek();
      if (t.k === ';' || t.k === '\n' || t.k === '}' || t.k === 'eof') return;
      if (t.k === '{') {
        this.next();
        this.skipBlock();
        continue;
      }
      this.next();
    }
  }

  /** After an opening brace: up to and including its closing brace. */
  skipBlock(): void {
    let depth = 1;
    for (;;) {
      const t = this.next();
      if (t.k === 'eof') throw new NftError('syntax error, unexpected end of file (missing "}")', t.at);
      if (t.k === '{') depth++;
      if (t.k === '}' && --depth === 0) return;
    }
  }

  /**
   * The value of a `define` (up to the end of the line; braces may span lines). Variables in it
   * are bound now, to their current values, and expanded only where the new one is used.
   */
  rawValue(): DefValue {
    const parts: (Tok | DefValue)[] = [];
    let depth = 0;
    let size = 0;
    let nested = 0;
    for (;;) {
      const x = this.peekRaw();
      if ('def' in x) {
        this.advance();
        parts.push(x.def);
        size += x.def.size;
        nested = Math.max(nested, x.def.depth);
        depth += x.def.balance;
        continue;
      }
      if (x.k === 'eof') break;
      if (depth === 0 && (x.k === ';' || x.k === '\n')) break;
      if (x.k === '{') depth++;
      if (x.k === '}') depth--;
      parts.push(x);
      size++;
      this.advance();
    }
    if (parts.length === 0) throw new NftError('syntax error, empty definition', this.position());
    return { parts, size, depth: nested + 1, balance: depth };
  }

  /** Elements after `{`, up to and including `}`; each element is one or more tokens (`10.0.0.1 - 10.0.0.9`). */
  elementList(): Tok[][] {
    const out: Tok[][] = [];
    // Nested anonymous sets (from defines) are flattened; `open` holds the elements they interrupted.
    const open: Tok[][] = [];
    let current: Tok[] = [];
    for (;;) {
      const t = this.next();
      if (t.k === 'eof') throw new NftError('syntax error, unexpected end of file in set', t.at);
      if (t.k === '\n') continue;
      if (t.k === '}' || t.k === ',') {
        if (current.length) {
          if (++this.budget.elements > MAX_SET_ELEMENTS)
            throw new NftError(`more than ${MAX_SET_ELEMENTS} set elements in this ruleset`, (current[0] as Tok).at);
          // Copied to an array of its exact size: a grown one keeps spare room, per element of sets of millions.
          out.push(current.slice());
        }
        current.length = 0;
        if (t.k === '}') {
          const outer = open.pop();
          if (!outer) return out;
          current = outer;
        }
        continue;
      }
      if (t.k === '{') {
        open.push(current);
        current = [];
        continue;
      }
      // nft refuses a named set inside braces (`{ 443, @ports }`).
      if (t.k === 'word' && t.text.startsWith('@')) throw new NftError(`syntax error, unexpected "${t.text}" in a set`, t.at);
      current.push(t);
    }
  }

  /** `[!=|==] value`, where value is a single element, a `{…}` set, a comma list, or `@set`. */
  value(): Value {
    let negate = false;
    const op = this.peek();
    if (op.k === 'op' && (op.text === '!=' || op.text === '==')) {
      this.next();
      negate = op.text === '!=';
    }
    const first = this.peek();
    if (first.k === '{') {
      this.next();
      return { negate, toks: this.elementList() };
    }
    const toks: Tok[][] = [];
    for (;;) {
      const t = this.next();
      if (t.k !== 'word' && t.k !== 'string') throw new NftError(`syntax error, unexpected "${t.text}"`, t.at);
      toks.push([t]);
      if (this.peek().k !== ',') break;
      if (t.text.startsWith('@')) throw new NftError('syntax error, unexpected ","', this.peek().at);
      this.next();
    }
    return toks.length > 1 ? { negate, toks, list: true } : { negate, toks };
  }

  /** After `vmap`: `{ key : verdict, … }`, or `@name` of a verdict map. */
  vmap(): VmapEntry[] | Tok {
    this.next();
    const ref = this.peek();
    if (ref.k === 'word' && ref.text.startsWith('@')) return this.next();
    this.expect('{');
    const out: VmapEntry[] = [];
    for (;;) {
      let t = this.peek();
      while (t.k === '\n' || t.k === ',') {
        this.next();
        t = this.peek();
      }
      if (t.k === '}') {
        this.next();
        return out;
      }
      const toks: Tok[] = [];
      while (t.k !== ',' && t.k !== '}' && t.k !== '\n') {
        if (t.k === 'eof') throw new NftError('syntax error, unexpected end of file in verdict map', t.at);
        toks.push(this.next());
        t = this.peek();
      }
      if (++this.budget.vmapEntries > MAX_VMAP_ENTRIES)
        throw new NftError(`more than ${MAX_VMAP_ENTRIES} verdict map entries in this ruleset`, (toks[0] ?? t).at);
      out.push(vmapEntry(toks, t.at));
    }
  }
}

/** One `key : verdict` of a verdict map, from its tokens (`22 : accept`, `22: jump ssh`). */
export function vmapEntry(toks: readonly Tok[], end: SpanLocation): VmapEntry {
  const colon = toks.findIndex((t) => t.text === ':' || (t.k === 'word' && t.text.endsWith(':')));
  const c = toks[colon];
  if (!c) throw new NftError('syntax error, expected ":" in a verdict map', toks[0]?.at ?? end);
  const key = toks.slice(0, colon);
  if (c.text !== ':') key.push({ k: c.k, text: c.text.slice(0, -1), at: c.at });
  const [v, target, ...rest] = toks.slice(colon + 1);
  if (!v) throw new NftError('syntax error, expected a verdict', c.at);
  let verdict: Verdict;
  if (v.text === 'jump' || v.text === 'goto') {
    if (!target || (target.k !== 'word' && target.k !== 'string')) throw new NftError('syntax error, expected chain', v.at);
    verdict = { kind: v.text, chain: target.text };
  } else if (['accept', 'drop', 'return', 'continue'].includes(v.text) && !target) verdict = { kind: v.text as 'accept' };
  else throw new NftError(`invalid verdict "${v.text}"`, v.at);
  const extra = rest[0];
  if (extra) throw new NftError(`syntax error, unexpected "${extra.text}"`, extra.at);
  return { key, verdict };
}
