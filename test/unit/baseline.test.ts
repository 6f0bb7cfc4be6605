import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/core/config.js';
import { UsageError } from '../../src/core/errors.js';
import { applyBaseline, baselineText, parseBaseline, readBaseline } from '../../src/engine/baseline.js';
import { lint } from '../../src/engine/lint.js';
import { RULES } from '../../rules/index.js';

const FIXTURE = path.resolve(import.meta.dirname, '../../fixtures/netpol-allow-all/policies.yaml');
const ALLOW_ALL = RULES.filter((r) => r.id === 'netpol-allow-all');

/** A copy of the netpol-allow-all fixture with a second policy whose anchored line is the same text as the first's. */
function fixtureDocs(): string[] {
  const docs = fs.readFileSync(FIXTURE, 'utf8').split(/^---\n/m);
  const twin = (docs[0] as string).replace('name: fires-empty-rule', 'name: fires-empty-rule-twin');
  return [...docs, twin];
}

/** Fingerprints of a repository holding `text`, keyed by rule and message (each message names its object). */
function fingerprints(text: string, file = 'policies.yaml'): Map<string, string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsl-fp-'));
  fs.writeFileSync(path.join(dir, file), text);
  const { findings } = lint({ paths: ['.'], cwd: dir, root: dir, config: defaultConfig(), rules: ALLOW_ALL });
  const out = new Map<string, string>();
  for (const f of findings) {
    const key = `${f.ruleId} ${f.message}`;
    expect(out.has(key), `two findings with one message: ${key}`).toBe(false);
    out.set(key, f.fingerprint);
  }
  return out;
}

describe('fingerprints', () => {
  const docs = fixtureDocs();
  const before = fingerprints(docs.join('---\n'));

  it('the copy has findings, two of them on lines with the same text', () => {
    expect(before.size).toBeGreaterThanOrEqual(8);
    const twins = [...before.keys()].filter((k) => k.includes('"fires-empty-rule'));
    expect(twins).toHaveLength(2);
    expect(new Set(twins.map((k) => before.get(k))).size).toBe(2);
  });

  it('survive lines added above', () => {
    const extra =
      '# Policies of the shop namespace.\n# Reviewed every quarter.\n\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\ndata:\n  mode: strict\n---\n';
    expect(fingerprints(extra + docs.join('---\n'))).toEqual(before);
  });

  it('survive reordering the documents of the file', () => {
    expect(fingerprints([...docs].reverse().join('---\n'))).toEqual(before);
    // Only the twins swapped: the one with identical text is still told apart by its object.
    const swapped = [docs[docs.length - 1] as string, ...docs.slice(1, -1), docs[0] as string];
    expect(fingerprints(swapped.join('---\n'))).toEqual(before);
  });

  it('survive renaming another object', () => {
    const renamed = docs
      .join('---\n')
      .replace('name: quiet-ports-only', 'name: quiet-ports-only-v2')
      .replace('name: fires-world-egress', 'name: fires-world-egress-v2');
    const after = fingerprints(renamed);
    for (const [key, fp] of before) {
      if (key.includes('fires-world-egress')) continue;
      expect(after.get(key), key).toBe(fp);
    }
  });

  it('change when the anchored line itself changes, and only for that finding', () => {
    const edited = docs.join('---\n').replace('cidr: 0.0.0.0/0  # expect: netpol-allow-all', 'cidr: "0.0.0.0/0"');
    const after = fingerprints(edited);
    expect(after.size).toBe(before.size);
    const changed = [...before].filter(([key, fp]) => after.get(key) !== fp).map(([key]) => key);
    expect(changed).toHaveLength(1);
    expect(changed[0]).toMatch(/fires-world-egress.*0\.0\.0\.0\/0/);
  });

  it('change with the file a finding is in', () => {
    const moved = fingerprints(docs.join('---\n'), 'other.yaml');
    for (const [key, fp] of before) expect(moved.get(key)).not.toBe(fp);
  });

  it('of line-oriented inputs survive lines added above and change with the line', () => {
    const script = '#!/bin/sh\niptables -A INPUT -p tcp --dport 22 -j ACCEPT\n';
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsl-fp-'));
    const run = (text: string): string[] => {
      fs.writeFileSync(path.join(dir, 'fw.sh'), text);
      return lint({ paths: ['.'], cwd: dir, root: dir, config: defaultConfig(), rules: RULES }).findings.map(
        (f) => `${f.ruleId} ${f.fingerprint}`,
      );
    };
    const first = run(script);
    expect(first.length).toBeGreaterThan(0);
    expect(run(script.replace('#!/bin/sh\n', '#!/bin/sh\n# SSH for the bastion\nset -e\n'))).toEqual(first);
    expect(run(script.replace('--dport 22', '--dport 2222 -m comment --comment x'))).not.toEqual(first);
  });
});

