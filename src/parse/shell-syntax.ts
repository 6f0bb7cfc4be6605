import fs from 'node:fs';
import { createRequire } from 'node:module';
import { LineIndex } from './conf-text.js';
import { shellComments, type StatementBreak } from './shell.js';

/**
 * Syntax check of shell scripts with mvdan/sh (the `sh-syntax` WebAssembly build), run
 * synchronously: the module is compiled once and instantiated per check, so loading the
 * model stays synchronous.
 *
 * The TinyGo build is fragile in ways a hostile (or just large) script reaches:
 * - its garbage collector corrupts memory or traps ("memory access out of bounds") when it
 *   runs during a parse, which happens as soon as the parse outgrows the initial heap;
 * - its parser recurses once per nesting level and once per consecutive comment, and the
 *   1 MiB stack overflows near 1,000 nested `{` or 4,000 comment lines;
 * - it serialises the whole syntax tree to JSON, about 25 µs per statement.
 * So the module is instantiated with a larger initial memory (the heap never needs a
 * collection for the pieces it is given), a script is checked in pieces cut between
 * top-level statements (see StatementBreak), a piece whose check traps, grows the memory or
 * returns nonsense gets no verdict (it is cut smaller, or its comments blanked, and tried
 * again), and the work per script is bounded. What gets no verdict is reported as
 * `unchecked`, never as valid.
 */
export interface ShellSyntaxError {
  message: string;
  line: number;
  column: number;
}

export interface ShellSyntaxReport {
  /** The first syntax error sh-syntax found, in file order. */
  error?: ShellSyntaxError;
  /** Lines sh-syntax gave no verdict on, and why. */
  unchecked: { line: number; endLine: number; reason: string }[];
}

/** Initial memory of each instance, in 64 KiB pages (the build asks for 160, 10 MiB). */
const INITIAL_PAGES = 1024;
/** A piece sent to sh-syntax holds at most this much text... */
export const PIECE_BYTES = 256 * 1024;
/** ...and this many tokens (its tree and JSON grow with them): 4 to 8 times below where the 64 MiB heap fills. */
export const PIECE_TOKENS = 32_000;
/**
 * Work sh-syntax may do per script, in commands (plus a tenth per token, plus RUN_COST per
 * instance): 7 to 17 µs each, so 3 to 8 s of CPU. A 10 MB script of iptables lines fits
 * (about 420,000); past the budget the rest is read by nsl-lint's own parser only.
 */
export const SYNTAX_WORK_BUDGET = 450_000;
/** An instance costs about 10 ms to create. */
const RUN_COST = 600;
/** Without statement breaks (the own parser could not read the script), only this much text is checked, whole. */
export const WHOLE_BYTES = 256 * 1024;

interface GoRuntime {
  importObject: WebAssembly.Imports;
  run(instance: WebAssembly.Instance): Promise<void>;
}

interface Exports {
  memory: WebAssembly.Memory;
  wasmAlloc(size: number): number;
  wasmFree(pointer: number): void;
  process(...args: (number | boolean)[]): number;
}

type Loaded = { module: WebAssembly.Module; Go: new () => GoRuntime } | { failure: string };
let compiled: Loaded | undefined;

function load(): Loaded {
  if (compiled) return compiled;
  try {
    const require = createRequire(import.meta.url);
    const pkg = require.resolve('sh-syntax/package.json');
    require('sh-syntax/vendors/wasm_exec');
    const Go = (globalThis as unknown as { Go?: new () => GoRuntime }).Go;
    if (!Go) throw new Error('the Go runtime of sh-syntax did not load');
    const bytes = fs.readFileSync(pkg.replace(/package\.json$/, 'main.wasm'));
    let module: WebAssembly.Module;
    try {
      module = new WebAssembly.Module(withInitialMemory(bytes, INITIAL_PAGES));
    } catch {
      module = new WebAssembly.Module(bytes);
    }
    compiled = { module, Go };
  } catch (e) {
    compiled = { failure: `sh-syntax is unavailable: ${(e as Error)?.message ?? String(e)}` };
  }
  return compiled;
}

function readLeb(bytes: Uint8Array, at: number): { value: number; next: number } {
  let value = 0;
  let shift = 0;
  let i = at;
  for (;;) {
    const b = bytes[i++];
    if (b === undefined || shift > 28) throw new Error('bad LEB128');
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (!(b & 0x80)) return { value, next: i };
  }
}

/**
 * A copy of a WebAssembly binary whose (single, defined) memory starts with `pages` pages.
 * The new minimum is written in the bytes the old one took, so no section size changes;
 * throws when the binary does not have that shape.
 */
