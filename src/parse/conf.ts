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
}

/** WireGuard / wg-quick configuration: INI sections with `Key = value` lines. */
export function parseWireGuard(file: string, text: string): ConfEntry[] {
  const index = new LineIndex(file, text);
  const out: ConfEntry[] = [];
  let section = '';
  for (const { start, line } of lines(text)) {
    const body = line.replace(/\s*#.*$/, '');
    const sec = /^\s*\[([^\]]+)\]\s*$/.exec(body);
    if (sec) {
      section = (sec[1] as string).trim();
      continue;
    }
    const m = /^(\s*)([A-Za-z][A-Za-z0-9]*)\s*=\s*(.*?)\s*$/.exec(body);
    if (!m) continue;
    const keyStart = start + (m[1] as string).length;
    const valueStart = start + body.indexOf(m[3] as string, (m[1] as string).length + (m[2] as string).length);
    out.push({
      section,
      key: m[2] as string,
      value: m[3] as string,
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
    const m = /^(\s*)([A-Za-z][A-Za-z0-9]*)(\s*=\s*|\s+)(.*?)\s*$/.exec(line);
    if (!m) continue;
    const key = (m[2] as string).toLowerCase();
    const value = (m[4] as string).replace(/^"(.*)"$/, '$1');
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
