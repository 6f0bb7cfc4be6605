import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RulesetAnalysis } from '../../src/analysis/firewall.js';
import { defaultConfig } from '../../src/core/config.js';
import { lint, type LintResult } from '../../src/engine/lint.js';
import { RULES } from '../../rules/index.js';
import { Lab, run } from './kernel-lab.js';
import { describeProbe, judgeRuleset, nslVerdicts, type Candidate, type Disagreement } from './kernel-oracle.js';
import { loadRuleset } from './kernel-support.js';
import {
  ALL_CONSTRUCTS,
  Rng,
  constructsOf,
  generate,
  probesFor,
  render,
  rngFor,
  type Construct,
  type GRule,
  type GRuleset,
  type Rendered,
} from './fuzz-gen.js';
import { runScript, scriptCommands } from './kernel-interp.js';

/**
 * The randomised differential test: generated rulesets (fuzz-gen.ts) are linted with
 * nsl-lint's public entry point, loaded as written into a kernel lab and judged by
 * kernel-oracle.ts (firm per-packet verdicts, open-port witnesses, shadowed and redundant
 * claims). Used by test/host/kernel-fuzz.test.ts (a fixed seed and count) and by
 * `npm run fuzz:kernel` (scripts/fuzz-kernel.ts).
 */

/**
 * Constructs on which nsl-lint and the kernel disagree today, one line each: the test in
 * `npm test` leaves them out, `npm run fuzz:kernel` keeps them. Remove a line when the fix
 * for it lands (the fixed-seed test then covers the construct).
 */
export const KNOWN_GAPS: Partial<Record<Construct, string>> = {};

/** Constructs the kernel of this machine cannot load (a missing module), with the reason. */
export function unsupportedConstructs(): Partial<Record<Construct, string>> {
  const out: Partial<Record<Construct, string>> = {};
  const lab = new Lab([]);
  try {
    const q = lab.exec(
      ['nft', '-f', '-'],
      'table inet nslq {\n  chain c {\n    type filter hook input priority 0; policy accept;\n    queue num 1\n  }\n}\n',
    );
    if (q.status !== 0) out['nft-queue'] = `this kernel has no nft queue (${q.out.trim().split('\n')[0]})`;
    const n = lab.exec(['iptables', '-A', 'INPUT', '-j', 'NFQUEUE', '--queue-num', '1']);
    if (n.status !== 0) out['iptables-queue'] = `this kernel has no NFQUEUE target (${n.out.trim().split('\n')[0]})`;
  } finally {
    lab.destroy();
  }
  return out;
}

export interface FuzzOptions {
  seed: number;
  count: number;
  constructs: ReadonlySet<Construct>;
  /** Shrink the first verdict disagreement of up to this many rulesets to a minimal ruleset (slow; for the script). */
  minimize?: number;
  log?: (line: string) => void;
  /** Keep the generated files (under this folder). */
  keep?: string;
}

export interface FuzzFailure {
  index: number;
  kind: 'verdict' | 'claim' | 'syntax' | 'load' | 'model';
  text: string;
  constructs: string[];
  files: { path: string; text: string }[];
  disagreement?: Disagreement;
  /** The smallest ruleset found that still disagrees on the same packet. */
  minimal?: { files: { path: string; text: string }[]; constructs: string[]; disagreement: Disagreement };
}

export interface FuzzSummary {
  rulesets: number;
  packets: number;
  agreed: number;
  uncertain: number;
  claims: { portOpen: number; shadowed: number; redundant: number; deletions: number; untestable: number };
  failures: FuzzFailure[];
  /** Why some open-port witnesses could not be sent (a sample). */
  untestable: string[];
  seconds: number;
}

function writeRuleset(dir: string, r: Rendered): void {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  for (const f of r.files) fs.writeFileSync(path.join(dir, f.path), f.text, { mode: f.path.endsWith('.sh') ? 0o755 : 0o644 });
}

function lintDir(dir: string): LintResult {
  return lint({ paths: ['.'], cwd: dir, root: dir, config: defaultConfig(), rules: RULES });
}

