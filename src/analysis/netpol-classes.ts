import { familyMax, partition, type Family, type IpRange } from '../core/ip.js';
import { ConnSet, resolvePorts, type NamedPort, type PortSpec } from './netpol-ports.js';
import type { Applicable, NetpolAnalysis, PodEndpoint } from './netpol.js';
import type { Direction, Peer, PolicyRule } from './netpol-types.js';
import { classKey, labelKeysRead } from './netpol-class-key.js';

/**
 * Pods that no policy can tell apart, evaluated once. Two pods of the same namespace, both
 * on the pod network, whose labels agree on every key a selector reads, are selected by the
 * same policies and matched by the same peers: they are one class. Container ports stay
 * out of the class (named ports resolve per destination pod, when a connection is written),
 * so the connections a side allows are kept as port formulas: numbers plus named ports.
 */

/** A set of class numbers. */
export class Bitset {
  readonly words: Uint32Array;
  constructor(readonly size: number) {
    this.words = new Uint32Array(Math.ceil(size / 32));
  }
  static full(size: number): Bitset {
    const b = new Bitset(size);
    for (let i = 0; i < size; i++) b.add(i);
    return b;
  }
  add(i: number): void {
    this.words[i >>> 5] = (this.words[i >>> 5] as number) | (1 << (i & 31));
  }
  has(i: number): boolean {
    return ((this.words[i >>> 5] as number) & (1 << (i & 31))) !== 0;
  }
  orWith(o: Bitset): void {
    for (let w = 0; w < this.words.length; w++) this.words[w] = (this.words[w] as number) | (o.words[w] as number);
  }
  get isEmpty(): boolean {
    return this.words.every((w) => w === 0);
  }
}

export interface PodClass {
  index: number;
  /** Any member: every member answers every selector the same way. */
  rep: PodEndpoint;
}

export class PodClasses {
  readonly classes: PodClass[] = [];
  private readonly byPod = new Map<PodEndpoint, PodClass>();
  private readonly byNamespace = new Map<string, PodClass[]>();
  private readonly peerSets = new Map<Peer, Bitset>();

  constructor(
    private readonly a: NetpolAnalysis,
    pods: readonly PodEndpoint[],
  ) {
    const keys = labelKeysRead(a.policies);
    const byKey = new Map<string, PodClass>();
    for (const pod of pods) {
      const key = classKey(pod, keys);
      let c = byKey.get(key);
      if (!c) {
        c = { index: this.classes.length, rep: pod };
        byKey.set(key, c);
        this.classes.push(c);
        const list = this.byNamespace.get(pod.namespace) ?? [];
        list.push(c);
        this.byNamespace.set(pod.namespace, list);
      }
      this.byPod.set(pod, c);
    }
  }

  get size(): number {
    return this.classes.length;
  }

  classOf(pod: PodEndpoint): PodClass {
    const c = this.byPod.get(pod);
    if (!c) throw new Error('pod without a class');
    return c;
  }

  /** Classes a peer may match (certainly or through labels nobody defined), computed once per peer. */
  peerSet(peer: Peer): Bitset {
    let set = this.peerSets.get(peer);
    if (set) return set;
    set = new Bitset(this.size);
    if (peer.kind === 'pods') {
      // The namespace part once per namespace, the pod part per class of the namespaces it reaches.
      for (const list of this.byNamespace.values()) {
        if (this.a.namespaceMatches(peer.namespaces, (list[0] as PodClass).rep.ns) === false) continue;
        for (const c of list) if (this.a.peerMatches(peer, c.rep) !== false) set.add(c.index);
      }
    } else if (peer.kind !== 'cidr' && peer.kind !== 'fqdn') {
      for (const c of this.classes) if (this.a.peerMatches(peer, c.rep) !== false) set.add(c.index);
    }
    this.peerSets.set(peer, set);
    return set;
  }
}

/**
 * The classes whose pods the map weighs as the other side of `cls` in `direction`, as it
 * always has: undefined (no list: the caller falls back on the other side's) when the
 * direction is surely not isolated or a rule admits every pod; else the classes some
 * non-deny rule's peers may match, where an entity the analysis does not know is taken as
 * no pod (the engine answers "unknown" for it, which would admit every pod).
 */
