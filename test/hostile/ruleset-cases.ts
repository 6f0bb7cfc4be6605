import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './support.js';

/**
 * The harness of the hostile ruleset tests (nft and iptables): every case is written beside
 * a good file, all cases are loaded in one child process with a heap cap and a kill timeout
 * (a regression that loops or recurses without end fails instead of hanging the run), and
 * each case must finish within TIME_BOUND_MS of CPU time, fail only its own file, and leave
 * the good file's ruleset intact.
 */

/** CPU time per case (user and system), which other jobs on the machine do not inflate as they do wall time. */
const TIME_BOUND_MS = 20_000;
/** The hang guard, in wall time: generous, for a loaded machine. */
const CHILD_TIMEOUT_MS = 300_000;
const HEAP_MB = 1536;

export interface RulesetCase {
  name: string;
  /** Repository-relative path → text (`.sh` files are scripts, the others the format under test). */
  files: Record<string, string>;
  /** Further files on disk only (found by include globs). */
  disk?: Record<string, string>;
  /** Parse errors the input must give. */
  errors?: { file: string; line: number; message: RegExp }[];
  /** Files that must load (the real tool accepts them), with their rule count. */
  accepted?: Record<string, number>;
  /** Files that may load or fail, but only as a parse error. */
  either?: string[];
}

export interface RulesetFormat {
  /** What the describe block says. */
  title: string;
  /** The discovered kind of a non-script file (`nft`, `iptables-save`). */
  kind: string;
  /** The good file beside every case: its name and text. */
  good: { file: string; text: string };
  /** The chains the good file must keep, as the child reports them. */
  goodChains: (chains: Result['good']) => void;
}

/** Runs in the child: load each case with the good file and print one JSON line per case. */
const runner = (goodFile: string): string => `
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
        .filter((rs) => rs.file === ${JSON.stringify(goodFile)})
        .flatMap((rs) => rs.tables.flatMap((t) => t.chains.map((ch) => ({ name: ch.name, policy: ch.policy, verdicts: ch.rules.map((r) => r.verdict.kind) })))),
    };
  } catch (e) {
    out = { threw: String((e && e.stack) || e) };
  }
  const used = process.cpuUsage(cpu);
  write(JSON.stringify({ name: c.name, ms: performance.now() - start, cpuMs: (used.user + used.system) / 1000, ...out }) + '\\n');
}
`;

export interface Result {
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

/** Register the hooks and tests that run `cases` of one format. */
export function testRulesetCases(format: RulesetFormat, cases: RulesetCase[]): void {
  const kindOf = (file: string): string => (file.endsWith('.sh') ? 'shell' : format.kind);
  let base = '';
  const results = new Map<string, Result>();
  let childReport = '';

  beforeAll(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), `nsl-${format.kind}-hostile-`));
    const specs = cases.map((c, n) => {
      const root = path.join(base, String(n));
      const all = { ...c.files, ...c.disk, [format.good.file]: format.good.text };
      for (const [rel, text] of Object.entries(all)) {
        fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
        fs.writeFileSync(path.join(root, rel), text);
      }
      const files = [...Object.keys(c.files), format.good.file].map((rel) => ({ path: rel, abs: path.join(root, rel), kind: kindOf(rel) }));
      return { name: c.name, root, files };
    });
    const spec = path.join(base, 'cases.json');
    fs.writeFileSync(spec, JSON.stringify(specs));
    const child = spawnSync(
      process.execPath,
      [`--max-old-space-size=${HEAP_MB}`, '--import', 'tsx', '--input-type=module', '--eval', runner(format.good.file), spec],
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

  describe(format.title, () => {
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

        format.goodChains(r.good);

        for (const e of c.errors ?? []) {
          expect(
            r.parseErrors.filter((p) => p.file === e.file).map((p) => ({ line: p.line, message: p.message })),
            e.file,
          ).toContainEqual({ line: e.line, message: expect.stringMatching(e.message) });
          if (e.file in c.files && kindOf(e.file) !== 'shell') expect(r.rulesets.map((rs) => rs.file)).not.toContain(e.file);
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
}
