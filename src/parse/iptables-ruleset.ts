import type { SpanLocation } from '../core/location.js';
import type { Family } from '../core/ip.js';
import { IPTABLES_BUILTINS, type FwChain, type FwRule, type FwTable, type Verdict } from './netfilter.js';
import { BUILTIN_TARGETS, IptError, asIptError, type IptCommand, type IptRuleSpec } from './iptables.js';

interface PendingRule {
  spec: IptRuleSpec;
  at: SpanLocation;
  text: string;
  via?: SpanLocation;
  /** The rule's arguments as one string, interned as a number: what `-D CHAIN rule…` compares (set when needed). */
  key?: number;
  /** The block of its RuleList holding it. */
  block?: Block;
}

interface PendingChain {
  name: string;
  builtin: boolean;
  policy?: 'ACCEPT' | 'DROP';
  policyAt?: SpanLocation;
  declaredAt?: SpanLocation;
  rules: RuleList;
}

/** Rules per block of a RuleList (a block is split when it grows past twice this). */
const BLOCK = 512;

interface Block {
  rules: PendingRule[];
  /** Increases along the list: orders rules of different blocks. */
  seq: number;
}

/**
 * The rules of one chain, in blocks: inserting or deleting at any position (`-I CHAIN 1` a
 * hundred thousand times) moves one block, not the whole chain. From the first `-D CHAIN
 * rule…` on, the rules of each key are kept in chain order, so that it and the next find the
 * first equal rule without comparing the chain, and a rule that is not there at once.
 */
class RuleList implements Iterable<PendingRule> {
  private readonly blocks: Block[] = [];
  /** Rules by key, in chain order; built at the first delete by specification. */
  private byKey: Map<number, PendingRule[]> | undefined;
  length = 0;

  constructor(private readonly keyOf: (r: PendingRule) => number) {}

  private key(r: PendingRule): number {
    return (r.key ??= this.keyOf(r));
  }

  /** Whether `a` comes before `b` in the chain (both are in it). */
  private before(a: PendingRule, b: PendingRule): boolean {
    const x = a.block as Block;
    const y = b.block as Block;
    return x === y ? x.rules.indexOf(a) < x.rules.indexOf(b) : x.seq < y.seq;
  }

