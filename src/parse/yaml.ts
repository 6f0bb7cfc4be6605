import jsyaml from 'js-yaml';
import { LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseAllDocuments } from 'yaml';
import type { Document, ScalarTag, Tags, Node as YamlNode } from 'yaml';
import { errorText } from '../core/errors.js';
import type { DocPath, Position, Span } from '../core/location.js';
import { DEEP, offsetPosition, type ParseFailure, type StreamResult } from './stream.js';
import { splitJsonStream } from './json.js';
import { withoutCrdSchemas } from './crd-schemas.js';

/**
 * Manifests are parsed twice at most: js-yaml builds the values fast for every file, and
 * the `yaml` library (which keeps source ranges) is consulted only for files that have a
 * finding or an error. A finding's path is resolved in the second parser's view of values
 * the first one built, so both must read the same: js-yaml gets the positional parser's
 * schema, texts it would read differently go to the positional parser, and the positional
 * parser decides what is an error (test/unit/parse-parity.test.ts holds them to it).
 * Documents are matched by their ordinal among non-empty ones.
 */

/**
 * The YAML 1.2 core schema, resolved exactly as the positional parser (`yaml`) resolves it,
 * so both read the same values: js-yaml's own schema also knows binary (`0b101`) and signed
 * hex integers, misses `-.5`, and turns `2001-12-14` into a Date. YAML 1.1 types
 * (timestamps, `!!binary`, `!!set`, `!!omap`) are not resolved by either parser.
 */
const CORE_FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
const CORE_FLOAT_SPECIAL = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;

/** The core schema's scalar types, in resolution order (int before float: a plain `1` is an int). */
/** Plain scalars that can be numbers start with one of these (most are words, and skip the patterns). */
const NUMERIC_START = /^[-+.0-9]/;
const CORE_SCALARS: { name: string; test: (text: string) => boolean; construct: (text: string) => unknown }[] = [
  { name: 'null', test: (t) => t.length <= 4 && /^(?:~|[Nn]ull|NULL)?$/.test(t), construct: () => null },
  {
    name: 'bool',
    test: (t) => (t.length === 4 || t.length === 5) && /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/.test(t),
    construct: (t) => t[0] === 't' || t[0] === 'T',
  },
  {
    name: 'int',
    test: (t) => NUMERIC_START.test(t) && /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$/.test(t),
    construct: (t) => (t.startsWith('0o') ? parseInt(t.slice(2), 8) : t.startsWith('0x') ? parseInt(t.slice(2), 16) : parseInt(t, 10)),
  },
  {
    name: 'float',
    test: (t) => NUMERIC_START.test(t) && (CORE_FLOAT.test(t) || CORE_FLOAT_SPECIAL.test(t)),
    construct: (t) => (!CORE_FLOAT_SPECIAL.test(t) ? parseFloat(t) : /nan$/i.test(t) ? NaN : t[0] === '-' ? -Infinity : Infinity),
  },
];

const CORE_TYPES = [
  ...CORE_SCALARS.map(
    ({ name, test, construct }) =>
      new jsyaml.Type(`tag:yaml.org,2002:${name}`, {
        kind: 'scalar',
        resolve: (data: string | null) => test(data ?? ''),
        construct: (data: string | null) => construct(data ?? ''),
      }),
  ),
  // `<<` merge keys: not YAML 1.2, but Kubernetes (go-yaml) merges them, and so do both parsers here.
  new jsyaml.Type('tag:yaml.org,2002:merge', { kind: 'scalar', resolve: (data: string | null) => data === '<<' }),
];

/**
 * The same types for explicit tags in the positional parser, which would otherwise read
 * `!!int x` as the string "x" and `!!float 1` as "1": a value must fit its tag (`!!float 1`
 * is 1, the float pattern includes integers: YAML 1.2, 10.3.2), as in js-yaml and go-yaml.
 */
const EXPLICIT_CORE: ScalarTag[] = CORE_SCALARS.map(({ name, test, construct }) => ({
  tag: `tag:yaml.org,2002:${name}`,
  default: false,
  resolve: (text, onError) => {
    if (test(text)) return construct(text);
    onError(`${JSON.stringify(text)} is not a valid !!${name}`);
    return text;
  },
}));

