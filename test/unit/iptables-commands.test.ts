import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractShell } from '../../src/parse/shell-run.js';
import { lint } from '../../src/engine/lint.js';
import { defaultConfig } from '../../src/core/config.js';
import { RULES } from '../../rules/index.js';

const noFiles = (): undefined => undefined;

/** Lint one script as a repository of its own: its findings and the rules it loaded. */
function lintScript(lines: string[]): { findings: string[]; rules: unknown[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsl-script-'));
  fs.writeFileSync(path.join(dir, 'fw.sh'), ['#!/bin/sh', ...lines, ''].join('\n'));
  const { findings, model } = lint({ paths: ['.'], cwd: dir, root: dir, config: defaultConfig(), rules: RULES });
  return {
    findings: findings.map((f) => `${f.ruleId}:${f.span.start.line}`),
    rules: model.host.rulesets.flatMap((r) => r.tables.flatMap((t) => t.chains.flatMap((c) => c.rules))),
  };
}

describe('looking a firewall command up', () => {
  for (const lookup of ['$(which iptables)', '$(command -v iptables)', '`which iptables`', '"$(type -P iptables)"']) {
    it(`${lookup} runs iptables`, () => {
      const { commands, unresolved } = extractShell('fw.sh', `IPT=${lookup}\n$IPT -P INPUT DROP\n`, noFiles);
      expect(unresolved).toEqual([]);
      expect(commands.map((c) => [c.program, c.args.map((a) => a.text).join(' ')])).toEqual([['iptables', '-P INPUT DROP']]);
    });
  }
  it('any other command substitution stays unknown', () => {
    const { commands, unresolved } = extractShell('fw.sh', 'IPT=$(find / -name iptables)\n$IPT -P INPUT DROP\n', noFiles);
    expect(commands).toEqual([]);
    expect(unresolved).toHaveLength(1);
  });
});

describe('commands that only read the ruleset', () => {
  it('are not parse errors and add nothing to the ruleset', () => {
    const run = lintScript([
      'iptables -nvL',
      'iptables -vnL INPUT --line-numbers',
      'iptables -nL -t nat',
      'ip6tables -S',
      'iptables -C INPUT -p tcp --dport 22 -j ACCEPT',
      'nft list ruleset',
    ]);
    expect(run).toEqual({ findings: [], rules: [] });
  });

  it('`iptables -nvL --line-number` (an abbreviation getopt accepts) reads nothing and is no error', () => {
    expect(lintScript(['iptables -nvL --line-number', 'ip6tables -L INPUT -n -x --line-numbers'])).toEqual({ findings: [], rules: [] });
  });
});

describe('matches nsl-lint does not model', () => {
  it('may match: no parse error, and a rule after them is neither shadowed nor redundant', () => {
    const { findings } = lintScript([
      'iptables -P INPUT DROP',
      'iptables -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT',
      'iptables -A INPUT -i lo -j ACCEPT',
      // Only second and later fragments: not every packet on eth0.
      'iptables -A INPUT -i eth0 -f -j DROP',
      'iptables -A INPUT -i eth0 -p tcp --dport 443 -s 10.0.0.0/8 -j ACCEPT',
      // `--match-set NAME FLAGS` takes two values.
      'iptables -A INPUT -m set --match-set blocklist src -j DROP',
      'iptables -A INPUT -p tcp --dport 443 -s 10.0.0.0/8 -j ACCEPT',
    ]);
    expect(findings).toEqual(['host-ipv6-unfiltered:2']);
  });
});

describe('both ports of a protocol match inverted', () => {
  type R = { conds: { dim: string }[]; uncertain: string[] };
  it('`! --sport A ! --dport B` only may match: iptables-nft and iptables-legacy read it differently', () => {
    const { rules } = lintScript(['iptables -A INPUT -p tcp ! --sport 40000 ! --dport 8080 -j DROP']);
    const [r] = rules as R[];
    expect(r?.conds.map((c) => c.dim)).toEqual(['proto']);
    expect(r?.uncertain).toEqual(['! --sport with ! --dport (read differently by iptables-nft and iptables-legacy)']);
  });
  it('one inverted port, or a range, is read exactly', () => {
    const { rules } = lintScript([
      'iptables -A INPUT -p tcp ! --sport 53 --dport 8080 -j DROP',
      'iptables -A INPUT -p tcp ! --sport 1000:2000 ! --dport 8080 -j DROP',
      'iptables -A INPUT -p udp --sport 53 --dport 8080 -j DROP',
    ]);
    expect((rules as R[]).map((r) => [r.conds.map((c) => c.dim), r.uncertain])).toEqual([
      [['proto', 'sport', 'dport'], []],
      [['proto', 'sport', 'dport'], []],
      [['proto', 'sport', 'dport'], []],
    ]);
  });
});
