import type { SpanLocation } from '../core/location.js';
import type { Family } from '../core/ip.js';
import { LineIndex } from './conf-text.js';
import { IptError, asIptError, parseIptables, type Arg } from './iptables.js';
import type { IptablesState } from './iptables-ruleset.js';

/**
 * iptables-restore's limits for a rule line (xshared.c, `add_argv` / `add_param_to_argv`): 255
 * argv slots, of which the program name, `-t` and the table take three and one ends the list;
 * 1,024 bytes per argument with its terminator. It refuses longer lines ("Parser cannot
 * handle more arguments", "Parameter too long!").
 */
export const RESTORE_MAX_ARGS = 251;
export const RESTORE_MAX_ARG_LENGTH = 1023;

const SPACES = /\s*/y;
const PLAIN = /[^\s"']+/y;

/**
 * Split one line of iptables-restore input into arguments (double and single quotes group).
 * With `maxArgs`, stops with an IptError at the first argument past it.
 */
export function splitRestoreLine(line: string, lineStart: number, index: LineIndex, maxArgs = Infinity): Arg[] {
  const out: Arg[] = [];
  let i = 0;
  for (;;) {
    SPACES.lastIndex = i;
    SPACES.exec(line);
    i = SPACES.lastIndex;
    if (i >= line.length) break;
    const start = i;
    let text = '';
    for (;;) {
      PLAIN.lastIndex = i;
      const m = PLAIN.exec(line);
      if (m) {
        text += m[0];
        i = PLAIN.lastIndex;
      }
      const c = line[i];
      if (c !== '"' && c !== "'") break;
      const end = line.indexOf(c, i + 1);
      if (end < 0) throw new IptError('unterminated quote', index.at(lineStart + i));
      text += line.slice(i + 1, end).replace(/\\(["\\])/g, '$1');
      i = end + 1;
    }
    if (out.length >= maxArgs)
      throw new IptError(
        `more than ${RESTORE_MAX_ARGS} arguments in one rule (iptables-restore cannot handle more)`,
        index.at(lineStart + start),
      );
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
  let where: SpanLocation | undefined;
  try {
    readLines(index, state, family, (at) => (where = at));
  } catch (e) {
    // Anything but an IptError (a RangeError, a bug) still fails these rules only, at the line being read.
    throw asIptError(e, where ?? index.at(0));
  }
}

function readLines(index: LineIndex, state: IptablesState, family: Family, reading: (at: SpanLocation) => void): void {
  const text = index.text;
  // iptables-restore reads the first line as is: a byte order mark makes it fail ("line 1 failed").
  if (text.startsWith('\ufeff'))
    throw new IptError('byte order mark at the start of the file (iptables-restore rejects it)', index.at(0, 1));
  let table: string | undefined;
  let tableAt: SpanLocation | undefined;
  let offset = 0;
  const lines = text.split('\n');
  for (const raw of lines) {
    const lineStart = offset;
    offset += raw.length + 1;
    // iptables-restore reads C strings: a NUL ends the line.
    const nul = raw.indexOf('\0');
    const line = (nul < 0 ? raw : raw.slice(0, nul)).replace(/\r$/, '');
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const lead = line.length - line.trimStart().length;
    const at = index.at(lineStart + lead, lineStart + line.length);
    reading(at);
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
      if (!m) throw new IptError(`bad chain declaration "${trimmed.slice(0, 40)}"`, at);
      state.declare(table, m[1] as string, m[2] as string, at);
      continue;
    }
    // One more than the limit: a leading `[packets:bytes]` is not an argument.
    let args = splitRestoreLine(line, lineStart, index, RESTORE_MAX_ARGS + 1);
    if (/^\[\d+:\d+\]$/.test(args[0]?.text ?? '')) args = args.slice(1);
    const extra = args[RESTORE_MAX_ARGS];
    if (extra) throw new IptError(`more than ${RESTORE_MAX_ARGS} arguments in one rule (iptables-restore cannot handle more)`, extra.at);
    const long = args.find((a) => a.text.length > RESTORE_MAX_ARG_LENGTH);
    if (long)
      throw new IptError(`argument longer than ${RESTORE_MAX_ARG_LENGTH} characters (iptables-restore: "Parameter too long!")`, long.at);
    // Any command line iptables accepts, in any order and abbreviated (`--app INPUT …`), except `-t`.
    const cmd = parseIptables(args, family, at, table);
    if (cmd) state.apply(cmd, at, trimmed);
  }
  if (table) throw new IptError(`COMMIT expected for table "${table}"`, tableAt ?? index.at(text.length));
}
