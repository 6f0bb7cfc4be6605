import jsyaml from 'js-yaml';
import { LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseAllDocuments } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import type { DocPath, Position, Span } from '../core/location.js';

/**
 * Manifests are parsed twice at most: js-yaml builds the values fast for every file, and
 * the `yaml` library (which keeps source ranges) is consulted only for files that have a
 * finding or an error. Both agree on YAML 1.2; documents are matched by their ordinal
 * among non-empty documents because the two disagree only about empty ones.
 */

export interface ParseFailure {
  message: string;
  span: Span;
}

/**
 * `docs[i]` is the i-th non-empty document (the ordinal the locator uses); a document that
 * failed to parse holds `undefined` and its first error is in `errors`. `ok` is false when
 * anything failed.
 */
export type StreamResult = { ok: true; docs: unknown[] } | { ok: false; docs: unknown[]; errors: ParseFailure[] };

/**
 * Custom tags (`!Ref`, `!ENV`, `!!python/name:…`) belong to other tools (CloudFormation,
 * mkdocs, Ansible): the tagged node is read as its plain scalar, sequence or mapping, as the
 * positional parser does, instead of failing the file.
 */
const ANY_TAG = (['scalar', 'sequence', 'mapping'] as const).flatMap((kind) =>
  ['!', 'tag:yaml.org,2002:'].map((prefix) => new jsyaml.Type(prefix, { kind, multi: true, construct: (data: unknown) => data })),
);
const TOLERANT_SCHEMA = jsyaml.DEFAULT_SCHEMA.extend(ANY_TAG);

