import type { SpanLocation } from '../core/location.js';
import { FAMILIES, ROUTABLE, LOOPBACK, parseIPv4, parseIPv6, type Family } from '../core/ip.js';
import { Iv, type Intervals } from '../core/intervals.js';
import { ctSet, type CtState } from '../core/protocols.js';
import type { SensitivePort } from '../core/config.js';
import type { Ruleset } from '../model/firewall.js';
import { tableFamilies, verdictText, type FwChain, type FwRule, type Hook, type Verdict } from '../parse/netfilter.js';
import { PRIVATE_INTERFACES, ifMatches, interfaceClasses } from './interfaces.js';
import { BoxIndex } from './box-index.js';
import { D, PacketSet, boxSubset, describePacket, packetBox, universeBox, witness, type Box, type Dim, type Packet } from './packets.js';

/**
 * The semantics of a host ruleset: first-match evaluation of netfilter chains over exact
 * packet sets. A packet traverses the base chains of a hook in priority order; `accept`
 * ends one base chain (the next one still sees the packet), `drop`/`reject` end them all,
 * falling off a base chain applies its policy, `jump` returns to the rule after it,
 * `goto` does not, `return` goes back to the caller. Rules with matches nsl-lint cannot
 * evaluate (rate limits, icmp types, …) only *may* match: their verdict is possible, never
 * certain, and they never cover other rules.
 */

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

/** A chain's outcome plus the rules that accepted or dropped some packet, in evaluation order. */
interface ChainPass extends ChainEval {
  decided: FwRule[];
  /** Packets a queue verdict may hand to user space (whose verdict nsl-lint cannot know). */
  queued: PacketSet;
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

/** The verdict of a hook for one packet. */
export interface PacketVerdict {
  /** `unknown` when a match nsl-lint does not model decides between accept and drop. */
  verdict: 'accept' | 'drop' | 'unknown';
  /** What decided last: a rule, or the chain whose policy did. */
  by?: { rule: FwRule } | { policy: FwChain };
}

/** Which traffic a query is about; every field narrows, an absent one allows anything. */
export interface TrafficQuery {
  /** Source addresses: `world` (routable), `loopback`. */
  from?: 'world' | 'loopback';
  /** Input interfaces: `public` (not private), `loopback` (`lo`). */
  via?: 'public' | 'loopback';
  /** Conntrack states (default: any). */
  state?: readonly CtState[];
  protocols?: readonly number[];
  /** Destination ports, inclusive. */
  dport?: readonly [number, number];
}

export interface Cover {
  rule: FwRule;
  covering: FwRule[];
  /** Every covering rule has the same verdict as the covered one. */
  sameVerdict: boolean;
}

/** Chain types that filter (iptables tables map to their own names); nat chains only translate. */
const FILTER_TYPES = new Set(['filter', 'route', 'mangle', 'raw', 'security']);

/**
 * The hooks a packet passes, in order, on its way to a hook: the way in (netdev ingress,
 * prerouting) comes before input and forward.
 */
const PATH: Partial<Record<Hook, Hook[]>> = {
  input: ['ingress', 'prerouting', 'input'],
  forward: ['ingress', 'prerouting', 'forward'],
};

/** The address families a table's rules see: netdev tables see every packet of the device. */
function chainFamilies(chain: FwChain | undefined): Family[] {
  if (!chain) return [4, 6];
  return chain.table.family === 'netdev' ? [4, 6] : tableFamilies(chain.table);
}

/** Hooks a packet for the host passes before routing gives it an output interface. */
function onInputPath(hook: Hook): boolean {
  return hook === 'ingress' || hook === 'prerouting' || hook === 'input';
}

/** Conntrack attaches its entry at this priority of prerouting (and output). */
const CONNTRACK_PRIORITY = -200;

/**
 * Where on a packet's way a chain runs, as flags. Before routing a packet has no output
 * interface; before conntrack it has no conntrack entry, so every state match sees
 * "invalid" (netdev ingress, and prerouting/output chains below priority -200: iptables raw).
 */
type Stage = number;
const BEFORE_ROUTING = 1;
const BEFORE_CONNTRACK = 2;

function hookStage(hook: Hook, priority: number): Stage {
  const early = hook === 'ingress' || ((hook === 'prerouting' || hook === 'output') && priority < CONNTRACK_PRIORITY);
  return (onInputPath(hook) ? BEFORE_ROUTING : 0) | (early ? BEFORE_CONNTRACK : 0);
}

/** The stage of a base chain. */
function chainStage(chain: FwChain): Stage {
  return chain.hook === undefined ? 0 : hookStage(chain.hook, chain.priority);
}

/** A set of at most this many boxes is cheap to keep exact along a chain. */
const SMALL_SET = 8;

/** Conntrack's state for a packet it has not seen yet. */
const UNTRACKED_STATE = ctSet(['invalid']);

export class RulesetAnalysis {
  /** One name per class of interfaces the ruleset's names and wildcards tell apart (see `interfaceClasses`). */
  readonly ifaces: string[];
  private readonly privateIfs: string[];
  /** What each rule selects, per stage. */
  private readonly matchCache = new Map<Stage, Map<FwRule, PacketSet>>();
  /** The stages of the base chains that reach each chain through jumps and gotos (built on first use). */
  private reachingStages: Map<FwChain, Set<Stage>> | undefined;
  private readonly hookCache = new Map<string, HookRun>();
  private readonly chainsByTable = new Map<string, Map<string, FwChain>>();
  private readonly ruleTable = new Map<FwRule, FwChain>();