export function withInitialMemory(bytes: Uint8Array<ArrayBuffer>, pages: number): Uint8Array<ArrayBuffer> {
  let i = 8;
  while (i < bytes.length) {
    const id = bytes[i] as number;
    const size = readLeb(bytes, i + 1);
    if (id === 5) {
      const count = readLeb(bytes, size.next);
      if (count.value !== 1) throw new Error('not one memory');
      const flags = bytes[count.next] as number;
      const min = readLeb(bytes, count.next + 1);
      const width = min.next - (count.next + 1);
      if (flags & 1) {
        const max = readLeb(bytes, min.next);
        if (max.value < pages) throw new Error('maximum below the new minimum');
      }
      if (min.value >= pages) return bytes;
      if (pages >= 2 ** (7 * width)) throw new Error('no room for the new minimum');
      const out = Uint8Array.from(bytes);
      let v = pages;
      for (let k = 0; k < width; k++) {
        out[count.next + 1 + k] = (v & 0x7f) | (k < width - 1 ? 0x80 : 0);
        v >>>= 7;
      }
      return out;
    }
    i = size.next + size.value;
  }
  throw new Error('no memory section');
}

type Verdict = { kind: 'ok' } | { kind: 'error'; error: ShellSyntaxError } | { kind: 'failed'; reason: string };

/** One run of sh-syntax on a fresh instance; a trap, a grown memory or an unreadable answer is no verdict. */
function runOnce(text: string): Verdict {
  const wasm = load();
  if ('failure' in wasm) return { kind: 'failed', reason: wasm.failure };
  let json: string;
  try {
    const go = new wasm.Go();
    const instance = new WebAssembly.Instance(wasm.module, go.importObject);
    // `run` only settles when the event loop turns; a failure there must not become an unhandled rejection.
    go.run(instance).catch(() => undefined);
    const { memory, wasmAlloc, wasmFree, process } = instance.exports as unknown as Exports;
    const encoder = new TextEncoder();
    const put = (bytes: Uint8Array): number => {
      const p = wasmAlloc(bytes.byteLength);
      new Uint8Array(memory.buffer).set(bytes, p);
      return p;
    };
    const name = encoder.encode('');
    const body = encoder.encode(text);
    const stop = encoder.encode('');
    const [pName, pBody, pStop] = [put(name), put(body), put(stop)];
    const initial = memory.buffer.byteLength;
    // Argument order of the module's `process` export: file path, text, print?, keepComments,
    // variant (1 = bash), stopAt, recoverErrors, then printer options (unused when parsing).
    const result = process(
      pName,
      name.byteLength,
      name.byteLength,
      pBody,
      body.byteLength,
      body.byteLength,
      false,
      false,
      1,
      pStop,
      0,
      0,
      0,
      false,
      2,
      true,
      true,
      true,
      false,
      false,
      false,
      false,
    );
    // A heap that had to grow was collected during the parse: the answer cannot be trusted.
    if (memory.buffer.byteLength !== initial) return { kind: 'failed', reason: 'sh-syntax ran out of memory' };
    wasmFree(pName);
    wasmFree(pBody);
    wasmFree(pStop);
    const bytes = new Uint8Array(memory.buffer).subarray(result);
    const end = bytes.indexOf(0);
    if (end < 0) return { kind: 'failed', reason: 'sh-syntax returned no answer' };
    json = new TextDecoder().decode(bytes.subarray(0, end));
  } catch (e) {
    return { kind: 'failed', reason: `sh-syntax failed (${(e as Error)?.message ?? String(e)})` };
  }
  let parsed: { parseError?: { Text?: string; Pos?: { Line?: number; Col?: number } } | null };
  try {
    parsed = JSON.parse(json) as typeof parsed;
  } catch {
    return { kind: 'failed', reason: 'sh-syntax returned an unreadable answer' };
  }
  if (!parsed || typeof parsed !== 'object') return { kind: 'failed', reason: 'sh-syntax returned an unreadable answer' };
  if (!parsed.parseError) return { kind: 'ok' };
  const message = String(parsed.parseError.Text ?? 'syntax error');
  // The text is encoded from a JavaScript string, so it is valid UTF-8: this is a corrupted run.
  if (/invalid UTF-8/i.test(message)) return { kind: 'failed', reason: 'sh-syntax returned a corrupted answer' };
  return { kind: 'error', error: { message, line: parsed.parseError.Pos?.Line || 1, column: parsed.parseError.Pos?.Col || 1 } };
}

/** The first syntax error of a bash script, undefined when it parses or sh-syntax gives no verdict (see checkShellSyntaxParts). */
export function checkShellSyntax(text: string): ShellSyntaxError | undefined {
  return checkShellSyntaxParts(text).error;
}

/** What parseShellScript tells about a script: where it can be cut, and its size in tokens and commands. */
export interface ScriptShape {
  breaks: readonly StatementBreak[];
  tokens: number;
  statements: number;
}

interface Piece {
  start: number;
  end: number;
  /** Segments [first, last). */
  first: number;
  last: number;
}

/**
 * Check a script with sh-syntax. With its shape (from parseShellScript) the script is checked
 * in pieces cut between top-level statements, within the work budget; without, it is checked
 * whole when it is small enough. Never throws.
 */
