import { RulesetAnalysis, type PacketVerdict } from '../../src/analysis/firewall.js';
import type { Packet } from '../../src/analysis/packets.js';
import type { Finding } from '../../src/core/finding.js';
import { parseIp, type Family } from '../../src/core/ip.js';
import type { LintResult } from '../../src/engine/lint.js';
import type { Ruleset } from '../../src/model/firewall.js';
import { Lab, isUsableIfname, type LabProbe, type ProbeResult } from './kernel-lab.js';
import { loadRuleset, type Loaded } from './kernel-support.js';

/**
 * The kernel as the judge of one ruleset. The ruleset the user wrote is loaded into a lab
 * (kernel-lab.ts); probe packets are sent through it; and nsl-lint is held to what it says
 * publicly:
 *
 * - per packet, the verdict of the one evaluator the rules use (`RulesetAnalysis.verdict`
 *   for the input path) must equal the kernel's whenever nsl-lint gives a firm verdict;
 * - `host-port-open-to-world`: the witness its message names ("e.g. tcp from A to port P on
 *   IF") must be accepted by the kernel (moved into the test address ranges when nsl-lint's
 *   evaluator says the moved packet is accepted the same way);
 * - `host-rule-shadowed` / `host-rule-redundant`: the kernel must count no packet on the rule,
 *   under probes aimed at it; deleting the rules reported redundant must not change the
 *   kernel's verdict on any probe.
 */

export type KernelVerdict = 'accept' | 'drop';

/** Where a rule sits in the kernel: iptables rules by family/table/chain/position, nft rules by family/table/chain/position. */
export interface KernelRuleRef {
  backend: 'iptables' | 'nft';
  /** `4`/`6` for iptables; the nft table family (`inet`, `ip`, `ip6`, `netdev`). */
  family: string;
  table: string;
  chain: string;
  index: number;
  /** The number of rules nsl-lint's model holds in that chain; when given, the kernel's must be the same. */
  chainLength?: number;
}

export interface Disagreement {
  ruleset: string;
  packet: string;
  kernel: KernelVerdict;
  nsl: string;
  why: string;
}

export interface OracleReport {
  packets: number;
  agreed: number;
  /** Packets nsl-lint gives no firm verdict for. */
  uncertain: number;
  disagreements: Disagreement[];
  claims: { portOpen: number; shadowed: number; redundant: number; deletions: number; untestable: string[] };
  /** Claims the kernel refutes, and claims that could not be mapped onto the kernel's rules. */
  claimFailures: string[];
  load: Loaded;
}

export interface Candidate {
  probe: LabProbe;
  why: string;
}

export interface OracleInput {
  root: string;
  result: LintResult;
  rs: Ruleset;
  /** Probe packets (concrete kernel packets). */
  candidates: Candidate[];
  /** The kernel rules a finding anchored at `file:line` names; a string says why it cannot be told. */
  locate(file: string, line: number): KernelRuleRef[] | string;
  /** Interface names and wildcards the ruleset matches on, when known independently of nsl-lint. */
  patterns?: readonly string[];
  /** More lab interfaces (netdev devices, names a ruleset needs to load). */
  ifaces?: readonly string[];
  /** Also run the deletion check of redundant rules (a second lab). */
  deletions?: boolean;
}

export const ALLOWED_V4 = ['10.250.0.0/16', '192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24'];
export const ALLOWED_V6 = ['2001:db8::/32'];
/** Sources and destinations the oracle moves witnesses to (destinations are the server's). */
export const SRC_POOL: Record<Family, string[]> = {
  4: ['203.0.113.10', '198.51.100.10', '192.0.2.10', '10.250.1.20', '10.250.9.9'],
  6: ['2001:db8:1::10', '2001:db8:2::20', '2001:db8:ffff::30'],
};
export const DST_POOL: Record<Family, string[]> = {
  4: ['10.250.200.1', '10.250.201.1', '192.0.2.200'],
  6: ['2001:db8:200::1', '2001:db8:201::1'],
};
/** Protocols a lab can send. */
export const SENDABLE = new Set([6, 17, 1, 58, 47]);
/** ICMP echo request as the first two header bytes (type, code). */
export const ECHO_SPORT: Record<Family, number> = { 4: 0x0800, 6: 0x8000 };