  constructor(
    readonly ruleset: Ruleset,
    privateInterfaces: readonly string[] = [],
  ) {
    this.privateIfs = [...PRIVATE_INTERFACES, ...privateInterfaces.map((p) => p.replace(/\*$/, '+'))];
    this.ifaces = interfaceClasses(ruleset.interfaces);
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

  /** The packets of one family a query describes. */
  traffic(f: Family, q: TrafficQuery = {}): PacketSet {
    let set = this.universe(f);
    if (q.from) set = set.restrict('src', q.from === 'world' ? ROUTABLE[f] : LOOPBACK[f]);
    if (q.via) set = set.restrict('iif', q.via === 'public' ? this.publicIfs() : this.ifSet(['lo']));
    if (q.state) set = set.restrict('ct', ctSet(q.state));
    if (q.protocols) set = set.restrict('proto', Iv.from(q.protocols.map((p) => [BigInt(p), BigInt(p)] as const)));
    if (q.dport) set = set.restrict('dport', Iv.of(BigInt(q.dport[0]), BigInt(q.dport[1])));
    return set;
  }

  /** New connections from routable addresses arriving on a public interface: "the world". */
  worldNew(f: Family): PacketSet {
    return this.traffic(f, WORLD_NEW);
  }

  /**
   * The packets a rule's conditions select (matches nsl-lint cannot evaluate are ignored: an
   * over-approximation), at a stage of the packet's way (see `Stage`).
   */
  match(rule: FwRule, stage: Stage = 0): PacketSet {
    let cache = this.matchCache.get(stage);
    if (!cache) this.matchCache.set(stage, (cache = new Map()));
    const cached = cache.get(rule);
    if (cached) return cached;
    const families = chainFamilies(this.ruleTable.get(rule));
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
          case 'oif':
            // Before routing there is no output interface: `-o`/`oif` never matches, its negation always does.
            if (stage & BEFORE_ROUTING) {
              if (!c.negate) empty = true;
              break;
            }
            set(c.dim, this.ifSet(c.names), c.negate);
            break;
          case 'iif':
            set(c.dim, this.ifSet(c.names), c.negate);
            break;
          case 'ct':
            // Before conntrack every packet is "invalid" to a state match, whatever it will be later.
            if (stage & BEFORE_CONNTRACK) {
              const seesInvalid = Iv.intersect(ctSet(c.states), UNTRACKED_STATE).length > 0;
              if (seesInvalid === c.negate) empty = true;
              break;
            }
            set('ct', ctSet(c.states), c.negate);
            break;
        }
      }
      if (!empty) boxes.push(box);
    }
    const out = PacketSet.of(boxes);
    cache.set(rule, out);
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

  /**
   * Base chains that filter a packet bound for a hook, in the order it traverses them: every
   * table (filter, mangle, raw, security; ip, ip6, inet, netdev), hook by hook along the way
   * in, by priority within a hook. A drop in any of them wins.
   */
  hookChains(f: Family, hook: Hook): FwChain[] {
    const out: FwChain[] = [];
    for (const stage of PATH[hook] ?? [hook]) {
      const here: FwChain[] = [];
      for (const t of this.ruleset.tables) {
        for (const c of t.chains) {
          if (c.hook === stage && FILTER_TYPES.has(c.type ?? 'filter') && chainFamilies(c).includes(f)) here.push(c);
        }
      }
      out.push(...here.sort((a, b) => a.priority - b.priority));
    }
    return out;
  }

