import type { SpanLocation } from '../engine/location.js';
import type { Model } from '../model/model.js';
import { tableFamilies, verdictText, type FwChain, type FwRule, type Hook, type Ruleset, type Verdict } from '../model/firewall.js';
import {
  CT_STATES,
  D,
  Iv,
  PacketSet,
  ROUTABLE,
  addrMax,
  boxContains,
  ctIndex,
  describePacket,
  parseIPv4,
  parseIPv6,
  universeBox,
  witness,
  type Box,
  type CtState,
  type Dim,
  type Family,
  type Intervals,
  type Packet,
} from './packets.js';

/**
 * The semantics of a host ruleset: first-match evaluation of netfilter chains over exact
 * packet sets. A packet traverses the base chains of a hook in priority order; `accept`
 * ends one base chain (the next one still sees the packet), `drop`/`reject` end them all,
 * falling off a base chain applies its policy, `jump` returns to the rule after it,
 * `goto` does not, `return` goes back to the caller. Rules with matches nsl-lint cannot
 * evaluate (rate limits, icmp types, …) only *may* match: their verdict is possible, never
 * certain, and they never cover other rules.
 */

/** Interfaces private to the host or the cluster (never "the world"). */
export const PRIVATE_INTERFACES = [
  'lo',
  'wg+',
  'tun+',
  'tap+',
  'tailscale+',
  'zt+',
  'docker+',
  'br-+',
  'cni+',
  'cali+',
  'flannel+',
  'cilium+',
  'vxlan+',
  'kube+',
];

export function ifMatches(pattern: string, name: string): boolean {
  const p = pattern.replace(/\*$/, '+');
  return p.endsWith('+') ? name.startsWith(p.slice(0, -1)) : p === name;
}

export interface ChainEval {
  accept: PacketSet;
  drop: PacketSet;
  /** Packets that fall off the end or RETURN (for a base chain: those the policy decides). */
  ret: PacketSet;
}

export interface HookChainRun {
  chain: FwChain;
  input: PacketSet;
  eval: ChainEval;
  /** Accepted by this base chain, policy included. */
  accepted: PacketSet;
  /** Packets accepted by every later base chain of the hook (those that will make it through). */
  passLater: PacketSet;
  /** What reached each rule evaluated from this base chain. */
  reach: Map<FwRule, PacketSet>;
}

export interface HookRun {
  family: Family;
  hook: Hook;
  chains: HookChainRun[];
  /** Finally accepted by the hook. */
  accepted: PacketSet;
  /** Possibly dropped by the hook. */
  dropped: PacketSet;
  /** What reached each rule (over every path that leads to it). */
  reach: Map<FwRule, PacketSet>;
}

export interface Trace {
  verdict: 'accept' | 'drop' | 'unknown';
  /** The rule that decided, or the chain whose policy did. */
  by?: { rule: FwRule } | { policy: FwChain };
}

export interface Cover {
  rule: FwRule;
  covering: FwRule[];
  /** Every covering rule has the same verdict as the covered one. */
  sameVerdict: boolean;
}

const FILTER_TYPES = new Set(['filter', 'route']);

export class RulesetAnalysis {
  /** Representative interface names: each name the ruleset uses, one per wildcard, `lo`, one "other". */
  readonly ifaces: string[];
  private readonly privateIfs: string[];
  private readonly matchCache = new Map<FwRule, PacketSet>();
  private readonly hookCache = new Map<string, HookRun>();
  private readonly chainsByTable = new Map<string, Map<string, FwChain>>();
  private readonly ruleTable = new Map<FwRule, FwChain>();

  constructor(
    readonly ruleset: Ruleset,
    privateInterfaces: readonly string[] = [],
  ) {
    this.privateIfs = [...PRIVATE_INTERFACES, ...privateInterfaces.map((p) => p.replace(/\*$/, '+'))];
    const exact = ruleset.interfaces.filter((n) => !n.endsWith('+'));
    const reps = new Set<string>(['lo', ...exact]);
    for (const w of ruleset.interfaces.filter((n) => n.endsWith('+'))) {
      const prefix = w.slice(0, -1);
      const rep = [`${prefix}9`, `${prefix}99`, `${prefix}x`, `${prefix}nsl`].find((c) => !reps.has(c) && c.length <= 15);
      if (rep) reps.add(rep);
    }
    const other = ['eth0', 'ens3', 'enp1s0', 'nic0', 'uplink0'].find(
      (c) => !reps.has(c) && !ruleset.interfaces.some((p) => ifMatches(p, c)),
    );
    if (other) reps.add(other);
    this.ifaces = [...reps];
    for (const t of ruleset.tables) {
      const m = new Map<string, FwChain>();
      for (const c of t.chains) {
        m.set(c.name, c);
        for (const r of c.rules) this.ruleTable.set(r, c);
      }
      this.chainsByTable.set(`${t.kind} ${t.family} ${t.name}`, m);
    }
  }

