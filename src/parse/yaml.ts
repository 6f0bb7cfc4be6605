import jsyaml from 'js-yaml';
import { LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseAllDocuments } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import type { DocPath, Position, Span } from '../engine/location.js';

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

export type StreamResult = { ok: true; docs: unknown[] } | { ok: false; error: ParseFailure };

/** Anchors make alias expansion possible; such files take the guarded, slower path. */
const ANCHOR = /(^|[\s[{,:-])&[^\s,[\]{}]/m;
const MAX_ALIASES = 100;

export function parseYamlStream(text: string): StreamResult {
  if (!ANCHOR.test(text)) {
    try {
      const docs: unknown[] = [];
      jsyaml.loadAll(text, (d) => {
        if (d !== null && d !== undefined) docs.push(d);
      });
      return { ok: true, docs };
    } catch (err) {
      const precise = parseWithPositions(text);
      if (!precise.ok) return precise;
      // The two parsers disagree; trust the one that reports a position.
      return { ok: false, error: fromJsYamlError(err) };
    }
  }
  return parseWithPositions(text);
}

function parseWithPositions(text: string): StreamResult {
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const list = Array.isArray(documents) ? documents : [];
  const docs: unknown[] = [];
  for (const doc of list) {
    const error = doc.errors[0];
    if (error) {
      return { ok: false, error: { message: cleanMessage(error.message), span: rangeSpan(lineCounter, error.pos[0], error.pos[1]) } };
    }
    if (doc.contents === null) continue;
    try {
      docs.push(doc.toJS({ maxAliasCount: MAX_ALIASES }));
    } catch (err) {
      const pos = doc.contents.range[0];
      return { ok: false, error: { message: `more than ${MAX_ALIASES} alias expansions (a resource-exhaustion pattern); not expanded`, span: rangeSpan(lineCounter, pos, pos) } };
    }
  }
  return { ok: true, docs };
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
    return { ok: false, error: jsonError(text, err) };
  }
  return parseYamlStream(text);
}

function jsonError(text: string, err: unknown): ParseFailure {
  const message = errorText(err);
  const at = /position (\d+)/.exec(message);
  const offset = at ? Number(at[1]) : text.length;
  const before = text.slice(0, offset).split('\n');
  const pos: Position = { line: before.length, column: (before[before.length - 1] ?? '').length + 1 };
  return { message: message.replace(/ in JSON at position \d+.*$/s, '').replace(/^Unexpected token/, 'unexpected token'), span: { start: pos, end: pos } };
}

/** Resolves document paths to spans for one file; built on first use, then reused. */
export class YamlLocator {
  private readonly lineCounter = new LineCounter();
  private readonly docs: Document.Parsed[];

  constructor(text: string) {
    const all = parseAllDocuments(text, { lineCounter: this.lineCounter, uniqueKeys: false });
    this.docs = (Array.isArray(all) ? all : []).filter((d) => d.contents !== null);
  }

  /** The span of the key or value at `path`; falls back to the deepest ancestor found. */
  locate(docIndex: number, path: DocPath, part: 'key' | 'value'): Span | undefined {
    const doc = this.docs[docIndex];
    if (!doc) return undefined;
    let node: YamlNode | null = doc.contents;
    let best: [number, number] | undefined = node?.range ? [node.range[0], node.range[1]] : undefined;
    for (let i = 0; i < path.length; i++) {
      const key = path[i];
      const last = i === path.length - 1;
      if (node && isAlias(node)) node = node.resolve(doc) ?? null;
      if (node && isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key));
        if (!pair) return best && this.span(best);
        const keyNode = pair.key as YamlNode;
        const value = (pair.value ?? null) as YamlNode | null;
        if (last && part === 'key' && keyNode.range) return this.span([keyNode.range[0], keyNode.range[1]]);
        if (keyNode.range) best = [keyNode.range[0], keyNode.range[1]];
        node = value;
        if (value?.range) best = [value.range[0], value.range[1]];
      } else if (node && isSeq(node) && typeof key === 'number') {
        const item = (node.items[key] ?? null) as YamlNode | null;
        if (!item) return best && this.span(best);
        node = item;
        if (item.range) best = [item.range[0], item.range[1]];
      } else {
        return best && this.span(best);
      }
    }
    return best && this.span(best);
  }

  private span([from, to]: [number, number]): Span {
    return rangeSpan(this.lineCounter, from, to);
  }
}
