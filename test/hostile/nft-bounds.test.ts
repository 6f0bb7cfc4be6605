import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Hostile nftables input (in files and in scripts) beside a good file: loading must not hang,
 * exhaust memory or throw, the hostile file gets a `parse-error` at the offending line (or
 * loads, when nft itself accepts it), and the good file keeps its ruleset. Inputs are made
 * here, at test time. All cases run in one child process with a heap cap and a kill timeout,
 * so that a regression that loops or recurses without end fails the test instead of hanging
 * or killing the test run; each case must also finish within TIME_BOUND_MS of CPU time.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
/** CPU time per case (user and system), which other jobs on the machine do not inflate as they do wall time. */
const TIME_BOUND_MS = 20_000;
/** The hang guard, in wall time: generous, for a loaded machine. */
const CHILD_TIMEOUT_MS = 300_000;
const HEAP_MB = 1536;

const GOOD = 'table inet good {\n chain input {\n  type filter hook input priority 0; policy drop;\n  tcp dport 22 accept\n }\n}\n';

/** A table `h` with a base chain `input`; `body` starts at line 4 plus the lines of `pre`. */
const wrap = (body: string, pre = ''): string =>
  `${pre}table inet h {\n chain input {\n  type filter hook input priority 0; policy drop;\n${body}\n }\n}\n`;
const nest = (n: number, inner = '22'): string => `${'{ '.repeat(n)}${inner}${' }'.repeat(n)}`;
const lines = (n: number, line: (i: number) => string): string => Array.from({ length: n }, (_, i) => line(i)).join('\n');
const port = (i: number): number => 1 + (i % 65000);

interface Case {
  name: string;
  /** Repository-relative path → text (`.nft` files are nft, `.sh` scripts). */
  files: Record<string, string>;
  /** Further files on disk only (found by include globs). */
  disk?: Record<string, string>;
  /** Parse errors the input must give. */
  errors?: { file: string; line: number; message: RegExp }[];
  /** Files that must load (nft accepts them), with their rule count. */
  accepted?: Record<string, number>;
  /** Files that may load or fail, but only as a parse error. */
  either?: string[];
}