export function checkShellSyntaxParts(
  text: string,
  shape?: ScriptShape,
  limits: { pieceBytes?: number; pieceTokens?: number } = {},
): ShellSyntaxReport {
  const pieceBytes = limits.pieceBytes ?? PIECE_BYTES;
  const pieceTokens = limits.pieceTokens ?? PIECE_TOKENS;
  const report: ShellSyntaxReport = { unchecked: [] };
  const index = new LineIndex('', text);
  const lineOf = (offset: number): number => index.position(offset).line;
  const lastLine = (end: number): number => lineOf(Math.max(0, end - 1));
  const unchecked = (start: number, end: number, reason: string): void => {
    const line = lineOf(start);
    const endLine = Math.max(line, lastLine(end));
    const prev = report.unchecked[report.unchecked.length - 1];
    if (prev && prev.reason === reason && prev.endLine >= line - 1) prev.endLine = Math.max(prev.endLine, endLine);
    else report.unchecked.push({ line, endLine, reason });
  };

  const wasm = load();
  if ('failure' in wasm) {
    unchecked(0, text.length, wasm.failure);
    return report;
  }
  const breaks = shape?.breaks ?? [];
  if (!shape || breaks.length === 0) {
    if (text.length > WHOLE_BYTES) {
      unchecked(0, text.length, `the script is larger than ${WHOLE_BYTES / 1024} KiB and its statements could not be told apart`);
      return report;
    }
    const v = runOnce(text);
    if (v.kind === 'error') report.error = v.error;
    else if (v.kind === 'failed') unchecked(0, text.length, v.reason);
    return report;
  }

  // Segments: from each break to the next (the first from the start of the text).
  const count = breaks.length;
  const starts = breaks.map((b, i) => (i === 0 ? 0 : b.offset));
  const segEnd = (i: number): number => starts[i + 1] ?? text.length;
  const tokensBefore = (i: number): number => (i < count ? (breaks[i] as StatementBreak).tokens : shape.tokens);
  const statementsBefore = (i: number): number => (i < count ? (breaks[i] as StatementBreak).statements : shape.statements);
  const cost = (first: number, last: number): number =>
    RUN_COST + statementsBefore(last) - statementsBefore(first) + (tokensBefore(last) - tokensBefore(first)) / 10;
  let budget = SYNTAX_WORK_BUDGET;

  /** False to stop: an error was found or the budget ran out. */
  const check = (piece: Piece): boolean => {
    const work = cost(piece.first, piece.last);
    if (work > budget) {
      unchecked(
        piece.start,
        text.length,
        `the syntax check budget of a script (about ${SYNTAX_WORK_BUDGET.toLocaleString('en-US')} commands) was used up`,
      );
      return false;
    }
    budget -= work;
    const slice = text.slice(piece.start, piece.end);
    let v = runOnce(slice);
    if (v.kind === 'failed' && piece.last - piece.first > 1) {
      // Cut it in two and try each half.
      const mid = (piece.first + piece.last) >> 1;
      const a: Piece = { start: piece.start, end: starts[mid] as number, first: piece.first, last: mid };
      const b: Piece = { start: starts[mid] as number, end: piece.end, first: mid, last: piece.last };
      return check(a) && check(b);
    }
    if (v.kind === 'failed') {
      // One statement: a long run of comments overflows the parser's stack (it recurses
      // once per comment); comments do not change the syntax, so try without them.
      const blanked = blankComments(slice);
      if (blanked !== undefined && work <= budget) {
        budget -= work;
        const again = runOnce(blanked);
        if (again.kind !== 'failed') v = again;
      }
    }
    if (v.kind === 'failed') {
      unchecked(piece.start, piece.end, v.reason);
      return true;
    }
    if (v.kind === 'error') {
      const at = index.position(piece.start);
      report.error = {
        message: v.error.message,
        line: at.line + v.error.line - 1,
        column: v.error.line === 1 ? at.column + v.error.column - 1 : v.error.column,
      };
      return false;
    }
    return true;
  };

  let i = 0;
  while (i < count) {
    const first = i;
    i++;
    while (i < count && segEnd(i) - (starts[first] as number) <= pieceBytes && tokensBefore(i + 1) - tokensBefore(first) <= pieceTokens)
      i++;
    if (!check({ start: starts[first] as number, end: segEnd(i - 1), first, last: i })) break;
  }
  return report;
}

/** The text with its comments replaced by blanks (same length, lines and columns); undefined when there are none. */
function blankComments(text: string): string | undefined {
  const ranges = shellComments(text);
  if (!ranges || ranges.length === 0) return undefined;
  let out = '';
  let at = 0;
  for (let k = 0; k + 1 < ranges.length; k += 2) {
    const s = ranges[k] as number;
    const e = ranges[k + 1] as number;
    out += text.slice(at, s) + ' '.repeat(e - s);
    at = e;
  }
  return out + text.slice(at);
}