/**
 * Custom tags (`!Ref`, `!ENV`, `!!python/name:…`) belong to other tools (CloudFormation,
 * mkdocs, Ansible): the tagged node is read as its plain scalar (a string, as the positional
 * parser reads an unknown tag), sequence or mapping, instead of failing the file.
 */
const ANY_TAG = (['scalar', 'sequence', 'mapping'] as const).map(
  (kind) => new jsyaml.Type('', { kind, multi: true, construct: (data: unknown) => (kind === 'scalar' ? (data ?? '') : data) }),
);
const TOLERANT_SCHEMA = jsyaml.FAILSAFE_SCHEMA.extend({ implicit: CORE_TYPES, explicit: ANY_TAG });

/**
 * Texts the fast path would read differently, or must not expand, go to the positional
 * parser (a false match only costs speed):
 * - anchors: alias expansion is bounded there;
 * - directives: `%YAML 1.1` changes the schema;
 * - a block collection on the `---` line, which YAML 1.2 forbids and js-yaml allows;
 * - a tag on an empty document just before `---` or `...`, which js-yaml drops.
 */
function needsPositionalParser(text: string): boolean {
  return hasAnchor(text) || (text.includes('%') && /^%/m.test(text)) || collectionOnMarker(text) || tagBeforeMarker(text);
}