  ifName(i: number): string {
    return this.ifaces[i] ?? `if${i}`;
  }

  isPrivate(name: string): boolean {
    return this.privateIfs.some((p) => ifMatches(p, name));
  }

  /** Interfaces (as a dimension set) whose names match any of the patterns. */
  ifSet(patterns: string[]): Intervals {
    return Iv.from(this.ifaces.flatMap((n, i) => (patterns.some((p) => ifMatches(p, n)) ? [[BigInt(i), BigInt(i)] as const] : [])));
  }

  universe(f: Family): PacketSet {
    return PacketSet.of([universeBox(f, this.ifaces.length)]);
  }

  /** Interfaces that are not private (as a dimension set). */
  publicIfs(): Intervals {
    return Iv.from(this.ifaces.flatMap((n, i) => (this.isPrivate(n) ? [] : [[BigInt(i), BigInt(i)] as const])));
  }

  /** New connections from routable addresses arriving on a public interface. */
  worldNew(f: Family): PacketSet {
    return this.universe(f)
      .restrict('src', ROUTABLE[f])
      .restrict('iif', this.publicIfs())
      .restrict('ct', Iv.point(ctIndex('new')));
  }

  /** The packets a rule's conditions select (matches nsl-lint cannot evaluate are ignored: an over-approximation). */
  match(rule: FwRule): PacketSet {
    const cached = this.matchCache.get(rule);
    if (cached) return cached;
    const chain = this.ruleTable.get(rule);
    const families = chain ? tableFamilies(chain.table) : [4, 6];
    const boxes: Box[] = [];
    for (const f of families as Family[]) {
      const box = [...universeBox(f, this.ifaces.length)];
      let empty = false;
      for (const c of rule.conds) {
        const set = (dim: Dim, values: Intervals, negate: boolean): void => {
          const i = D[dim];
          const full = universeBox(f, this.ifaces.length)[i] ?? [];
          box[i] = Iv.intersect(box[i] ?? [], negate ? Iv.subtract(full, values) : values);
        };
        switch (c.dim) {
          case 'family':
            if (c.family !== f) empty = true;
            break;
          case 'src':
          case 'dst':
            if (c.family !== f) empty = true;
            else set(c.dim, c.values, c.negate);
            break;
          case 'proto':
          case 'sport':
          case 'dport':
            set(c.dim, c.values, c.negate);
            break;
          case 'iif':
          case 'oif':
            set(c.dim, this.ifSet(c.names), c.negate);
            break;
          case 'ct':
            set('ct', Iv.from(c.states.map((s) => [ctIndex(s), ctIndex(s)] as const)), c.negate);
            break;
        }
      }
      if (!empty) boxes.push(box);
    }
    const out = PacketSet.of(boxes);
    this.matchCache.set(rule, out);
    return out;
  }

  certain(rule: FwRule): boolean {
    return rule.uncertain.length === 0;
  }

  chainOf(rule: FwRule): FwChain | undefined {
    return this.ruleTable.get(rule);
  }

  private target(from: FwChain, name: string): FwChain | undefined {
    const t = from.table;
    return this.chainsByTable.get(`${t.kind} ${t.family} ${t.name}`)?.get(name);
  }

  /** Base chains of a hook that filter, in the order packets traverse them. */
  hookChains(f: Family, hook: Hook): FwChain[] {
    const out: FwChain[] = [];
    for (const t of this.ruleset.tables) {
      if (!tableFamilies(t).includes(f)) continue;
      for (const c of t.chains) if (c.hook === hook && FILTER_TYPES.has(c.type ?? 'filter')) out.push(c);
    }
    return out.sort((a, b) => a.priority - b.priority);
  }

