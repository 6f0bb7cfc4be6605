import { errorText } from '../core/errors.js';
import { DEEP, offsetPosition, type ParseFailure, type StreamResult } from './stream.js';

/** One top-level value of a JSON stream: `text.slice(start, end)`. */
export interface JsonSegment {
  start: number;
  end: number;
}

interface JsonScan {
  segments: JsonSegment[];
  /** Offsets of keys an object already holds (JSON.parse would keep the last silently). */
  duplicates: number[];
  tooDeep?: number;
}

const enum Ch {
  Tab = 0x09,
  Newline = 0x0a,
  Return = 0x0d,
  Space = 0x20,
  Quote = 0x22,
  Comma = 0x2c,
  Colon = 0x3a,
  OpenBracket = 0x5b,
  Backslash = 0x5c,
  CloseBracket = 0x5d,
  OpenBrace = 0x7b,
  CloseBrace = 0x7d,
  Bom = 0xfeff,
}

const isJsonSpace = (c: number): boolean => c === Ch.Space || c === Ch.Newline || c === Ch.Return || c === Ch.Tab;

/** The end of the string literal that opens at `i` (past its closing quote, or the text's end). */
function stringEnd(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === Ch.Backslash) j++;
    else if (c === Ch.Quote) return j + 1;
  }
  return text.length;
}

/**
 * Where each top-level value of a JSON stream begins and ends (values separated by
 * whitespace or by nothing, as `kubectl` reads `{…}{…}`), and which keys repeat. Only
 * strings and brackets are followed; the grammar of each value is left to JSON.parse.
 */
function scanJsonStream(text: string): JsonScan {
  const segments: JsonSegment[] = [];
  const duplicates: number[] = [];
  let i = text.charCodeAt(0) === Ch.Bom ? 1 : 0;
  for (;;) {
    while (i < text.length && isJsonSpace(text.charCodeAt(i))) i++;
    if (i >= text.length) return { segments, duplicates };
    const start = i;
    // One key set per open object, undefined per open array.
    const open: (Set<string> | undefined)[] = [];
    do {
      const c = text.charCodeAt(i);
      if (c === Ch.Quote) {
        const end = stringEnd(text, i);
        const keys = open[open.length - 1];
        if (keys) {
          let k = end;
          while (k < text.length && isJsonSpace(text.charCodeAt(k))) k++;
          if (text.charCodeAt(k) === Ch.Colon) {
            const key = jsonString(text.slice(i, end));
            if (key !== undefined && keys.has(key)) duplicates.push(i);
            else if (key !== undefined) keys.add(key);
          }
        }
        i = end;
      } else if (c === Ch.OpenBrace || c === Ch.OpenBracket) {
        open.push(c === Ch.OpenBrace ? new Set() : undefined);
        if (open.length > DEEP) return { segments, duplicates, tooDeep: i };
        i++;
      } else if (c === Ch.CloseBrace || c === Ch.CloseBracket) {
        // A stray closer at the top level is a value of its own, which JSON.parse rejects.
        open.pop();
        i++;
      } else if (open.length === 0 && (c === Ch.Comma || c === Ch.Colon)) {
        i++;
      } else if (open.length === 0) {
        // A top-level number or literal runs to the next space or structural character.
        while (i < text.length && !isJsonSpace(text.charCodeAt(i)) && !STRUCTURAL.has(text.charCodeAt(i))) i++;
      } else {
        i++;
      }
    } while (open.length > 0 && i < text.length);
    segments.push({ start, end: i });
  }
}

const STRUCTURAL = new Set<number>([Ch.Quote, Ch.Comma, Ch.Colon, Ch.OpenBracket, Ch.CloseBracket, Ch.OpenBrace, Ch.CloseBrace]);

function jsonString(literal: string): string | undefined {
  try {
    return JSON.parse(literal) as string;
  } catch {
    return undefined;
  }
}

/** The top-level values of a JSON stream, as offsets into the text (empty for blank text). */
export function splitJsonStream(text: string): JsonSegment[] {
  return scanJsonStream(text).segments;
}

/**
 * JSON manifests, held to JSON's own grammar (YAML would accept trailing commas and
 * comments; `kubectl` decodes JSON with a JSON decoder). A file may hold several values, a
 * stream as `kubectl` accepts it: each value is one document, a `null` value counts as
 * none (as an empty YAML document), and a broken value is reported without hiding the
 * others. Repeated keys are errors, which JSON.parse alone would silently merge.
 */
