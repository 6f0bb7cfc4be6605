import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Hostile iptables input (iptables-save files and scripts) beside a good file: loading must
 * not hang, exhaust memory or throw, the hostile file gets a `parse-error` at the offending
 * line (or loads, when iptables-restore accepts it), and the good file keeps its ruleset.
 * Inputs are made here, at test time. All cases run in one child process with a heap cap and
 * a kill timeout, so that a regression that loops without end fails the test instead of
 * hanging the test run; each case must also finish within TIME_BOUND_MS of CPU time.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
/** CPU time per case (user and system), which other jobs on the machine do not inflate as they do wall time. */
const TIME_BOUND_MS = 20_000;
/** The hang guard, in wall time: generous, for a loaded machine. */
const CHILD_TIMEOUT_MS = 300_000;
const HEAP_MB = 1536;

const GOOD = '*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n';

/** An iptables-save file of the filter table; `body` starts at line 3. */
const save = (body: string, chains = ''): string => `*filter\n:INPUT DROP [0:0]\n${chains}${body}\nCOMMIT\n`;
const lines = (n: number, line: (i: number) => string): string => Array.from({ length: n }, (_, i) => line(i)).join('\n');
const port = (i: number): number => 1 + (i % 65000);
/** `-A INPUT`, 61 comments, `count` times `-v`, `-j ACCEPT`: 248 + count arguments. */
const manyArgs = (count: number): string => `-A INPUT ${'-m comment --comment x '.repeat(61)}${'-v '.repeat(count)}-j ACCEPT`;

interface Case {
  name: string;
  /** Repository-relative path → text (`.v4` files are iptables-save, `.sh` scripts). */
  files: Record<string, string>;
  /** Parse errors the input must give. */
  errors?: { file: string; line: number; message: RegExp }[];
  /** Files that must load (iptables-restore accepts them), with their rule count. */
  accepted?: Record<string, number>;
  /** Files that may load or fail, but only as a parse error. */
  either?: string[];
}

const cases: Case[] = [
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
        .filter((rs) => rs.file === 'good.v4')
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

const kindOf = (file: string): string => (file.endsWith('.sh') ? 'shell' : 'iptables-save');
let base = '';
const results = new Map<string, Result>();
let childReport = '';

beforeAll(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'nsl-iptables-hostile-'));
  const specs = cases.map((c, n) => {
    const root = path.join(base, String(n));
    const all = { ...c.files, 'good.v4': GOOD };
    for (const [rel, text] of Object.entries(all)) {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      fs.writeFileSync(path.join(root, rel), text);
    }
    const files = Object.keys(all).map((rel) => ({ path: rel, abs: path.join(root, rel), kind: kindOf(rel) }));
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

describe('hostile iptables input fails only its own file', () => {
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

      expect(r.good.find((ch) => ch.name === 'INPUT')).toEqual({ name: 'INPUT', policy: 'drop', verdicts: ['accept'] });

      for (const e of c.errors ?? []) {
        expect(
          r.parseErrors.filter((p) => p.file === e.file).map((p) => ({ line: p.line, message: p.message })),
          e.file,
        ).toContainEqual({ line: e.line, message: expect.stringMatching(e.message) });
        if (e.file.endsWith('.v4')) expect(r.rulesets.map((rs) => rs.file)).not.toContain(e.file);
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
