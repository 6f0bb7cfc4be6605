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

export class NftError extends Error {
  constructor(
    message: string,
    readonly at: SpanLocation,
  ) {
    super(message);
  }
}

type TokKind = 'word' | 'string' | 'var' | '{' | '}' | ';' | '\n' | ',' | 'op' | 'eof';
interface Tok {
  k: TokKind;
  text: string;
  at: SpanLocation;
}

function tokenize(index: LineIndex, fixedAt?: SpanLocation): Tok[] {
  const s = index.text;
  const out: Tok[] = [];
  let i = 0;
  const at = (a: number, b: number): SpanLocation => fixedAt ?? index.at(a, b);
  while (i < s.length) {
    const c = s[i] as string;
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '\\' && s[i + 1] === '\n') {
      i += 2;
      continue;
    }
    if (c === '#') {
      while (i < s.length && s[i] !== '\n') i++;
      continue;
    }
    if (c === '\n' || c === ';' || c === '{' || c === '}' || c === ',') {
      out.push({ k: c as TokKind, text: c, at: at(i, i + 1) });
      i++;
      continue;
    }
    if (c === '"') {
      const end = s.indexOf('"', i + 1);
      if (end < 0) throw new NftError('unterminated string', at(i, i + 1));
      out.push({ k: 'string', text: s.slice(i + 1, end), at: at(i, end + 1) });
      i = end + 1;
      continue;
    }
    const op = /^(!=|==|<=|>=|<|>|!|&|\||\^)/.exec(s.slice(i, i + 2));
    if (op && !(c === '&' && false)) {
      out.push({ k: 'op', text: op[1] as string, at: at(i, i + (op[1] as string).length) });
      i += (op[1] as string).length;
      continue;
    }
    const start = i;
    while (i < s.length && !/[\s;{},"#!<>=&|^]/.test(s[i] as string)) i++;
    // `=` inside a word only in `define x = …` forms written without spaces is rare; treat `=` as its own token.
    if (i === start) {
      out.push({ k: 'op', text: s[i] as string, at: at(i, i + 1) });
      i++;
      continue;
    }
    const text = s.slice(start, i);
    out.push({ k: text.startsWith('$') ? 'var' : 'word', text, at: at(start, i) });
  }
  out.push({ k: 'eof', text: '', at: at(s.length, s.length) });
  return out;
}

interface NftSet {
  type: string;
  elements: Tok[][];
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
  private readonly defines = new Map<string, Tok[]>();
  readonly files: string[] = [];
  private readonly including = new Set<string>();
  /** Where each family is first filtered (a table of that family is declared). */
  firstTable: Record<Family, SpanLocation | undefined> = { 4: undefined, 6: undefined };
  /** Interface names used by rules. */
  readonly interfaces = new Set<string>();

  constructor(private readonly repo: NftFiles) {}

  /** A whole file in `nft -f` syntax. */
  readFile(file: string, text: string): void {
    this.files.push(file);
    this.including.add(file);
    try {
      this.parse(tokenize(new LineIndex(file, text)), file);
    } finally {
      this.including.delete(file);
    }
  }

  /** Text in `nft -f` syntax embedded in another file (a here-document), positioned by `index`. */
  readEmbedded(index: LineIndex): void {
    this.parse(tokenize(index), index.file);
  }

  /** One `nft add rule …` command line; every position points at the command. */
  readCommand(words: string[], at: SpanLocation): void {
    const text = words.join(' ');
    this.parse(tokenize(new LineIndex(at.file, text), at), at.file);
  }

  private parse(toks: Tok[], file: string): void {
    const p = new TokStream(toks, this.defines);
    for (;;) {
      p.skipSeparators();
      const t = p.peek();
      if (t.k === 'eof') return;
      this.command(p, file);
      const end = p.peek();
      if (end.k !== ';' && end.k !== '\n' && end.k !== 'eof') throw new NftError(`syntax error, unexpected "${end.text}"`, end.at);
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
          if (t.text === 'flush') for (const c of this.tables.get(key)?.chains.values() ?? []) c.rules = [];
          else this.tables.delete(key);
        } else if (what.text === 'chain') {
          const chain = p.word('chain name').text;
          const c = this.tables.get(key)?.chains.get(chain);
          if (t.text === 'flush' && c) c.rules = [];
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
            if (t.text === 'insert') chain.rules.unshift(...rule);
            else chain.rules.push(...rule);
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
          set.elements.push(...p.elementList());
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
      const re = new RegExp(
        `^${path.posix
          .basename(rel)
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '.*')}$`,
      );
      const relDir = path.posix.dirname(rel);
      for (const entry of this.repo.list(relDir).sort()) if (re.test(entry)) targets.push(relDir === '.' ? entry : `${relDir}/${entry}`);
    } else targets.push(rel);
    for (const target of targets) {
      if (this.including.has(target)) throw new NftError(`include loop: ${target}`, f.at);
      const text = this.repo.read(target);
      if (text === undefined) {
        if (rel.includes('*')) continue;
        throw new NftError(`file not found: ${name}`, f.at);
      }
      this.readFile(target, text);
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
      c = { name, at, priority: 0, rules: [] };
      table.chains.set(name, c);
    }
    return c;
  }

  private setBody(p: TokStream, table: NftTableState, name: string): void {
    const set: NftSet = table.sets.get(name) ?? { type: '', elements: [] };
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
        set.elements.push(...p.elementList());
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
      if (rules) chain.rules.push(...rules);
    }
  }

  private priority(p: TokStream): number {
    const t = p.next();
    let value: number;
    if (/^-?\d+$/.test(t.text)) value = Number(t.text);
    else if (t.text in PRIORITY_NAMES) value = PRIORITY_NAMES[t.text] as number;
    else throw new NftError(`invalid priority "${t.text}"`, t.at);
    const n = p.peek();
    if (n.k === 'word' && /^[+-]$/.test(n.text)) {
      p.next();
      const d = p.next();
      value += (n.text === '-' ? -1 : 1) * Number(d.text);
    } else if (n.k === 'word' && /^[+-]\d+$/.test(n.text)) {
      p.next();
      value += Number(n.text);
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
          const proto = kw === 'th' ? PORT_PROTOCOLS : Iv.point(BigInt(PROTOCOLS[kw] as number));
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
          conds.push({ dim: 'family', family: f }, { dim: 'proto', values: Iv.point(kw === 'icmp' ? 1n : 58n), negate: false });
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
    return [{ at, text, conds, verdict, uncertain }];
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

  private resolveSet(tok: Tok, table: NftTableState): Tok[][] {
    const set = table.sets.get(tok.text.slice(1));
    if (!set) throw new NftError(`set "${tok.text.slice(1)}" does not exist`, tok.at);
    return set.elements;
  }

  private expandSets(toks: Tok[][], table: NftTableState): Tok[][] {
    return toks.flatMap((t) => (t.length === 1 && t[0]?.text.startsWith('@') ? this.resolveSet(t[0], table) : [t]));
  }

  private addresses(toks: Tok[][], f: Family, table: NftTableState): Intervals {
    const ranges: (readonly [bigint, bigint])[] = [];
    for (const el of this.expandSets(toks, table)) {
      const text = el.map((t) => t.text).join('');
      const spec = parseAddressSpec(text);
      if (!spec) throw new NftError(`invalid address "${text}"`, (el[0] as Tok).at);
      if (spec.family !== f) throw new NftError(`address "${text}" is not ${f === 4 ? 'IPv4' : 'IPv6'}`, (el[0] as Tok).at);
      ranges.push([spec.start, spec.end]);
    }
    return Iv.from(ranges);
  }

  private ports(toks: Tok[][], table: NftTableState): Intervals {
    const ranges: (readonly [bigint, bigint])[] = [];
    for (const el of this.expandSets(toks, table)) {
      const text = el.map((t) => t.text).join('');
      const [a = '', b] = text.split('-');
      const lo = parsePort(a);
      const hi = b === undefined ? lo : parsePort(b);
      if (lo === undefined || hi === undefined) throw new NftError(`invalid port "${text}"`, (el[0] as Tok).at);
      ranges.push([BigInt(Math.min(lo, hi)), BigInt(Math.max(lo, hi))]);
    }
    return Iv.from(ranges);
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
    return Iv.from(ranges);
  }

  private ctStates(toks: Tok[][]): CtState[] {
    return toks.map((el) => {
      const text = el.map((t) => t.text).join('');
      if (!(CT_STATES as readonly string[]).includes(text)) throw new NftError(`invalid conntrack state "${text}"`, (el[0] as Tok).at);
      return text as CtState;
    });
  }

  tablesOut(): FwTable[] {
    const out: FwTable[] = [];
    for (const t of this.tables.values()) {
      const table: FwTable = { kind: 'nft', family: t.family, name: t.name, at: t.at, chains: [] };
      for (const c of t.chains.values()) {
        const chain: FwChain = { name: c.name, table, priority: c.priority, rules: c.rules, declaredAt: c.at };
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
  }

  /** Chains named by jump/goto must exist in the same table (nft refuses the ruleset otherwise). */
  validate(): NftError | undefined {
    for (const t of this.tables.values())
      for (const c of t.chains.values())
        for (const r of c.rules)
          if ((r.verdict.kind === 'jump' || r.verdict.kind === 'goto') && !t.chains.has(r.verdict.chain))
            return new NftError(`chain "${r.verdict.chain}" does not exist`, r.at);
    return undefined;
  }
}

/** Tokens with `define` substitution and small readers for values. */
class TokStream {
  private i = 0;
  private toks: Tok[];

  constructor(
    toks: Tok[],
    private readonly defines: Map<string, Tok[]>,
  ) {
    this.toks = toks;
  }

  peek(): Tok {
    for (;;) {
      const t = this.toks[this.i] as Tok;
      if (t.k !== 'var') return t;
      const def = this.defines.get(t.text.slice(1));
      if (!def) throw new NftError(`unknown identifier "${t.text.slice(1)}"`, t.at);
      // Substitute in place, keeping the use site's position for messages.
      this.toks = [...this.toks.slice(0, this.i), ...def.map((d) => ({ ...d, at: t.at })), ...this.toks.slice(this.i + 1)];
    }
  }

  next(): Tok {
    const t = this.peek();
    if (t.k !== 'eof') this.i++;
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

  /** The raw tokens of a `define` value (up to the end of the line; braces may span lines). */
  rawValue(): Tok[] {
    const out: Tok[] = [];
    let depth = 0;
    for (;;) {
      const t = this.toks[this.i] as Tok;
      if (t.k === 'eof') break;
      if (depth === 0 && (t.k === ';' || t.k === '\n')) break;
      if (t.k === 'var') {
        this.peek();
        continue;
      }
      if (t.k === '{') depth++;
      if (t.k === '}') depth--;
      out.push(t);
      this.i++;
    }
    if (out.length === 0) throw new NftError('syntax error, empty definition', (this.toks[this.i] as Tok).at);
    return out;
  }

  /** Elements after `{`, up to and including `}`; each element is one or more tokens (`10.0.0.1 - 10.0.0.9`). */
  elementList(): Tok[][] {
    const out: Tok[][] = [];
    let current: Tok[] = [];
    for (;;) {
      const t = this.next();
      if (t.k === 'eof') throw new NftError('syntax error, unexpected end of file in set', t.at);
      if (t.k === '\n') continue;
      if (t.k === '}' || t.k === ',') {
        if (current.length) out.push(current);
        current = [];
        if (t.k === '}') return out;
        continue;
      }
      if (t.k === '{') {
        // Nested anonymous set from a define: flatten.
        out.push(...this.elementList());
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
      if (t.text.endsWith(':') && t.text !== ':') key.push({ ...t, text: t.text.slice(0, -1) });
      const v = this.next();
      let verdict: Verdict;
      if (v.text === 'jump' || v.text === 'goto') verdict = { kind: v.text, chain: this.word('chain').text };
      else if (['accept', 'drop', 'return', 'continue'].includes(v.text)) verdict = { kind: v.text as 'accept' };
      else throw new NftError(`invalid verdict "${v.text}"`, v.at);
      out.push({ key, verdict });
    }
  }
}
