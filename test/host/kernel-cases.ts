import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RulesetAnalysis } from '../../src/analysis/firewall.js';
import { defaultConfig } from '../../src/core/config.js';
import { lint } from '../../src/engine/lint.js';
import { RULES } from '../../rules/index.js';
import type { Construct } from './fuzz-gen.js';
import { Lab, type LabProbe } from './kernel-lab.js';
import { nslVerdicts } from './kernel-oracle.js';
import { loadFiles } from './kernel-support.js';

/**
 * The smallest rulesets on which the kernel and nsl-lint disagreed when the differential
 * test found them (shrunk by `npm run fuzz:kernel`), one per distinct disagreement, with the
 * packet. `npm run fuzz:kernel -- --cases` replays them against the kernel and nsl-lint and
 * says which still disagree; a fix makes its case agree, and the construct can then leave
 * KNOWN_GAPS.
 */
export interface KernelCase {
  name: string;
  construct: Construct;
  files: Record<string, string>;
  probe: LabProbe;
  /** What the kernel does with the packet (checked on every replay). */
  kernel: 'accept' | 'drop';
}

const tcp = (dport: number, iif = 'eth0', family: 4 | 6 = 4): LabProbe => ({
  family,
  proto: 6,
  src: family === 4 ? '203.0.113.10' : '2001:db8:1::10',
  dst: family === 4 ? '10.250.200.1' : '2001:db8:200::1',
  sport: 40000,
  dport,
  iif,
});
const nft = (body: string): Record<string, string> => ({ 'nftables.nft': `flush ruleset\n${body}\n` });
const v4 = (...lines: string[]): Record<string, string> => ({ 'rules.v4': `${lines.join('\n')}\nCOMMIT\n` });

export const CASES: KernelCase[] = [
  {
    name: 'nft `ct state != a,b` is "state is not the value a|b" (true for every packet)',
    construct: 'nft-ct-negated-list',
    files: nft(
      'table inet t {\n  chain c {\n    type filter hook input priority 0; policy drop;\n    ct state != new,invalid accept\n  }\n}',
    ),
    probe: tcp(22),
    kernel: 'accept',
  },
  {
    name: 'ct state in an nft chain before conntrack (priority -300) is "invalid"',
    construct: 'ct-before-conntrack',
    files: nft('table inet t {\n  chain c {\n    type filter hook prerouting priority -300; policy drop;\n    ct state new accept\n  }\n}'),
    probe: tcp(22),
    kernel: 'drop',
  },
  {
    name: 'conntrack state in iptables raw PREROUTING is INVALID',
    construct: 'ct-before-conntrack',
    files: v4('*raw', ':PREROUTING ACCEPT [0:0]', '-A PREROUTING -m conntrack --ctstate INVALID -j DROP'),
    probe: tcp(22),
    kernel: 'drop',
  },
  {
    name: 'a netdev ingress chain sees only its own device',
    construct: 'netdev-ingress',
    files: nft('table netdev t {\n  chain c {\n    type filter hook ingress device "eth1" priority 0; policy drop;\n  }\n}'),
    probe: tcp(22, 'eth0'),
    kernel: 'accept',
  },
  {
    name: 'a netdev ingress chain drops on its device',
    construct: 'netdev-ingress',
    files: nft(
      'table netdev t {\n  chain c {\n    type filter hook ingress device "eth0" priority 0; policy accept;\n    tcp dport 22 drop\n  }\n}',
    ),
    probe: tcp(22, 'eth0'),
    kernel: 'drop',
  },
  {
    name: 'iptables -j NFQUEUE ends evaluation (no listener: the packet is not delivered)',
    construct: 'iptables-queue',
    files: v4('*filter', ':INPUT ACCEPT [0:0]', '-A INPUT -j NFQUEUE --queue-num 7', '-A INPUT -j ACCEPT'),
    probe: tcp(22),
    kernel: 'drop',
  },
  {
    name: 'an uncertain ACCEPT (-f) before NFQUEUE: the kernel queues (drops) the packet',
    construct: 'iptables-queue',
    files: v4('*filter', ':INPUT ACCEPT [0:0]', '-A INPUT -f -j ACCEPT', '-A INPUT -j NFQUEUE --queue-num 7'),
    probe: tcp(22),
    kernel: 'drop',
  },
  {
    name: 'iptables -f matches only non-first fragments',
    construct: 'frag',
    files: v4('*filter', ':INPUT ACCEPT [0:0]', '-A INPUT -f -j DROP'),
    probe: tcp(22),
    kernel: 'accept',
  },
  {
    name: 'iptables-nft 1.8.9 reads `! --sport A ! --dport B` as "either port differs" (iptables-legacy: both)',
    construct: 'sport',
    files: v4('*filter', ':INPUT ACCEPT [0:0]', '-A INPUT -p tcp ! --sport 40000 ! --dport 8080 -j DROP'),
    probe: tcp(22),
    kernel: 'drop',
  },
];

export interface CaseResult {
  name: string;
  construct: Construct;
  kernel: 'accept' | 'drop';
  nsl: string;
  /** nsl-lint's verdict equals the kernel's (`uncertain`: nsl-lint gives none, so the fuzz test skips the packet). */
  agree: boolean | 'uncertain';
  /** The kernel no longer does what the case records. */
  stale: boolean;
}

/** Replay one case against the kernel and nsl-lint. */
export function replayCase(c: KernelCase): CaseResult {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsl-case-'));
  try {
    for (const [name, text] of Object.entries(c.files)) fs.writeFileSync(path.join(dir, name), text);
    const result = lint({ paths: ['.'], cwd: dir, root: dir, config: defaultConfig(), rules: RULES });
    const rs = result.model.host.rulesets[0];
    let nsl = 'no ruleset';
    if (result.model.parseErrors.length) nsl = `parse error: ${result.model.parseErrors[0]?.message}`;
    else if (rs) {
      const a = new RulesetAnalysis(rs, []);
      const oif = rs.tables.some((t) => t.chains.some((ch) => ch.rules.some((r) => r.conds.some((d) => d.dim === 'oif'))));
      const patterns = Object.values(c.files).flatMap((t) =>
        [...t.matchAll(/(?:device|-[io]|[io]ifname)\s+"?([\w.+*-]+)"?/g)].map((m) => m[1] as string),
      );
      const vs = nslVerdicts(a, c.probe, patterns, oif);
      nsl = vs ? [...new Set(vs.map((v) => v.verdict))].join('/') : 'no interface stands for the packet';
    }
    const lab = new Lab([...new Set(['eth0', 'eth1', c.probe.iif])]);
    let kernel: 'accept' | 'drop';
    try {
      const load = loadFiles((argv, input, cwd) => lab.exec(argv, input, cwd), dir, Object.keys(c.files));
      if (load.errors.length) throw new Error(`${c.name}: ${load.errors.join('; ')}`);
      kernel = lab.probe([c.probe]).accepted[0] ? 'accept' : 'drop';
    } finally {
      lab.destroy();
    }
    return {
      name: c.name,
      construct: c.construct,
      kernel,
      nsl,
      agree: nsl === 'unknown' ? 'uncertain' : nsl === kernel,
      stale: kernel !== c.kernel,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