/** `^(?:---[ \t]+)?!…` (multiline): a tag alone before `---` or `...`, tried only on lines that hold a `!`. */
const TAG_BEFORE_MARKER = /(?:---[ \t]+)?![^\s]*[ \t]*(?:#[^\n]*)?\r?\n(?:[ \t]*(?:#[^\n]*)?\r?\n)*(?:---|\.\.\.)(?:\s|$)/my;

function tagBeforeMarker(text: string): boolean {
  let lineStart = 0;
  let tried = -1;
  let scanned = 0;
  for (let k = text.indexOf('!'); k !== -1; k = text.indexOf('!', k + 1)) {
    // The last line break since the previous `!` (each character is looked at once).
    for (let j = k; j > scanned; j--) {
      if (isLineBreak(text.charCodeAt(j - 1))) {
        lineStart = j;
        break;
      }
    }
    scanned = k;
    if (lineStart === tried) continue;
    tried = lineStart;
    TAG_BEFORE_MARKER.lastIndex = lineStart;
    if (TAG_BEFORE_MARKER.test(text)) return true;
  }
  return false;
}

/** `^---[ \t]+(?:-[ \t]|[^\n#]*?:(?:[ \t]|$))` (multiline), tried only where `---` starts a line. */
const COLLECTION_ON_MARKER = /---[ \t]+(?:-[ \t]|[^\n#]*?:(?:[ \t]|$))/my;

function collectionOnMarker(text: string): boolean {
  for (let i = text.indexOf('---'); i !== -1; i = text.indexOf('---', i + 1)) {
    if (i > 0 && !isLineBreak(text.charCodeAt(i - 1))) continue;
    COLLECTION_ON_MARKER.lastIndex = i;
    if (COLLECTION_ON_MARKER.test(text)) return true;
  }
  return false;
}

/** An anchor (`&name`) where a node may begin: at a line start or after a blank or `[{,:-`. */
function hasAnchor(text: string): boolean {
  for (let i = text.indexOf('&'); i !== -1; i = text.indexOf('&', i + 1)) {
    const next = text[i + 1];
    if (next === undefined || /[\s,[\]{}&]/.test(next)) continue;
    if (i === 0 || /[\s[{,:-]/.test(text[i - 1] as string)) return true;
  }
  return false;
}

/**
 * Spellings of keys the two parsers name differently: null keys (`~:`, `null:`) and empty
 * keys (`: x`), which js-yaml names `null` and the positional parser `""`; collections
 * closed before a colon (`[a]: x`) and explicit keys (`? k`), which js-yaml flattens to
 * strings; a flow sequence where a flow mapping expects a key (`{a: 1, [b]}`); implicit
 * keys longer than 1024 characters, which YAML 1.2 (and go-yaml) refuse. Each match
 * ends at the character that makes it a key. They are often not keys at all but text in a
 * quoted or block scalar (CEL rules and descriptions of large CRDs): a match that lies
 * inside a scalar js-yaml read is such text, and only the others send a text to the
 * positional parser.
 *
 * Where the text spells something that may be one of those keys: [start, end) offsets, by
 * start, counted as js-yaml counts them (after a byte-order mark, which it drops). The text
 * is visited at its colons, `[` and `?` only (found by `indexOf`, far cheaper than a regular
 * expression tried at every character of large CRD bundles); the spellings, as expressions
 * with JavaScript's multiline `^`/`$` (the unit test holds the scan to them):
 * - `(?:~|null|Null|NULL)[ \t]*:(?=[ \t]|$)` a null key;
 * - `^[ \t-]*:(?=[ \t\r\n]|$)` an empty key, first on its line after sequence dashes;
 * - `[{,\]}][ \t]*:(?=[ \t\r\n]|$)` a collection closed (or a flow entry empty) before a colon;
 * - `[{,]\s*\[` a flow sequence where a flow mapping expects a key;
 * - `\?(?=[ \t\r\n]|$)` an explicit key, first on its line (after dashes) or after `{`, `,` or `[`.
 * They cannot overlap, so each is found from its last character.
 */
export function keySpellings(text: string): [number, number][] {
  const found: [number, number][] = [];
  const bom = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (let c = text.indexOf(':'); c !== -1; c = text.indexOf(':', c + 1)) {
    if (c + 1 < text.length && !isBlankOrBreak(text.charCodeAt(c + 1))) continue;
    let i = c - 1;
    while (i >= 0 && isBlank(text.charCodeAt(i))) i--;
    const ch = i >= 0 ? text.charCodeAt(i) : -1;
    let start = -1;
    if (ch === 0x7e /* ~ */ || ch === 0x2c /* , */ || ch === 0x7b /* { */ || ch === 0x7d /* } */ || ch === 0x5d /* ] */) start = i;
    else if (i >= 3 && (text.startsWith('null', i - 3) || text.startsWith('Null', i - 3) || text.startsWith('NULL', i - 3))) start = i - 3;
    else {
      while (i >= 0 && (isBlank(text.charCodeAt(i)) || text.charCodeAt(i) === 0x2d)) i--;
      if (i < 0 || isLineBreak(text.charCodeAt(i))) start = i + 1;
    }
    if (start >= 0) found.push([start - bom, c + 1 - bom]);
  }
  for (let b = text.indexOf('['); b !== -1; b = text.indexOf('[', b + 1)) {
    let i = b - 1;
    while (i >= 0 && WHITESPACE.test(text[i] as string)) i--;
    const ch = text.charCodeAt(i);
    if (ch === 0x7b || ch === 0x2c) found.push([i - bom, b + 1 - bom]);
  }
  // `? ` where a key may begin: first on its line (after sequence dashes), or after `{`, `,` or `[`.
  for (let q = text.indexOf('?'); q !== -1; q = text.indexOf('?', q + 1)) {
    const next = text.charCodeAt(q + 1);
    if (q + 1 < text.length && next !== 0x20 && next !== 0x09 && next !== 0x0d && next !== 0x0a) continue;
    const before = text.slice(text.lastIndexOf('\n', q) + 1, q);
    const key = /^[ \t]*(?:-[ \t]+)*$|[{,[][ \t]*$/.exec(before);
    if (key) found.push([q - before.length + key.index - bom, q + 1 - bom]);
  }
  for (const [start, end] of longKeys(text)) found.push([start - bom, end - bom]);
  return found.sort((a, b) => a[0] - b[0]);
}

const WHITESPACE = /\s/;
const isBlank = (c: number): boolean => c === 0x20 || c === 0x09;
/** Where JavaScript's multiline `^` and `$` see a line end. */
const isLineBreak = (c: number): boolean => c === 0x0a || c === 0x0d || c === 0x2028 || c === 0x2029;
const isBlankOrBreak = (c: number): boolean => isBlank(c) || isLineBreak(c);

/**
 * Marks the spellings that lie wholly inside a scalar, as js-yaml reports its nodes: a
 * node opens where its separation space begins (blanks and comments, never structure) and
 * closes at its end, so a scalar's range holds no key of the stream.
 */
function scalarCover(spellings: [number, number][]): { listener: jsyaml.LoadOptions['listener']; allInside: () => boolean } {
  const inside = new Array<boolean>(spellings.length).fill(false);
  const opens: number[] = [];
  const listener = (event: 'open' | 'close', state: jsyaml.State): void => {
    if (event === 'open') {
      opens.push(state.position);
      return;
    }
    const start = opens.pop() as number;
    if (state.kind !== 'scalar') return;
    const end = state.position;
    // The first spelling starting at or after `start` (spellings are ordered by start).
    let lo = 0;
    let hi = spellings.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((spellings[mid] as [number, number])[0] < start) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < spellings.length; i++) {
      const [from, to] = spellings[i] as [number, number];
      if (from >= end) break;
      if (to <= end) inside[i] = true;
    }
  };
  return { listener, allInside: () => inside.every(Boolean) };
}

/** Lines that begin with an implicit key longer than 1024 characters (lines that long are rare): the key and its colon. */
function longKeys(text: string): [number, number][] {
  const out: [number, number][] = [];
  for (let start = 0; start < text.length;) {
    // A line break among the next 1025 characters: every line up to it is short.
    const shortUpTo = text.lastIndexOf('\n', start + 1024);
    if (shortUpTo >= start) {
      start = shortUpTo + 1;
      continue;
    }
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const m = end - start > 1024 ? /^(?:[^:\n]|:(?=[^\s])){1025,}:(?=[ \t]|$)/.exec(text.slice(start, end)) : null;
    // The key itself begins after the indentation and any sequence dashes.
    if (m) out.push([start + (/^[ \t]*(?:-[ \t]+)*/.exec(m[0])?.[0].length ?? 0), start + m[0].length]);
    start = end + 1;
  }
  return out;
}

/**
 * A flow mapping that may be a key (`[{,]\s*\{`: a `{` whose last non-blank predecessor is
 * `{` or `,`): js-yaml's values are then searched for `[object Object]`.
 */
function mayHaveFlowMapKey(text: string): boolean {
  for (let b = text.indexOf('{'); b !== -1; b = text.indexOf('{', b + 1)) {
    let i = b - 1;
    while (i >= 0 && WHITESPACE.test(text[i] as string)) i--;
    const ch = text.charCodeAt(i);
    if (ch === 0x7b || ch === 0x2c) return true;
  }
  return false;
}

/** Whether some mapping in the values has a key that was a mapping (`[object Object]`). */
function hasMappingKey(values: unknown[]): boolean {
  const stack: unknown[] = values.slice();
  while (stack.length) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null) continue;
    if (Array.isArray(v)) {
      for (const item of v as unknown[]) if (typeof item === 'object') stack.push(item);
    } else {
      if (Object.hasOwn(v, '[object Object]')) return true;
      for (const key in v) {
        const item = (v as Record<string, unknown>)[key];
        if (typeof item === 'object') stack.push(item);
      }
    }
  }
  return false;
}

/**
 * Characters outside YAML's printable set (1.2, 5.1): C0 and C1 controls other than tab and
 * line breaks, unpaired surrogates, U+FFFE and U+FFFF. js-yaml and go-yaml refuse them;
 * the positional parser would not, so the stream is checked once for both. One pass finds
 * every candidate (a surrogate pair is printable, and skipped whole).
 */
// eslint-disable-next-line no-control-regex -- the control characters are what this finds
const MAYBE_NON_PRINTABLE = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x84\x86-\x9F\uD800-\uDFFF\uFFFE\uFFFF]/g;

/** Where the first non-printable character is, or -1. */
export function nonPrintableAt(text: string): number {
  MAYBE_NON_PRINTABLE.lastIndex = 0;
  for (let m = MAYBE_NON_PRINTABLE.exec(text); m; m = MAYBE_NON_PRINTABLE.exec(text)) {
    const at = m.index;
    const c = text.charCodeAt(at);
    const next = text.charCodeAt(at + 1);
    if (c >= 0xd800 && c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      MAYBE_NON_PRINTABLE.lastIndex = at + 2;
      continue;
    }
    return at;
  }
  return -1;
}
const MAX_ALIASES = 100;

/**
 * How the positional parser reads values. The fast path is held to the same values
 * (test/unit/parse-parity.test.ts): unknown tags are plain nodes, YAML 1.1 types are not
 * resolved, `<<` merges, and keys that JavaScript would turn into the same property name
 * (`1` and `"1"`) are duplicates.
 */
export const POSITIONAL_OPTIONS = {
  uniqueKeys: sameKey,
  merge: true,
  resolveKnownTags: false,
  customTags: (tags: Tags): Tags => [...tags, ...EXPLICIT_CORE],
  // Warnings (unknown tags, collection keys) are not printed; unknown tags are allowed.
  logLevel: 'error',
} as const;

function sameKey(a: YamlNode, b: YamlNode): boolean {
  if (a === b) return true;
  if (!isScalar(a) || !isScalar(b)) return false;
  const x = keyName(a.value);
  return x !== undefined && x === keyName(b.value);
}

/** The property name a scalar key becomes in JavaScript (as `toJS` names it); none for a merge key. */
function keyName(value: unknown): string | undefined {
  if (value === null) return '';
  return typeof value === 'object' || typeof value === 'symbol' ? undefined : String(value as string);
}

/** A document that holds nothing, or only a null, is not counted (js-yaml cannot tell them apart). */
function isEmptyDocument(doc: Document.Parsed): boolean {
  return doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null);
}

export interface StreamOptions {
  /** Check the `spec` of CustomResourceDefinitions for syntax only, and leave it out of their values (see crd-schemas.ts). */
  crdSchemas?: 'check-only';
  /**
   * The text holds template markup (`{{ }}`): when the fast parser refuses it, its error is
   * the answer, and the positional parser (slow on such texts, and there only to place an
   * error) is not asked. The caller skips a refused template and shows no error.
   */
  template?: boolean;
}

export function parseYamlStream(text: string, options: StreamOptions = {}): StreamResult {
  const at = nonPrintableAt(text);
  if (at !== -1) {
    const code = text.charCodeAt(at).toString(16).toUpperCase().padStart(4, '0');
    const pos = offsetPosition(text, at);
    return {
      ok: false,
      docs: [],
      errors: [{ message: `non-printable character U+${code} (YAML allows it only escaped)`, span: { start: pos, end: pos } }],
    };
  }
  if (options.crdSchemas === 'check-only') {
    const read = readWithoutCrdSchemas(text);
    if (read) return read;
  }
  const fast = readFast(text);
  if (fast === undefined) return parseWithPositions(text);
  if ('docs' in fast) return { ok: true, docs: fast.docs };
  // Nesting too deep for js-yaml: the positional parser would only take longer to fail.
  if (options.template || (fast.error instanceof jsyaml.YAMLException && /nesting exceeded maxDepth/.test(fast.error.reason)))
    return { ok: false, docs: [], errors: [fromJsYamlError(fast.error)] };
  // The positional parser decides what is an error, and reports it where the locator will look.
  return parseWithPositions(text);
}

/**
 * The fast path alone: js-yaml's non-empty documents, or what it threw; undefined for a
 * text that goes to the positional parser. Exported for the parity test.
 */
export function readFast(text: string): { docs: unknown[] } | { error: unknown } | undefined {
  if (needsPositionalParser(text)) return undefined;
  const spellings = keySpellings(text);
  const cover = spellings.length > 0 ? scalarCover(spellings) : undefined;
  const docs: unknown[] = [];
  try {
    jsyaml.loadAll(
      text,
      (d) => {
        if (d !== null && d !== undefined) docs.push(d);
      },
      // Deep CRD schemas are real; nesting past the bracket limit is not.
      { maxDepth: DEEP, schema: TOLERANT_SCHEMA, ...(cover ? { listener: cover.listener } : {}) } as jsyaml.LoadOptions,
    );
  } catch (error) {
    // Where a spelling may be a key, the positional parser decides what the error is.
    return cover ? undefined : { error };
  }
  if (cover && !cover.allInside()) return undefined;
  if (mayHaveFlowMapKey(text) && hasMappingKey(docs)) return undefined;
  return { docs };
}

/**
 * The fast path on the stream without the CRD schemas the scanner could check; undefined
 * when there are none, or the shortened stream does not read cleanly into as many documents
 * (the whole stream is then read as usual, which also places any error).
 */
function readWithoutCrdSchemas(text: string): StreamResult | undefined {
  if (!text.includes('CustomResourceDefinition')) return undefined;
  // The counted documents; a text without markers is one.
  const documents =
    documentSegments(text) ??
    (linesStartingWith(text, '---', true).length === 0 && unmarked(text) ? [{ start: 0, end: text.length }] : undefined);
  const shortened = documents && withoutCrdSchemas(text, documents);
  if (!documents || !shortened) return undefined;
  const fast = readFast(shortened.text);
  if (!fast || !('docs' in fast) || fast.docs.length !== documents.length) return undefined;
  return { ok: true, docs: fast.docs, partial: shortened.partial };
}

function parseWithPositions(text: string): StreamResult {
  const deep = tooDeep(text);
  if (deep) return { ok: false, docs: [], errors: [deep] };
  const lineCounter = new LineCounter();
  const documents = withoutStacks(() => parseAllDocuments(text, { ...POSITIONAL_OPTIONS, lineCounter, prettyErrors: false }));
  const list = Array.isArray(documents) ? documents : [];
  const docs: unknown[] = [];
  const errors: ParseFailure[] = [];
  for (const doc of list) {
    const error = doc.errors[0];
    const empty = isEmptyDocument(doc);
    if (error) {
      // Reported once; the document is left out and the others are still checked.
      errors.push({ message: cleanMessage(error.message), span: rangeSpan(lineCounter, error.pos[0], error.pos[1]) });
      if (!empty) docs.push(undefined);
      continue;
    }
    if (empty) continue;
    try {
      docs.push(doc.toJS({ maxAliasCount: MAX_ALIASES }));
    } catch (err) {
      const pos = doc.contents?.range[0] ?? 0;
      errors.push({
        message:
          err instanceof Error && /alias count/.test(err.message)
            ? `more than ${MAX_ALIASES} alias expansions (a resource-exhaustion pattern); not expanded`
            : errorText(err),
        span: rangeSpan(lineCounter, pos, pos),
      });
      docs.push(undefined);
    }
  }
  return errors.length ? { ok: false, docs, errors } : { ok: true, docs };
}

/**
 * The positional parser makes an error object for every problem of a text that is not YAML
 * (templates fail on each line); their stack traces, never read, cost more than the parse.
 */
function withoutStacks<T>(parse: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return parse();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** A parse failure for brackets nested too deeply, at the first one past the limit. */
function tooDeep(text: string): ParseFailure | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) depth++;
    else if (c === 0x5d || c === 0x7d) depth--;
    if (depth > DEEP) {
      const pos = offsetPosition(text, i);
      return {
        message: `nested more than ${DEEP} levels deep (a resource-exhaustion pattern); not analysed`,
        span: { start: pos, end: pos },
      };
    }
  }
  return undefined;
}

