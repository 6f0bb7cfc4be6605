import type { SpanLocation } from '../core/location.js';
import { LineIndex, lines } from './conf-text.js';

/** A `Key = value` (WireGuard) or `Keyword value` (sshd) line. */
export interface ConfEntry {
  section: string;
  key: string;
  value: string;
  at: SpanLocation;
  /** Where the value starts. */
  valueAt: SpanLocation;
  /** Which section header (counted from 1; 0 before any) the entry follows: repeated `[Peer]` sections differ. */
  sectionNo?: number;
}

/**
 * The text of `line` from `from` without trailing white space, or undefined when a line
 * terminator other than a trailing one is left in it (what `(.*?)\s*$` matched, without its
 * quadratic backtracking on long runs of spaces).
 */
function restOfLine(line: string, from: number): string | undefined {
  const rest = line.slice(from).trimEnd();
  return /[\n\r\u2028\u2029]/.test(rest) ? undefined : rest;
}

/** WireGuard / wg-quick configuration: INI sections with `Key = value` lines. */
export function parseWireGuard(file: string, text: string): ConfEntry[] {
  const index = new LineIndex(file, text);
  const out: ConfEntry[] = [];
  let section = '';
  let sectionNo = 0;
  for (const { start, line } of lines(text)) {
    const hash = line.indexOf('#');
    const body = hash < 0 ? line : line.slice(0, hash).trimEnd();
    const sec = /^\s*\[([^\]]+)\]\s*$/.exec(body);
    if (sec) {
      section = (sec[1] as string).trim();
      sectionNo++;
      continue;
    }
    const m = /^(\s*)([A-Za-z][A-Za-z0-9]*)\s*=\s*/.exec(body);
    const value = m ? restOfLine(body, m[0].length) : undefined;
    if (!m || value === undefined) continue;
    const keyStart = start + (m[1] as string).length;
    const valueStart = start + body.indexOf(value, (m[1] as string).length + (m[2] as string).length);
    out.push({
      section,
      sectionNo,
      key: m[2] as string,
      value,
      at: index.at(keyStart, start + line.length),
      valueAt: index.at(valueStart, start + line.length),
    });
  }
  return out;
}

/**
 * sshd_config: `Keyword value` or `Keyword=value`; keywords are case-insensitive. Lines after
 * `Match` belong to that block (section is the Match line) until the next `Match`.
 */
export function parseSshd(file: string, text: string): ConfEntry[] {
  const index = new LineIndex(file, text);
  const out: ConfEntry[] = [];
  let section = '';
  for (const { start, line } of lines(text)) {
    if (/^\s*(#|$)/.test(line)) continue;
    const m = /^(\s*)([A-Za-z][A-Za-z0-9]*)(\s*=\s*|\s+)/.exec(line);
    const rest = m ? restOfLine(line, m[0].length) : undefined;
    if (!m || rest === undefined) continue;
    const key = (m[2] as string).toLowerCase();
    const value = rest.replace(/^"(.*)"$/, '$1');
    const keyStart = start + (m[1] as string).length;
    if (key === 'match') {
      section = value;
      continue;
    }
    const valueStart = keyStart + (m[2] as string).length + (m[3] as string).length;
    out.push({ section, key, value, at: index.at(keyStart, start + line.length), valueAt: index.at(valueStart, start + line.length) });
  }
  return out;
}
