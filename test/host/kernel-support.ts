import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { SourceFile } from '../../src/discover/discover.js';
import type { Ruleset } from '../../src/model/firewall.js';
import { lintFixture } from '../support/run-fixture.js';
import type { LintResult } from '../../src/engine/lint.js';

export const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures');

/** Why the kernel tests cannot run here, or undefined when they can. */
export function kernelUnavailable(): string | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'not root';
  for (const tool of ['ip', 'nft', 'iptables-restore', 'ip6tables-restore']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  }
  const probe = `nslk${process.pid}probe`;
  const add = spawnSync('ip', ['netns', 'add', probe]);
  if (add.status !== 0) return `ip netns is unavailable (${add.stderr.toString().trim()})`;
  spawnSync('ip', ['netns', 'del', probe]);
  return undefined;
}

export interface FixtureRun {
  dir: string;
  result: LintResult;
  firewallFiles: SourceFile[];
}

/** Every fixture repository holding firewall inputs, linted. */
export function firewallFixtures(): FixtureRun[] {
  const out: FixtureRun[] = [];
  for (const e of fs.readdirSync(FIXTURES, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (!e.isDirectory()) continue;
    const dir = path.join(FIXTURES, e.name);
    const result = lintFixture(dir);
    const firewallFiles = result.model.files.filter((f) => f.kind === 'shell' || f.kind === 'nft' || f.kind === 'iptables-save');
    if (firewallFiles.length) out.push({ dir, result, firewallFiles });
  }
  return out;
}

let counter = 0;
const created: string[] = [];

/** A fresh network namespace with a unique name; removed by `cleanup()`. */
export function netns(): string {
  const name = `nslk${process.pid}n${counter++}`;
  execFileSync('ip', ['netns', 'add', name]);
  created.push(name);
  execFileSync('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  return name;
}

export function cleanup(): void {
  for (const name of created.splice(0)) spawnSync('ip', ['netns', 'del', name]);
}

/** Run a command inside a namespace; returns status and output (never throws). */
export function inNs(ns: string, cmd: string[], input?: string, cwd?: string): { status: number; out: string } {
  const r = spawnSync('ip', ['netns', 'exec', ns, ...cmd], { input: input ?? '', cwd, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status ?? -1, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** iptables-save file family, as nsl-lint decides it (`.v6` and `ip6tables*` are IPv6). */
export function saveFamily(file: SourceFile): 4 | 6 {
  const base = path.basename(file.path);
  if (base.endsWith('.v6') || base.startsWith('ip6tables')) return 6;
  if (base.endsWith('.v4') || base.startsWith('iptables')) return 4;
  return /^-A .*(\s-[sd]\s+[0-9a-fA-F]*:[0-9a-fA-F:]*[:/]|ipv6-icmp|icmpv6)/m.test(file.text) ? 6 : 4;
}

/** Load a ruleset into a namespace the way the host would; returns an error text when a tool refuses. */
export function loadRuleset(ns: string, rs: Ruleset, fixtureDir: string, files: Map<string, SourceFile>): string | undefined {
  const run = (cmd: string[], input?: string, cwd?: string): string | undefined => {
    const r = inNs(ns, cmd, input, cwd);
    return r.status === 0 ? undefined : `${cmd.join(' ')}: ${r.out.trim()}`;
  };
  if (rs.source === 'iptables-save') {
    for (const rel of rs.files) {
      const f = files.get(rel);
      if (!f) continue;
      const err = run([saveFamily(f) === 6 ? 'ip6tables-restore' : 'iptables-restore'], f.text);
      if (err) return err;
    }
    return undefined;
  }
  if (rs.source === 'nft') {
    const abs = path.join(fixtureDir, rs.file);
    return run(['nft', '-I', path.dirname(abs), '-f', abs], undefined, path.dirname(abs));
  }
  if (rs.rendered.iptables) {
    const err = run(['iptables-restore'], rs.rendered.iptables);
    if (err) return err;
  }
  if (rs.rendered.ip6tables) {
    const err = run(['ip6tables-restore'], rs.rendered.ip6tables);
    if (err) return err;
  }
  if (rs.rendered.nft) return run(['nft', '-f', '-'], rs.rendered.nft, fixtureDir);
  return undefined;
}