function fromJsYamlError(err: unknown): ParseFailure {
  if (err instanceof jsyaml.YAMLException && err.mark) {
    const pos: Position = { line: err.mark.line + 1, column: err.mark.column + 1 };
    return { message: err.reason || err.message, span: { start: pos, end: pos } };
  }
  return { message: errorText(err), span: { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } } };
}

function cleanMessage(message: string): string {
  return message.replace(/ at line \d+, column \d+.*$/s, '').trim();
}

function rangeSpan(lc: LineCounter, from: number, to: number): Span {
  const a = lc.linePos(from);
  const b = lc.linePos(Math.max(from, to));
  return { start: { line: a.line, column: a.col }, end: { line: b.line, column: b.col } };
}

type Range = [number, number];

/** A counted document's text: `text.slice(start, end)`, parsed on first use. */
interface Segment {
  start: number;
  end: number;
  doc?: Document.Parsed;
}

/**
 * The counted documents of a stream as ranges of its text, when a plain scan can tell them:
 * a line that starts with `---` begins a document wherever it stands (YAML 1.2, 9.1.2: a
 * marker at the start of a line ends any scalar or collection), and a document holds
 * something when a line of it is not blank or a comment. Undefined when the scan cannot be
 * sure: no marker (one document), `...` ends or `%` directives, a document that may be
 * only a null (`--- ~`) or a tag, anchor or alias.
 */