  /** How many rules of `list` (one key's, in chain order) come before `r`. */
  private rank(list: PendingRule[], r: PendingRule): number {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const m = list[mid] as PendingRule;
      if (m !== r && this.before(m, r)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Record `r`, already placed in a block; `last` when it is the last rule of the chain. */
  private addKey(r: PendingRule, last: boolean): void {
    if (!this.byKey) return;
    const key = this.key(r);
    let list = this.byKey.get(key);
    if (!list) this.byKey.set(key, (list = []));
    if (last) list.push(r);
    else list.splice(this.rank(list, r), 0, r);
  }

  /** Forget `r`, still in its block. */
  private dropKey(r: PendingRule): void {
    if (!this.byKey) return;
    const key = this.key(r);
    const list = this.byKey.get(key) as PendingRule[];
    if (list[0] === r) list.shift();
    else list.splice(this.rank(list, r), 1);
    if (list.length === 0) this.byKey.delete(key);
  }

  push(r: PendingRule): void {
    let last = this.blocks[this.blocks.length - 1];
    if (!last || last.rules.length >= BLOCK) {
      last = { rules: [], seq: last ? last.seq + 1 : 0 };
      this.blocks.push(last);
    }
    r.block = last;
    last.rules.push(r);
    this.length++;
    this.addKey(r, true);
  }

  /** The block holding 0-based position `i` (< length) and the offset in it; searched from the nearer end. */
  private find(i: number): { block: Block; b: number; o: number } {
    if (i < this.length / 2) {
      let o = i;
      for (let b = 0; b < this.blocks.length; b++) {
        const block = this.blocks[b] as Block;
        if (o < block.rules.length) return { block, b, o };
        o -= block.rules.length;
      }
    } else {
      let o = this.length - i;
      for (let b = this.blocks.length - 1; b >= 0; b--) {
        const block = this.blocks[b] as Block;
        if (o <= block.rules.length) return { block, b, o: block.rules.length - o };
        o -= block.rules.length;
      }
    }
    throw new RangeError(`rule position ${i} out of range`);
  }

  /** Insert before 0-based position `i` (0 ≤ i ≤ length). */
  insert(i: number, r: PendingRule): void {
    if (i === this.length) return this.push(r);
    const { block, b, o } = this.find(i);
    block.rules.splice(o, 0, r);
    r.block = block;
    this.length++;
    this.addKey(r, false);
    if (block.rules.length > 2 * BLOCK) this.split(b);
  }

  /** Move the second half of block `b` to a new block after it. */
  private split(b: number): void {
    const block = this.blocks[b] as Block;
    const next = this.blocks[b + 1];
    let seq = next ? (block.seq + next.seq) / 2 : block.seq + 1;
    if (!(seq > block.seq && (!next || seq < next.seq))) {
      // Halved too often at one place: number the blocks afresh.
      this.blocks.forEach((x, k) => (x.seq = k));
      seq = b + 0.5;
    }
    const moved: Block = { rules: block.rules.splice(BLOCK), seq };
    for (const r of moved.rules) r.block = moved;
    this.blocks.splice(b + 1, 0, moved);
  }

  replace(i: number, r: PendingRule): void {
    const { block, o } = this.find(i);
    this.dropKey(block.rules[o] as PendingRule);
    block.rules[o] = r;
    r.block = block;
    this.addKey(r, false);
  }

  removeAt(i: number): void {
    const { block, o } = this.find(i);
    this.remove(block.rules[o] as PendingRule);
  }

  private remove(r: PendingRule): void {
    this.dropKey(r);
    const block = r.block as Block;
    block.rules.splice(block.rules.indexOf(r), 1);
    if (block.rules.length === 0) this.blocks.splice(this.blocks.indexOf(block), 1);
    this.length--;
  }

  /** Remove the first rule with this key; false when there is none. */
  removeFirst(key: number): boolean {
    if (!this.byKey) {
      const byKey = new Map<number, PendingRule[]>();
      for (const r of this) {
        const k = this.key(r);
        const list = byKey.get(k);
        if (list) list.push(r);
        else byKey.set(k, [r]);
      }
      this.byKey = byKey;
    }
    const first = this.byKey.get(key)?.[0];
    if (first) this.remove(first);
    return first !== undefined;
  }

  *[Symbol.iterator](): Iterator<PendingRule> {
    for (const block of this.blocks) yield* block.rules;
  }
}

/** Targets that do not decide the packet in the filter table (logging, marking, NAT elsewhere). */
const EXTENSION_TARGETS = new Set([
  'LOG',
  'NFLOG',
  'ULOG',
  'MARK',
  'CONNMARK',
  'CT',
  'NOTRACK',
  'TCPMSS',
  'TRACE',
  'DNAT',
  'SNAT',
  'MASQUERADE',
  'REDIRECT',
  'NETMAP',
  'CLASSIFY',
  'DSCP',
  'TOS',
  'TTL',
  'HL',
  'SET',
  'AUDIT',
  'CHECKSUM',
  'TEE',
  'TPROXY',
  'SECMARK',
  'CONNSECMARK',
  'HMARK',
  'IDLETIMER',
  'LED',
  'RATEEST',
  'SYNPROXY',
  'TCPOPTSTRIP',
  'ECN',
]);

const PRIORITY: Record<string, number> = { raw: -300, mangle: -150, nat: -100, filter: 0, security: 50 };

/**
 * The state of the iptables tables of one address family as a sequence of commands leaves
 * it (append, insert, delete, policy, flush, …). `strict` is iptables-restore: chains must
 * be declared before use. Scripts are lenient: a chain may come from an earlier run.
 */
export class IptablesState {
  private readonly tables = new Map<string, Map<string, PendingChain>>();
  /** The first command that touched the filter table (for "the ruleset filters this family"). */
  firstFilter: SpanLocation | undefined;
  firstPolicy: SpanLocation | undefined;
  /** The first command that sets a policy or flushes: the script manages the whole firewall, not a fragment of it. */
  firstWhole: SpanLocation | undefined;
  /** Rule keys (arguments as one string) as small numbers, so comparing two rules is cheap. */
  private readonly keyIds = new Map<string, number>();

  private readonly keyOf = (r: PendingRule): number => this.keyId(r.spec.args);

  private keyId(args: string[]): number {
    const key = args.join(' ');
    let id = this.keyIds.get(key);
    if (id === undefined) {
      id = this.keyIds.size;
      this.keyIds.set(key, id);
    }
    return id;
  }

  constructor(
    readonly family: Family,
    private readonly strict: boolean,
  ) {}

  get isEmpty(): boolean {
    return this.tables.size === 0;
  }

  table(name: string, at: SpanLocation | undefined): Map<string, PendingChain> {
    let t = this.tables.get(name);
    if (!t) {
      const builtins = IPTABLES_BUILTINS[name];
      if (!builtins) throw new IptError(`can't initialize iptables table '${name}': Table does not exist`, at);
      t = new Map();
      for (const chain of Object.keys(builtins)) t.set(chain, { name: chain, builtin: true, rules: new RuleList(this.keyOf) });
      this.tables.set(name, t);
    }
    return t;
  }

  /** `:CHAIN POLICY [0:0]` of an iptables-save file. */
  declare(tableName: string, chain: string, policy: string, at: SpanLocation): void {
    const t = this.table(tableName, at);
    const existing = t.get(chain);
    if (existing?.builtin) {
      if (policy !== 'ACCEPT' && policy !== 'DROP') throw new IptError(`invalid policy "${policy}" for built-in chain ${chain}`, at);
      existing.policy = policy;
      existing.policyAt = at;
      existing.declaredAt = at;
      if (tableName === 'filter') {
        this.firstPolicy ??= at;
        this.firstFilter ??= at;
      }
      return;
    }
    if (policy !== '-') throw new IptError(`can't set policy "${policy}" on "${chain}": bad built-in chain name`, at);
    if (existing && this.strict) throw new IptError(`chain ${chain} declared twice`, at);
    if (chain.length > 28 || chain.startsWith('-') || !chain) throw new IptError(`invalid chain name "${chain}"`, at);
    t.set(chain, { name: chain, builtin: false, declaredAt: at, rules: new RuleList(this.keyOf) });
  }

  private chain(tableName: string, chain: string, at: SpanLocation): PendingChain {
    const t = this.table(tableName, at);
    let c = t.get(chain);
    if (!c) {
      if (this.strict) throw new IptError(`no chain "${chain}" in table ${tableName}`, at);
      c = { name: chain, builtin: false, rules: new RuleList(this.keyOf) };
      t.set(chain, c);
    }
    return c;
  }

  apply(cmd: IptCommand, at: SpanLocation, text: string, via?: SpanLocation): void {
    try {
      this.applyCommand(cmd, at, text, via);
    } catch (e) {
      throw asIptError(e, at);
    }
  }

  private applyCommand(cmd: IptCommand, at: SpanLocation, text: string, via?: SpanLocation): void {
    const pending = (spec: IptRuleSpec): PendingRule => {
      const r: PendingRule = { spec, at, text };
      if (via) r.via = via;
      return r;
    };
    if (cmd.table === 'filter' && cmd.op !== 'list' && cmd.op !== 'check' && cmd.op !== 'zero') this.firstFilter ??= at;
    switch (cmd.op) {
      case 'append':
        this.chain(cmd.table, cmd.chain, at).rules.push(pending(cmd.rule));
        return;
      case 'insert': {
        const c = this.chain(cmd.table, cmd.chain, at);
        if (cmd.index < 1 || cmd.index > c.rules.length + 1) throw new IptError(`index of insertion too big (${cmd.index})`, at);
        c.rules.insert(cmd.index - 1, pending(cmd.rule));
        return;
      }
      case 'replace': {
        const c = this.chain(cmd.table, cmd.chain, at);
        if (cmd.index < 1 || cmd.index > c.rules.length) throw new IptError(`index of replacement too big (${cmd.index})`, at);
        c.rules.replace(cmd.index - 1, pending(cmd.rule));
        return;
      }
      case 'delete-index': {
        const c = this.chain(cmd.table, cmd.chain, at);
        if (cmd.index < 1 || cmd.index > c.rules.length) throw new IptError(`index of deletion too big (${cmd.index})`, at);
        c.rules.removeAt(cmd.index - 1);
        return;
      }
      case 'delete-rule': {
        const c = this.chain(cmd.table, cmd.chain, at);
        // Deleting a rule that is not there fails at run time; scripts often do it defensively (`-D … 2>/dev/null`).
        c.rules.removeFirst(this.keyId(cmd.rule.args));
        return;
      }
      case 'policy': {
        const c = this.table(cmd.table, at).get(cmd.chain);
        if (!c?.builtin) throw new IptError(`can't set policy on "${cmd.chain}": bad built-in chain name`, at);
        const p = cmd.policy.toUpperCase();
        if (p !== 'ACCEPT' && p !== 'DROP') throw new IptError(`bad policy name "${cmd.policy}"`, at);
        c.policy = p;
        c.policyAt = at;
        this.firstWhole ??= at;
        if (cmd.table === 'filter') this.firstPolicy ??= at;
        return;
      }
      case 'new-chain': {
        const t = this.table(cmd.table, at);
        if (t.has(cmd.chain) && this.strict) throw new IptError(`chain ${cmd.chain} already exists`, at);
        if (!t.has(cmd.chain)) t.set(cmd.chain, { name: cmd.chain, builtin: false, declaredAt: at, rules: new RuleList(this.keyOf) });
        return;
      }
      case 'rename-chain': {
        const t = this.table(cmd.table, at);
        const c = t.get(cmd.chain);
        if (c && cmd.newName) {
          t.delete(cmd.chain);
          c.name = cmd.newName;
          t.set(cmd.newName, c);
        }
        return;
      }
      case 'flush': {
        const t = this.table(cmd.table, at);
        this.firstWhole ??= at;
        for (const c of t.values()) if (cmd.chain === undefined || c.name === cmd.chain) c.rules = new RuleList(this.keyOf);
        return;
      }
      case 'delete-chain': {
        const t = this.table(cmd.table, at);
        for (const [name, c] of [...t]) if (!c.builtin && (cmd.chain === undefined || name === cmd.chain)) t.delete(name);
        return;
      }
      default:
        return;
    }
  }

  /** The final tables, with targets resolved to verdicts. Throws for an unknown target when strict. */
  toTables(errors: (e: IptError) => void): FwTable[] {
    try {
      return this.tablesWith(errors);
    } catch (e) {
      throw asIptError(e, undefined);
    }
  }

  private tablesWith(errors: (e: IptError) => void): FwTable[] {
    const out: FwTable[] = [];
    for (const [name, chains] of this.tables) {
      const table: FwTable = { kind: 'iptables', family: this.family === 4 ? 'ip' : 'ip6', name, at: undefined, chains: [] };
      for (const c of chains.values()) {
        const hook = IPTABLES_BUILTINS[name]?.[c.name];
        const chain: FwChain = { name: c.name, table, priority: PRIORITY[name] ?? 0, rules: [] };
        if (c.builtin && hook) {
          chain.hook = hook;
          chain.type = name === 'nat' ? 'nat' : name === 'filter' ? 'filter' : name;
          chain.policy = c.policy === 'DROP' ? 'drop' : 'accept';
        }
        if (c.policyAt) chain.policyAt = c.policyAt;
        if (c.declaredAt) chain.declaredAt = c.declaredAt;
        for (const r of c.rules) {
          let verdict: Verdict = { kind: 'continue' };
          const target = r.spec.target;
          if (target !== undefined) {
            const builtin = BUILTIN_TARGETS[target];
            if (builtin) verdict = { kind: builtin };
            else if (chains.has(target) && !chains.get(target)?.builtin) verdict = { kind: r.spec.goto ? 'goto' : 'jump', chain: target };
            else if (EXTENSION_TARGETS.has(target) && !r.spec.goto) verdict = { kind: 'continue' };
            else {
              errors(new IptError(`couldn't load target "${target}": no such chain or target`, r.at));
              continue;
            }
          }
          const rule: FwRule = { at: r.at, text: r.text, conds: r.spec.conds, verdict, uncertain: r.spec.uncertain };
          if (r.spec.stateMatch) rule.stateMatch = r.spec.stateMatch;
          if (r.via) rule.via = r.via;
          chain.rules.push(rule);
        }
        table.chains.push(chain);
      }
      out.push(table);
    }
    return out;
  }

  /** iptables-restore input for the final state. */
  render(): string {
    const lines: string[] = [];
    for (const [name, chains] of this.tables) {
      lines.push(`*${name}`);
      for (const c of chains.values()) lines.push(`:${c.name} ${c.builtin ? (c.policy ?? 'ACCEPT') : '-'} [0:0]`);
      for (const c of chains.values()) for (const r of c.rules) lines.push(`-A ${c.name} ${r.spec.args.join(' ')}`.trimEnd());
      lines.push('COMMIT');
    }
    return lines.length ? `${lines.join('\n')}\n` : '';
  }
}
