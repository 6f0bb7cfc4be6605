import type { Span, SpanLocation } from '../core/location.js';

/** Offsets to 1-based line/column positions (columns in UTF-16 code units, as SARIF expects). */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(
    readonly file: string,
    readonly text: string,
    /** Added to every line: for text embedded in another file (a here-document). */
    private readonly lineOffset = 0,
    private readonly firstColumnOffset = 0,
  ) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }

  position(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    const column = offset - (this.starts[lo] ?? 0) + 1 + (lo === 0 ? this.firstColumnOffset : 0);
    return { line: lo + 1 + this.lineOffset, column };
  }

  span(start: number, end: number): Span {
    return { start: this.position(start), end: this.position(Math.max(start, end)) };
  }

  at(start: number, end: number = start): SpanLocation {
    return { file: this.file, span: this.span(start, end) };
  }

  /** The whole of a 1-based line (of this text). */
  lineAt(line: number): SpanLocation {
    const start = this.starts[line - 1] ?? 0;
    const next = this.starts[line] ?? this.text.length + 1;
    return this.at(start, Math.max(start, next - 1));
  }
}

/** Each line with the offset it starts at; a trailing `\r` (CRLF files) is dropped. */
export function* lines(text: string): Generator<{ start: number; line: string }> {
  let start = 0;
  for (const raw of text.split('\n')) {
    yield { start, line: raw.endsWith('\r') ? raw.slice(0, -1) : raw };
    start += raw.length + 1;
  }
}