export function candidateSet(a: NetpolAnalysis, classes: PodClasses, cls: PodClass, direction: Direction): Bitset | undefined {
  if (a.isolated(cls.rep, direction) === false) return undefined;
  const out = new Bitset(classes.size);
  for (const app of a.applicable(cls.rep, direction))
    for (const rule of app.rules.rules) {
      if (rule.action === 'Deny' || rule.action === 'Log') continue;
      for (const peer of rule.peers) {
        if (
          peer.kind === 'all' ||
          peer.kind === 'unknown' ||
          (peer.kind === 'entity' && (peer.entity === 'all' || peer.entity === 'cluster'))
        )
          return undefined;
        if (peer.kind === 'pods') out.orWith(classes.peerSet(peer));
      }
    }
  return out;
}

/** Connections as a rule's ports give them before the destination is known: numbers, plus named ports. */
export class PortFormula {
  private constructor(
    readonly base: ConnSet,
    readonly named: readonly PortSpec[],
    readonly key: string,
  ) {}

  static of(base: ConnSet, named: readonly PortSpec[]): PortFormula {
    const names = [...new Map(named.map((s) => [namedKey(s), s])).entries()].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    // Every connection already: a named port adds nothing.
    const kept = base.isAll ? [] : names.map(([, s]) => s);
    const key = `${base.toMapString()}|${base.isAll ? '' : names.map(([k]) => k).join(',')}`;
    return new PortFormula(base, kept, key);
  }

  static readonly ALL = PortFormula.of(ConnSet.ALL, []);

  /** What a rule's ports admit, with named ports left to resolve. */
  static ofRule(rule: PolicyRule): PortFormula {
    if (rule.ports === 'all') return PortFormula.ALL;
    return PortFormula.of(
      resolvePorts(rule.ports, []),
      rule.ports.filter((s) => 'name' in s),
    );
  }

  union(o: PortFormula): PortFormula {
    return PortFormula.of(this.base.union(o.base), [...this.named, ...o.named]);
  }

  /** The connections towards a destination with these container ports. */
  resolve(ports: readonly NamedPort[]): ConnSet {
    return this.named.length ? this.base.union(resolvePorts(this.named, ports)) : this.base;
  }

  get dependsOnPorts(): boolean {
    return this.named.length > 0;
  }
}

function namedKey(s: PortSpec): string {
  return 'name' in s ? `${s.protocol}/${s.name}` : '';
}

/** Formulas shared by key, so that equal ones are one object. */
export class FormulaTable {
  private readonly byKey = new Map<string, PortFormula>();
  private readonly byRule = new WeakMap<PolicyRule, PortFormula>();
  private readonly resolved = new Map<PortFormula, Map<string, ConnSet>>();
  intern(f: PortFormula): PortFormula {
    const hit = this.byKey.get(f.key);
    if (hit) return hit;
    this.byKey.set(f.key, f);
    return f;
  }
  ofRule(rule: PolicyRule): PortFormula {
    let f = this.byRule.get(rule);
    if (!f) this.byRule.set(rule, (f = this.intern(PortFormula.ofRule(rule))));
    return f;
  }
  /** `f.resolve(ports)`, remembered per formula and set of container ports (`portsKey` names it). */
  resolve(f: PortFormula, ports: readonly NamedPort[], portsKey: string): ConnSet {
    if (!f.dependsOnPorts) return f.base;
    let byPorts = this.resolved.get(f);
    if (!byPorts) this.resolved.set(f, (byPorts = new Map()));
    let hit = byPorts.get(portsKey);
    if (!hit) byPorts.set(portsKey, (hit = f.resolve(ports)));
    return hit;
  }
}

/**
 * One side of a connection (a pod's egress towards destinations, or its ingress from
 * sources) as a function of the other side's class:
 * - `all`: nothing isolates the direction, every connection;
 * - `groups`: the union of the formulas whose classes include the other side's;
 * - `engine`: rules whose order matters (deny, pass, admin tiers): ask the engine per pair.
 */
export type Side =
  | { kind: 'all' }
  | { kind: 'groups'; groups: { formula: PortFormula; set: Bitset }[]; unions: Map<number, PortFormula | undefined> }
  | { kind: 'engine' };

/**
 * Whether the pod's policies only ever add connections in this direction: no admin or
 * baseline tier, no deny rules, only `Allow` (and `Log`) actions. Then what is allowed is
 * the union of the matching rules' ports, or everything when no policy surely selecting
 * the pod isolates the direction.
 */