export function parseJsonStream(text: string): StreamResult {
  const scan = scanJsonStream(text);
  if (scan.tooDeep !== undefined) {
    const pos = offsetPosition(text, scan.tooDeep);
    return {
      ok: false,
      docs: [],
      errors: [
        { message: `nested more than ${DEEP} levels deep (a resource-exhaustion pattern); not analysed`, span: { start: pos, end: pos } },
      ],
    };
  }
  const docs: unknown[] = [];
  const errors: ParseFailure[] = [];
  let d = 0;
  let recovering = false;
  for (const { start, end } of scan.segments) {
    // After an error, stray words (`// a comment`) belong to it until the next object or array.
    const c = text.charCodeAt(start);
    if (recovering && c !== Ch.OpenBrace && c !== Ch.OpenBracket) continue;
    recovering = false;
    const piece = text.slice(start, end);
    let value: unknown;
    try {
      value = JSON.parse(piece);
    } catch (err) {
      errors.push(jsonError(text, err, start, piece.length));
      docs.push(undefined);
      recovering = true;
      continue;
    }
    if (value === null) continue;
    while (d < scan.duplicates.length && (scan.duplicates[d] as number) < start) d++;
    const duplicate = scan.duplicates[d];
    if (duplicate !== undefined && duplicate < end) {
      const pos = offsetPosition(text, duplicate);
      errors.push({ message: 'Map keys must be unique', span: { start: pos, end: pos } });
      docs.push(undefined);
      continue;
    }
    docs.push(value);
  }
  return errors.length ? { ok: false, docs, errors } : { ok: true, docs };
}

/** A JSON.parse error of the value at `start`, positioned in the whole text. */
function jsonError(text: string, err: unknown, start: number, length: number): ParseFailure {
  const message = errorText(err);
  // V8 names the position for some errors only ("Unexpected token ']', "[1,]" is not valid JSON").
  const at = /position (\d+)/.exec(message);
  const offset = jsonErrorOffset(text.slice(start, start + length)) ?? (at ? Number(at[1]) : length);
  const pos = offsetPosition(text, start + offset);
  return {
    message: message
      .replace(/ in JSON at position \d+.*$/s, '')
      .replace(/, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, '')
      .replace(/^Unexpected token/, 'unexpected token'),
    span: { start: pos, end: pos },
  };
}

const JSON_LITERAL = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|true|false|null/y;
const JSON_ESCAPE = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y;

/**
 * Where JSON's grammar (RFC 8259) first fails in one value: the offending character, or the
 * end when the value is cut short; undefined when the value is well-formed.
 */
function jsonErrorOffset(s: string): number | undefined {
  const open: number[] = [];
  // What may come next: a value, a key, the colon after a key, or a comma or closer.
  let expect: 'value' | 'key' | 'colon' | 'next' = 'value';
  let first = false;
  let i = 0;
  for (;;) {
    while (i < s.length && isJsonSpace(s.charCodeAt(i))) i++;
    if (i >= s.length) return expect === 'next' && open.length === 0 ? undefined : i;
    const c = s.charCodeAt(i);
    const closer = open[open.length - 1] === Ch.OpenBrace ? Ch.CloseBrace : Ch.CloseBracket;
    if (first && c === closer) {
      open.pop();
      i++;
      expect = 'next';
    } else if (expect === 'value' && (c === Ch.OpenBrace || c === Ch.OpenBracket)) {
      open.push(c);
      i++;
      expect = c === Ch.OpenBrace ? 'key' : 'value';
      first = true;
      continue;
    } else if ((expect === 'value' || expect === 'key') && c === Ch.Quote) {
      i++;
      for (;;) {
        if (i >= s.length) return i;
        const d = s.charCodeAt(i);
        if (d === Ch.Quote) break;
        if (d < Ch.Space) return i;
        if (d === Ch.Backslash) {
          JSON_ESCAPE.lastIndex = i;
          if (!JSON_ESCAPE.test(s)) return Math.min(i + 1, s.length);
          i = JSON_ESCAPE.lastIndex;
        } else i++;
      }
      i++;
      expect = expect === 'key' ? 'colon' : 'next';
    } else if (expect === 'value') {
      JSON_LITERAL.lastIndex = i;
      if (!JSON_LITERAL.test(s)) return i;
      i = JSON_LITERAL.lastIndex;
      expect = 'next';
    } else if (expect === 'colon' && c === Ch.Colon) {
      i++;
      expect = 'value';
    } else if (expect === 'next' && open.length > 0 && c === Ch.Comma) {
      i++;
      expect = closer === Ch.CloseBrace ? 'key' : 'value';
    } else if (expect === 'next' && open.length > 0 && c === closer) {
      open.pop();
      i++;
    } else {
      return i;
    }
    first = false;
  }
}
