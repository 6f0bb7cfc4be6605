import type { SpanLocation } from '../core/location.js';
import type { Family } from '../core/ip.js';
import { LineIndex } from './conf-text.js';
import { IptError, parseIptables, type Arg } from './iptables.js';
import type { IptablesState } from './iptables-ruleset.js';

/** Split one line of iptables-restore input into arguments (double and single quotes group). */
export function splitRestoreLine(line: string, lineStart: number, index: LineIndex): Arg[] {
  const out: Arg[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i] as string)) i++;
    if (i >= line.length) break;
    const start = i;
    let text = '';
    while (i < line.length && !/\s/.test(line[i] as string)) {
      const c = line[i] as string;
      if (c === '"' || c === "'") {
        const end = line.indexOf(c, i + 1);
        if (end < 0) throw new IptError('unterminated quote', index.at(lineStart + i));
        text += line.slice(i + 1, end).replace(/\\(["\\])/g, '$1');
        i = end + 1;
      } else {
        text += c;
        i++;
      }
    }
    out.push({ text, at: index.at(lineStart + start, lineStart + i) });
  }
  return out;
}

/**
 * Read iptables-save / iptables-restore input into `state`: `*table`, `:CHAIN POLICY [n:n]`,
 * `-A CHAIN …` (optionally prefixed by `[packets:bytes]`), `COMMIT`. Structure errors are
 * thrown as IptError (iptables-restore rejects the whole input then).
 */
export function readIptablesSave(index: LineIndex, state: IptablesState, family: Family): void {
  const text = index.text;
  let table: string | undefined;
  let tableAt: SpanLocation | undefined;
  let offset = 0;
  const lines = text.split('\n');
  for (const raw of lines) {
    const lineStart = offset;
    offset += raw.length + 1;
    const line = raw.replace(/\r$/, '');
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const lead = line.length - line.trimStart().length;
    const at = index.at(lineStart + lead, lineStart + line.length);
    if (trimmed.startsWith('*')) {
      if (table) throw new IptError(`table "${trimmed.slice(1)}" starts before COMMIT of table "${table}"`, at);
      table = trimmed.slice(1).trim();
      tableAt = at;
      state.table(table, at);
      continue;
    }
    if (trimmed === 'COMMIT') {
      if (!table) throw new IptError('COMMIT outside a table', at);
      table = undefined;
      continue;
    }
    if (!table) throw new IptError('rule or chain outside a table (missing "*filter")', at);
    if (trimmed.startsWith(':')) {
      const m = /^:(\S+)\s+(\S+)(\s+\[\d+:\d+\])?\s*$/.exec(trimmed);
      if (!m) throw new IptError(`bad chain declaration "${trimmed}"`, at);
      state.declare(table, m[1] as string, m[2] as string, at);
      continue;
    }
    let args = splitRestoreLine(line, lineStart, index);
    if (/^\[\d+:\d+\]$/.test(args[0]?.text ?? '')) args = args.slice(1);
    const first = args[0]?.text ?? '';
    if (
      !/^(-A|--append|-I|--insert|-D|--delete|-R|--replace|-N|--new-chain|-F|--flush|-X|--delete-chain|-Z|--zero|-P|--policy)$/.test(first)
    )
      throw new IptError(`unexpected line "${trimmed.slice(0, 40)}"`, at);
    if (args.some((a) => a.text === '-t' || a.text === '--table'))
      throw new IptError('the table cannot be changed inside a table block (-t)', at);
    const cmd = parseIptables([{ text: '-t', at }, { text: table, at }, ...args], family, at);
    if (cmd) state.apply(cmd, at, trimmed);
  }
  if (table) throw new IptError(`COMMIT expected for table "${table}"`, tableAt ?? index.at(text.length));
}