export function onlyAdds(apps: readonly Applicable[]): boolean {
  return apps.every(
    (x) =>
      x.policy.tier === undefined && x.rules.denies.length === 0 && x.rules.rules.every((r) => r.action === 'Allow' || r.action === 'Log'),
  );
}

/** Every connection: no policy, or none that surely selects the pod isolates the direction. */
function open(apps: readonly Applicable[]): boolean {
  return !apps.some((x) => x.selected === true && x.rules.isolates);
}

export function sideOf(a: NetpolAnalysis, classes: PodClasses, table: FormulaTable, cls: PodClass, direction: Direction): Side {
  const apps = a.applicable(cls.rep, direction);
  if (!onlyAdds(apps)) return { kind: 'engine' };
  if (open(apps)) return { kind: 'all' };
  const byFormula = new Map<PortFormula, Bitset>();
  for (const app of apps)
    for (const rule of app.rules.rules) {
      if (rule.action !== 'Allow') continue;
      const f = table.ofRule(rule);
      let set = byFormula.get(f);
      if (!set) {
        set = new Bitset(classes.size);
        byFormula.set(f, set);
      }
      for (const peer of rule.peers) set.orWith(classes.peerSet(peer));
    }
  const groups = [...byFormula].filter(([, set]) => !set.isEmpty).map(([formula, set]) => ({ formula, set }));
  return { kind: 'groups', groups, unions: new Map() };
}

/** The formula a side gives the class `other`; undefined for no connection. Only for `all` and `groups` sides. */
export function formulaAt(side: Side, table: FormulaTable, other: number): PortFormula | undefined {
  if (side.kind === 'all') return PortFormula.ALL;
  if (side.kind === 'engine') throw new Error('an engine side has no formula');
  const { groups, unions } = side;
  if (groups.length === 1)
    return (groups[0] as { set: Bitset }).set.has(other) ? (groups[0] as { formula: PortFormula }).formula : undefined;
  let mask = 0;
  let hits: PortFormula[] | undefined;
  for (let g = 0; g < groups.length; g++) {
    const group = groups[g] as { formula: PortFormula; set: Bitset };
    if (!group.set.has(other)) continue;
    if (g < 30) mask |= 1 << g;
    else (hits ??= []).push(group.formula);
  }
  if (hits) return unionOf(table, [...groups.filter((x, g) => g < 30 && mask & (1 << g)).map((x) => x.formula), ...hits]);
  if (unions.has(mask)) return unions.get(mask);
  const f =
    mask === 0
      ? undefined
      : unionOf(
          table,
          groups.filter((_, g) => mask & (1 << g)).map((x) => x.formula),
        );
  unions.set(mask, f);
  return f;
}

function unionOf(table: FormulaTable, list: readonly PortFormula[]): PortFormula {
  return table.intern(list.reduce((x, y) => x.union(y)));
}

/** Whether any class may get a connection from this side (for pruning). */
export function sideReaches(side: Side, other: number): boolean {
  if (side.kind !== 'groups') return true;
  return side.groups.some((g) => g.set.has(other));
}

/**
 * A class's side towards address ranges: the ranges its own policies' address blocks tell
 * apart, in order, each with the formula allowed (undefined: nothing). Undefined when the
 * rules' order matters (the engine decides per range then).
 */