export function runFuzz(opts: FuzzOptions): FuzzSummary {
  const started = Date.now();
  const on = (c: Construct): boolean => opts.constructs.has(c);
  const base = opts.keep ?? fs.mkdtempSync(path.join(os.tmpdir(), 'nsl-fuzz-'));
  const summary: FuzzSummary = {
    rulesets: 0,
    packets: 0,
    agreed: 0,
    uncertain: 0,
    claims: { portOpen: 0, shadowed: 0, redundant: 0, deletions: 0, untestable: 0 },
    failures: [],
    untestable: [],
    seconds: 0,
  };
  let minimized = 0;
  try {
    for (let i = 0; i < opts.count; i++) {
      const rng = rngFor(opts.seed, i);
      const g = generate(rng, on);
      const candidates = probesFor(g, rng, on);
      const renderSeed = rng.int(1, 2 ** 30);
      const rendered = render(g, new Rng(renderSeed));
      const dir = path.join(base, `rs${i}`);
      writeRuleset(dir, rendered);
      const fail = (kind: FuzzFailure['kind'], text: string, extra: Partial<FuzzFailure> = {}): void => {
        summary.failures.push({ index: i, kind, text, constructs: constructsOf(g), files: rendered.files, ...extra });
        opts.log?.(`ruleset ${i} (seed ${opts.seed}): ${kind}: ${text.split('\n')[0]}`);
      };
      summary.rulesets++;
      const result = lintDir(dir);
      const internal = result.notices.filter((n) => n.internal);
      if (internal.length) fail('model', `nsl-lint failed: ${internal.map((n) => n.message).join('; ')}`);
      if (result.model.parseErrors.length) {
        const e = result.model.parseErrors[0];
        const kernel = kernelLoads(g, rendered, dir);
        fail(
          'syntax',
          `nsl-lint reports a parse error the kernel ${kernel ? 'does not' : 'also'} see: ${e?.file}:${e?.span.start.line}: ${e?.message}`,
        );
        continue;
      }
      const rulesets = result.model.host.rulesets;
      if (rulesets.length !== 1) {
        fail('model', `nsl-lint read ${rulesets.length} rulesets from ${rendered.files.map((f) => f.path).join(', ')}`);
        continue;
      }
      const rs = rulesets[0]!;
      const report = judgeRuleset({
        root: dir,
        result,
        rs,
        candidates,
        locate: (file, line) => rendered.lines.get(`${file}:${line}`) ?? `the generator wrote no rule on ${file}:${line}`,
        patterns: rendered.patterns,
        ifaces: g.ifaces,
      });
      if (report.load.errors.length) {
        fail('load', `the kernel refused the generated ruleset: ${report.load.errors.join('\n')}`);
        continue;
      }
      summary.packets += report.packets;
      summary.agreed += report.agreed;
      summary.uncertain += report.uncertain;
      summary.claims.portOpen += report.claims.portOpen;
      summary.claims.shadowed += report.claims.shadowed;
      summary.claims.redundant += report.claims.redundant;
      summary.claims.deletions += report.claims.deletions;
      summary.claims.untestable += report.claims.untestable.length;
      for (const u of report.claims.untestable) if (summary.untestable.length < 20) summary.untestable.push(`ruleset ${i}: ${u}`);
      for (const c of report.claimFailures) fail('claim', c);
      const first = report.disagreements[0];
      for (const d of report.disagreements)
        fail('verdict', `${d.packet}: kernel ${d.kernel}, nsl-lint ${d.nsl} (${d.why})`, { disagreement: d });
      if (first && (opts.minimize ?? 0) > minimized) {
        minimized++;
        const probe = candidates.find((c) => describeProbe(c.probe) === first.packet);
        const failure = summary.failures[summary.failures.length - report.disagreements.length];
        if (probe && failure) {
          const m = minimize(g, probe, path.join(base, `rs${i}-min`), renderSeed);
          if (m) failure.minimal = m;
          fs.rmSync(path.join(base, `rs${i}-min`), { recursive: true, force: true });
        }
      }
      if (!opts.keep) fs.rmSync(dir, { recursive: true, force: true });
      if ((i + 1) % 50 === 0) opts.log?.(`${i + 1} rulesets, ${summary.packets} packets, ${summary.failures.length} failures`);
    }
  } finally {
    if (!opts.keep) fs.rmSync(base, { recursive: true, force: true });
  }
  summary.seconds = (Date.now() - started) / 1000;
  return summary;
}

/** Whether the kernel loads the generated files (to tell a wrong parse error from a generator mistake). */
function kernelLoads(g: GRuleset, r: Rendered, dir: string): boolean {
  const lab = new Lab(g.ifaces);
  try {
    if (g.syntax === 'iptables-save') {
      return r.files.every((f) => lab.exec([f.path.endsWith('.v6') ? 'ip6tables-restore' : 'iptables-restore'], f.text).status === 0);
    }
    if (g.syntax === 'nft') return lab.exec(['nft', '-f', path.join(dir, 'nftables.nft')]).status === 0;
    const text = r.files[0]?.text ?? '';
    const ran = runScript(dir, scriptCommands(dir, 'firewall.sh', text), (argv, input, cwd) => lab.exec(argv, input, cwd));
    return ran.commands.every((c) => c.status === 0);
  } finally {
    lab.destroy();
  }
}