  private evalChain(chain: FwChain, input: PacketSet, reach: Map<FwRule, PacketSet>, depth: number): ChainEval {
    let remaining = input;
    let accept = PacketSet.EMPTY;
    let drop = PacketSet.EMPTY;
    let ret = PacketSet.EMPTY;
    for (const rule of chain.rules) {
      if (remaining.isEmpty) break;
      const m = this.match(rule);
      const hit = remaining.intersect(m);
      if (hit.isEmpty) continue;
      reach.set(rule, (reach.get(rule) ?? PacketSet.EMPTY).union(hit));
      const certain = this.certain(rule);
      const v = rule.verdict;
      switch (v.kind) {
        case 'accept':
          accept = accept.union(hit);
          break;
        case 'drop':
        case 'reject':
          drop = drop.union(hit);
          break;
        case 'return':
          ret = ret.union(hit);
          break;
        case 'continue':
          continue;
        case 'jump':
        case 'goto': {
          const target = this.target(chain, v.chain);
          if (!target || depth > 32) continue;
          const sub = this.evalChain(target, hit, reach, depth + 1);
          accept = accept.union(sub.accept);
          drop = drop.union(sub.drop);
          if (v.kind === 'goto') ret = ret.union(sub.ret);
          else if (certain) {
            remaining = remaining.subtract(m).union(sub.ret);
            continue;
          }
          break;
        }
      }
      if (certain) remaining = remaining.subtract(m);
    }
    return { accept, drop, ret: ret.union(remaining) };
  }

  /** Evaluate a hook for one family over every packet. */
  hook(f: Family, hook: Hook): HookRun {
    const key = `${f} ${hook}`;
    const cached = this.hookCache.get(key);
    if (cached) return cached;
    const chains = this.hookChains(f, hook);
    const reach = new Map<FwRule, PacketSet>();
    const runs: HookChainRun[] = [];
    let input = this.universe(f);
    let dropped = PacketSet.EMPTY;
    for (const chain of chains) {
      const own = new Map<FwRule, PacketSet>();
      const ev = this.evalChain(chain, input, own, 0);
      for (const [r, set] of own) reach.set(r, (reach.get(r) ?? PacketSet.EMPTY).union(set));
      const accepted = chain.policy === 'drop' ? ev.accept : ev.accept.union(ev.ret);
      dropped = dropped.union(ev.drop).union(chain.policy === 'drop' ? ev.ret : PacketSet.EMPTY);
      runs.push({ chain, input, eval: ev, accepted, passLater: PacketSet.EMPTY, reach: own });
      input = accepted;
    }
    // What every later base chain lets through, evaluated from scratch (reach is not recorded twice).
    for (let i = 0; i < runs.length; i++) {
      let pass = this.universe(f);
      for (const later of runs.slice(i + 1)) {
        const ev = this.evalChain(later.chain, pass, new Map(), 0);
        pass = later.chain.policy === 'drop' ? ev.accept : ev.accept.union(ev.ret);
      }
      (runs[i] as HookChainRun).passLater = pass;
    }
    const run: HookRun = { family: f, hook, chains: runs, accepted: input, dropped, reach };
    this.hookCache.set(key, run);
    return run;
  }

  /** The first-match verdict of one concrete packet at a hook. */
  trace(hook: Hook, p: Packet): Trace {
    let last: Trace = { verdict: 'accept' };
    for (const chain of this.hookChains(p.family, hook)) {
      const r = this.traceChain(chain, p, 0);
      if (r.verdict === 'unknown' || r.verdict === 'drop') return r as Trace;
      if (r.verdict === 'return') {
        const t: Trace = { verdict: chain.policy === 'drop' ? 'drop' : 'accept', by: { policy: chain } };
        if (t.verdict === 'drop') return t;
        last = t;
      } else last = r as Trace;
    }
    return last;
  }

  private traceChain(
    chain: FwChain,
    p: Packet,
    depth: number,
  ): { verdict: 'accept' | 'drop' | 'return' | 'unknown'; by?: { rule: FwRule } | { policy: FwChain } } {
    for (const rule of chain.rules) {
      if (!this.match(rule).boxes.some((b) => boxContains(b, p))) continue;
      const v: Verdict = rule.verdict;
      if (v.kind === 'continue') continue;
      if (!this.certain(rule)) return { verdict: 'unknown', by: { rule } };
      switch (v.kind) {
        case 'accept':
          return { verdict: 'accept', by: { rule } };
        case 'drop':
        case 'reject':
          return { verdict: 'drop', by: { rule } };
        case 'return':
          return { verdict: 'return', by: { rule } };
        case 'jump':
        case 'goto': {
          const target = this.target(chain, v.chain);
          if (!target || depth > 32) return { verdict: 'unknown', by: { rule } };
          const sub = this.traceChain(target, p, depth + 1);
          if (sub.verdict === 'return' && v.kind === 'jump') continue;
          return sub;
        }
      }
    }
    return { verdict: 'return' };
  }

