/** 1-based line and column; columns count UTF-16 code units, as SARIF's default `columnKind`. */
export interface Position {
  line: number;
  column: number;
}

export interface Span {
  start: Position;
  end: Position;
}

/** A path into a parsed document: mapping keys and sequence indices. */
export type DocPath = readonly (string | number)[];

/**
 * Where a finding points. Structured documents are located lazily by path (resolved to a
 * span only when a finding needs it); line-oriented inputs (firewall rules, configs) carry
 * their span directly.
 */
export type Location = SpanLocation | PathLocation;

export interface SpanLocation {
  /** Repository-relative POSIX path. */
  file: string;
  span: Span;
}

export interface PathLocation {
  file: string;
  /** Ordinal of the document among the file's non-empty documents. */
  doc: number;
  path: DocPath;
  /** `key` points at a mapping key, `value` at the value (or sequence item) itself. */
  part: 'key' | 'value';
}

export function isPathLocation(loc: Location): loc is PathLocation {
  return 'path' in loc;
}

export function pointSpan(line: number, column = 1, endColumn = column): Span {
  return { start: { line, column }, end: { line, column: endColumn } };
}

/** Whether a position lies inside a span (both ends included). */
export function spanContains(span: Span, p: Position): boolean {
  const after = p.line > span.start.line || (p.line === span.start.line && p.column >= span.start.column);
  const before = p.line < span.end.line || (p.line === span.end.line && p.column <= span.end.column);
  return after && before;
}
