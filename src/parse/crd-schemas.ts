/**
 * CustomResourceDefinitions are most of the bytes of real repositories (operator bundles,
 * Istio, Calico, kubeflow: about four fifths of their YAML), and no check reads their
 * `spec`, which holds the OpenAPI schema. A CRD's `spec` is therefore checked for syntax by
 * a line scanner and not built into values: the document keeps `apiVersion`, `kind`,
 * `metadata` and the rest, and leaves `spec` out.
 *
 * The scanner accepts only the shapes generators write (block mappings and sequences, plain
 * and quoted scalars, also over several lines, block scalars, one-line flow collections of
 * scalars, comments) and declines everything else (nested flow collections, tags, anchors,
 * tabs, escaped line breaks, keys that are not plain words, …). A declined `spec`
 * is parsed as before, so the scanner only has to be right about what it accepts: both
 * parsers read it without an error (the unit test holds it to js-yaml and `yaml`).
 */

/** A counted document of a stream: `text.slice(start, end)`. */
export interface DocumentRange {
  start: number;
  end: number;
}

/** The stream with the `spec` of each CRD it could check removed, and which counted documents those are. */
export interface WithoutSchemas {
  text: string;
  /** Ordinals of the counted documents whose `spec` was checked and left out. */
  partial: number[];
}