function documentSegments(text: string): Segment[] | undefined {
  const markers = linesStartingWith(text, '---', true);
  if (markers.length === 0 || !unmarked(text)) return undefined;
  const starts = markers[0] === 0 || (markers[0] === 1 && text.charCodeAt(0) === 0xfeff) ? markers : [0, ...markers];
  const out: Segment[] = [];
  for (let i = 0; i < starts.length; i++) {
    const start = starts[i] as number;
    const end = i + 1 < starts.length ? (starts[i + 1] as number) : text.length;
    const content = segmentContent(text, start, end);
    if (content === 'unsure') return undefined;
    if (content === 'one') out.push({ start, end });
  }
  return out;
}

/**
 * Where lines start with `prefix` (followed by a blank or the line's end when `marker`).
 * Lines as YAML counts them: after `\n` or `\r` (not after U+2028 or U+2029, where
 * JavaScript's `^` would also see one).
 */
function linesStartingWith(text: string, prefix: string, marker: boolean): number[] {
  const found: number[] = [];
  for (let i = text.indexOf(prefix); i !== -1; i = text.indexOf(prefix, i + 1)) {
    const before = i === 0 ? 0x0a : text.charCodeAt(i - 1);
    if (before !== 0x0a && before !== 0x0d) continue;
    const after = text.charCodeAt(i + prefix.length);
    if (!marker || Number.isNaN(after) || after === 0x20 || after === 0x09 || after === 0x0a || after === 0x0d) found.push(i);
  }
  return found;
}