describe('baseline file', () => {
  const { findings } = lint({
    paths: ['.'],
    cwd: path.dirname(FIXTURE),
    root: path.dirname(FIXTURE),
    config: defaultConfig(),
    rules: ALLOW_ALL,
  });

  it('is versioned JSON, sorted, with rule, file and message beside each fingerprint', () => {
    const data = JSON.parse(baselineText([...findings].reverse())) as {
      version: number;
      findings: { fingerprint: string; ruleId: string; file: string; message: string }[];
    };
    expect(data.version).toBe(1);
    expect(data.findings).toHaveLength(findings.length);
    for (const entry of data.findings) {
      expect(Object.keys(entry).sort()).toEqual(['file', 'fingerprint', 'message', 'ruleId']);
      expect(entry.file).toBe('policies.yaml');
      expect(entry.fingerprint).toMatch(/^[0-9a-f]{32}$/);
    }
    const order = data.findings.map((e) => `${e.file}\0${e.ruleId}\0${e.fingerprint}`);
    expect(order).toEqual([...order].sort());
    // Same findings, any order: same text (a committed baseline does not churn).
    expect(baselineText(findings)).toBe(baselineText([...findings].reverse()));
  });

  it('leaves suppressed findings out', () => {
    const one = { ...(findings[0] as (typeof findings)[number]) };
    one.suppressed = { justification: 'test', at: { file: one.file, span: one.span } };
    expect(JSON.parse(baselineText([one])).findings).toEqual([]);
  });

  it('marks findings unchanged or new', () => {
    const copies = findings.map((f) => ({ ...f }));
    const baseline = parseBaseline(baselineText(copies.slice(1)), 'b.json');
    applyBaseline(copies, baseline);
    expect(copies.map((f) => f.baselineState)).toEqual(['new', ...copies.slice(1).map(() => 'unchanged')]);
  });

  it('a missing or malformed file is a one-line usage error', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsl-bl-'));
    const cases: [string, string | undefined, RegExp][] = [
      ['missing.json', undefined, /^cannot read the baseline missing\.json: no such file/],
      ['folder', 'DIR', /^cannot read the baseline folder: it is a folder/],
      ['bad.json', '{ not json', /^bad\.json is not an nsl-lint baseline: not valid JSON/],
      ['list.json', '[]', /expected a JSON object/],
      ['old.json', '{"version": 0, "findings": []}', /version 0, expected 1/],
      ['nolist.json', '{"version": 1}', /"findings" is not a list/],
      ['entry.json', '{"version": 1, "findings": [{"ruleId": "x"}]}', /findings\[0\] has no "fingerprint" string/],
    ];
    for (const [name, content, message] of cases) {
      const file = path.join(dir, name);
      if (content === 'DIR') fs.mkdirSync(file);
      else if (content !== undefined) fs.writeFileSync(file, content);
      let error: unknown;
      try {
        readBaseline(file, name);
      } catch (err) {
        error = err;
      }
      expect(error, name).toBeInstanceOf(UsageError);
      expect((error as Error).message, name).toMatch(message);
      expect((error as Error).message, name).not.toContain('\n');
    }
  });
});
