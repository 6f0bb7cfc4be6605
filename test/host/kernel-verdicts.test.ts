import fs from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { RulesetAnalysis } from '../../src/analysis/firewall.js';
import { witness, type PacketSet } from '../../src/analysis/packets.js';
import { Iv, type Intervals } from '../../src/core/intervals.js';
import { formatIp, parseCidr, type Family } from '../../src/core/ip.js';
import type { Ruleset } from '../../src/model/firewall.js';
import { tableFamilies } from '../../src/parse/netfilter.js';
import { destroyAllLabs, greSport, isUsableIfname, type LabProbe } from './kernel-lab.js';
import {
  ALLOWED_V4,
  ALLOWED_V6,
  DST_POOL,
  ECHO_SPORT,
  SENDABLE,
  SRC_POOL,
  addr,
  judgeRuleset,
  type Candidate,
  type KernelRuleRef,
} from './kernel-oracle.js';
import { describeKernel, firewallFixtures, type FixtureRun } from './kernel-support.js';

/**
 * The kernel as oracle for the fixtures. Each firewall fixture is loaded as written (files
 * through iptables-restore / nft -f, scripts through the command interpreter) into a lab of
 * network namespaces, and nsl-lint is held to its public results (see kernel-oracle.ts):
 * per-packet verdicts of its evaluator for packets aimed at every rule and at the usual
 * ports, the witnesses of `host-port-open-to-world`, zero kernel counters on rules reported
 * shadowed or redundant, and no change when the redundant ones are deleted.
 */

const ALLOWED: Record<Family, Intervals> = {
  4: Iv.from(ALLOWED_V4.map((s) => [parseCidr(s)!.start, parseCidr(s)!.end])),
  6: Iv.from(ALLOWED_V6.map((s) => [parseCidr(s)!.start, parseCidr(s)!.end])),
};

/** Packets aimed at each rule (from its match set) and at common ports on each interface, in the test ranges. */
function candidatesFor(a: RulesetAnalysis, rs: Ruleset): Candidate[] {
  const out: Candidate[] = [];
  let sport = 40000;
  const ifaces = a.ifaces.map((n, i) => ({ n, i })).filter(({ n }) => isUsableIfname(n));
  const sendable = (p: number): boolean => SENDABLE.has(p);
  const add = (p: LabProbe, why: string): void => {
    out.push({ probe: p, why });
  };
  const fromSet = (set: PacketSet, f: Family, why: string): void => {
    const usable = set
      .restrict('ct', Iv.point(0n))
      .restrict('src', ALLOWED[f])
      .restrict('dst', ALLOWED[f])
      .restrict('iif', Iv.from(ifaces.map(({ i }) => [BigInt(i), BigInt(i)] as const)))
      .restrict('proto', Iv.from([...SENDABLE].filter((p) => p !== (f === 4 ? 58 : 1)).map((p) => [BigInt(p), BigInt(p)] as const)));
    for (const box of [usable.boxes[0], usable.boxes[usable.boxes.length - 1]]) {
      if (!box) continue;
      const set1 = usable.intersectBox(box);
      const w = witness(set1, { src: SRC_POOL[f].map(addr), dst: DST_POOL[f].map(addr) });
      if (!w || !sendable(w.proto)) continue;
      const anyPort = (d: 'sport' | 'dport'): boolean => Iv.equal(set1.project(d), Iv.of(0n, 65535n));
      const icmp = w.proto === 1 || w.proto === 58;
      const p: LabProbe = {
        family: f,
        proto: w.proto,
        src: formatIp(f, w.src),
        dst: formatIp(f, w.dst),
        // Fresh ports where the rule does not care keep conntrack entries apart; ICMP is an echo request.
        sport: icmp ? ECHO_SPORT[f] : greSport(anyPort('sport') || w.sport === 0 ? sport++ : w.sport),
        dport: (icmp && anyPort('dport')) || w.dport === 0 ? 1000 + out.length : w.dport,
        iif: a.ifName(w.iif),
      };
      add(p, why);
      // The same packet from every other source and to every other destination: the address matches are tested too.
      for (const src of SRC_POOL[f]) if (src !== p.src) add({ ...p, src }, `${why}, from ${src}`);
      for (const dst of DST_POOL[f]) if (dst !== p.dst) add({ ...p, dst }, `${why}, to ${dst}`);
    }
  };
  for (const t of rs.tables)
    for (const c of t.chains)
      for (const r of c.rules)
        for (const f of tableFamilies(t) as Family[]) fromSet(a.match(r), f, `aimed at ${r.at.file}:${r.at.span.start.line}`);
  // Common ports from every source and to every destination of the test ranges, on every interface.
  for (const f of [4, 6] as Family[])
    for (const [k, { n }] of ifaces.entries())
      for (const [j, src] of SRC_POOL[f].entries())
        for (const [proto, dport] of [
          [6, 22],
          [6, 80],
          [6, 6443],
          [6, 10250],
          [17, 53],
          [f === 4 ? 1 : 58, 7],
        ] as const) {
          const icmp = proto === 1 || proto === 58;
          const dst = DST_POOL[f][(j + k) % DST_POOL[f].length] as string;
          add(
            {
              family: f,
              proto,
              src,
              dst,
              sport: icmp ? ECHO_SPORT[f] : greSport(sport++),
              dport: icmp ? 1000 + out.length : dport,
              iif: n,
            },
            `${proto}/${dport} from ${src} on ${n}`,
          );
        }
  return out;
}

