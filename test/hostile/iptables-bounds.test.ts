import { expect } from 'vitest';
import { testRulesetCases, type RulesetCase } from './ruleset-cases.js';

/**
 * Hostile iptables input (iptables-save files and scripts) beside a good file: loading must
 * not hang, exhaust memory or throw, the hostile file gets a `parse-error` at the offending
 * line (or loads, when iptables-restore accepts it), and the good file keeps its ruleset.
 * Inputs are made here, at test time. All cases run in one child process with a heap cap and
 * a kill timeout (see ruleset-cases.ts).
 */

const GOOD = '*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n';

/** An iptables-save file of the filter table; `body` starts at line 3. */
const save = (body: string, chains = ''): string => `*filter\n:INPUT DROP [0:0]\n${chains}${body}\nCOMMIT\n`;
const lines = (n: number, line: (i: number) => string): string => Array.from({ length: n }, (_, i) => line(i)).join('\n');
const port = (i: number): number => 1 + (i % 65000);
/** `-A INPUT`, 61 comments, `count` times `-v`, `-j ACCEPT`: 248 + count arguments. */
const manyArgs = (count: number): string => `-A INPUT ${'-m comment --comment x '.repeat(61)}${'-v '.repeat(count)}-j ACCEPT`;

const cases: RulesetCase[] = [
  {
    name: '100,000 rules: 50,000 appended and 50,000 inserted at the top; 50,000 deletions of rules that are not there',
    files: {
      'h.v4': save(
        [
          lines(50_000, (i) => `-A INPUT -p tcp --dport ${port(i)} -j ACCEPT`),
          lines(50_000, (i) => `-I INPUT -p udp --dport ${port(i)} -j ACCEPT`),
          lines(50_000, () => '-D INPUT -p tcp --dport 9 -j DROP'),
        ].join('\n'),
      ),
    },
    accepted: { 'h.v4': 100_000 },
  },
  {
    name: '40,000 rules, then the last 20,000 deleted one by one by specification, newest first',
    files: {
      'h.v4': save(
        `${lines(40_000, (i) => `-A INPUT -p tcp --dport ${port(i)} -j ACCEPT`)}\n${lines(20_000, (i) => `-D INPUT -p tcp --dport ${port(39_999 - i)} -j ACCEPT`)}`,
      ),
    },
    accepted: { 'h.v4': 20_000 },
  },
  {
    name: 'a line of 1,000,000 arguments in a file, of 100,000 in a script here-document',
    files: {
      'h.v4': save(`-A INPUT -m hashlimit${' --x 1'.repeat(1_000_000)} -j ACCEPT`),
      'fw.sh': `#!/bin/sh\niptables-restore <<EOF\n${save(`-A INPUT -m hashlimit${' --x 1'.repeat(100_000)} -j ACCEPT`)}EOF\n`,
    },
    errors: [
      { file: 'h.v4', line: 3, message: /more than 251 arguments/ },
      { file: 'fw.sh', line: 5, message: /more than 251 arguments/ },
    ],
  },
  {
    name: "iptables-restore's limits: 251 arguments, 252 arguments, an argument of 1,024 characters",
    files: {
      'args251.v4': save(manyArgs(3)),
      'args252.v4': save(manyArgs(4)),
      'counters.v4': save(`[5:6] ${manyArgs(3)}`),
      'long.v4': save(`-A INPUT -m comment --comment ${'x'.repeat(1024)} -j ACCEPT`),
    },
    accepted: { 'args251.v4': 1, 'counters.v4': 1 },
    errors: [
      { file: 'args252.v4', line: 3, message: /more than 251 arguments/ },
      { file: 'long.v4', line: 3, message: /longer than 1023 characters/ },
    ],
  },
  {
    name: 'a script command with 50,000 `--option=value` arguments',
    files: { 'fw.sh': `#!/bin/sh\niptables -P INPUT DROP\niptables -A INPUT -p tcp -m hashlimit${' --x=1'.repeat(50_000)} -j ACCEPT\n` },
    accepted: { 'fw.sh': 1 },
  },
  {
    name: '10,000 user chains, each jumping to the next',
    files: {
      'h.v4': save(`${lines(10_000, (i) => `-A C${i} -j C${i + 1}`)}\n-A INPUT -j C0`, `${lines(10_001, (i) => `:C${i} - [0:0]`)}\n`),
    },
    accepted: { 'h.v4': 10_001 },
  },
  {
    name: 'huge numbers: rule index, port, prefix length, protocol',
    files: {
      'index.v4': save('-I INPUT 99999999999999999999 -j ACCEPT'),
      'port.v4': save('-A INPUT -p tcp --dport 99999999999999999999 -j ACCEPT'),
      'prefix.v4': save('-A INPUT -s 10.0.0.0/1000 -j ACCEPT'),
      'proto.v4': save('-A INPUT -p 99999999999999999999 -j ACCEPT'),
    },
    errors: [
      { file: 'index.v4', line: 3, message: /index of insertion too big/ },
      { file: 'port.v4', line: 3, message: /invalid port "99999999999999999999"/ },
      { file: 'prefix.v4', line: 3, message: /invalid address "10.0.0.0\/1000"/ },
      { file: 'proto.v4', line: 3, message: /unknown protocol "99999999999999999999"/ },
    ],
  },
  {
    // iptables-restore reads C strings: a NUL ends the line (`-A INPUT -i eth0` is what it loads).
    name: 'NUL and control characters, a byte order mark',
    files: {
      'nul-chain.v4': save('-A INPUT -j ACCEPT', ':A\u0000B - [0:0]\n'),
      'nul-rule.v4': save('-A INPUT -i eth0\u0000 -j DROP'),
      'control.v4': save('-A INPUT -j A\u0001B', ':A\u0001B - [0:0]\n'),
      'bom.v4': `\ufeff${save('-A INPUT -j ACCEPT')}`,
    },
    errors: [
      { file: 'nul-chain.v4', line: 3, message: /bad chain declaration/ },
      { file: 'bom.v4', line: 1, message: /byte order mark/ },
    ],
    accepted: { 'nul-rule.v4': 1, 'control.v4': 1 },
  },
  {
    // iptables-restore 1.8.9 refuses a CR; nsl-lint has always read CRLF files. Either way, only as this file's result.
    name: 'tabs and CRLF line ends',
    files: {
      'tabs.v4': '*filter\n:INPUT\tDROP\t[0:0]\n-A\tINPUT\t-p\ttcp\t--dport\t22\t-j\tACCEPT\nCOMMIT\n',
      'crlf.v4': save('-A INPUT -p tcp --dport 22 -j ACCEPT').replace(/\n/g, '\r\n'),
    },
    accepted: { 'tabs.v4': 1 },
    either: ['crlf.v4'],
  },
];

testRulesetCases(
  {
    title: 'hostile iptables input fails only its own file',
    kind: 'iptables-save',
    good: { file: 'good.v4', text: GOOD },
    goodChains: (chains) =>
      expect(chains.find((ch) => ch.name === 'INPUT')).toEqual({ name: 'INPUT', policy: 'drop', verdicts: ['accept'] }),
  },
  cases,
);
