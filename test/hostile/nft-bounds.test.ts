import { expect } from 'vitest';
import { testRulesetCases, type RulesetCase } from './ruleset-cases.js';

/**
 * Hostile nftables input (in files and in scripts) beside a good file: loading must not hang,
 * exhaust memory or throw, the hostile file gets a `parse-error` at the offending line (or
 * loads, when nft itself accepts it), and the good file keeps its ruleset. Inputs are made
 * here, at test time. All cases run in one child process with a heap cap and a kill timeout
 * (see ruleset-cases.ts).
 */

const GOOD = 'table inet good {\n chain input {\n  type filter hook input priority 0; policy drop;\n  tcp dport 22 accept\n }\n}\n';

/** A table `h` with a base chain `input`; `body` starts at line 4 plus the lines of `pre`. */
const wrap = (body: string, pre = ''): string =>
  `${pre}table inet h {\n chain input {\n  type filter hook input priority 0; policy drop;\n${body}\n }\n}\n`;
const nest = (n: number, inner = '22'): string => `${'{ '.repeat(n)}${inner}${' }'.repeat(n)}`;
const lines = (n: number, line: (i: number) => string): string => Array.from({ length: n }, (_, i) => line(i)).join('\n');
const port = (i: number): number => 1 + (i % 65000);