  /**
   * The one chain evaluator. `accept` ends the chain for the packets it takes, `drop` and
   * `reject` end it for good, `return` and falling off the end go back to the caller,
   * `jump` comes back to the next rule when the target returns, `goto` does not. A rule with
   * a match nsl-lint does not model may or may not take a packet: its verdict is recorded
   * and the packet also goes on to the next rule.
   */
  private evalChain(chain: FwChain, input: PacketSet, reach: Map<FwRule, PacketSet>, depth: number, stage: Stage): ChainPass {
    // What is still in the chain is the input minus what earlier rules took (`gone`); both
    // are indexed so each rule looks only at the boxes its own match meets.
    const inputIndex = BoxIndex.of(input.boxes);
    const gone = new BoxIndex<Box>();
    const goneBoxes: Box[] = [];
    const take = (set: PacketSet): void => {
      for (const b of set.boxes) {
        // A box inside one already taken adds nothing (a rule repeated 10,000 times stays one box).
        if (gone.query(b).some((g) => boxSubset(b, g))) continue;
        gone.add(b, b);
        goneBoxes.push(b);
      }
    };
    // While what is left stays small (one packet, a query), it is also tracked exactly, to stop once all is decided.
    let left: PacketSet | undefined = input.boxes.length <= SMALL_SET ? input : undefined;
    const takeLeft = (taken: PacketSet): void => {
      left = left?.subtract(taken);
      if (left && left.boxes.length > SMALL_SET) left = undefined;
    };
    const accept: PacketSet[] = [];
    const drop: PacketSet[] = [];
    const ret: PacketSet[] = [];
    const queued: PacketSet[] = [];
    const decided: ChainPass['decided'] = [];
    for (const rule of chain.rules) {
      if (left?.isEmpty) break;
      const m = this.match(rule, stage);
      const hit = PacketSet.meet(m, inputIndex).subtract(PacketSet.of(m.boxes.flatMap((mb) => gone.query(mb))));
      if (hit.isEmpty) continue;
      reach.set(rule, (reach.get(rule) ?? PacketSet.EMPTY).union(hit));
      const certain = this.certain(rule);
      const v = rule.verdict;
      switch (v.kind) {
        case 'accept':
          accept.push(hit);
          decided.push(rule);
          break;
        case 'drop':
        case 'reject':
          drop.push(hit);
          decided.push(rule);
          break;
        case 'return':
          ret.push(hit);
          break;
        case 'queue':
          queued.push(hit);
          break;
        case 'continue':
          continue;
        case 'jump':
        case 'goto': {
          const target = this.target(chain, v.chain);
          if (!target || depth > 32) continue;
          const sub = this.evalChain(target, hit, reach, depth + 1, stage);
          accept.push(sub.accept);
          drop.push(sub.drop);
          queued.push(sub.queued);
          decided.push(...sub.decided);
          if (v.kind === 'goto') ret.push(sub.ret);
          else if (certain) {
            // What the target chain returns comes back to the next rule.
            const taken = m.subtract(sub.ret);
            take(taken);
            takeLeft(taken);
            continue;
          }
          break;
        }
      }
      // Accepted, dropped, returned, or (`queue`) handed to user space: neither accepted nor dropped here.
      if (certain) {
        take(m);
        takeLeft(m);
      }
    }
    const remaining = left ?? input.subtract(PacketSet.of(goneBoxes));
    return {
      accept: PacketSet.unionAll(accept),
      drop: PacketSet.unionAll(drop),
      ret: PacketSet.unionAll([...ret, remaining]),
      decided,
      queued: PacketSet.unionAll(queued),
    };
  }

  /** Evaluate a hook for one family over every packet (computed once per ruleset). */
  hook(f: Family, hook: Hook): HookRun {
    const key = `${f} ${hook}`;
    let run = this.hookCache.get(key);
    if (!run) {
      run = this.runHook(f, hook, this.universe(f), true);
      this.hookCache.set(key, run);
    }
    return run;
  }

