/**
 * Small builders for the host-firewall analysis tests: rulesets come from the real loader
 * (iptables-save, nft and shell text), packets and packet sets are written out by hand so
 * expectations never come from the code under test.
 */
import { expect } from 'vitest';
import { RulesetAnalysis, type PacketVerdict } from '../../src/analysis/firewall.js';
import { PacketSet, universeBox, witness, D, type Box, type Dim, type Packet } from '../../src/analysis/packets.js';
import { defaultConfig } from '../../src/core/config.js';
import { Iv, type Intervals } from '../../src/core/intervals.js';
import { parseIp, type Family } from '../../src/core/ip.js';
import type { Notice } from '../../src/core/notice.js';
import type { CtState } from '../../src/core/protocols.js';
import type { FileKind } from '../../src/discover/classify.js';
import type { Ruleset } from '../../src/model/firewall.js';
import { loadModel } from '../../src/model/load.js';
import type { FwChain, FwRule, Hook } from '../../src/parse/netfilter.js';

export interface TextFile {
  path: string;
  kind: FileKind;
  text: string;
}

/** Rulesets the loader builds from the files; any parse error or notice fails the test. */
export function loadRulesets(files: TextFile[]): Ruleset[] {
  const notices: Notice[] = [];
  const model = loadModel(
    '/r',
    files.map((f) => ({ path: f.path, abs: `/r/${f.path}`, kind: f.kind, text: f.text })),
    defaultConfig(),
    notices,
  );
  expect({ parseErrors: model.parseErrors, notices }).toEqual({ parseErrors: [], notices: [] });
  return model.host.rulesets;
}

export function analyse(files: TextFile[], privateInterfaces: string[] = []): RulesetAnalysis {
  const [rs, ...rest] = loadRulesets(files);
  expect(rest).toEqual([]);
  if (!rs) throw new Error('no ruleset loaded');
  return new RulesetAnalysis(rs, privateInterfaces);
}

/** An iptables-save file; its family follows the file name (`rules.v4` / `rules.v6`). */
export function save(text: string, path = 'rules.v4'): RulesetAnalysis {
  return analyse([{ path, kind: 'iptables-save', text }]);
}

/** An `nft -f` file. */
export function nft(text: string): RulesetAnalysis {
  return analyse([{ path: 'fw.nft', kind: 'nft', text }]);
}

/** A shell script calling iptables / ip6tables / nft. */
export function script(text: string): RulesetAnalysis {
  return analyse([{ path: 'fw.sh', kind: 'shell', text: `#!/bin/sh\n${text}` }]);
}

export function addr(text: string): bigint {
  const ip = parseIp(text);
  if (!ip) throw new Error(`bad address ${text}`);
  return ip.value;
}

export function ifIndex(a: RulesetAnalysis, name: string): number {
  const i = a.ifaces.indexOf(name);
  if (i < 0) throw new Error(`interface ${name} is not one of ${a.ifaces.join(', ')}`);
  return i;
}

const PROTO: Record<string, number> = { tcp: 6, udp: 17, icmp: 1, icmpv6: 58, sctp: 132, gre: 47 };

export interface PacketSpec {
  family?: Family;
  src?: string;
  dst?: string;
  proto?: keyof typeof PROTO | number;
  sport?: number;
  dport?: number;
  iif?: string;
  /** On the input path the kernel has no output interface; the tests leave it at `lo`. */
  oif?: string;
  ct?: CtState;
}

/** A concrete packet: by default a new TCP connection from 1.2.3.4 to 10.0.0.1 port 80 on eth0. */
export function packet(a: RulesetAnalysis, s: PacketSpec = {}): Packet {
  const family = s.family ?? (s.src?.includes(':') ? 6 : 4);
  const proto = typeof s.proto === 'number' ? s.proto : PROTO[s.proto ?? 'tcp'];
  if (proto === undefined) throw new Error(`bad protocol ${String(s.proto)}`);
  return {
    family,
    src: addr(s.src ?? (family === 4 ? '1.2.3.4' : '2600::1')),
    dst: addr(s.dst ?? (family === 4 ? '10.0.0.1' : 'fd00::1')),
    proto,
    sport: s.sport ?? 40000,
    dport: s.dport ?? 80,
    iif: ifIndex(a, s.iif ?? 'eth0'),
    oif: ifIndex(a, s.oif ?? 'lo'),
    ct: s.ct ?? 'new',
  };
}

