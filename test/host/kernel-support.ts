import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'vitest';
import type { SourceFile } from '../../src/discover/discover.js';
import type { Ruleset } from '../../src/model/firewall.js';
import { lintFixture } from '../support/run-fixture.js';
import type { LintResult } from '../../src/engine/lint.js';
import { runScript, scriptCommands, type ScriptLoad } from './kernel-interp.js';
import type { Exec } from './kernel-lab.js';

export const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures');

/** Why the kernel tests cannot run here, or undefined when they can. */
export function kernelUnavailable(): string | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'not root';
  for (const tool of ['ip', 'nft', 'iptables-restore', 'ip6tables-restore', 'iptables', 'ip6tables']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  }
  const probe = `nslk${process.pid}probe`;
  const add = spawnSync('ip', ['netns', 'add', probe]);
  if (add.status !== 0) return `ip netns is unavailable (${add.stderr.toString().trim()})`;
  spawnSync('ip', ['netns', 'del', probe]);
  return undefined;
}

/**
 * A suite that needs the kernel. Where it cannot run it is skipped with one printed line,
 * except in CI (`CI=true`), where the kernel must be there: the suite then fails, saying why.
 */
export function describeKernel(title: string, body: () => void): void {
  const why = kernelUnavailable();
  if (why === undefined) {
    describe(title, body);
    return;
  }
  if (process.env.CI === 'true') {
    describe(title, () => {
      it('can run: CI runs the kernel tests as root with network namespaces', () => {
        throw new Error(`${title}: the kernel tests cannot run in CI (${why})`);
      });
    });
    return;
  }
  console.log(`${title}: skipped (${why})`);
  describe.skip(title, () => {
    it.skip('needs root and network namespaces');
  });
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

/** iptables-save file family, as the file names it (`.v6` and `ip6tables*` are IPv6). */
export function saveFamily(file: { path: string; text: string }): 4 | 6 {
  const base = path.basename(file.path);
  if (base.endsWith('.v6') || base.startsWith('ip6tables')) return 6;
  if (base.endsWith('.v4') || base.startsWith('iptables')) return 4;
  return /^-A .*(\s-[sd]\s+[0-9a-fA-F]*:[0-9a-fA-F:]*[:/]|ipv6-icmp|icmpv6)/m.test(file.text) ? 6 : 4;
}

export interface Loaded {
  /** What a kernel tool refused (file or command, and the tool's words). */
  errors: string[];
  /** For scripts: every command run, and those the interpreter would not run. */
  script?: ScriptLoad;
}

/**
 * Load what the user wrote into a namespace (through `exec`, which runs one argument vector
 * there): iptables-save files through `iptables-restore`/`ip6tables-restore`, nftables files
 * through `nft -f`, scripts through the interpreter of kernel-interp.ts. Never nsl-lint's
 * rendering of its own parse.
 */
export function loadRuleset(exec: (argv: string[], input?: string, cwd?: string) => Exec, rs: Ruleset, root: string): Loaded {
  const errors: string[] = [];
  const run = (argv: string[], input?: string, cwd?: string): void => {
    const r = exec(argv, input, cwd);
    if (r.status !== 0) errors.push(`${argv.join(' ')}: ${r.out.trim()}`);
  };
  if (rs.source === 'iptables-save') {
    for (const rel of rs.files) {
      const text = fs.readFileSync(path.join(root, rel), 'utf8');
      run([saveFamily({ path: rel, text }) === 6 ? 'ip6tables-restore' : 'iptables-restore'], text);
    }
    return { errors };
  }
  if (rs.source === 'nft') {
    const abs = path.join(root, rs.file);
    run(['nft', '-I', path.dirname(abs), '-f', abs], undefined, path.dirname(abs));
    return { errors };
  }
  const text = fs.readFileSync(path.join(root, rs.file), 'utf8');
  const script = runScript(root, scriptCommands(root, rs.file, text), exec);
  for (const c of script.commands) if (c.status !== 0) errors.push(`${c.file}:${c.line}: ${c.argv.join(' ')}: ${c.out}`);
  return { errors, script };
}

/** Load files by their kind (`*.nft`, `*.v4`/`*.v6`, `*.sh`), without nsl-lint's reading of them. */
export function loadFiles(exec: (argv: string[], input?: string, cwd?: string) => Exec, root: string, files: readonly string[]): Loaded {
  const errors: string[] = [];
  for (const rel of files) {
    const text = fs.readFileSync(path.join(root, rel), 'utf8');
    let r: Exec | undefined;
    if (rel.endsWith('.nft')) r = exec(['nft', '-f', path.join(root, rel)], undefined, root);
    else if (rel.endsWith('.v4') || rel.endsWith('.v6'))
      r = exec([saveFamily({ path: rel, text }) === 6 ? 'ip6tables-restore' : 'iptables-restore'], text);
    else if (rel.endsWith('.sh')) {
      const script = runScript(root, scriptCommands(root, rel, text), exec);
      for (const c of script.commands) if (c.status !== 0) errors.push(`${c.file}:${c.line}: ${c.argv.join(' ')}: ${c.out}`);
    }
    if (r && r.status !== 0) errors.push(`${rel}: ${r.out.trim()}`);
  }
  return { errors };
}