export const addr = (s: string): bigint => parseIp(s)?.value ?? -1n;

/** Whether an interface name matches a pattern the way the kernel compares them (`+`/`*` suffix: prefix). */
export function kernelIfMatch(pattern: string, name: string): boolean {
  const wild = pattern.endsWith('+') || pattern.endsWith('*');
  return wild ? name.startsWith(pattern.slice(0, -1)) : pattern === name;
}

/** nsl-lint's interface index for a kernel interface: the same name, else one that every pattern treats alike. */
export function interfaceIndex(a: RulesetAnalysis, name: string, patterns: readonly string[]): number | undefined {
  const exact = a.ifaces.indexOf(name);
  if (exact >= 0) return exact;
  const sig = (n: string): string => patterns.map((p) => (kernelIfMatch(p, n) ? '1' : '0')).join('');
  const want = sig(name);
  const i = a.ifaces.findIndex((n) => n !== 'lo' && sig(n) === want);
  return i >= 0 ? i : undefined;
}

function rulesetUsesOif(rs: Ruleset): boolean {
  return rs.tables.some((t) => t.chains.some((c) => c.rules.some((r) => r.conds.some((d) => d.dim === 'oif'))));
}

export function describeProbe(p: LabProbe): string {
  const proto = { 6: 'tcp', 17: 'udp', 1: 'icmp', 58: 'icmpv6' }[p.proto] ?? `protocol ${p.proto}`;
  const at = (a: string, port: number): string => (p.family === 6 ? `[${a}]:${port}` : `${a}:${port}`);
  return `${proto} ${at(p.src, p.sport)} -> ${at(p.dst, p.dport)} on ${p.iif}`;
}

/**
 * nsl-lint's verdicts for a kernel packet: one per output interface when the ruleset matches
 * output interfaces (on the input path there is none, so the answer must not depend on it);
 * undefined when nsl-lint has no interface that stands for the packet's.
 */
export function nslVerdicts(a: RulesetAnalysis, p: LabProbe, patterns: readonly string[], oif: boolean): PacketVerdict[] | undefined {
  const iif = interfaceIndex(a, p.iif, patterns);
  if (iif === undefined) return undefined;
  const base: Packet = {
    family: p.family,
    src: addr(p.src),
    dst: addr(p.dst),
    proto: p.proto,
    sport: p.sport,
    dport: p.dport,
    iif,
    oif: 0,
    ct: 'new',
  };
  const oifs = oif ? a.ifaces.map((_, i) => i) : [0];
  return oifs.map((o) => a.verdict('input', { ...base, oif: o }));
}

/** `e.g. tcp from 1.2.3.4 to port 22 on eth0`, `… from 1.2.3.4 port 1000 to 10.0.0.1 port 22 on eth0 (established)`. */
export function parseWitness(
  message: string,
): { proto: string; src: string; sport?: number; dst?: string; dport: number; iif: string; ct: string } | undefined {
  const m = /e\.g\. (\S+) from (\S+) (?:port (\d+) )?to (?:(\S+) )?port (\d+) on (\S+?)(?: \((\w+)\))?(?:[.,;)]?(?: |$))/.exec(message);
  if (!m) return undefined;
  const out = { proto: m[1] as string, src: m[2] as string, dport: Number(m[5]), iif: m[6] as string, ct: m[7] ?? 'new' };
  return { ...out, ...(m[3] ? { sport: Number(m[3]) } : {}), ...(m[4] ? { dst: m[4] } : {}) };
}

const CLAIM_RULES = new Set(['host-port-open-to-world', 'host-rule-shadowed', 'host-rule-redundant']);