/**
 * A verdict in words: the deciding rule (iptables: its text; nft, whose rule text leaves out
 * values: `line N`), or `policy <chain>`.
 */
export interface Outcome {
  verdict: PacketVerdict['verdict'];
  by?: string;
}

export function ruleLabel(r: FwRule): string {
  return r.at.file.endsWith('.nft') ? `line ${r.at.span.start.line}` : r.text;
}

export function outcome(v: PacketVerdict): Outcome {
  if (!v.by) return { verdict: v.verdict };
  return { verdict: v.verdict, by: 'rule' in v.by ? ruleLabel(v.by.rule) : `policy ${v.by.policy.name}` };
}

/** The hook's verdict for one packet, in words. */
export function judge(a: RulesetAnalysis, s: PacketSpec = {}, hook: Hook = 'input'): Outcome {
  return outcome(a.verdict(hook, packet(a, s)));
}

/** The base chain of a hook by name (first matching family). */
export function baseChain(a: RulesetAnalysis, name: string, f: Family = 4, hook: Hook = 'input'): FwChain {
  const c = a.hookChains(f, hook).find((x) => x.name === name);
  if (!c) throw new Error(`no base chain ${name}`);
  return c;
}

/** Any chain of the ruleset by table name and chain name. */
export function chainNamed(a: RulesetAnalysis, name: string, table?: string): FwChain {
  for (const t of a.ruleset.tables) {
    if (table !== undefined && t.name !== table) continue;
    const c = t.chains.find((x) => x.name === name);
    if (c) return c;
  }
  throw new Error(`no chain ${name}`);
}

/** The rule written on a line of the nft file. */
export function ruleAtLine(a: RulesetAnalysis, line: number): FwRule {
  for (const t of a.ruleset.tables) for (const c of t.chains) for (const r of c.rules) if (r.at.span.start.line === line) return r;
  throw new Error(`no rule on line ${line}`);
}

/** The rule whose text is exactly `text` (iptables-save: the whole `-A …` line; nft: the words). */
export function ruleText(a: RulesetAnalysis, text: string): FwRule {
  for (const t of a.ruleset.tables) for (const c of t.chains) for (const r of c.rules) if (r.text === text) return r;
  throw new Error(`no rule "${text}"`);
}

/** Values per dimension; a missing dimension is unconstrained. */
export type Region = Partial<Record<Dim, Intervals>>;

export const pt = (v: number | bigint): Intervals => Iv.point(BigInt(v));
export const range = (lo: number | bigint, hi: number | bigint): Intervals => Iv.of(BigInt(lo), BigInt(hi));
export const points = (...vs: number[]): Intervals => Iv.from(vs.map((v) => [BigInt(v), BigInt(v)] as const));
/** An address block as an interval of the address dimension. */
export function cidr(text: string): Intervals {
  const [a = '', bits = ''] = text.split('/');
  const v = addr(a);
  const width = a.includes(':') ? 128 : 32;
  const host = (1n << BigInt(width - Number(bits === '' ? width : bits))) - 1n;
  return Iv.of(v & ~host, (v & ~host) | host);
}

/** A box of family `f` over `ifaces` interfaces, narrowed per dimension. */
export function box(f: Family, ifaces: number, r: Region = {}): Box {
  const b = [...universeBox(f, ifaces)];
  for (const [dim, values] of Object.entries(r) as [Dim, Intervals][]) b[D[dim]] = values;
  return b;
}

/** The union of the given regions of one family of the analysis' universe. */
export function region(a: RulesetAnalysis, f: Family, ...regions: Region[]): PacketSet {
  return PacketSet.of(regions.map((r) => box(f, a.ifaces.length, r)));
}

/** Set equality, with a witness packet of each difference when it fails. */
export function expectSameSet(actual: PacketSet, expected: PacketSet): void {
  expect({ extra: witness(actual.subtract(expected)), missing: witness(expected.subtract(actual)) }).toEqual({
    extra: undefined,
    missing: undefined,
  });
}

/** Interface indices as a dimension set. */
export function ifs(a: RulesetAnalysis, ...names: string[]): Intervals {
  return Iv.from(names.map((n) => [BigInt(ifIndex(a, n)), BigInt(ifIndex(a, n))] as const));
}