  /**
   * A packet traverses the hook's base chains in priority order: accepted by one, it goes
   * on to the next; dropped by any, it is gone; what a chain does not decide meets its
   * policy. `passLater` (what every later chain accepts) is computed on request only.
   */
  private runHook(f: Family, hook: Hook, start: PacketSet, withPassLater: boolean): HookRun & Pick<ChainPass, 'decided' | 'queued'> {
    const reach = new Map<FwRule, PacketSet>();
    const runs: HookChainRun[] = [];
    const decided: ChainPass['decided'] = [];
    let input = start;
    let dropped = PacketSet.EMPTY;
    let queued = PacketSet.EMPTY;
    for (const chain of this.hookChains(f, hook)) {
      const own = new Map<FwRule, PacketSet>();
      // An ingress chain sees only the packets of its devices; the others pass it by.
      const [seen, bypass] = this.onDevices(chain, input);
      const ev = this.evalChain(chain, seen, own, 0, chainStage(chain));
      for (const [r, set] of own) reach.set(r, (reach.get(r) ?? PacketSet.EMPTY).union(set));
      decided.push(...ev.decided);
      queued = queued.union(ev.queued);
      const accepted = (policyAccepts(chain) ? ev.accept.union(ev.ret) : ev.accept).union(bypass);
      dropped = dropped.union(ev.drop).union(policyAccepts(chain) ? PacketSet.EMPTY : ev.ret);
      runs.push({
        chain,
        input,
        eval: { accept: ev.accept, drop: ev.drop, ret: ev.ret },
        accepted,
        passLater: PacketSet.EMPTY,
        reach: own,
      });
      input = accepted;
    }
    if (withPassLater) {
      // What every later base chain lets through, evaluated from scratch (reach is not recorded twice).
      for (let i = 0; i < runs.length; i++) {
        let pass = this.universe(f);
        for (const later of runs.slice(i + 1)) {
          const [seen, bypass] = this.onDevices(later.chain, pass);
          const ev = this.evalChain(later.chain, seen, new Map(), 0, chainStage(later.chain));
          pass = (policyAccepts(later.chain) ? ev.accept.union(ev.ret) : ev.accept).union(bypass);
        }
        (runs[i] as HookChainRun).passLater = pass;
      }
    }
    return { family: f, hook, chains: runs, accepted: input, dropped, reach, decided, queued };
  }

  /**
   * The verdict of the hook for one concrete packet: the same evaluation as for every
   * packet, run on the set that holds just this one.
   */
  verdict(hook: Hook, p: Packet): PacketVerdict {
    const run = this.runHook(p.family, hook, PacketSet.of([packetBox(p)]), false);
    const accepted = !run.accepted.isEmpty;
    const dropped = !run.dropped.isEmpty;
    // Both: a match nsl-lint does not model decides. A queue verdict on any of its possible
    // ways hands the packet to user space, whose verdict is not in the ruleset.
    if (accepted === dropped || !run.queued.isEmpty) return { verdict: 'unknown' };
    if (dropped) {
      const rule = run.decided.find((r) => isDrop(r.verdict));
      if (rule) return { verdict: 'drop', by: { rule } };
      const chain = run.chains.find((c) => !policyAccepts(c.chain) && !c.eval.ret.isEmpty)?.chain;
      return chain ? { verdict: 'drop', by: { policy: chain } } : { verdict: 'drop' };
    }
    // Accepted by every base chain: the last one decided, by a rule or by its policy.
    const last = run.chains[run.chains.length - 1];
    if (!last) return { verdict: 'accept' };
    if (!last.eval.ret.isEmpty) return { verdict: 'accept', by: { policy: last.chain } };
    const rule = [...run.decided].reverse().find((r) => r.verdict.kind === 'accept');
    return rule ? { verdict: 'accept', by: { rule } } : { verdict: 'accept' };
  }

  /**
   * Rules of a chain that can never match because earlier rules of the same chain decide
   * every packet they select. Only certain, deciding rules cover; a rule's own uncertain
   * matches are ignored (it selects at most what its other conditions select).
   */
  covered(chain: FwChain): Cover[] {
    const out: Cover[] = [];
    // Verdicts that end the chain for the packets they take (a queue sends them to user space).
    const decides = (v: Verdict): boolean => v.kind !== 'continue' && v.kind !== 'jump';
    const stage = this.commonStage(chain);
    // The earlier certain, deciding rules, by the boxes they match: only those meeting a rule can cover it.
    const deciding = new BoxIndex<{ box: Box; position: number }>();
    chain.rules.forEach((rule, position) => {
      const m = this.match(rule, stage);
      if (m.isEmpty) return;
      let covered = PacketSet.EMPTY;
      const covering: FwRule[] = [];
      // In chain order (an inet rule has a box per family, each query answers in its own order).
      const candidates = [...new Set(m.boxes.flatMap((b) => deciding.query(b).map((d) => d.position)))].sort((x, y) => x - y);
      for (const earlier of candidates.flatMap((i) => chain.rules[i] ?? [])) {
        const part = this.match(earlier, stage).intersect(m).subtract(covered);
        if (part.isEmpty) continue;
        covering.push(earlier);
        covered = covered.union(part);
        if (m.subsetOf(covered)) break;
      }
      if (covering.length && m.subsetOf(covered)) {
        const same = covering.every((c) => verdictText(c.verdict) === verdictText(rule.verdict));
        out.push({ rule, covering, sameVerdict: same });
      }
      if (!this.certain(rule) || !decides(rule.verdict)) return;
      // A box inside an earlier deciding one can never add to what that one covers first.
      for (const box of m.boxes) if (!deciding.query(box).some((d) => boxSubset(box, d.box))) deciding.add(box, { box, position });
    });
    return out;
  }

