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

interface NftSet {
  type: string;
  elements: Tok[][];
  /** Parsed values by kind (`port`, `ip4`, `ip6`), computed once however many rules name the set. */
  values: Map<string, Intervals>;
}

function addElements(set: NftSet, elements: Tok[][]): void {
  for (const e of elements) set.elements.push(e);
  set.values.clear();
}

interface NftChainState {
  name: string;
  at: SpanLocation;
  type?: string;
  hook?: Hook;
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
  'ct',
  'tunnel',
  'xfrm',
  'last',
  'reset',
]);

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
          this.setBody(p, table, sname.text);
          return;
        }
        if (what.text === 'element') {
          const sname = p.word('set name');
          const set = table.sets.get(sname.text);
          if (!set) throw new NftError(`no such set: ${sname.text}`, sname.at);
          p.expect('{');
          addElements(set, p.elementList());
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
        this.setBody(p, table, sname.text);
      } else if (['flags', 'comment'].includes(t.text)) {
        p.skipToEnd();
      } else if (['flowtable', 'counter', 'quota', 'ct', 'limit', 'secmark', 'synproxy'].includes(t.text)) {
        // Stateful objects: read and ignore their block.
        while (p.peek().k !== '{' && p.peek().k !== 'eof') p.next();
        p.expect('{');
        p.skipBlock();
      } else throw new NftError(`syntax error, unexpected "${t.text}" in table`, t.at);
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

  private setBody(p: TokStream, table: NftTableState, name: string): void {
    const set: NftSet = table.sets.get(name) ?? { type: '', elements: [], values: new Map() };
    table.sets.set(name, set);
    for (;;) {
      p.skipSeparators();
      const t = p.next();
      if (t.k === '}') return;
      if (t.k === 'eof') throw new NftError('syntax error, unexpected end of file in set', t.at);
      if (t.text === 'type' || t.text === 'typeof') {
        const words: string[] = [];
        while (![';', '\n', '}', 'eof'].includes(p.peek().k)) words.push(p.next().text);
        set.type = words.join(' ');
      } else if (t.text === 'elements') {
        const eq = p.next();
        if (eq.text !== '=') throw new NftError('syntax error, expected "="', eq.at);
        p.expect('{');
        addElements(set, p.elementList());
      } else p.skipToEnd();
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
        if (p.peek().text === 'device') {
          p.next();
          p.next();
        }
        const pr = p.word('priority');
        if (pr.text !== 'priority') throw new NftError('syntax error, expected "priority"', pr.at);
        chain.priority = this.priority(p);
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
        continue;
      }
      if (t.k === 'word' && (t.text === 'comment' || t.text === 'devices' || t.text === 'device' || t.text === 'flags')) {
        p.skipToEnd();
        continue;
      }
      const rules = this.rule(p, table);
      if (rules) for (const r of rules) chain.rules.push(r);
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
    const conds: Cond[] = [];
    const uncertain: string[] = [];
    let verdict: Verdict = { kind: 'continue' };
    let vmap: { dim: 'ct' | 'proto' | 'dport' | 'sport' | 'iif'; entries: { key: Tok[]; verdict: Verdict }[]; family?: Family } | undefined;
    let last = first;
    const famOf = (f: Family): void => {
      if (table.family === (f === 4 ? 'ip6' : 'ip'))
        throw new NftError(`conflicting protocols specified: ${table.family} vs. ${f === 4 ? 'ip' : 'ip6'}`, last.at);
    };
    const words: string[] = [];
    for (;;) {
      const t = p.peek();
      if (t.k === ';' || t.k === '\n' || t.k === '}' || t.k === 'eof') break;
      p.next();
      last = t;
      words.push(t.text);
      if (t.k !== 'word') {
        if (t.k === 'string' || t.k === ',') continue;
        throw new NftError(`syntax error, unexpected "${t.text}"`, t.at);
      }
      const kw = t.text;
      const value = (): { negate: boolean; toks: Tok[][] } => p.value();
      switch (kw) {
        case 'ip':
        case 'ip6': {
          const f: Family = kw === 'ip' ? 4 : 6;
          famOf(f);
          const field = p.word('field');
          words.push(field.text);
          if (field.text === 'saddr' || field.text === 'daddr') {
            const v = value();
            conds.push({
              dim: field.text === 'saddr' ? 'src' : 'dst',
              family: f,
              values: this.addresses(v.toks, f, table),
              negate: v.negate,
            });
          } else if ((kw === 'ip' && field.text === 'protocol') || (kw === 'ip6' && field.text === 'nexthdr')) {
            conds.push({ dim: 'family', family: f });
            const vm = this.vmapAfter(p);
            if (vm) vmap = { dim: 'proto', entries: vm, family: f };
            else {
              const v = value();
              conds.push({ dim: 'proto', values: this.protocols(v.toks), negate: v.negate });
            }
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
          const proto = kw === 'th' ? PORT_PROTOCOLS : shared(Iv.point(BigInt(PROTOCOLS[kw] as number)));
          conds.push({ dim: 'proto', values: proto, negate: false });
          if (field.text === 'dport' || field.text === 'sport') {
            const vm = this.vmapAfter(p);
            if (vm) vmap = { dim: field.text, entries: vm };
            else {
              const v = value();
              conds.push({ dim: field.text, values: this.ports(v.toks, table), negate: v.negate });
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
          this.metaOrShort(p, field, conds, uncertain, table, (vm) => (vmap = vm));
          break;
        }
        case 'iif':
        case 'iifname':
        case 'oif':
        case 'oifname':
        case 'l4proto':
        case 'nfproto':
          this.metaOrShort(p, t, conds, uncertain, table, (vm) => (vmap = vm));
          break;
        case 'ct': {
          const field = p.word('ct key');
          words.push(field.text);
          if (field.text === 'state') {
            const vm = this.vmapAfter(p);
            if (vm) vmap = { dim: 'ct', entries: vm };
            else {
              const v = value();
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
          break;
        case 'limit':
        case 'quota':
          uncertain.push(kw);
          this.skipExpr(p);
          break;
        case 'accept':
        case 'drop':
        case 'return':
        case 'continue':
          verdict = { kind: kw };
          break;
        case 'reject':
          verdict = { kind: 'reject' };
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
          break;
        }
        case 'queue':
          verdict = { kind: 'accept' };
          uncertain.push('queue');
          this.skipExpr(p);
          break;
        default:
          if (!STATEMENT_KEYWORDS.has(kw)) throw new NftError(`syntax error, unexpected "${kw}"`, t.at);
          // An expression nsl-lint does not model (fib, mark, ether, nat statements, …).
          uncertain.push(kw);
          this.skipExpr(p);
      }
    }
    if (words.length === 0) return undefined;
    const at: SpanLocation =
      first.at.file === last.at.file ? { file: first.at.file, span: { start: first.at.span.start, end: last.at.span.end } } : first.at;
    const text = words.join(' ');
    if (vmap) {
      // One rule per key of the verdict map; packets matching no key continue.
      const out: FwRule[] = [];
      for (const e of vmap.entries) {
        const extra: Cond[] =
          vmap.dim === 'ct'
            ? [{ dim: 'ct', states: this.ctStates([e.key]), negate: false }]
            : vmap.dim === 'proto'
              ? [{ dim: 'proto', values: this.protocols([e.key]), negate: false }]
              : vmap.dim === 'iif'
                ? [{ dim: 'iif', names: [this.ifName(e.key)], negate: false }]
                : [{ dim: vmap.dim, values: this.ports([e.key], table), negate: false }];
        out.push({ at, text, conds: [...conds, ...extra], verdict: e.verdict, uncertain: [...uncertain] });
      }
      return out;
    }
    // Exact-size copies: pushed arrays keep spare room, for each of maybe a million rules.
    return [{ at, text, conds: conds.slice(), verdict, uncertain: uncertain.slice() }];
  }

  private metaOrShort(
    p: TokStream,
    key: Tok,
    conds: Cond[],
    uncertain: string[],
    table: NftTableState,
    setVmap: (vm: { dim: 'iif' | 'proto'; entries: { key: Tok[]; verdict: Verdict }[] }) => void,
  ): void {
    switch (key.text) {
      case 'iif':
      case 'iifname':
      case 'oif':
      case 'oifname': {
        const dim = key.text.startsWith('i') ? 'iif' : 'oif';
        const vm = dim === 'iif' ? this.vmapAfter(p) : undefined;
        if (vm) setVmap({ dim: 'iif', entries: vm });
        else {
          const v = p.value();
          conds.push({ dim, names: v.toks.map((t) => this.ifName(t)), negate: v.negate });
        }
        return;
      }
      case 'l4proto': {
        const vm = this.vmapAfter(p);
        if (vm) setVmap({ dim: 'proto', entries: vm });
        else {
          const v = p.value();
          conds.push({ dim: 'proto', values: this.protocols(v.toks), negate: v.negate });
        }
        return;
      }
      case 'nfproto': {
        const v = p.value();
        const names = v.toks.map((t) => t.map((x) => x.text).join(''));
        const fams = names.map((n) => (n === 'ipv4' ? 4 : n === 'ipv6' ? 6 : 0));
        if (fams.some((f) => f === 0)) throw new NftError(`invalid nfproto "${names.join(',')}"`, key.at);
        if (fams.length === 1 && !v.negate) conds.push({ dim: 'family', family: fams[0] as Family });
        else if (fams.length === 1 && v.negate) conds.push({ dim: 'family', family: fams[0] === 4 ? 6 : 4 });
        return;
      }
      case 'protocol':
      default:
        this.skipExpr(p);
        uncertain.push(`meta ${key.text}`);
        void table;
    }
  }

  /** `vmap { key : verdict, … }` right after a value, if present. */
  private vmapAfter(p: TokStream): { key: Tok[]; verdict: Verdict }[] | undefined {
    if (p.peek().text !== 'vmap') return undefined;
    return p.vmap();
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

  /**
   * The values of a list whose elements are literals or `@set` references. A set's values are
   * parsed once per kind and shared by every rule that names it (they are never modified).
   */
  private values(toks: Tok[][], table: NftTableState, kind: string, one: (el: Tok[]) => readonly [bigint, bigint]): Intervals {
    const isRef = (el: Tok[]): el is [Tok] => el.length === 1 && (el[0] as Tok).text.startsWith('@');
    const ofSet = (tok: Tok): Intervals => {
      const set = table.sets.get(tok.text.slice(1));
      if (!set) throw new NftError(`set "${tok.text.slice(1)}" does not exist`, tok.at);
      let v = set.values.get(kind);
      if (!v) {
        v = Iv.from(set.elements.map(one));
        set.values.set(kind, v);
      }
      return v;
    };
    if (toks.length === 1 && isRef(toks[0] as Tok[])) return ofSet((toks[0] as [Tok])[0]);
    const ranges: (readonly [bigint, bigint])[] = [];
    const sets: Intervals[] = [];
    for (const el of toks) {
      if (isRef(el)) sets.push(ofSet(el[0]));
      else ranges.push(one(el));
    }
    let out = Iv.from(ranges);
    for (const v of sets) out = Iv.union(out, v);
    return kind === 'port' ? shared(out) : out;
  }

  private addresses(toks: Tok[][], f: Family, table: NftTableState): Intervals {
    return this.values(toks, table, `ip${f}`, (el) => {
      const text = el.map((t) => t.text).join('');
      const spec = parseAddressSpec(text);
      if (!spec) throw new NftError(`invalid address "${text}"`, (el[0] as Tok).at);
      if (spec.family !== f) throw new NftError(`address "${text}" is not ${f === 4 ? 'IPv4' : 'IPv6'}`, (el[0] as Tok).at);
      return [spec.start, spec.end];
    });
  }

  private ports(toks: Tok[][], table: NftTableState): Intervals {
    return this.values(toks, table, 'port', (el) => {
      const text = el.map((t) => t.text).join('');
      const [a = '', b] = text.split('-');
      const lo = parsePort(a);
      const hi = b === undefined ? lo : parsePort(b);
      if (lo === undefined || hi === undefined) throw new NftError(`invalid port "${text}"`, (el[0] as Tok).at);
      return [BigInt(Math.min(lo, hi)), BigInt(Math.max(lo, hi))];
    });
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

  private ctStates(toks: Tok[][]): CtState[] {
    return toks.map((el) => {
      const text = el.map((t) => t.text).join('');
      if (!(CT_STATES as readonly string[]).includes(text)) throw new NftError(`invalid conntrack state "${text}"`, (el[0] as Tok).at);
      return text as CtState;
    });
  }

  tablesOut(): FwTable[] {
    try {
      const out: FwTable[] = [];
      for (const t of this.tables.values()) {
        const table: FwTable = { kind: 'nft', family: t.family, name: t.name, at: t.at, chains: [] };
        for (const c of t.chains.values()) {
          const chain: FwChain = { name: c.name, table, priority: c.priority, rules: chainRules(c), declaredAt: c.at };
          if (c.hook) {
            chain.hook = c.hook;
            chain.type = c.type ?? 'filter';
            chain.policy = c.policy ?? 'accept';
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

  /** Chains named by jump/goto must exist in the same table (nft refuses the ruleset otherwise). */
  validate(): NftError | undefined {
    try {
      for (const t of this.tables.values())
        for (const c of t.chains.values())
          for (const r of chainRules(c))
            if ((r.verdict.kind === 'jump' || r.verdict.kind === 'goto') && !t.chains.has(r.verdict.chain))
              return new NftError(`chain "${r.verdict.chain}" does not exist`, r.at);
      return undefined;
    } catch (e) {
      throw asNftError(e, this.startAt ?? fileStart(''));
    }
  }
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
      current.push(t);
    }
  }

  /** `[!=|==] value`, where value is a single element, a `{…}` set, a comma list, or `@set`. */
  value(): { negate: boolean; toks: Tok[][] } {
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
      this.next();
    }
    return { negate, toks };
  }

  vmap(): { key: Tok[]; verdict: Verdict }[] {
    this.next();
    this.expect('{');
    const out: { key: Tok[]; verdict: Verdict }[] = [];
    for (;;) {
      let t = this.next();
      while (t.k === '\n' || t.k === ',') t = this.next();
      if (t.k === '}') return out;
      const key: Tok[] = [];
      while (t.k !== 'eof' && t.text !== ':' && !t.text.endsWith(':')) {
        key.push(t);
        t = this.next();
      }
      if (t.text.endsWith(':') && t.text !== ':') key.push({ k: t.k, text: t.text.slice(0, -1), at: t.at });
      if (++this.budget.vmapEntries > MAX_VMAP_ENTRIES)
        throw new NftError(`more than ${MAX_VMAP_ENTRIES} verdict map entries in this ruleset`, (key[0] ?? t).at);
      const v = this.next();
      let verdict: Verdict;
      if (v.text === 'jump' || v.text === 'goto') verdict = { kind: v.text, chain: this.word('chain').text };
      else if (['accept', 'drop', 'return', 'continue'].includes(v.text)) verdict = { kind: v.text as 'accept' };
      else throw new NftError(`invalid verdict "${v.text}"`, v.at);
      out.push({ key, verdict });
    }
  }
}