/** Does the ruleset still disagree with the kernel on this packet? Returns the disagreement. */
function disagreesOn(g: GRuleset, probe: Candidate, dir: string, renderSeed: number): Disagreement | undefined {
  const rendered = render(g, new Rng(renderSeed));
  writeRuleset(dir, rendered);
  const result = lintDir(dir);
  if (result.model.parseErrors.length || result.model.host.rulesets.length !== 1) return undefined;
  const rs = result.model.host.rulesets[0]!;
  const a = new RulesetAnalysis(rs, result.model.config.host.privateInterfaces);
  const oif = rs.tables.some((t) => t.chains.some((c) => c.rules.some((r) => r.conds.some((d) => d.dim === 'oif'))));
  const vs = nslVerdicts(a, probe.probe, rendered.patterns, oif);
  const lab = new Lab([...new Set([...g.ifaces, probe.probe.iif])]);
  try {
    const load = loadRuleset((argv, input, cwd) => lab.exec(argv, input, cwd), rs, dir);
    if (load.errors.length) return undefined;
    const k = lab.probe([probe.probe]).accepted[0] ? 'accept' : 'drop';
    const packet = describeProbe(probe.probe);
    if (!vs) return { ruleset: rs.file, packet, kernel: k, nsl: 'no interface stands for it', why: probe.why };
    const wrong = vs.find((v) => v.verdict !== 'unknown' && (v.verdict === 'accept') !== (k === 'accept'));
    return wrong ? { ruleset: rs.file, packet, kernel: k, nsl: wrong.verdict, why: probe.why } : undefined;
  } finally {
    lab.destroy();
  }
}

/** Greedy shrinking: drop tables, chains, rules, sets and single matches while the disagreement stays. */
function minimize(g0: GRuleset, probe: Candidate, dir: string, renderSeed: number): FuzzFailure['minimal'] | undefined {
  let g: GRuleset = structuredClone(g0);
  let d = disagreesOn(g, probe, dir, renderSeed);
  if (!d) return undefined;
  const tryEdit = (edit: (x: GRuleset) => boolean): boolean => {
    const next = structuredClone(g);
    if (!edit(next)) return false;
    const nd = disagreesOn(next, probe, dir, renderSeed);
    if (!nd) return false;
    g = next;
    d = nd;
    return true;
  };
  const FIELDS: (keyof GRule)[] = ['src', 'dst', 'iif', 'oif', 'ct', 'sport', 'dport', 'proto', 'frag', 'form'];
  for (let round = 0, changed = true; changed && round < 6; round++) {
    changed = false;
    for (let t = g.tables.length - 1; t >= 0; t--)
      if (g.tables.length > 1 && tryEdit((x) => x.tables.splice(t, 1).length > 0)) changed = true;
    for (let t = 0; t < g.tables.length; t++) {
      for (let c = (g.tables[t]?.chains.length ?? 0) - 1; c >= 0; c--) {
        for (let r = (g.tables[t]?.chains[c]?.rules.length ?? 0) - 1; r >= 0; r--)
          if (tryEdit((x) => (x.tables[t]?.chains[c]?.rules.splice(r, 1).length ?? 0) > 0)) changed = true;
        // A chain nobody jumps to (and that is not a base chain) can go.
        if (
          tryEdit((x) => {
            const tb = x.tables[t];
            const ch = tb?.chains[c];
            if (!tb || !ch || (ch.hook && tb.backend === 'iptables')) return false;
            if (tb.chains.some((o) => o.rules.some((r) => 'chain' in r.verdict && r.verdict.chain === ch.name))) return false;
            tb.chains.splice(c, 1);
            return true;
          })
        )
          changed = true;
      }
      for (let s = (g.tables[t]?.sets.length ?? 0) - 1; s >= 0; s--)
        if (
          tryEdit((x) => {
            const tb = x.tables[t];
            const set = tb?.sets[s];
            if (!tb || !set) return false;
            const used = tb.chains.some((c) =>
              c.rules.some((r) => [r.src, r.dst, r.iif, r.oif, r.dport, r.sport].some((m) => m?.set === set.name)),
            );
            if (used) return false;
            tb.sets.splice(s, 1);
            return true;
          })
        )
          changed = true;
      for (const [c, chain] of (g.tables[t]?.chains ?? []).entries())
        for (const r of chain.rules.keys())
          for (const f of FIELDS)
            if (
              tryEdit((x) => {
                const rule = x.tables[t]?.chains[c]?.rules[r];
                if (!rule || rule[f] === undefined) return false;
                delete rule[f];
                if (f === 'dport' && !rule.sport) delete rule.l4;
                if (f === 'proto' && rule.l4 && x.tables[t]?.backend === 'iptables') return false;
                return true;
              })
            )
              changed = true;
    }
  }
  const rendered = render(g, new Rng(renderSeed));
  return { files: rendered.files, constructs: constructsOf(g), disagreement: d };
}

export function constructsFrom(spec: { only?: string[] | undefined; without?: string[] | undefined }): Set<Construct> {
  const known = new Set<string>(ALL_CONSTRUCTS);
  for (const c of [...(spec.only ?? []), ...(spec.without ?? [])]) if (!known.has(c)) throw new Error(`unknown construct ${c}`);
  const base = spec.only?.length ? (spec.only as Construct[]) : ALL_CONSTRUCTS;
  return new Set(base.filter((c) => !(spec.without ?? []).includes(c)));
}

/** The version line of the kernel tools, for reports. */
export function toolVersions(): string {
  return [run(['uname', '-r']).out.trim(), run(['nft', '--version']).out.trim(), run(['iptables', '--version']).out.trim()].join(', ');
}
