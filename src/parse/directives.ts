import { LineCounter, Parser } from 'yaml';
import type { Span } from '../core/location.js';
import { shellComments } from './shell.js';

/**
 * Suppression directives written as comments:
 *
 *   # nsl-lint-disable-next-line <rule-id>[, <rule-id>] -- <reason>   (on its own line)
 *   <code>  # nsl-lint-disable-line <rule-id>[, <rule-id>] -- <reason>
 *   # nsl-lint-disable-file <rule-id>[, <rule-id>] -- <reason>
 *
 * Only real comments count: a `#` inside a quoted string, a YAML block scalar or a shell
 * here-document is text. This layer only reads what is written; which rule ids exist and
 * what a directive silences is the engine's business.
 */

export type DirectiveForm = 'disable-next-line' | 'disable-line' | 'disable-file';

export interface CommentDirective {
  /** What the comment says, when it is one of the three forms. */
  form: DirectiveForm | undefined;
  /** The comment as written (without `#`), for messages. */
  text: string;
  ruleIds: string[];
  /** Empty when the directive gives none. */
  reason: string;
  /** The comment itself. */
  span: Span;
  /** The line it silences (`disable-next-line`: the next line that is not a comment; `disable-line`: its own). */
  target: number | undefined;
  /** Why the directive cannot be applied as written (it then silences nothing). */
  problem: string | undefined;
}

/** How each input marks comments. */
export type CommentSyntax = 'yaml' | 'shell' | 'nft' | 'iptables-save' | 'sshd' | 'wireguard';

interface Comment {
  /** Offsets of `#` and of the end of the comment. */
  start: number;
  end: number;
}

const MARK = 'nsl-lint-disable';

/** The directives in a file's comments, in file order. */
export function scanDirectives(text: string, syntax: CommentSyntax): CommentDirective[] {
  // Most files hold none: skip the comment scan for them.
  if (!text.includes(MARK)) return [];
  const lines = new LineStarts(text);
  const comments = commentsOf(text, syntax);
  const commentLines = new Set<number>();
  for (const c of comments)
    if (text.slice(lines.startOf(lines.lineOf(c.start)), c.start).trim() === '') commentLines.add(lines.lineOf(c.start));
  const out: CommentDirective[] = [];
  for (const c of comments) {
    const body = text.slice(c.start + 1, c.end);
    const directive = readDirective(body);
    if (!directive) continue;
    const line = lines.lineOf(c.start);
    const ownLine = commentLines.has(line);
    let target: number | undefined;
    let problem = directive.problem;
    if (directive.form === 'disable-next-line') {
      if (!ownLine) problem ??= '`nsl-lint-disable-next-line` goes on a line of its own, above the line it silences';
      target = line + 1;
      while (commentLines.has(target)) target++;
      if (target > lines.count) target = undefined;
    } else if (directive.form === 'disable-line') {
      if (ownLine) problem ??= '`nsl-lint-disable-line` trails the line it silences; above a line, use `nsl-lint-disable-next-line`';
      target = line;
    }
    out.push({
      ...directive,
      text: body.trim(),
      span: { start: lines.position(c.start), end: lines.position(c.end) },
      target,
      problem,
    });
  }
  return out;
}

/** One comment's text, read as a directive; undefined when it is not one. */
function readDirective(body: string): Pick<CommentDirective, 'form' | 'ruleIds' | 'reason' | 'problem'> | undefined {
  const m = /^\s*nsl-lint-(disable[\w-]*)(.*)$/s.exec(body);
  if (!m) return undefined;
  const word = m[1] as string;
  const form = (['disable-next-line', 'disable-line', 'disable-file'] as const).find((f) => f === word);
  if (!form) {
    return {
      form: undefined,
      ruleIds: [],
      reason: '',
      problem: `\`nsl-lint-${word}\` is not a directive (use nsl-lint-disable-next-line, nsl-lint-disable-line or nsl-lint-disable-file)`,
    };
  }
  const rest = m[2] as string;
  if (rest !== '' && !/^\s/.test(rest)) return undefined;
  const dash = rest.search(/(?:^|\s)--(?:\s|$)/);
  const list = dash === -1 ? rest : rest.slice(0, dash);
  const reason =
    dash === -1
      ? ''
      : rest
          .slice(dash)
          .replace(/^\s*--/, '')
          .trim();
  const ruleIds = list
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  return {
    form,
    ruleIds,
    reason,
    problem: ruleIds.length === 0 ? `\`nsl-lint-${form}\` names no rule` : undefined,
  };
}

