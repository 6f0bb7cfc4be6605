import fs from 'node:fs';
import { UsageError } from '../core/errors.js';
import { isActive, type Finding } from '../core/finding.js';

/**
 * A baseline: the fingerprints of the findings a repository already had, so that a later
 * run is judged on what it adds. The file is JSON meant to be committed and reviewed:
 *
 *   { "version": 1, "tool": "nsl-lint", "findings": [ { "fingerprint", "ruleId", "file", "message" }, … ] }
 *
 * sorted by file, rule and fingerprint (no line numbers, so unrelated edits leave it as it is).
 * Only `fingerprint` is matched; the other fields are for the reader.
 */
export interface Baseline {
  fingerprints: ReadonlySet<string>;
}

export const BASELINE_VERSION = 1;

/** The baseline text for the findings that are reported now (suppressed ones are not). */
export function baselineText(findings: readonly Finding[]): string {
  const entries = findings
    .filter((f) => f.suppressed === undefined)
    .map((f) => ({ fingerprint: f.fingerprint, ruleId: f.ruleId, file: f.file, message: f.message }))
    .sort((a, b) => compare(a.file, b.file) || compare(a.ruleId, b.ruleId) || compare(a.fingerprint, b.fingerprint));
  return `${JSON.stringify({ version: BASELINE_VERSION, tool: 'nsl-lint', findings: entries }, null, 2)}\n`;
}

/** Reads a baseline file; a missing or malformed file is a usage error with a one-line message. */
export function readBaseline(file: string, shownAs = file): Baseline {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' ? 'permission denied' : code;
    throw new UsageError(`cannot read the baseline ${shownAs}: ${why ?? 'unreadable'} (create it with --write-baseline)`);
  }
  return parseBaseline(text, shownAs);
}

export function parseBaseline(text: string, shownAs: string): Baseline {
  const bad = (why: string): UsageError =>
    new UsageError(`${shownAs} is not an nsl-lint baseline: ${why} (write a new one with --write-baseline)`);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw bad('not valid JSON');
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw bad('expected a JSON object');
  const { version, findings } = data as Record<string, unknown>;
  if (version !== BASELINE_VERSION) throw bad(`version ${JSON.stringify(version) ?? 'missing'}, expected ${BASELINE_VERSION}`);
  if (!Array.isArray(findings)) throw bad('"findings" is not a list');
  const fingerprints = new Set<string>();
  findings.forEach((entry: unknown, i) => {
    const fp = typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>)['fingerprint'] : undefined;
    if (typeof fp !== 'string' || fp === '') throw bad(`findings[${i}] has no "fingerprint" string`);
    fingerprints.add(fp);
  });
  return { fingerprints };
}

/**
 * Marks each finding `unchanged` (its fingerprint is in the baseline: hidden, not counted)
 * or `new`. Returns the same findings, for chaining.
 */
export function applyBaseline(findings: Finding[], baseline: Baseline): Finding[] {
  for (const f of findings) f.baselineState = baseline.fingerprints.has(f.fingerprint) ? 'unchanged' : 'new';
  return findings;
}

/** The findings a run reports and counts: not suppressed, not in the baseline. */
export function activeFindings(findings: readonly Finding[]): Finding[] {
  return findings.filter(isActive);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
