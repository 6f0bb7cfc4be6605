import type { SpanLocation } from '../core/location.js';
import type { Family } from '../core/ip.js';
import { IPTABLES_BUILTINS, type FwChain, type FwRule, type FwTable, type Verdict } from './netfilter.js';
import { BUILTIN_TARGETS, IptError, type IptCommand, type IptRuleSpec } from './iptables.js';

interface PendingRule {
  spec: IptRuleSpec;
  at: SpanLocation;
  text: string;
  via?: SpanLocation;
}

interface PendingChain {
  name: string;
  builtin: boolean;
  policy?: 'ACCEPT' | 'DROP';
  policyAt?: SpanLocation;
  declaredAt?: SpanLocation;
  rules: PendingRule[];
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
  'NFQUEUE',
  'QUEUE',
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
      for (const chain of Object.keys(builtins)) t.set(chain, { name: chain, builtin: true, rules: [] });
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
    t.set(chain, { name: chain, builtin: false, declaredAt: at, rules: [] });
  }

  private chain(tableName: string, chain: string, at: SpanLocation): PendingChain {
    const t = this.table(tableName, at);
    let c = t.get(chain);
    if (!c) {
      if (this.strict) throw new IptError(`no chain "${chain}" in table ${tableName}`, at);
      c = { name: chain, builtin: false, rules: [] };
      t.set(chain, c);
    }
    return c;
  }

  apply(cmd: IptCommand, at: SpanLocation, text: string, via?: SpanLocation): void {
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
        c.rules.splice(cmd.index - 1, 0, pending(cmd.rule));
        return;
      }
      case 'replace': {
        const c = this.chain(cmd.table, cmd.chain, at);
        if (cmd.index < 1 || cmd.index > c.rules.length) throw new IptError(`index of replacement too big (${cmd.index})`, at);
        c.rules[cmd.index - 1] = pending(cmd.rule);
        return;
      }
      case 'delete-index': {
        const c = this.chain(cmd.table, cmd.chain, at);
        if (cmd.index < 1 || cmd.index > c.rules.length) throw new IptError(`index of deletion too big (${cmd.index})`, at);
        c.rules.splice(cmd.index - 1, 1);
        return;
      }
      case 'delete-rule': {
        const c = this.chain(cmd.table, cmd.chain, at);
        const key = cmd.rule.args.join(' ');
        const i = c.rules.findIndex((r) => r.spec.args.join(' ') === key);
        // Deleting a rule that is not there fails at run time; scripts often do it defensively (`-D … 2>/dev/null`).
        if (i >= 0) c.rules.splice(i, 1);
        return;
      }
      case 'policy': {
        const c = this.table(cmd.table, at).get(cmd.chain);
        if (!c?.builtin) throw new IptError(`can't set policy on "${cmd.chain}": bad built-in chain name`, at);
        const p = cmd.policy.toUpperCase();
        if (p !== 'ACCEPT' && p !== 'DROP') throw new IptError(`bad policy name "${cmd.policy}"`, at);
        c.policy = p;
        c.policyAt = at;
        if (cmd.table === 'filter') this.firstPolicy ??= at;
        return;
      }
      case 'new-chain': {
        const t = this.table(cmd.table, at);
        if (t.has(cmd.chain) && this.strict) throw new IptError(`chain ${cmd.chain} already exists`, at);
        if (!t.has(cmd.chain)) t.set(cmd.chain, { name: cmd.chain, builtin: false, declaredAt: at, rules: [] });
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
        for (const c of t.values()) if (cmd.chain === undefined || c.name === cmd.chain) c.rules = [];
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