export function judgeRuleset(input: OracleInput): OracleReport {
  const { rs, result } = input;
  const a = new RulesetAnalysis(rs, result.model.config.host.privateInterfaces);
  const patterns = input.patterns ?? rs.interfaces;
  const oif = rulesetUsesOif(rs);
  const report: OracleReport = {
    packets: 0,
    agreed: 0,
    uncertain: 0,
    disagreements: [],
    claims: { portOpen: 0, shadowed: 0, redundant: 0, deletions: 0, untestable: [] },
    claimFailures: [],
    load: { errors: [] },
  };
  const findings = result.findings.filter((f) => CLAIM_RULES.has(f.ruleId) && rs.files.includes(f.file));
  // Witnesses first: where a tuple repeats, the first candidate is sent.
  const candidates: Candidate[] = [];
  const witnesses = new Map<number, Finding>();
  for (const f of findings.filter((x) => x.ruleId === 'host-port-open-to-world')) {
    const c = witnessProbe(a, f, patterns, oif, 61000 + candidates.length);
    if (typeof c === 'string') report.claims.untestable.push(c);
    else {
      witnesses.set(candidates.length, f);
      candidates.push(c);
    }
  }
  candidates.push(...input.candidates);
  const probes = uniqueTuples(candidates);
  const ifaces = [...new Set([...probes.map((c) => c.probe.iif), ...(input.ifaces ?? []).filter(isUsableIfname)])];
  const lab = new Lab(ifaces);
  let kernel: ProbeResult;
  try {
    report.load = loadRuleset((argv, stdin, cwd) => lab.exec(argv, stdin, cwd), rs, input.root);
    kernel = lab.probe(
      probes.map((c) => c.probe),
      { hits: findings.some((f) => f.ruleId !== 'host-port-open-to-world') },
    );
    // Shadowed and redundant rules must not have matched a single packet.
    const handles = lab.nftHandles();
    const covered = new Map<string, Finding[]>();
    for (const f of findings.filter((x) => x.ruleId !== 'host-port-open-to-world')) {
      const key = `${f.ruleId} ${f.file}:${f.span.start.line}`;
      covered.set(key, [...(covered.get(key) ?? []), f]);
    }
    const redundant: KernelRuleRef[] = [];
    for (const [key, list] of covered) {
      const first = list[0] as Finding;
      const refs = input.locate(first.file, first.span.start.line);
      if (typeof refs === 'string') {
        report.claimFailures.push(`${key}: ${refs}`);
        continue;
      }
      const counts = refs.map((r) => kernelCount(r, kernel, handles));
      const bad = counts.find((c) => typeof c === 'string');
      if (bad !== undefined) {
        report.claimFailures.push(`${key}: ${bad}`);
        continue;
      }
      const zero = refs.filter((_, i) => counts[i] === 0);
      if (first.ruleId === 'host-rule-shadowed') report.claims.shadowed += list.length;
      else report.claims.redundant += list.length;
      // A line that holds several kernel rules (a loop, a function) backs as many claims as it has silent rules.
      if (zero.length < list.length) {
        const hit = refs.map((r, i) => `${refName(r)} counted ${String(counts[i])} packet(s)${exampleOf(r, kernel, handles)}`).join('; ');
        report.claimFailures.push(`${key} (${first.message}): the kernel matched it: ${hit}`);
      } else if (first.ruleId === 'host-rule-redundant')
        redundant.push(...(refs.length === list.length ? refs : zero.slice(0, list.length)));
    }
    // Verdicts, and the witnesses of open ports.
    probes.forEach((c, i) => {
      const k: KernelVerdict = kernel.accepted[i] ? 'accept' : 'drop';
      const w = witnesses.get(c.index);
      if (w) {
        report.claims.portOpen++;
        if (k !== 'accept')
          report.claimFailures.push(
            `${w.ruleId} ${w.file}:${w.span.start.line} (${w.message}): the kernel drops ${describeProbe(c.probe)}`,
          );
      }
      const vs = nslVerdicts(a, c.probe, patterns, oif);
      report.packets++;
      if (!vs) {
        report.disagreements.push({
          ruleset: rs.file,
          packet: describeProbe(c.probe),
          kernel: k,
          nsl: 'no interface stands for it',
          why: c.why,
        });
        return;
      }
      const firm = vs.filter((v) => v.verdict !== 'unknown');
      if (firm.length === 0) {
        report.uncertain++;
        return;
      }
      const wrong = firm.find((v) => (v.verdict === 'accept') !== (k === 'accept'));
      if (wrong) {
        const by = wrong.by
          ? 'rule' in wrong.by
            ? `rule at line ${wrong.by.rule.at.span.start.line}`
            : `policy of ${wrong.by.policy.name}`
          : 'no rule';
        report.disagreements.push({
          ruleset: rs.file,
          packet: describeProbe(c.probe),
          kernel: k,
          nsl: `${wrong.verdict} (${by})`,
          why: c.why,
        });
      } else report.agreed++;
    });
    if (input.deletions !== false && redundant.length) {
      const changed = deletionChanges(input, ifaces, probes, kernel, redundant);
      report.claims.deletions += redundant.length;
      report.claimFailures.push(...changed);
    }
  } finally {
    lab.destroy();
  }
  return report;
}