  /** The packets a base chain sees (those of its devices, for an ingress chain) and those that pass it by. */
  private onDevices(chain: FwChain, input: PacketSet): [PacketSet, PacketSet] {
    if (!chain.devices) return [input, PacketSet.EMPTY];
    const seen = input.restrict('iif', this.ifSet(chain.devices));
    return [seen, input.subtract(seen)];
  }

  /**
   * What holds wherever a chain runs: the stage flags shared by every base chain that reaches
   * it through jumps and gotos (none for a chain nothing reaches).
   */
  private commonStage(chain: FwChain): Stage {
    if (!this.reachingStages) {
      const reaching = new Map<FwChain, Set<Stage>>();
      const visit = (c: FwChain, stage: Stage): void => {
        let stages = reaching.get(c);
        if (!stages) reaching.set(c, (stages = new Set()));
        if (stages.has(stage)) return;
        stages.add(stage);
        for (const r of c.rules) {
          const target = r.verdict.kind === 'jump' || r.verdict.kind === 'goto' ? this.target(c, r.verdict.chain) : undefined;
          if (target) visit(target, stage);
        }
      };
      for (const t of this.ruleset.tables) for (const c of t.chains) if (c.hook) visit(c, chainStage(c));
      this.reachingStages = reaching;
    }
    const stages = [...(this.reachingStages.get(chain) ?? [])];
    return stages.length ? stages.reduce((a, b) => a & b) : 0;
  }

  /**
   * A packet in words, naming what a probe needs to stand for the set: the destination
   * address and the source port only where the set, with the packet's other values fixed,
   * does not admit every value (a prerouting rule may require one destination).
   */
  describe(p: Packet, set?: PacketSet): string {
    if (!set) return describePacket(p, (i) => this.ifName(i));
    const free = (dim: Dim): boolean => {
      const box = [...packetBox(p)];
      box[D[dim]] = universeBox(p.family, this.ifaces.length)[D[dim]] ?? [];
      return PacketSet.of([box]).subsetOf(set);
    };
    return describePacket(p, (i) => this.ifName(i), { dst: free('dst'), sport: free('sport') });
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

const WORLD_NEW: TrafficQuery = { from: 'world', via: 'public', state: ['new'] };

/** A base chain without a drop policy lets through what its rules do not decide. */
function policyAccepts(chain: FwChain): boolean {
  return chain.policy !== 'drop';
}

function isDrop(v: Verdict): boolean {
  return v.kind === 'drop' || v.kind === 'reject';
}

/** Families a ruleset filters at all. */
export function filteredFamilies(rs: Ruleset): Family[] {
  return FAMILIES.filter((f) => rs.filters[f] !== undefined);
}

export const familyName = (f: Family): string => (f === 4 ? 'IPv4' : 'IPv6');

/** The ports `host-port-open-to-world` guards unless `host.sensitivePorts` replaces them. */
export const DEFAULT_SENSITIVE_PORTS: readonly SensitivePort[] = [
  { proto: 6, lo: 22, hi: 22, label: 'SSH' },
  { proto: 6, lo: 6443, hi: 6443, label: 'Kubernetes API server' },
  { proto: 6, lo: 2379, hi: 2380, label: 'etcd' },
  { proto: 6, lo: 10250, hi: 10250, label: 'kubelet' },
  { proto: 6, lo: 10255, hi: 10255, label: 'kubelet read-only' },
  { proto: 6, lo: 10257, hi: 10257, label: 'kube-controller-manager' },
  { proto: 6, lo: 10259, hi: 10259, label: 'kube-scheduler' },
];

export function sensitivePorts(configured: readonly SensitivePort[]): readonly SensitivePort[] {
  return configured.length ? configured : DEFAULT_SENSITIVE_PORTS;
}

export function portText(p: SensitivePort): string {
  return `${p.proto === 6 ? 'tcp' : 'udp'}/${p.lo === p.hi ? p.lo : `${p.lo}-${p.hi}`}`;
}