/** No `...` document end and no `%` directive starts a line. */
function unmarked(text: string): boolean {
  return linesStartingWith(text, '...', true).length === 0 && linesStartingWith(text, '%', false).length === 0;
}

/** Whether a document's text holds nothing, something, or maybe only a null. */
function segmentContent(text: string, start: number, end: number): 'none' | 'one' | 'unsure' {
  let pos = start;
  if (text.charCodeAt(pos) === 0xfeff) pos++;
  if (text.startsWith('---', pos)) pos += 3;
  let first: string | undefined;
  while (pos < end) {
    let eol = text.indexOf('\n', pos);
    if (eol === -1 || eol > end) eol = end;
    const line = text.slice(pos, eol).trim();
    pos = eol + 1;
    if (line === '' || line.startsWith('#')) continue;
    // A second line of content: a collection, or a scalar on several lines; never a null.
    if (first !== undefined) return /^[!&*]/.test(first) ? 'unsure' : 'one';
    first = line;
  }
  if (first === undefined) return 'none';
  // One line: a plain scalar there may be a null (`~`, `null`).
  if (/^[!&*]/.test(first) || !/^[-[{"'|>]|:(?:[ \t]|$)/.test(first)) return 'unsure';
  return 'one';
}

/**
 * Resolves document paths to spans for one file. Only the documents that are asked about
 * are parsed with positions (a finding in one object of a large bundle parses that object),
 * unless the stream cannot be split safely; then the whole file is, once.
 */
export class YamlLocator {
  private lineCounter: LineCounter | undefined;
  /** Each counted document with the offset of the text it was parsed from (the whole-file reading). */
  private docs: { doc: Document.Parsed; offset: number }[] | undefined;
  private segments: Segment[] | undefined;

  constructor(private readonly text: string) {
    this.segments = documentSegments(text);
  }

  /** The document at a counted position, with the offset of the text it was parsed from. */
  private document(docIndex: number): { doc: Document.Parsed; offset: number } | undefined {
    const segment = this.segments?.[docIndex];
    if (this.segments && segment) {
      if (!segment.doc) {
        const parsed = parseAllDocuments(this.text.slice(segment.start, segment.end), { ...POSITIONAL_OPTIONS, uniqueKeys: false });
        const counted = (Array.isArray(parsed) ? parsed : []).filter((d) => !isEmptyDocument(d));
        const doc = counted[0];
        // Not the one clean document the scan promised: the whole file decides.
        if (counted.length !== 1 || !doc || doc.errors.length > 0) this.segments = undefined;
        else segment.doc = doc;
      }
      if (segment.doc) return { doc: segment.doc, offset: segment.start };
    }
    if (this.segments && !segment) return undefined;
    this.docs ??= this.parseWhole();
    return this.docs[docIndex];
  }

  private lines(): LineCounter {
    if (!this.lineCounter) {
      this.lineCounter = new LineCounter();
      this.lineCounter.addNewLine(0);
      for (let i = this.text.indexOf('\n'); i !== -1; i = this.text.indexOf('\n', i + 1)) this.lineCounter.addNewLine(i + 1);
    }
    return this.lineCounter;
  }

  private parseWhole(): { doc: Document.Parsed; offset: number }[] {
    const text = this.text;
    const options = { ...POSITIONAL_OPTIONS, uniqueKeys: false };
    const all = parseAllDocuments(text, options);
    const list = Array.isArray(all) ? all : [];
    const segments = list.some((d) => d.errors.length) && /^\ufeff?\s*[{[]/.test(text) ? splitJsonStream(text) : [];
    if (segments.length > 1) {
      // A JSON stream (`{…}{…}`) is not one YAML stream: each value is read on its own.
      return segments.flatMap(({ start, end }) => {
        const docs = parseAllDocuments(text.slice(start, end), options);
        return (Array.isArray(docs) ? docs : []).filter((d) => !isEmptyDocument(d)).map((doc) => ({ doc, offset: start }));
      });
    }
    return list.filter((d) => !isEmptyDocument(d)).map((doc) => ({ doc, offset: 0 }));
  }

  /**
   * The span of the key or value at `path`. When the path does not exist, the nearest
   * existing ancestor's key (else its value) stands in for it.
   */
  locate(docIndex: number, path: DocPath, part: 'key' | 'value'): Span | undefined {
    const entry = this.document(docIndex);
    if (!entry) return undefined;
    const { doc, offset } = entry;
    let node: YamlNode | null = doc.contents;
    let fallback: Range | undefined = node?.range ? [node.range[0], node.range[1]] : undefined;
    for (let i = 0; i < path.length; i++) {
      const key = path[i];
      if (node && isAlias(node)) node = node.resolve(doc) ?? null;
      let next: YamlNode | null = null;
      let keyRange: Range | undefined;
      if (node && isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && keyName(p.key.value) === String(key));
        const keyNode = pair?.key as YamlNode | undefined;
        if (keyNode?.range) keyRange = [keyNode.range[0], keyNode.range[1]];
        next = (pair?.value ?? null) as YamlNode | null;
        if (!pair) return fallback && this.span(fallback, offset);
      } else if (node && isSeq(node) && typeof key === 'number') {
        next = (node.items[key] ?? null) as YamlNode | null;
        if (!next) return fallback && this.span(fallback, offset);
      } else {
        return fallback && this.span(fallback, offset);
      }
      const valueRange: Range | undefined = next?.range ? [next.range[0], next.range[1]] : undefined;
      if (i === path.length - 1) {
        const target = part === 'key' ? (keyRange ?? valueRange) : (valueRange ?? keyRange);
        return (target ?? fallback) && this.span((target ?? fallback) as Range, offset);
      }
      fallback = keyRange ?? valueRange ?? fallback;
      node = next;
    }
    return fallback && this.span(fallback, offset);
  }

  private span([from, to]: Range, offset: number): Span {
    return rangeSpan(this.lines(), offset + from, offset + to);
  }
}