/** Anchors make alias expansion possible; such files take the guarded, slower path. */
const ANCHOR = /(^|[\s[{,:-])&[^\s,[\]{}&]/m;
const MAX_ALIASES = 100;

export function parseYamlStream(text: string): StreamResult {
  if (!ANCHOR.test(text)) {
    try {
      const docs: unknown[] = [];
      jsyaml.loadAll(
        text,
        (d) => {
          if (d !== null && d !== undefined) docs.push(d);
        },
        // Deep CRD schemas are real; nesting past the bracket limit is not.
        { maxDepth: DEEP, schema: TOLERANT_SCHEMA } as jsyaml.LoadOptions,
      );
      return { ok: true, docs };
    } catch (err) {
      // Nesting too deep for js-yaml: the positional parser would only take longer to fail.
      if (err instanceof jsyaml.YAMLException && /nesting exceeded maxDepth/.test(err.reason))
        return { ok: false, docs: [], errors: [fromJsYamlError(err)] };
      const precise = parseWithPositions(text);
      if (!precise.ok) return precise;
      // The two parsers disagree; trust the one that reports a position.
      return { ok: false, docs: [], errors: [fromJsYamlError(err)] };
    }
  }
  return parseWithPositions(text);
}

function parseWithPositions(text: string): StreamResult {
  const deep = tooDeep(text);
  if (deep) return { ok: false, docs: [], errors: [deep] };
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const list = Array.isArray(documents) ? documents : [];
  const docs: unknown[] = [];
  const errors: ParseFailure[] = [];
  for (const doc of list) {
    const error = doc.errors[0];
    if (doc.contents === null && !error) continue;
    if (error) {
      // Reported once; the document is left out and the others are still checked.
      errors.push({ message: cleanMessage(error.message), span: rangeSpan(lineCounter, error.pos[0], error.pos[1]) });
      if (doc.contents !== null) docs.push(undefined);
      continue;
    }
    try {
      docs.push(doc.toJS({ maxAliasCount: MAX_ALIASES }));
    } catch {
      const pos = doc.contents?.range[0] ?? 0;
      errors.push({
        message: `more than ${MAX_ALIASES} alias expansions (a resource-exhaustion pattern); not expanded`,
        span: rangeSpan(lineCounter, pos, pos),
      });
      docs.push(undefined);
    }
  }
  return errors.length ? { ok: false, docs, errors } : { ok: true, docs };
}

/** Flow nesting (brackets) beyond this is refused before the positional parser sees it. */
const DEEP = 1000;

/** A parse failure for brackets nested too deeply, at the first one past the limit. */
function tooDeep(text: string): ParseFailure | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) depth++;
    else if (c === 0x5d || c === 0x7d) depth--;
    if (depth > DEEP) {
      const before = text.slice(0, i).split('\n');
      const pos: Position = { line: before.length, column: (before[before.length - 1] ?? '').length + 1 };
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

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function cleanMessage(message: string): string {
  return message.replace(/ at line \d+, column \d+.*$/s, '').trim();
}

function rangeSpan(lc: LineCounter, from: number, to: number): Span {
  const a = lc.linePos(from);
  const b = lc.linePos(Math.max(from, to));
  return { start: { line: a.line, column: a.col }, end: { line: b.line, column: b.col } };
}

/**
 * JSON manifests: JSON's own grammar first (YAML would accept trailing commas and
 * comments), then the YAML path, which also rejects duplicate keys.
 */
export function parseJsonStream(text: string): StreamResult {
  try {
    JSON.parse(text);
  } catch (err) {
    return { ok: false, docs: [], errors: [jsonError(text, err)] };
  }
  return parseYamlStream(text);
}

function jsonError(text: string, err: unknown): ParseFailure {
  const message = errorText(err);
  const at = /position (\d+)/.exec(message);
  const offset = at ? Number(at[1]) : text.length;
  const before = text.slice(0, offset).split('\n');
  const pos: Position = { line: before.length, column: (before[before.length - 1] ?? '').length + 1 };
  return {
    message: message.replace(/ in JSON at position \d+.*$/s, '').replace(/^Unexpected token/, 'unexpected token'),
    span: { start: pos, end: pos },
  };
}

type Range = [number, number];

/** Resolves document paths to spans for one file; built on first use, then reused. */
export class YamlLocator {
  private readonly lineCounter = new LineCounter();
  private readonly docs: Document.Parsed[];

  constructor(text: string) {
    const all = parseAllDocuments(text, { lineCounter: this.lineCounter, uniqueKeys: false });
    this.docs = (Array.isArray(all) ? all : []).filter((d) => d.contents !== null);
  }

  /**
   * The span of the key or value at `path`. When the path does not exist, the nearest
   * existing ancestor's key (else its value) stands in for it.
   */
  locate(docIndex: number, path: DocPath, part: 'key' | 'value'): Span | undefined {
    const doc = this.docs[docIndex];
    if (!doc) return undefined;
    let node: YamlNode | null = doc.contents;
    let fallback: Range | undefined = node?.range ? [node.range[0], node.range[1]] : undefined;
    for (let i = 0; i < path.length; i++) {
      const key = path[i];
      if (node && isAlias(node)) node = node.resolve(doc) ?? null;
      let next: YamlNode | null = null;
      let keyRange: Range | undefined;
      if (node && isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key));
        const keyNode = pair?.key as YamlNode | undefined;
        if (keyNode?.range) keyRange = [keyNode.range[0], keyNode.range[1]];
        next = (pair?.value ?? null) as YamlNode | null;
        if (!pair) return fallback && this.span(fallback);
      } else if (node && isSeq(node) && typeof key === 'number') {
        next = (node.items[key] ?? null) as YamlNode | null;
        if (!next) return fallback && this.span(fallback);
      } else {
        return fallback && this.span(fallback);
      }
      const valueRange: Range | undefined = next?.range ? [next.range[0], next.range[1]] : undefined;
      if (i === path.length - 1) {
        const target = part === 'key' ? (keyRange ?? valueRange) : (valueRange ?? keyRange);
        return (target ?? fallback) && this.span((target ?? fallback) as Range);
      }
      fallback = keyRange ?? valueRange ?? fallback;
      node = next;
    }
    return fallback && this.span(fallback);
  }

  private span([from, to]: Range): Span {
    return rangeSpan(this.lineCounter, from, to);
  }
}