const cases: Case[] = [
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

/** Runs in the child: load each case with the good file and print one JSON line per case. */
const RUNNER = `
import fs from 'node:fs';
import { loadModel } from ${JSON.stringify(pathToFileURL(path.join(ROOT, 'src/model/load.ts')).href)};
import { defaultConfig } from ${JSON.stringify(pathToFileURL(path.join(ROOT, 'src/core/config.ts')).href)};
// Synchronous and complete (a pipe may take part of a write), so that the cases done are
// reported even when the child is killed.
const write = (text) => {
  const bytes = Buffer.from(text);
  for (let at = 0; at < bytes.length; ) {
    try {
      at += fs.writeSync(1, bytes, at);
    } catch (e) {
      if (e.code !== 'EAGAIN') throw e;
    }
  }
};
for (const c of JSON.parse(fs.readFileSync(process.argv[1], 'utf8'))) {
  const files = c.files.map((f) => ({ ...f, text: fs.readFileSync(f.abs, 'utf8') }));
  const start = performance.now();
  const cpu = process.cpuUsage();
  let out;
  try {
    const model = loadModel(c.root, files, defaultConfig());
    out = {
      parseErrors: model.parseErrors.map((e) => ({ file: e.file, line: e.span.start.line, message: e.message })),
      notices: model.notices,
      rulesets: model.host.rulesets.map((rs) => ({
        file: rs.file,
        rules: rs.tables.reduce((n, t) => n + t.chains.reduce((k, ch) => k + ch.rules.length, 0), 0),
      })),
      good: model.host.rulesets
        .filter((rs) => rs.file === 'good.nft')
        .flatMap((rs) => rs.tables.flatMap((t) => t.chains.map((ch) => ({ name: ch.name, policy: ch.policy, verdicts: ch.rules.map((r) => r.verdict.kind) })))),
    };
  } catch (e) {
    out = { threw: String((e && e.stack) || e) };
  }
  const used = process.cpuUsage(cpu);
  write(JSON.stringify({ name: c.name, ms: performance.now() - start, cpuMs: (used.user + used.system) / 1000, ...out }) + '\\n');
}
`;

interface Result {
  name: string;
  ms: number;
  cpuMs: number;
  threw?: string;
  parseErrors: { file: string; line: number; message: string }[];
  notices: { level: string; file?: string; message: string; internal?: true }[];
  rulesets: { file: string; rules: number }[];
  /** The chains of the good file's ruleset. */
  good: { name: string; policy?: string; verdicts: string[] }[];
}

const kindOf = (file: string): string => (file.endsWith('.sh') ? 'shell' : 'nft');
let base = '';
const results = new Map<string, Result>();
let childReport = '';

beforeAll(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'nsl-nft-hostile-'));
  const specs = cases.map((c, n) => {
    const root = path.join(base, String(n));
    const all = { ...c.files, ...c.disk, 'good.nft': GOOD };
    for (const [rel, text] of Object.entries(all)) {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      fs.writeFileSync(path.join(root, rel), text);
    }
    const files = Object.keys({ ...c.files, 'good.nft': GOOD }).map((rel) => ({ path: rel, abs: path.join(root, rel), kind: kindOf(rel) }));
    return { name: c.name, root, files };
  });
  const spec = path.join(base, 'cases.json');
  fs.writeFileSync(spec, JSON.stringify(specs));
  const child = spawnSync(
    process.execPath,
    [`--max-old-space-size=${HEAP_MB}`, '--import', 'tsx', '--input-type=module', '--eval', RUNNER, spec],
    { cwd: ROOT, encoding: 'utf8', timeout: CHILD_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 },
  );
  for (const line of child.stdout.split('\n').filter(Boolean)) {
    const r = JSON.parse(line) as Result;
    results.set(r.name, r);
  }
  const how =
    child.signal === 'SIGKILL'
      ? `did not finish within ${CHILD_TIMEOUT_MS} ms`
      : child.signal
        ? `died of ${child.signal} (out of memory?)`
        : `exited with status ${child.status}`;
  childReport = `the child process ${how}: ${child.stderr.slice(-2000)}`;
}, CHILD_TIMEOUT_MS + 30_000);

afterAll(() => {
  if (base) fs.rmSync(base, { recursive: true, force: true });
});

describe('hostile nftables input fails only its own file', () => {
  for (const c of cases) {
    it(c.name, () => {
      const r = results.get(c.name);
      // Not there: the child hung, ran out of memory or crashed on this case (or before it).
      expect(r, childReport).toBeDefined();
      if (!r) return;
      expect(r.threw).toBeUndefined();
      expect(r.cpuMs, `${Math.round(r.ms)} ms of wall time`).toBeLessThan(TIME_BOUND_MS);
      expect(r.notices.filter((n) => n.internal || n.level === 'error')).toEqual([]);
      // Messages quote the input, but never all of a huge token.
      expect(r.parseErrors.filter((p) => p.message.length > 400)).toEqual([]);

      expect(r.good).toEqual([{ name: 'input', policy: 'drop', verdicts: ['accept'] }]);

      for (const e of c.errors ?? []) {
        expect(
          r.parseErrors.filter((p) => p.file === e.file).map((p) => ({ line: p.line, message: p.message })),
          e.file,
        ).toContainEqual({ line: e.line, message: expect.stringMatching(e.message) });
        if (e.file in c.files && e.file.endsWith('.nft')) expect(r.rulesets.map((rs) => rs.file)).not.toContain(e.file);
      }
      for (const [file, rules] of Object.entries(c.accepted ?? {})) {
        expect(r.parseErrors.filter((p) => p.file === file)).toEqual([]);
        expect(r.rulesets.find((rs) => rs.file === file)?.rules, file).toBe(rules);
      }
      for (const file of c.either ?? []) {
        const loaded = r.rulesets.some((rs) => rs.file === file);
        const failed = r.parseErrors.some((p) => p.file === file);
        expect(loaded !== failed, `${file} loads or gets a parse error`).toBe(true);
      }
      const expected = new Set([...(c.errors ?? []).map((e) => e.file), ...(c.either ?? [])]);
      expect(r.parseErrors.filter((p) => !expected.has(p.file))).toEqual([]);
    });
  }
});
