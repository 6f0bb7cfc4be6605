import type { Position, Span } from '../core/location.js';

/** What the YAML and JSON readers share: their result shape, bounds and positions. */

export interface ParseFailure {
  message: string;
  span: Span;
}

/**
 * `docs[i]` is the i-th non-empty document (the ordinal the locator uses); a document that
 * failed to parse holds `undefined` and its first error is in `errors`. `ok` is false when
 * anything failed.
 */
export type StreamResult =
  | {
      ok: true;
      docs: unknown[];
      /** Ordinals of documents read without part of their content (a CRD's `spec`, checked only for syntax). */
      partial?: number[];
    }
  | { ok: false; docs: unknown[]; errors: ParseFailure[] };

/** Nesting (brackets) beyond this is refused before a parser sees it. */
export const DEEP = 1000;

/** 1-based line and column (UTF-16 code units) of an offset. */
export function offsetPosition(text: string, offset: number): Position {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}