/** The kernel rules behind a finding's line, paired through nsl-lint's model (the kernel's chain must hold as many rules). */
function locator(a: RulesetAnalysis, rs: Ruleset) {
  return (file: string, line: number): KernelRuleRef[] | string => {
    const out: KernelRuleRef[] = [];
    for (const t of rs.tables)
      for (const c of t.chains)
        c.rules.forEach((r, index) => {
          if (r.at.file !== file || r.at.span.start.line !== line) return;
          const chain = a.chainOf(r) ?? c;
          out.push({
            backend: t.kind,
            family: t.kind === 'iptables' ? (t.family === 'ip6' ? '6' : '4') : t.family,
            table: t.name,
            chain: chain.name,
            index,
            chainLength: chain.rules.length,
          });
        });
    return out.length ? out : `no rule of nsl-lint's model sits on line ${line}`;
  };
}

/** Devices named by nft netdev chains (they must exist for the file to load). */
function devices(root: string, rs: Ruleset): string[] {
  const out: string[] = [];
  for (const rel of rs.files) {
    const text = fs.readFileSync(path.join(root, rel), 'utf8');
    for (const m of text.matchAll(/\bdevices?\s*=?\s*(\{[^}]*\}|"[^"]*"|[\w.-]+)/g))
      out.push(...(m[1] ?? '').replace(/[{}"]/g, ' ').split(/[\s,]+/));
  }
  return out.filter(isUsableIfname);
}

describeKernel('kernel verdict oracle (fixtures)', () => {
  let packets = 0;
  let agreed = 0;
  let uncertain = 0;
  let rulesets = 0;
  const claims = { portOpen: 0, shadowed: 0, redundant: 0, deletions: 0, untestable: 0 };
  afterAll(destroyAllLabs);
  afterAll(() =>
    console.log(
      `kernel verdict oracle: ${rulesets} fixture rulesets loaded as written, ${packets} packets sent, ${agreed} firm verdicts agreed with the kernel, ${uncertain} uncertain for nsl-lint; claims checked: ${claims.portOpen} open-port witnesses accepted, ${claims.shadowed} shadowed and ${claims.redundant} redundant rules silent, ${claims.deletions} redundant rules deleted without effect (${claims.untestable} witnesses not testable)`,
    ),
  );

  const fixtures: FixtureRun[] = firewallFixtures();
  for (const fx of fixtures) {
    it(path.basename(fx.dir), () => {
      for (const rs of fx.result.model.host.rulesets) {
        if (!rs.tables.length) continue;
        rulesets++;
        const a = new RulesetAnalysis(rs, fx.result.model.config.host.privateInterfaces);
        const ifaces = [...rs.interfaces.filter(isUsableIfname), ...devices(fx.dir, rs)];
        const report = judgeRuleset({
          root: fx.dir,
          result: fx.result,
          rs,
          candidates: candidatesFor(a, rs),
          locate: locator(a, rs),
          ifaces,
        });
        packets += report.packets;
        agreed += report.agreed;
        uncertain += report.uncertain;
        claims.portOpen += report.claims.portOpen;
        claims.shadowed += report.claims.shadowed;
        claims.redundant += report.claims.redundant;
        claims.deletions += report.claims.deletions;
        claims.untestable += report.claims.untestable.length;
        // A command the kernel refuses must be one nsl-lint reports as a parse error.
        const errorLines = new Set(fx.result.model.parseErrors.map((e) => `${e.file}:${e.span.start.line}`));
        const refused = (report.load.script?.commands ?? []).filter((c) => c.status !== 0 && !errorLines.has(`${c.file}:${c.line}`));
        expect({ ruleset: rs.file, refusedByTheKernel: refused.map((c) => `${c.line}: ${c.argv.join(' ')}: ${c.out}`) }).toEqual({
          ruleset: rs.file,
          refusedByTheKernel: [],
        });
        if (rs.source !== 'script') expect({ ruleset: rs.file, load: report.load.errors }).toEqual({ ruleset: rs.file, load: [] });
        expect({ ruleset: rs.file, disagreements: report.disagreements }).toEqual({ ruleset: rs.file, disagreements: [] });
        expect({ ruleset: rs.file, claims: report.claimFailures }).toEqual({ ruleset: rs.file, claims: [] });
      }
    });
  }
});