const cases: RulesetCase[] = [
  {
    name: 'anonymous sets nested 10,000 deep in a rule',
    files: { 'h.nft': wrap(`  tcp dport ${nest(10_000)} accept`) },
    errors: [{ file: 'h.nft', line: 4, message: /nested more than 5000 levels/ }],
  },
  {
    name: 'a define nested 10,000 deep',
    files: { 'h.nft': wrap('  tcp dport $s accept', `define s = ${nest(10_000)}\n`) },
    errors: [{ file: 'h.nft', line: 1, message: /nested more than 5000 levels/ }],
  },
  {
    name: 'braces nested 10,000 deep in a statement nsl-lint skips, and in a table-level object',
    files: {
      'h.nft': wrap(`  meta mark ${nest(10_000, '1')} accept`),
      'k.nft': `table inet k {\n counter c ${nest(10_000, 'packets 0 bytes 0')}\n}\n`,
    },
    errors: [
      { file: 'h.nft', line: 4, message: /nested more than 5000 levels/ },
      { file: 'k.nft', line: 2, message: /nested more than 5000 levels/ },
    ],
  },
  {
    name: 'nesting 10,000 deep in a script: a here-document and an `nft add rule` argument',
    files: {
      'fw1.sh': `#!/bin/sh\nnft -f - <<EOF\n${wrap(`  tcp dport ${nest(10_000)} accept`)}EOF\n`,
      'fw2.sh': `#!/bin/sh\nnft add table inet t\nnft add chain inet t c\nnft add rule inet t c tcp dport '${nest(10_000)}' accept\n`,
    },
    errors: [
      { file: 'fw1.sh', line: 6, message: /nested more than 5000 levels/ },
      { file: 'fw2.sh', line: 4, message: /nested more than 5000 levels/ },
    ],
  },
  {
    name: 'a define that doubles 40 times (2^41 elements)',
    files: {
      'h.nft': wrap('  tcp dport $a40 accept', `define a0 = { 22, 23 }\n${lines(40, (i) => `define a${i + 1} = { $a${i}, $a${i} }`)}\n`),
    },
    errors: [{ file: 'h.nft', line: 45, message: /expand to more than 4000000 tokens/ }],
  },
  {
    name: 'a variable redefined from itself 64 times',
    files: { 'h.nft': wrap('  tcp dport $a accept', `define a = 22\n${lines(64, () => 'redefine a = { $a, $a }')}\n`) },
    errors: [{ file: 'h.nft', line: 69, message: /expand to more than/ }],
  },
  {
    name: 'a chain of 20,000 defines, each naming the one before',
    files: {
      'h.nft': wrap('  tcp dport $a20000 accept', `define a0 = 22\n${lines(20_000, (i) => `define a${i + 1} = { $a${i}, ${port(i)} }`)}\n`),
    },
    errors: [{ file: 'h.nft', line: 20_005, message: /more than 16384 levels/ }],
  },
  {
    // Near the bounds, on the side nft accepts: they must not be refused.
    name: 'what nft accepts: a 300-deep define chain, braces 4,000 deep in an unused define, a 2^40 define never used',
    files: {
      'chain.nft': wrap('  tcp dport $a300 accept', `define a0 = 22\n${lines(300, (i) => `define a${i + 1} = { $a${i}, ${port(i)} }`)}\n`),
      'deep.nft': wrap('  tcp dport 22 accept', `define s = ${nest(4000)}\n`),
      'unused.nft': wrap('  tcp dport 22 accept', `define a0 = { 22, 23 }\n${lines(40, (i) => `define a${i + 1} = { $a${i}, $a${i} }`)}\n`),
    },
    accepted: { 'chain.nft': 1, 'deep.nft': 1, 'unused.nft': 1 },
  },
  {
    name: '100,000 rules: 50,000 in the chain and 50,000 `insert rule` commands',
    files: {
      'h.nft': `${wrap(lines(50_000, (i) => `  tcp dport ${port(i)} accept`))}${lines(50_000, (i) => `insert rule inet h input tcp dport ${port(i)} drop`)}\n`,
    },
    accepted: { 'h.nft': 100_000 },
  },
  {
    // 150,000: past what a spread call (`push(...elements)`) can pass.
    name: 'a 1 MB line (a set of 150,000 elements) and a 150,000-element set named by 1,000 rules',
    files: {
      'line.nft': wrap(`  tcp dport { ${lines(150_000, (i) => String(port(i))).replace(/\n/g, ', ')} } accept`),
      'set.nft':
        `table inet h {\n set s {\n  type inet_service;\n }\n chain input {\n  type filter hook input priority 0; policy drop;\n }\n}\n` +
        `add element inet h s { ${lines(150_000, (i) => String(port(i))).replace(/\n/g, ', ')} }\n` +
        `${lines(1000, () => 'add rule inet h input tcp dport @s accept')}\n`,
    },
    accepted: { 'line.nft': 1, 'set.nft': 1000 },
  },
  {
    name: 'a verdict map of 150,000 entries',
    files: { 'h.nft': wrap(`  tcp dport vmap { ${lines(150_000, (i) => `${port(i)} : accept`).replace(/\n/g, ', ')} }`) },
    accepted: { 'h.nft': 150_000 },
  },
  {
    name: '20,000 chains, each jumping to the next',
    files: {
      'h.nft': `table inet h {\n${lines(20_000, (i) => ` chain c${i} {\n  jump c${i + 1}\n }`)}\n chain c20000 {\n }\n chain input {\n  type filter hook input priority 0; policy drop;\n  jump c0\n }\n}\n`,
    },
    accepted: { 'h.nft': 20_001 },
  },
  {
    name: 'includes nested 2,000 files deep',
    files: Object.fromEntries(
      Array.from({ length: 2001 }, (_, i) => [`i/f${i}.nft`, i < 2000 ? `include "f${i + 1}.nft"\n` : wrap('  tcp dport 22 accept')]),
    ),
    // nft: "Include nested too deeply, max 16 levels", at the include in the 16th file.
    errors: [{ file: 'i/f15.nft', line: 1, message: /include nested too deeply, max 16 levels/ }],
  },
  {
    name: 'an include glob of 20 stars against long file names',
    files: { 'g.nft': `include "${'*a'.repeat(20)}*b.nft"\n${wrap('  tcp dport 22 accept')}` },
    disk: Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`${'a'.repeat(60 + i)}.nft`, '# not matched\n'])),
    accepted: { 'g.nft': 1 },
  },
  {
    name: 'huge numbers: priority, port, prefix length, a 4 MB port number',
    files: {
      'prio.nft': 'table inet h {\n chain input {\n  type filter hook input priority 99999999999999999999; policy drop;\n }\n}\n',
      'port.nft': wrap('  tcp dport 99999999999999999999 accept'),
      'prefix.nft': wrap('  ip saddr 10.0.0.0/1000 accept'),
      'long.nft': wrap(`  tcp dport ${'9'.repeat(4_000_000)} accept`),
    },
    errors: [
      { file: 'prio.nft', line: 3, message: /invalid priority "99999999999999999999"/ },
      { file: 'port.nft', line: 4, message: /invalid port/ },
      { file: 'prefix.nft', line: 4, message: /invalid address "10.0.0.0\/1000"/ },
      { file: 'long.nft', line: 4, message: /invalid port/ },
    ],
  },
  {
    name: 'NUL and control characters in names, a byte order mark',
    files: {
      'nul.nft': wrap('  iifname e\u0000th0 accept'),
      'esc.nft': `table inet h {\n chain in\u001b[31mput {\n  type filter hook input priority 0; policy drop;\n }\n}\n`,
      'bom.nft': `\ufeff${wrap('  tcp dport 22 accept')}`,
      // Inside a quoted string nft takes any character.
      'quoted.nft': wrap('  iifname "e\u0001th0" accept'),
    },
    errors: [
      { file: 'nul.nft', line: 4, message: /unexpected junk/ },
      { file: 'esc.nft', line: 2, message: /unexpected junk/ },
      { file: 'bom.nft', line: 1, message: /unexpected junk/ },
    ],
    accepted: { 'quoted.nft': 1 },
  },
  {
    // nft 1.0.6 refuses a CR; nsl-lint has always read CRLF files. Either way, only as this file's result.
    name: 'tabs and CRLF line ends',
    files: {
      'tabs.nft':
        'table\tinet\th\t{\n\tchain\tinput\t{\n\t\ttype\tfilter\thook\tinput\tpriority\t0;\tpolicy\tdrop;\n\t\ttcp\tdport\t22\taccept\n\t}\n}\n',
      'crlf.nft': wrap('  tcp dport 22 accept').replace(/\n/g, '\r\n'),
    },
    accepted: { 'tabs.nft': 1 },
    either: ['crlf.nft'],
  },
];

testRulesetCases(
  {
    title: 'hostile nftables input fails only its own file',
    kind: 'nft',
    good: { file: 'good.nft', text: GOOD },
    goodChains: (chains) => expect(chains).toEqual([{ name: 'input', policy: 'drop', verdicts: ['accept'] }]),
  },
  cases,
);
