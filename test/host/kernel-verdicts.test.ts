import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RulesetAnalysis } from '../../src/analysis/firewall.js';
import { PacketSet, witness, type Packet } from '../../src/analysis/packets.js';
import { Iv, type Intervals } from '../../src/core/intervals.js';
import { formatIp as formatAddr, parseCidr, type Family } from '../../src/core/ip.js';
import type { Ruleset } from '../../src/model/firewall.js';
import { cleanup, firewallFixtures, inNs, kernelUnavailable, loadRuleset, netns, type FixtureRun } from './kernel-support.js';

/**
 * The kernel as oracle for verdicts. For every firewall fixture, nsl-lint's own witness
 * packets (one for each rule a new TCP/UDP connection can reach, one for each policy) are
 * sent through a veth pair from a client namespace into a server namespace that holds the
 * ruleset; a counter in a last base chain on the input hook (after every filter chain)
 * tells whether the kernel accepted each packet. nsl-lint's first-match verdict for the
 * same packet must agree. Addresses come only from 10.250.0.0/16 and the documentation
 * ranges; a witness outside them is moved into them only when nsl-lint's evaluation of the
 * moved packet takes the same path (same deciding rule, same verdict).
 */
const unavailable = kernelUnavailable();
if (unavailable) console.log(`kernel verdict oracle skipped: ${unavailable}`);

const ALLOWED: Record<Family, Intervals> = {
  4: Iv.from(['10.250.0.0/16', '192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24'].map((s) => [parseCidr(s)!.start, parseCidr(s)!.end])),
  6: Iv.from([[parseCidr('2001:db8::/32')!.start, parseCidr('2001:db8::/32')!.end]]),
};
const POOL: Record<Family, bigint[]> = {
  4: ['203.0.113.10', '198.51.100.10', '192.0.2.10', '10.250.0.10', '10.250.1.20'].map((s) => parseCidr(s)!.start),
  6: ['2001:db8::10', '2001:db8:1::20', '2001:db8:ffff::30'].map((s) => parseCidr(s)!.start),
};
const DST: Record<Family, bigint> = { 4: parseCidr('10.250.200.1')!.start, 6: parseCidr('2001:db8:200::1')!.start };

interface Probe {
  packet: Packet;
  expected: 'accept' | 'drop';
  why: string;
}

function sameTrace(a: RulesetAnalysis, p: Packet, q: Packet): boolean {
  const x = a.verdict('input', p);
  const y = a.verdict('input', q);
  const key = (t: typeof x): unknown => (t.by ? ('rule' in t.by ? t.by.rule : t.by.policy) : undefined);
  return x.verdict === y.verdict && key(x) === key(y);
}

/** Witness packets for one family of a ruleset, made usable in the namespaces. */
function probesFor(a: RulesetAnalysis, f: Family, skipped: { n: number }): Probe[] {
  const run = a.hook(f, 'input');
  if (!run.chains.length) return [];
  const notLo = Iv.subtract(Iv.of(0n, BigInt(a.ifaces.length - 1)), a.ifSet(['lo']));
  const base = a
    .universe(f)
    .restrict('ct', Iv.point(0n))
    .restrict(
      'proto',
      Iv.from([
        [6n, 6n],
        [17n, 17n],
      ]),
    )
    .restrict('iif', notLo);
  const sets: { set: PacketSet; why: string }[] = [];
  for (const [rule, reach] of run.reach) sets.push({ set: reach, why: `rule at ${rule.at.file}:${rule.at.span.start.line}` });
  for (const c of run.chains) sets.push({ set: c.eval.ret, why: `policy of ${c.chain.name}` });
  const out: Probe[] = [];
  const seen = new Set<string>();
  let sport = 40000;
  for (const { set, why } of sets) {
    const usable = set.intersect(base);
    if (usable.isEmpty) continue;
    let p = witness(usable.restrict('src', ALLOWED[f]).restrict('dst', ALLOWED[f]), { src: POOL[f], dst: [DST[f]], iif: publicFirst(a) });
    if (!p) {
      // Move the witness into the allowed ranges when that does not change its path.
      const w = witness(usable, { iif: publicFirst(a) });
      if (!w) continue;
      p = undefined;
      for (const src of POOL[f])
        for (const dst of [DST[f], ...POOL[f]]) {
          const q = { ...w, src, dst };
          if (!p && src !== dst && sameTrace(a, w, q)) p = q;
        }
      if (!p) {
        skipped.n++;
        continue;
      }
    }
    // A fresh source port per probe keeps conntrack entries apart.
    const q = { ...p, sport: sport++ };
    if (sameTrace(a, p, q)) p = q;
    const t = a.verdict('input', p);
    if (t.verdict === 'unknown') {
      skipped.n++;
      continue;
    }
    const key = JSON.stringify({ ...p, src: String(p.src), dst: String(p.dst) });
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ packet: p, expected: t.verdict, why });
  }
  return out;
}