export function ipSideOf(
  a: NetpolAnalysis,
  table: FormulaTable,
  cls: PodClass,
  direction: Direction,
  families: readonly Family[],
): { atoms: IpRange[]; formulas: (PortFormula | undefined)[] } | undefined {
  const apps = a.applicable(cls.rep, direction);
  if (!onlyAdds(apps)) return undefined;
  const local: IpRange[] = [];
  for (const app of apps)
    for (const rule of [...app.rules.rules, ...app.rules.denies])
      for (const peer of rule.peers) if (peer.kind === 'cidr') local.push(peer.range, ...peer.except);
  const atoms = partition(local, families);
  if (open(apps))
    return mergeAlike(
      atoms,
      atoms.map(() => PortFormula.ALL),
    );
  // Per formula, how many of its peers cover each range (a difference array over the ranges).
  const cover = new Map<PortFormula, Int32Array>();
  const someAtom: IpRange = atoms[0] ?? { family: 4, start: 0n, end: familyMax(4) };
  for (const app of apps)
    for (const rule of app.rules.rules) {
      if (rule.action !== 'Allow') continue;
      const f = table.ofRule(rule);
      let diff = cover.get(f);
      if (!diff) {
        diff = new Int32Array(atoms.length + 1);
        cover.set(f, diff);
      }
      for (const peer of rule.peers) {
        if (peer.kind === 'cidr') {
          const [from, to] = span(atoms, peer.range);
          if (from > to) continue;
          diff[from] = (diff[from] as number) + 1;
          diff[to + 1] = (diff[to + 1] as number) - 1;
          for (const ex of mergeRanges(peer.except.map((e) => clip(e, peer.range)).filter((e): e is IpRange => e !== undefined))) {
            const [ef, et] = span(atoms, ex);
            if (ef > et) continue;
            diff[ef] = (diff[ef] as number) - 1;
            diff[et + 1] = (diff[et + 1] as number) + 1;
          }
        } else if (a.peerMatches(peer, { kind: 'ip', range: someAtom }) !== false) {
          // Peers other than address blocks match every address range alike.
          diff[0] = (diff[0] as number) + 1;
          diff[atoms.length] = (diff[atoms.length] as number) - 1;
        }
      }
    }
  const running = [...cover].map(([f, diff]) => ({ f, diff, n: 0 }));
  const formulas: (PortFormula | undefined)[] = [];
  const unions = new Map<string, PortFormula | undefined>();
  for (let i = 0; i < atoms.length; i++) {
    const hits: PortFormula[] = [];
    let key = '';
    for (let r = 0; r < running.length; r++) {
      const run = running[r] as (typeof running)[number];
      run.n += run.diff[i] as number;
      if (run.n > 0) {
        hits.push(run.f);
        key += `${r},`;
      }
    }
    if (!unions.has(key)) unions.set(key, hits.length ? unionOf(table, hits) : undefined);
    formulas.push(unions.get(key));
  }
  return mergeAlike(atoms, formulas);
}

/** Adjacent ranges of one family with the same formula as one range. */
function mergeAlike(
  atoms: readonly IpRange[],
  formulas: readonly (PortFormula | undefined)[],
): { atoms: IpRange[]; formulas: (PortFormula | undefined)[] } {
  const out: { atoms: IpRange[]; formulas: (PortFormula | undefined)[] } = { atoms: [], formulas: [] };
  atoms.forEach((atom, i) => {
    const last = out.atoms.length - 1;
    const prev = out.atoms[last];
    if (prev && prev.family === atom.family && out.formulas[last] === formulas[i]) out.atoms[last] = { ...prev, end: atom.end };
    else {
      out.atoms.push(atom);
      out.formulas.push(formulas[i]);
    }
  });
  return out;
}

function compareStart(x: IpRange, family: Family, start: bigint): number {
  return x.family - family || (x.start < start ? -1 : x.start > start ? 1 : 0);
}

/** Indices of the first and last range lying inside `r` (the ranges refine `r`'s bounds). */
function span(atoms: readonly IpRange[], r: IpRange): [number, number] {
  let lo = 0;
  let hi = atoms.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareStart(atoms[mid] as IpRange, r.family, r.start) < 0) lo = mid + 1;
    else hi = mid;
  }
  let end = lo - 1;
  while (end + 1 < atoms.length) {
    const next = atoms[end + 1] as IpRange;
    if (next.family !== r.family || next.start > r.end) break;
    end++;
  }
  return [lo, end];
}

function clip(e: IpRange, r: IpRange): IpRange | undefined {
  if (e.family !== r.family) return undefined;
  const start = e.start > r.start ? e.start : r.start;
  const end = e.end < r.end ? e.end : r.end;
  return start <= end ? { family: e.family, start, end } : undefined;
}

/** Overlapping ranges united, so that each address is taken away at most once. */
function mergeRanges(list: readonly IpRange[]): IpRange[] {
  const sorted = [...list].sort((x, y) => x.family - y.family || (x.start < y.start ? -1 : x.start > y.start ? 1 : 0));
  const out: IpRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && last.family === r.family && r.start <= last.end) {
      if (r.end > last.end) out[out.length - 1] = { ...last, end: r.end };
    } else out.push(r);
  }
  return out;
}