function commentsOf(text: string, syntax: CommentSyntax): Comment[] {
  switch (syntax) {
    case 'yaml':
      return yamlComments(text);
    case 'shell': {
      // The shell parser's own reading; a script it cannot parse falls back to the lexer.
      const ranges = shellComments(text);
      if (!ranges) return lexComments(text, { quotes: `'"`, wordStart: true, backslash: true });
      const out: Comment[] = [];
      for (let i = 0; i + 1 < ranges.length; i += 2) out.push({ start: ranges[i] as number, end: ranges[i + 1] as number });
      return out;
    }
    // nft's scanner starts a comment at any `#` outside a double-quoted string.
    case 'nft':
      return lexComments(text, { quotes: '"', wordStart: false, backslash: false });
    // iptables-restore skips lines that start with `#`; elsewhere `#` is part of the rule.
    case 'iptables-save':
      return lexComments(text, { quotes: '', wordStart: false, backslash: false, lineStartOnly: true });
    // sshd splits arguments with quotes and ends the line at a `#` that starts a word.
    case 'sshd':
      return lexComments(text, { quotes: `'"`, wordStart: true, backslash: true });
    // wg and wg-quick cut every line at its first `#`.
    case 'wireguard':
      return lexComments(text, { quotes: '', wordStart: false, backslash: false });
  }
}

/** Comments as the YAML parser reads them (never inside quoted or block scalars). */
function yamlComments(text: string): Comment[] {
  const out: Comment[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const v of value) visit(v);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    const token = value as { type?: unknown; offset?: unknown; source?: unknown };
    if (token.type === 'comment' && typeof token.offset === 'number' && typeof token.source === 'string') {
      out.push({ start: token.offset, end: token.offset + token.source.length });
      return;
    }
    for (const v of Object.values(value)) if (typeof v === 'object') visit(v);
  };
  for (const token of new Parser().parse(text)) visit(token);
  return out.sort((a, b) => a.start - b.start);
}

interface LexOptions {
  /** Characters that open (and close) a quoted string. */
  quotes: string;
  /** `#` starts a comment only at the start of a word (after blank space or a line start). */
  wordStart: boolean;
  /** A backslash escapes the next character outside single quotes. */
  backslash: boolean;
  /** Only a line whose first non-blank character is `#` is a comment. */
  lineStartOnly?: boolean;
}

/** A small lexer for line-oriented formats: strings may span lines; a comment ends at the line break. */
function lexComments(text: string, options: LexOptions): Comment[] {
  const out: Comment[] = [];
  let quote = '';
  let lineStart = true;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote) {
      if (c === '\\' && options.backslash && quote !== "'") i++;
      else if (c === quote) quote = '';
      continue;
    }
    if (c === '\n') {
      lineStart = true;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') continue;
    if (c === '#') {
      const prev = i === 0 ? '\n' : (text[i - 1] as string);
      const atWordStart = /\s/.test(prev) || (options.wordStart && /[;&|()]/.test(prev));
      if (options.lineStartOnly ? lineStart : !options.wordStart || atWordStart) {
        let end = text.indexOf('\n', i);
        if (end === -1) end = text.length;
        if (text[end - 1] === '\r') end--;
        out.push({ start: i, end });
        i = end - 1;
        lineStart = false;
        continue;
      }
    }
    lineStart = false;
    if (c === '\\' && options.backslash) i++;
    else if (options.quotes.includes(c)) quote = c;
  }
  return out;
}

/** 1-based lines and UTF-16 columns from offsets. */
class LineStarts {
  private readonly counter = new LineCounter();
  readonly count: number;

  constructor(text: string) {
    this.counter.addNewLine(0);
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.counter.addNewLine(i + 1);
    // A final line break ends the last line; it does not open another.
    this.count = this.counter.lineStarts.length - (text.endsWith('\n') ? 1 : 0);
  }

  lineOf(offset: number): number {
    return this.counter.linePos(offset).line;
  }

  startOf(line: number): number {
    return this.counter.lineStarts[line - 1] ?? 0;
  }

  position(offset: number): { line: number; column: number } {
    const { line, col } = this.counter.linePos(offset);
    return { line, column: col };
  }
}