  /**
   * Rules of a chain that can never match because earlier rules of the same chain decide
   * every packet they select. Only certain, deciding rules cover; a rule's own uncertain
   * matches are ignored (it selects at most what its other conditions select).
   */
  covered(chain: FwChain): Cover[] {
    const out: Cover[] = [];
    const decides = (v: Verdict): boolean =>
      v.kind === 'accept' || v.kind === 'drop' || v.kind === 'reject' || v.kind === 'return' || v.kind === 'goto';
    chain.rules.forEach((rule, i) => {
      const m = this.match(rule);
      if (m.isEmpty) return;
      let covered = PacketSet.EMPTY;
      const covering: FwRule[] = [];
      for (const earlier of chain.rules.slice(0, i)) {
        if (!this.certain(earlier) || !decides(earlier.verdict)) continue;
        const part = this.match(earlier).intersect(m).subtract(covered);
        if (part.isEmpty) continue;
        covering.push(earlier);
        covered = covered.union(part);
      }
      if (covering.length && m.subsetOf(covered)) {
        const same = covering.every((c) => verdictText(c.verdict) === verdictText(rule.verdict));
        out.push({ rule, covering, sameVerdict: same });
      }
    });
    return out;
  }

  /** A packet in words; the destination address is left out when the set allows any. */
  describe(p: Packet, set?: PacketSet): string {
    const anyDst = set !== undefined && Iv.equal(set.project('dst'), Iv.of(0n, addrMax(p.family)));
    return describePacket(p, (i) => this.ifName(i), anyDst);
  }

  /** A packet of the set, preferring readable values (routable examples, ephemeral source ports). */
  witness(set: PacketSet): Packet | undefined {
    const f = Number(set.boxes[0]?.[D.family]?.[0]?.[0] ?? 4n) as Family;
    const prefer: Partial<Record<Dim, bigint[]>> = {
      src: f === 4 ? [parseIPv4('1.2.3.4') as bigint, parseIPv4('127.0.0.1') as bigint] : [parseIPv6('2600::1') as bigint, 1n],
      iif: this.ifaces
        .map((n, i) => ({ n, i }))
        .filter(({ n }) => !this.isPrivate(n))
        .map(({ i }) => BigInt(i)),
    };
    return witness(set, prefer);
  }
}

/** One analysis per ruleset, shared by every rule of a run. */
const analyses = new WeakMap<Ruleset, RulesetAnalysis>();
export function analyse(model: Model, rs: Ruleset): RulesetAnalysis {
  let a = analyses.get(rs);
  if (!a) {
    a = new RulesetAnalysis(rs, model.config.host.privateInterfaces);
    analyses.set(rs, a);
  }
  return a;
}

/** Where a chain's default shows: its policy statement, else its declaration, else its first rule. */
export function chainAnchor(chain: FwChain): SpanLocation | undefined {
  return chain.policyAt ?? chain.declaredAt ?? chain.rules[0]?.at;
}

export function chainLabel(chain: FwChain, f?: Family): string {
  const fam = f === undefined ? '' : f === 4 ? ' (IPv4)' : ' (IPv6)';
  return chain.table.kind === 'iptables'
    ? `${chain.table.family === 'ip6' ? 'ip6tables' : 'iptables'} ${chain.name}${chain.table.name !== 'filter' ? ` (table ${chain.table.name})` : ''}`
    : `nft chain ${chain.table.family} ${chain.table.name} ${chain.name}${fam}`;
}

export const FAMILIES: Family[] = [4, 6];

/** INPUT of a family is default-deny: some base chain drops what it does not accept. */
export function defaultDenyChain(a: RulesetAnalysis, f: Family): FwChain | undefined {
  const run = a.hook(f, 'input');
  const world = a.worldNew(f);
  for (const c of run.chains) {
    if (c.chain.policy === 'drop') return c.chain;
    if (c.eval.ret.intersect(world).isEmpty && !c.eval.drop.intersect(world).isEmpty) return c.chain;
  }
  return undefined;
}

export function ctSet(states: CtState[]): Intervals {
  return Iv.from(states.map((s) => [ctIndex(s), ctIndex(s)] as const));
}

export { CT_STATES, addrMax };
