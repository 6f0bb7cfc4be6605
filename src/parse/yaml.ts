import jsyaml from 'js-yaml';
import { LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseAllDocuments } from 'yaml';
import type { Document, ScalarTag, Tags, Node as YamlNode } from 'yaml';
import { errorText } from '../core/errors.js';
import type { DocPath, Position, Span } from '../core/location.js';
import { DEEP, offsetPosition, type ParseFailure, type StreamResult } from './stream.js';
import { splitJsonStream } from './json.js';

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
 * - null and collection keys: js-yaml names them `null` and `[object Object]`, the
 *   positional parser `""` and `{ a: 1 }`; a flow sequence after `{` or `,` may be a key
 *   (`{a: 1, [b]}`), and so may a flow mapping (`{{ x }}`), which js-yaml's values show
 *   (FLOW_MAP_KEY) so that `[{…}, {…}]` keeps the fast path;
 * - a block collection on the `---` line, which YAML 1.2 forbids and js-yaml allows;
 * - implicit keys longer than 1024 characters, which YAML 1.2 (and go-yaml) refuse;
 * - a tag on an empty document just before `---` or `...`, which js-yaml drops.
 */
function needsPositionalParser(text: string): boolean {
  return (
    (text.includes('&') && /(^|[\s[{,:-])&[^\s,[\]{}&]/m.test(text)) ||
    (text.includes('%') && /^%/m.test(text)) ||
    // Null keys (`~:`, `null:`), empty keys (`: x`), and collections closed before a colon.
    /(?:~|null|Null|NULL)[ \t]*:(?:[ \t]|$)/m.test(text) ||
    /(?:^|\n)[ \t-]*:(?:[ \t\r\n]|$)/.test(text) ||
    /[{,\]}][ \t]*:(?:[ \t\r\n]|$)/.test(text) ||
    // Explicit keys (`? k`), and a flow sequence where a flow mapping expects a key.
    (/\?(?:[ \t\r\n]|$)/.test(text) && /(?:^[ \t]*(?:-[ \t]+)*|[{,[][ \t]*)\?(?:[ \t]|$)/m.test(text)) ||
    /[{,]\s*\[/.test(text) ||
    /^---[ \t]+(?:-[ \t]|[^\n#]*?:(?:[ \t]|$))/m.test(text) ||
    hasLongKey(text) ||
    (text.includes('!') && /^(?:---[ \t]+)?![^\s]*[ \t]*(?:#[^\n]*)?\r?\n(?:[ \t]*(?:#[^\n]*)?\r?\n)*(?:---|\.\.\.)(?:\s|$)/m.test(text))
  );
}

/** Whether a line holds an implicit key longer than 1024 characters (lines that long are rare). */
function hasLongKey(text: string): boolean {
  for (let start = 0; start < text.length;) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    if (end - start > 1024 && /^(?:[^:\n]|:(?=[^\s])){1025,}:(?:[ \t]|$)/.test(text.slice(start, end))) return true;
    start = end + 1;
  }
  return false;
}

/** A flow mapping that may be a key: js-yaml's values are then searched for `[object Object]`. */
const FLOW_MAP_KEY = /[{,]\s*\{/;

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
 * the positional parser would not, so the stream is checked once for both.
 */
const NON_PRINTABLE =
  // eslint-disable-next-line no-control-regex -- the control characters are what this finds
  /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x84\x86-\x9F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:[^\uD800-\uDBFF]|^)[\uDC00-\uDFFF]/;
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

export function parseYamlStream(text: string): StreamResult {
  const bad = NON_PRINTABLE.exec(text);
  if (bad) {
    // The match may start with the character before a lone low surrogate.
    const at = bad.index + (bad[0].length > 1 ? 1 : 0);
    const code = text.charCodeAt(at).toString(16).toUpperCase().padStart(4, '0');
    const pos = offsetPosition(text, at);
    return {
      ok: false,
      docs: [],
      errors: [{ message: `non-printable character U+${code} (YAML allows it only escaped)`, span: { start: pos, end: pos } }],
    };
  }
  const fast = readFast(text);
  if (fast === undefined) return parseWithPositions(text);
  if ('docs' in fast) return { ok: true, docs: fast.docs };
  // Nesting too deep for js-yaml: the positional parser would only take longer to fail.
  if (fast.error instanceof jsyaml.YAMLException && /nesting exceeded maxDepth/.test(fast.error.reason))
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
  const docs: unknown[] = [];
  try {
    jsyaml.loadAll(
      text,
      (d) => {
        if (d !== null && d !== undefined) docs.push(d);
      },
      // Deep CRD schemas are real; nesting past the bracket limit is not.
      { maxDepth: DEEP, schema: TOLERANT_SCHEMA } as jsyaml.LoadOptions,
    );
  } catch (error) {
    return { error };
  }
  if (FLOW_MAP_KEY.test(text) && hasMappingKey(docs)) return undefined;
  return { docs };
}

function parseWithPositions(text: string): StreamResult {
  const deep = tooDeep(text);
  if (deep) return { ok: false, docs: [], errors: [deep] };
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { ...POSITIONAL_OPTIONS, lineCounter, prettyErrors: false });
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

/** Resolves document paths to spans for one file; built on first use, then reused. */
export class YamlLocator {
  private lineCounter = new LineCounter();
  /** Each counted document with the offset of the text it was parsed from. */
  private readonly docs: { doc: Document.Parsed; offset: number }[];

  constructor(text: string) {
    const options = { ...POSITIONAL_OPTIONS, uniqueKeys: false };
    const all = parseAllDocuments(text, { ...options, lineCounter: this.lineCounter });
    const list = Array.isArray(all) ? all : [];
    const segments = list.some((d) => d.errors.length) && /^\ufeff?\s*[{[]/.test(text) ? splitJsonStream(text) : [];
    if (segments.length > 1) {
      // A JSON stream (`{…}{…}`) is not one YAML stream: each value is read on its own.
      this.lineCounter = new LineCounter();
      this.lineCounter.addNewLine(0);
      for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.lineCounter.addNewLine(i + 1);
      this.docs = segments.flatMap(({ start, end }) => {
        const docs = parseAllDocuments(text.slice(start, end), options);
        return (Array.isArray(docs) ? docs : []).filter((d) => !isEmptyDocument(d)).map((doc) => ({ doc, offset: start }));
      });
    } else {
      this.docs = list.filter((d) => !isEmptyDocument(d)).map((doc) => ({ doc, offset: 0 }));
    }
  }

  /**
   * The span of the key or value at `path`. When the path does not exist, the nearest
   * existing ancestor's key (else its value) stands in for it.
   */
  locate(docIndex: number, path: DocPath, part: 'key' | 'value'): Span | undefined {
    const entry = this.docs[docIndex];
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
    return rangeSpan(this.lineCounter, offset + from, offset + to);
  }
}