function publicFirst(a: RulesetAnalysis): bigint[] {
  return a.ifaces
    .map((n, i) => ({ n, i }))
    .sort((x, y) => Number(a.isPrivate(x.n)) - Number(a.isPrivate(y.n)))
    .filter((x) => x.n !== 'lo')
    .map((x) => BigInt(x.i));
}

/** Send the probes of one interface through the kernel; returns the kernel verdict per probe. */
function kernelVerdicts(fx: FixtureRun, rs: Ruleset, iif: string, probes: Probe[]): ('accept' | 'drop')[] | string {
  const server = netns();
  const client = netns();
  const sh = (ns: string, ...cmd: string[]): void => {
    const r = inNs(ns, cmd);
    if (r.status !== 0) throw new Error(`${cmd.join(' ')}: ${r.out}`);
  };
  sh(server, 'sysctl', '-qw', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0');
  execFileSync('ip', ['-n', server, 'link', 'add', 'name', iif, 'type', 'veth', 'peer', 'name', 'cveth', 'netns', client]);
  sh(server, 'ip', 'link', 'set', iif, 'up');
  sh(client, 'ip', 'link', 'set', 'cveth', 'up');
  const mac = (ns: string, dev: string): string => /link\/ether (\S+)/.exec(inNs(ns, ['ip', 'link', 'show', dev]).out)?.[1] ?? '';
  const smac = mac(server, iif);
  const cmac = mac(client, 'cveth');
  const addrs = { server: new Set<string>(), client: new Set<string>() };
  for (const { packet: p } of probes) {
    addrs.server.add(`${p.family} ${formatAddr(p.family, p.dst)}`);
    addrs.client.add(`${p.family} ${formatAddr(p.family, p.src)}`);
  }
  for (const [side, dev, peerMac, set] of [
    ['server', iif, cmac, addrs.server],
    ['client', 'cveth', smac, addrs.client],
  ] as const) {
    const ns = side === 'server' ? server : client;
    for (const entry of set) {
      const [fam, addr] = entry.split(' ') as [string, string];
      sh(ns, 'ip', `-${fam}`, 'addr', 'add', `${addr}/${fam === '4' ? 32 : 128}`, 'dev', dev, ...(fam === '6' ? ['nodad'] : []));
    }
    for (const entry of side === 'server' ? addrs.client : addrs.server) {
      const [fam, addr] = entry.split(' ') as [string, string];
      sh(ns, 'ip', `-${fam}`, 'route', 'replace', `${addr}/${fam === '4' ? 32 : 128}`, 'dev', dev);
      sh(ns, 'ip', `-${fam}`, 'neigh', 'replace', addr, 'lladdr', peerMac, 'dev', dev, 'nud', 'permanent');
    }
  }
  const files = new Map(fx.result.model.files.map((f) => [f.path, f]));
  const err = loadRuleset(server, rs, fx.dir, files);
  if (err) return err;
  // The counting chain runs after every filter chain of the input hook.
  const counters = probes.map((pr, i) => {
    const p = pr.packet;
    const ip = p.family === 4 ? 'ip' : 'ip6';
    const proto = p.proto === 6 ? 'tcp' : 'udp';
    return `    ${ip} saddr ${formatAddr(p.family, p.src)} ${ip} daddr ${formatAddr(p.family, p.dst)} ${proto} sport ${p.sport} ${proto} dport ${p.dport} counter comment "p${i}"`;
  });
  const oracle = `table inet nsloracle {\n  chain count {\n    type filter hook input priority 2147483647; policy accept;\n${counters.join('\n')}\n  }\n}\n`;
  const o = inNs(server, ['nft', '-f', '-'], oracle);
  if (o.status !== 0) return `oracle table: ${o.out}`;
  const list = probes.map(({ packet: p }) => ({
    family: p.family,
    proto: p.proto === 6 ? 'tcp' : 'udp',
    src: formatAddr(p.family, p.src),
    dst: formatAddr(p.family, p.dst),
    sport: p.sport,
    dport: p.dport,
  }));
  const sent = inNs(client, [process.execPath, path.join(import.meta.dirname, 'probe-client.mjs'), JSON.stringify(list)]);
  if (sent.status !== 0) return `probe client: ${sent.out}`;
  const json = JSON.parse(inNs(server, ['nft', '-j', 'list', 'table', 'inet', 'nsloracle']).out) as {
    nftables: { rule?: { comment?: string; expr: { counter?: { packets: number } }[] } }[];
  };
  const counts = new Map<string, number>();
  for (const item of json.nftables)
    if (item.rule?.comment) counts.set(item.rule.comment, item.rule.expr.find((e) => e.counter)?.counter?.packets ?? 0);
  return probes.map((_, i) => ((counts.get(`p${i}`) ?? 0) > 0 ? 'accept' : 'drop'));
}

describe.skipIf(unavailable !== undefined)('the kernel agrees with nsl-lint on witness packets', () => {
  let checked = 0;
  let agreed = 0;
  let accepted = 0;
  const skipped = { n: 0 };
  afterAll(cleanup);
  afterAll(() =>
    console.log(
      `kernel verdict oracle: ${checked} witness packets checked against the kernel, ${agreed} agreed (${accepted} accepted and ${checked - accepted} dropped by the kernel), ${skipped.n} not testable (rate limits, unmodelled matches, addresses outside the test ranges)`,
    ),
  );

  for (const fx of unavailable ? [] : firewallFixtures()) {
    it(path.basename(fx.dir), () => {
      for (const rs of fx.result.model.host.rulesets) {
        if (!rs.tables.length) continue;
        const a = new RulesetAnalysis(rs, fx.result.model.config.host.privateInterfaces);
        const probes = ([4, 6] as Family[]).flatMap((f) => probesFor(a, f, skipped));
        const byIf = new Map<string, Probe[]>();
        for (const p of probes) {
          const name = a.ifName(p.packet.iif);
          byIf.set(name, [...(byIf.get(name) ?? []), p]);
        }
        for (const [iif, list] of byIf) {
          const kernel = kernelVerdicts(fx, rs, iif, list);
          expect(typeof kernel === 'string' ? kernel : '', `loading ${rs.file} into the kernel`).toBe('');
          if (typeof kernel === 'string') continue;
          list.forEach((probe, i) => {
            checked++;
            const got = kernel[i];
            if (got === probe.expected) agreed++;
            if (got === 'accept') accepted++;
            expect({
              ruleset: rs.file,
              packet: a.describe(probe.packet),
              sport: probe.packet.sport,
              reached: probe.why,
              kernel: got,
            }).toEqual({
              ruleset: rs.file,
              packet: a.describe(probe.packet),
              sport: probe.packet.sport,
              reached: probe.why,
              kernel: probe.expected,
            });
          });
        }
      }
    });
  }
});