/** Probes with distinct tuples (the first of each tuple), remembering their candidate index. */
function uniqueTuples(candidates: readonly Candidate[]): (Candidate & { index: number })[] {
  const seen = new Set<string>();
  const out: (Candidate & { index: number })[] = [];
  candidates.forEach((c, index) => {
    const p = c.probe;
    const key = `${p.family} ${p.src} ${p.dst} ${p.sport} ${p.dport}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ ...c, index });
  });
  return out;
}

function refName(r: KernelRuleRef): string {
  return `${r.backend === 'iptables' ? (r.family === '6' ? 'ip6tables' : 'iptables') : `nft ${r.family}`} ${r.table} ${r.chain} rule #${r.index + 1}`;
}

function kernelCount(r: KernelRuleRef, k: ProbeResult, handles: Map<string, number[]>): number | string {
  if (!k.hits) return 'no kernel counts';
  const key = `${r.family} ${r.table} ${r.chain}`;
  const list = r.backend === 'iptables' ? k.hits.iptables.get(key) : handles.get(key);
  const length = list?.length ?? 0;
  if (r.chainLength !== undefined && r.chainLength !== length)
    return `nsl-lint holds ${r.chainLength} rules in ${refName(r).replace(/ rule #.*/, '')}, the kernel ${length}: the rules cannot be paired`;
  const at = list?.[r.index];
  if (at === undefined) return `${refName(r)} is not in the kernel (${length} rules in that chain)`;
  return r.backend === 'iptables' ? at : (k.hits.nft.get(`${key} ${at}`) ?? 0);
}

function exampleOf(r: KernelRuleRef, k: ProbeResult, handles: Map<string, number[]>): string {
  if (r.backend !== 'nft') return '';
  const h = handles.get(`${r.family} ${r.table} ${r.chain}`)?.[r.index];
  const ex = k.hits?.nftExample.get(`${r.family} ${r.table} ${r.chain} ${h}`);
  return ex ? ` (e.g. ${ex.slice(0, 200)})` : '';
}

/** Load the ruleset again, delete the rules reported redundant, send the same probes: nothing may change. */
function deletionChanges(
  input: OracleInput,
  ifaces: string[],
  probes: readonly Candidate[],
  before: ProbeResult,
  refs: readonly KernelRuleRef[],
): string[] {
  const lab = new Lab(ifaces);
  try {
    const load = loadRuleset((argv, stdin, cwd) => lab.exec(argv, stdin, cwd), input.rs, input.root);
    if (load.errors.length) return [`deleting redundant rules: the ruleset did not load again: ${load.errors[0]}`];
    const handles = lab.nftHandles();
    // Highest positions first, so earlier positions stay valid.
    for (const r of [...refs].sort((x, y) => y.index - x.index)) {
      const argv =
        r.backend === 'iptables'
          ? [r.family === '6' ? 'ip6tables' : 'iptables', '-t', r.table, '-D', r.chain, String(r.index + 1)]
          : [
              'nft',
              'delete',
              'rule',
              r.family,
              r.table,
              r.chain,
              'handle',
              String(handles.get(`${r.family} ${r.table} ${r.chain}`)?.[r.index]),
            ];
      const d = lab.exec(argv);
      if (d.status !== 0) return [`deleting ${refName(r)}: ${d.out.trim()}`];
    }
    const after = lab.probe(probes.map((c) => c.probe));
    const out: string[] = [];
    probes.forEach((c, i) => {
      if (after.accepted[i] !== before.accepted[i])
        out.push(
          `deleting the rules reported redundant (${refs.map(refName).join(', ')}) changes the kernel's verdict on ${describeProbe(c.probe)} from ${before.accepted[i] ? 'accept' : 'drop'} to ${after.accepted[i] ? 'accept' : 'drop'}`,
        );
    });
    return out;
  } finally {
    lab.destroy();
  }
}

/**
 * The witness of a port-open finding as a probe in the test ranges: the message's packet
 * with its addresses moved where nsl-lint's evaluator takes the same path (same verdict,
 * decided by the same rule or policy), from the same interface, protocol and port. The
 * claim is that the witness is accepted: the kernel must accept the moved packet.
 */
function witnessProbe(a: RulesetAnalysis, f: Finding, patterns: readonly string[], oif: boolean, sport: number): Candidate | string {
  const w = parseWitness(f.message);
  const where = `${f.ruleId} ${f.file}:${f.span.start.line}`;
  if (!w) return `${where}: no witness in the message`;
  if (!isUsableIfname(w.iif)) return `${where}: the witness arrives on ${w.iif}, which a lab cannot create`;
  if (w.ct !== 'new') return `${where}: the witness is not a new connection`;
  if (w.sport === 0 || w.dport === 0) return `${where}: the witness needs port 0, which a probe cannot use`;
  const proto = w.proto === 'tcp' ? 6 : w.proto === 'udp' ? 17 : undefined;
  if (proto === undefined) return `${where}: witness protocol ${w.proto}`;
  const family = (parseIp(w.src)?.family ?? 4) as Family;
  const original: LabProbe = {
    family,
    proto,
    src: w.src,
    dst: w.dst ?? (DST_POOL[family][0] as string),
    // A source port the message names is part of the claim; otherwise any will do.
    sport: w.sport ?? sport,
    dport: w.dport,
    iif: w.iif,
  };
  const ref = nslVerdicts(a, original, patterns, oif);
  if (!ref) return `${where}: nsl-lint has no interface ${w.iif}`;
  if (ref.some((v) => v.verdict === 'unknown')) return `${where}: nsl-lint's evaluator gives its own witness no firm verdict`;
  const path = (vs: PacketVerdict[]): string => vs.map((v) => `${v.verdict} ${byText(v)}`).join(' | ');
  const want = path(ref);
  const own = ref.every((v) => v.verdict === 'accept') ? '' : `; nsl-lint's own evaluator says ${want}`;
  const dsts = w.dst ? [...(inAllowed(w.dst) ? [w.dst] : []), ...DST_POOL[family]] : DST_POOL[family];
  for (const src of [...(inAllowed(w.src) ? [w.src] : []), ...SRC_POOL[family]])
    for (const dst of dsts) {
      const probe: LabProbe = { ...original, src, dst };
      const vs = nslVerdicts(a, probe, patterns, oif);
      if (vs && path(vs) === want) return { probe, why: `witness of ${where} (moved from ${w.src} to ${w.dst ?? 'any address'}${own})` };
    }
  return `${where}: no packet in the test ranges takes the witness's path through nsl-lint's evaluator (${want})`;
}

function byText(v: PacketVerdict): string {
  if (!v.by) return 'by nothing';
  if ('rule' in v.by) return `by ${v.by.rule.at.file}:${v.by.rule.at.span.start.line}`;
  const c = v.by.policy;
  return `by the policy of ${c.table.family} ${c.table.name} ${c.name}`;
}

function inAllowed(s: string): boolean {
  const v = parseIp(s);
  if (!v) return false;
  const cidrs = v.family === 4 ? ALLOWED_V4 : ALLOWED_V6;
  return cidrs.some((c) => {
    const [base, bits] = c.split('/') as [string, string];
    const width = v.family === 4 ? 32n : 128n;
    const shift = width - BigInt(bits);
    return v.value >> shift === addr(base) >> shift;
  });
}