// Top-level lines, tried where a line starts with the key.
const CRD_KIND = /kind:[ ]+(["']?)CustomResourceDefinition\1[ ]*(?:#[^\n]*)?(?:\n|$)/y;
const CRD_API = /apiVersion:[ ]+(["']?)apiextensions\.k8s\.io\/v1(?:beta1)?\1[ ]*(?:#[^\n]*)?(?:\n|$)/y;
const SPEC_LINE = /spec:[ ]*(?:#[^\n]*)?(?:\n|$)/y;
/** A top-level line that may be a `spec` key in another spelling (quoted, spaced, explicit). */
const OTHER_SPEC = /^(?:["']?spec["']?[ \t]*:|\?)/m;

/**
 * `text` without the `spec` blocks of its CRD documents (given as the counted documents of
 * the stream), or undefined when no CRD's `spec` could be checked. Only block-style CRDs
 * whose top-level keys start their lines are considered.
 */
export function withoutCrdSchemas(text: string, documents: readonly DocumentRange[]): WithoutSchemas | undefined {
  const cuts: [number, number][] = [];
  const partial: number[] = [];
  documents.forEach(({ start, end }, ordinal) => {
    // The first top-level line of each key (a repeated `kind` or `apiVersion` stays in the shortened text, where the parser refuses it).
    if (topLevelLine(text, start, end, 'kind:', CRD_KIND) === undefined) return;
    if (topLevelLine(text, start, end, 'apiVersion:', CRD_API) === undefined) return;
    const lineStart = topLevelLine(text, start, end, 'spec:', SPEC_LINE);
    if (lineStart === undefined) return;
    const bodyStart = text.indexOf('\n', lineStart) + 1;
    if (bodyStart === 0 || bodyStart > end) return;
    const bodyEnd = topLevelValueEnd(text, bodyStart, end);
    if (bodyEnd === -1) return;
    // Another `spec` key would be a repeated key once this one is cut out, and nobody would see it.
    if (OTHER_SPEC.test(text.slice(start, lineStart)) || OTHER_SPEC.test(text.slice(bodyEnd, end))) return;
    cuts.push([lineStart, bodyEnd]);
    partial.push(ordinal);
  });
  if (cuts.length === 0) return undefined;
  let out = '';
  let from = 0;
  for (const [a, b] of cuts) {
    out += text.slice(from, a);
    from = b;
  }
  return { text: out + text.slice(from), partial };
}

/**
 * Where the first line of [start, end) that begins with `key` starts, when `line` (a sticky
 * expression) matches it; otherwise undefined.
 */
function topLevelLine(text: string, start: number, end: number, key: string, line: RegExp): number | undefined {
  // Searched in the document alone (a slice shares the text): a search never runs on into later documents.
  const doc = text.slice(start, end);
  // The document's first line (after a byte-order mark), else the first after a line break.
  const first = doc.charCodeAt(0) === 0xfeff ? 1 : 0;
  let at = first;
  if (!doc.startsWith(key, first)) {
    const after = doc.indexOf(`\n${key}`, first);
    if (after === -1) return undefined;
    at = after + 1;
  }
  line.lastIndex = at;
  return line.test(doc) ? start + at : undefined;
}

/** An open block collection: its indentation, whether it is a sequence, and a mapping's keys so far. */
interface Open {
  indent: number;
  seq: boolean;
  keys: KeyList | undefined;
}

/** A mapping's keys so far: a short list (most mappings of a schema hold a few), a set once it grows. */
class KeyList {
  private readonly list: string[] = [];
  private set: Set<string> | undefined;

  /** Adds the key; false when it is there already. */
  add(key: string): boolean {
    if (this.set) {
      if (this.set.has(key)) return false;
      this.set.add(key);
      return true;
    }
    if (this.list.includes(key)) return false;
    this.list.push(key);
    if (this.list.length > 8) this.set = new Set(this.list);
    return true;
  }
}

interface Pending {
  owner: number;
  mapValue: boolean;
  next: number;
}

const MAX_DEPTH = 200;
const MAX_KEY = 256;

/**
 * The block value of a top-level key (`spec:`), on the lines from `from`: where it ends (the
 * next line that starts at column 0 with something other than a comment, else `to`), or -1
 * when it is not in the shape this scanner accepts.
 */
export function topLevelValueEnd(text: string, from: number, to: number): number {
  const owner = 0;
  // Searched in the block alone, as above.
  const lines = text.slice(from, to);
  if (lines.includes('\t') || lines.includes('\r')) return -1;

  const stack: Open[] = [];
  // A key (or the owner) whose value starts on a later line: its column, whether a sequence may
  // sit at that column, and where the next line starts (a scalar must start there, with no
  // comment or blank line before it: -1 when the key's line holds a comment).
  let pending: Pending | undefined = { owner, mapValue: true, next: from };
  // A plain scalar may continue on lines indented more than this column (-1: none open).
  let plainOwner = -1;
  // Inside a block scalar: its owner's column and its content indentation (-1: not seen yet).
  let literal: { owner: number; indent: number } | undefined;

  // Inside a quoted scalar that goes on past its first line: its owner's column and its quote.
  let quote: { owner: number; double: boolean } | undefined;

  /** The value after a key or dash (or alone on the line after its key), from `pos` to `eol`; false when declined. */
  const value = (pos: number, eol: number, valueOwner: number, inMap: boolean): boolean => {
    const c = text.charCodeAt(pos);
    if (pos >= eol || c === 0x23 /* # */) {
      pending = { owner: valueOwner, mapValue: inMap, next: pos >= eol ? eol + 1 : -1 };
      return true;
    }
    if (c === 0x7c /* | */ || c === 0x3e /* > */) {
      if (!/^[|>][+-]?[ ]*(?:[ ]#.*)?$/.test(text.slice(pos, eol))) return false;
      literal = { owner: valueOwner, indent: -1 };
      return true;
    }
    if (c === 0x22 /* " */ || c === 0x27 /* ' */) {
      const double = c === 0x22;
      const end = quoted(text, pos + 1, eol, double);
      if (end === 'open') quote = { owner: valueOwner, double };
      return end !== 'bad';
    }
    if (c === 0x7b /* { */) return flowMapping(text, pos + 1, eol);
    if (c === 0x5b /* [ */) return flowSequence(text, pos + 1, eol);
    const plain = plainLine(text, pos, eol, true);
    if (plain === 'bad') return false;
    // A comment ends the scalar; otherwise it may go on, on lines indented past its owner.
    if (plain === 'open') plainOwner = valueOwner;
    return true;
  };

  for (let pos = from; pos < to;) {
    let eol = text.indexOf('\n', pos);
    if (eol === -1 || eol > to) eol = to;
    let at = pos;
    while (at < eol && text.charCodeAt(at) === 0x20) at++;
    const indent = at - pos;
    const lineStart = pos;
    pos = eol + 1;

    // The next top-level line ends the value (a quote still open there never closed).
    if (indent === 0 && at < eol && text.charCodeAt(at) !== 0x23 /* # */) return quote === undefined ? lineStart : -1;
    if (at === eol) {
      // A blank line; before a block scalar's first line, spaces there could set its indentation.
      if (literal && literal.indent < 0 && indent > 0) return -1;
      continue;
    }
    if (quote) {
      // A quoted scalar's next line: indented past its owner, up to the closing quote.
      if (indent <= quote.owner) return -1;
      const end = quoted(text, at, eol, quote.double);
      if (end === 'bad') return -1;
      if (end === 'closed') quote = undefined;
      continue;
    }
    if (literal) {
      if (literal.indent < 0) {
        if (indent <= literal.owner) return -1;
        literal.indent = indent;
        continue;
      }
      if (indent >= literal.indent) continue;
      literal = undefined;
    }
    const c = text.charCodeAt(at);
    if (c === 0x23 /* # */) {
      // A comment ends a plain scalar.
      plainOwner = -1;
      continue;
    }
    if (plainOwner >= 0 && indent > plainOwner) {
      if (plainLine(text, at, eol, false) !== 'open') return -1;
      continue;
    }
    plainOwner = -1;

    const dash = c === 0x2d /* - */ && (at + 1 === eol || text.charCodeAt(at + 1) === 0x20);
    if (pending) {
      const p: Pending = pending;
      pending = undefined;
      // A scalar on the line after its key (generators write long descriptions so).
      if (indent > p.owner && !dash && keyAt(text, at, eol) === undefined) {
        if (lineStart !== p.next || c === 0x5b || c === 0x7b || !value(at, eol, p.owner, p.mapValue)) return -1;
        continue;
      }
      if (indent > p.owner || (indent === p.owner && p.mapValue && dash)) {
        if (stack.length >= MAX_DEPTH) return -1;
        stack.push({ indent, seq: dash, keys: dash ? undefined : new KeyList() });
      }
    }
    // Close what this line is outside of (a sequence that is a mapping's value shares its column).
    let top = stack[stack.length - 1];
    while (top && (top.indent > indent || (top.indent === indent && top.seq && !dash))) {
      stack.pop();
      top = stack[stack.length - 1];
    }
    if (!top || top.indent !== indent) return -1;

    if (top.seq) {
      if (!dash) return -1;
      let item = at + 1;
      while (item < eol && text.charCodeAt(item) === 0x20) item++;
      // An empty item, or one whose value starts on the next line, or a nested `- -`.
      if (item >= eol || text.charCodeAt(item) === 0x23) return -1;
      if (text.charCodeAt(item) === 0x2d && (item + 1 === eol || text.charCodeAt(item + 1) === 0x20)) return -1;
      const key = keyAt(text, item, eol);
      if (key === undefined) {
        if (!value(item, eol, indent, false)) return -1;
        continue;
      }
      // `- key: value`: a mapping at the key's column.
      if (stack.length >= MAX_DEPTH) return -1;
      const keys = new KeyList();
      keys.add(key.name);
      stack.push({ indent: item - lineStart, seq: false, keys });
      if (!value(key.valueStart, eol, item - lineStart, true)) return -1;
      continue;
    }
    if (dash) return -1;
    const key = keyAt(text, at, eol);
    if (key === undefined) return -1;
    if (!(top.keys as KeyList).add(key.name)) return -1;
    if (!value(key.valueStart, eol, indent, true)) return -1;
  }
  // A quote still open at the end never closed.
  return quote === undefined ? to : -1;
}

/** Keys a core-schema parser turns into a null or a boolean (their property names differ between parsers, or collide). */
const SPECIAL_KEYS = new Set(['null', 'true', 'false']);

/**
 * A plain key of word characters (`x-kubernetes-list-type`, `$ref`, `app.kubernetes.io/name`)
 * followed by `:` and a space or the line's end; the start of its value after the blanks.
 */
function keyAt(text: string, pos: number, eol: number): { name: string; valueStart: number } | undefined {
  const first = text.charCodeAt(pos);
  if (!(isLetter(first) || first === 0x5f /* _ */ || first === 0x24 /* $ */ || first === 0x2f /* / */)) return undefined;
  let i = pos + 1;
  while (i < eol && isKeyChar(text.charCodeAt(i))) i++;
  if (text.charCodeAt(i) !== 0x3a /* : */ || i - pos > MAX_KEY) return undefined;
  if (i + 1 < eol && text.charCodeAt(i + 1) !== 0x20) return undefined;
  const name = text.slice(pos, i);
  if ((name.length === 4 || name.length === 5) && SPECIAL_KEYS.has(name.toLowerCase())) return undefined;
  let valueStart = i + 1;
  while (valueStart < eol && text.charCodeAt(valueStart) === 0x20) valueStart++;
  return { name, valueStart };
}

const isLetter = (c: number): boolean => (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
const isKeyChar = (c: number): boolean =>
  isLetter(c) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x24 || c === 0x2e || c === 0x2f || c === 0x2d;

/** Indicators a plain scalar cannot start with: flow, comment, anchor, alias, tag, block scalar, quotes, directive, reserved. */
const NOT_PLAIN_FIRST = new Set([...'[]{},#&*!|>\'"%@`'].map((c) => c.charCodeAt(0)));

/**
 * One line of a plain scalar in block context, from `pos` to `eol`. Its first line must not
 * start with an indicator (a later line may: YAML 1.2, 7.3.3); no line starts with `- `,
 * `? ` or `: `, or holds `: ` (a key). 'open': the scalar may go on, on the next line;
 * 'ended': a comment (` #`) ends it; 'bad': declined.
 */
function plainLine(text: string, pos: number, eol: number, first: boolean): 'open' | 'ended' | 'bad' {
  const c = text.charCodeAt(pos);
  if (first ? NOT_PLAIN_FIRST.has(c) : c === 0x23) return 'bad';
  if ((c === 0x2d || c === 0x3f || c === 0x3a) /* - ? : */ && (pos + 1 === eol || text.charCodeAt(pos + 1) === 0x20)) return 'bad';
  for (let i = pos; i < eol; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x3a /* : */) {
      if (i + 1 === eol || text.charCodeAt(i + 1) === 0x20) return 'bad';
    } else if (ch === 0x23 /* # */ && text.charCodeAt(i - 1) === 0x20) {
      return 'ended';
    }
  }
  return 'open';
}

/**
 * A one-line flow sequence of scalars from `pos` (after its `[`): `[]`, `["v1", "v1beta1"]`,
 * `[a, b]`, followed only by blanks or a comment. Nested collections and empty entries are declined.
 */
function flowSequence(text: string, pos: number, eol: number): boolean {
  let i = pos;
  const blanks = (): void => {
    while (i < eol && text.charCodeAt(i) === 0x20) i++;
  };
  blanks();
  if (text.charCodeAt(i) === 0x5d /* ] */) return restIsComment(text, i + 1, eol);
  for (;;) {
    blanks();
    i = flowScalarEnd(text, i, eol, 0x5d /* ] */);
    if (i === -1) return false;
    blanks();
    const next = text.charCodeAt(i);
    if (next === 0x5d) return restIsComment(text, i + 1, eol);
    if (next !== 0x2c) return false;
    i++;
    blanks();
    if (text.charCodeAt(i) === 0x5d || text.charCodeAt(i) === 0x2c) return false;
  }
}

/**
 * A quoted scalar's text from `pos` (after the opening quote, or a continuation line) to
 * `eol`: 'closed' when its quote closes there, followed only by blanks or a comment; 'open'
 * when it goes on to the next line; 'bad' for anything else (an escape this scanner does not
 * know, an escaped line break, text after the closing quote).
 */
function quoted(text: string, pos: number, eol: number, double: boolean): 'closed' | 'open' | 'bad' {
  const close = closingQuote(text, pos, eol, double);
  if (close === -1) return 'bad';
  if (close === eol) return 'open';
  return restIsComment(text, close + 1, eol) ? 'closed' : 'bad';
}

/**
 * Where the quote of a quoted scalar closes, scanning its text from `pos` to `eol`: the
 * closing quote's offset, `eol` when it does not close on this line, or -1 for an escape
 * this scanner declines.
 */
function closingQuote(text: string, pos: number, eol: number, double: boolean): number {
  const mark = double ? 0x22 : 0x27;
  for (let i = pos; i < eol; i++) {
    const ch = text.charCodeAt(i);
    if (double && ch === 0x5c /* \ */) {
      const length = escapeLength(text, i, eol);
      if (length === 0) return -1;
      i += length - 1;
    } else if (ch === mark) {
      // `''` is a quote inside single quotes.
      if (!double && text.charCodeAt(i + 1) === 0x27) i++;
      else return i;
    }
  }
  return eol;
}

/** The length of the escape at `at` in a double-quoted scalar (`\n`, `\"`, `\u00e9`, …), or 0 for one this scanner declines. */
function escapeLength(text: string, at: number, eol: number): number {
  const next = at + 1 < eol ? (text[at + 1] as string) : '';
  if (next !== '' && '\\"/nrtbf0 '.includes(next)) return 2;
  if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(at + 2, at + 6))) return 6;
  return 0;
}

/**
 * A one-line flow mapping of plain keys and scalar values from `pos` (after its `{`): `{}`,
 * `{ kind: Widget, plural: widgets }`, followed only by blanks or a comment. Repeated keys,
 * empty values and nested collections are declined.
 */
function flowMapping(text: string, pos: number, eol: number): boolean {
  const keys: string[] = [];
  let i = pos;
  const blanks = (): void => {
    while (i < eol && text.charCodeAt(i) === 0x20) i++;
  };
  blanks();
  if (text.charCodeAt(i) === 0x7d /* } */) return restIsComment(text, i + 1, eol);
  for (;;) {
    blanks();
    const keyStart = i;
    const first = text.charCodeAt(i);
    if (!(isLetter(first) || first === 0x5f || first === 0x24 || first === 0x2f)) return false;
    while (i < eol && isKeyChar(text.charCodeAt(i))) i++;
    const key = text.slice(keyStart, i);
    if (text.charCodeAt(i) !== 0x3a || text.charCodeAt(i + 1) !== 0x20 || i - keyStart > MAX_KEY) return false;
    if (SPECIAL_KEYS.has(key.toLowerCase()) || keys.includes(key)) return false;
    keys.push(key);
    i += 2;
    blanks();
    i = flowScalarEnd(text, i, eol, 0x7d /* } */);
    if (i === -1) return false;
    blanks();
    const next = text.charCodeAt(i);
    if (next === 0x7d) return restIsComment(text, i + 1, eol);
    if (next !== 0x2c) return false;
    i++;
  }
}

/**
 * Past a scalar of a one-line flow collection that starts at `pos`: a quoted one, or a plain
 * one up to a `,` or the collection's `close`; -1 for anything else (a nested collection,
 * a `:` or a `#`).
 */
function flowScalarEnd(text: string, pos: number, eol: number, close: number): number {
  const c = text.charCodeAt(pos);
  if (c === 0x22 || c === 0x27) {
    // A quoted item closes on its line.
    const close = closingQuote(text, pos + 1, eol, c === 0x22);
    return close === -1 || close === eol ? -1 : close + 1;
  }
  if (pos >= eol || NOT_PLAIN_FIRST.has(c) || c === 0x2d || c === 0x3f || c === 0x3a) return -1;
  let i = pos;
  for (; i < eol; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x2c || ch === close) break;
    if (ch === 0x5b || ch === 0x5d || ch === 0x7b || ch === 0x7d || ch === 0x3a || ch === 0x23) return -1;
  }
  return i;
}

/** Only blanks, or blanks and a comment, from `pos` to `eol`. */
function restIsComment(text: string, pos: number, eol: number): boolean {
  let i = pos;
  while (i < eol && text.charCodeAt(i) === 0x20) i++;
  return i === eol || (i > pos && text.charCodeAt(i) === 0x23);
}
