/**
 * A parser for the part of the shell language firewall scripts use: simple commands,
 * assignments (also arrays), lists and pipelines, `if`/`case`/`while`/`until`/`for`,
 * groups, subshells, functions and here-documents. Words keep their quoting so the
 * interpreter (shell-run.ts) can expand them as the shell would. Syntax is checked
 * beforehand by mvdan/sh (shell-syntax.ts); this parser only needs to read valid scripts.
 *
 * Input may be hostile: nesting is bounded (compound commands, `${…}` inside `${…}`, arrays
 * inside arrays), and what goes deeper is a ShellParseError at the offending spot, never
 * a JavaScript stack overflow.
 */

/** Compound commands (`{`, `(`, `if`, loops, functions, `!`) nested deeper than this are refused. */
export const MAX_COMMAND_NESTING = 500;
/** Word expansions (`${a:-${b:-…}}`, `X=(Y=(…))`) nested deeper than this are refused. */
export const MAX_WORD_NESTING = 32;
/**
 * A command keeps at most this many words (assignments and redirections included), an array
 * or a `for` list this many items; the rest is read and dropped, and the command, array or
 * list is marked `truncated` (the interpreter treats it as unknown).
 */
export const MAX_COMMAND_WORDS = 100_000;
/** Statement breaks are kept at least this many characters apart. */
const BREAK_GAP = 256;

export type WordPart =
  | { kind: 'lit'; value: string; quoted: boolean }
  | { kind: 'param'; name: string; quoted: boolean; op?: string; arg?: WordPart[]; index?: string }
  | { kind: 'unknown'; what: string; quoted: boolean; raw: string };

/** `$(which iptables)`, `` `command -v nft` ``, `$(type -P ip6tables)`: a path lookup of a fixed command. */
const COMMAND_LOOKUP = /^(?:\$\(|`)\s*(?:which|command\s+-v|type\s+-[pP])\s+([A-Za-z0-9_.+-]+)\s*(?:\)|`)$/;

/** A command substitution: the command's name when it only looks a command up, else unknown. */
function commandSubstitution(raw: string, quoted: boolean): WordPart {
  const lookup = COMMAND_LOOKUP.exec(raw);
  if (lookup) return { kind: 'lit', value: lookup[1] as string, quoted };
  return { kind: 'unknown', what: 'command substitution', quoted, raw };
}

export interface Word {
  parts: WordPart[];
  start: number;
  end: number;
  /** `X=(a b c)`: the elements of an array assignment. */
  array?: Word[];
  /** The array had more than MAX_COMMAND_WORDS elements: the rest were dropped. */
  truncated?: true;
}

export interface Redirect {
  op: string;
  target?: Word;
  /** Here-document body and where it starts in the file. */
  heredoc?: { text: string; start: number; expand: boolean };
}

export interface Assignment {
  name: string;
  value: Word | undefined;
  start: number;
}

export type ShNode =
  | {
      type: 'simple';
      assigns: Assignment[];
      words: Word[];
      redirs: Redirect[];
      start: number;
      end: number;
      /** More than MAX_COMMAND_WORDS words: the rest were dropped. */
      truncated?: true;
    }
  | { type: 'for'; name: string; items: Word[] | undefined; body: ShNode[]; start: number; truncated?: true }
  | { type: 'if'; branches: ShNode[][]; start: number }
  | { type: 'loop'; cond: ShNode[]; body: ShNode[]; redirs: Redirect[]; start: number }
  | { type: 'case'; word: Word; arms: ShNode[][]; start: number }
  | { type: 'group'; body: ShNode[]; start: number }
  | { type: 'func'; name: string; body: ShNode[]; start: number };

export class ShellParseError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/**
 * A place where a top-level statement starts and the text before it is complete on its own
 * (no pending here-document, no `&&`/`||`/`|` joining it to the previous statement): the
 * script can be cut there and each piece checked apart. `tokens` and `statements` count
 * what the script holds before this place.
 */
export interface StatementBreak {
  offset: number;
  tokens: number;
  statements: number;
}

export interface ParsedScript {
  nodes: ShNode[];
  /** Places where the script can be cut between top-level statements, in order (the first is offset 0). */
  breaks: StatementBreak[];
  /** Tokens and simple commands in the whole script. */
  tokens: number;
  statements: number;
}

type Token = { t: 'word'; word: Word; raw: string } | { t: 'op'; op: string; start: number; end: number } | { t: 'eof'; start: number };

const META = new Set([' ', '\t', '\n', ';', '&', '|', '<', '>', '(', ')']);
const OPS = [
  '<<<',
  '<<-',
  '&>>',
  ';;&',
  ';;',
  ';&',
  '&&',
  '||',
  '>>',
  '<<',
  '<&',
  '>&',
  '&>',
  '<>',
  '>|',
  '|&',
  ';',
  '&',
  '|',
  '<',
  '>',
  '(',
  ')',
  '\n',
];
const RESERVED = new Set([
  'if',
  'then',
  'else',
  'elif',
  'fi',
  'do',
  'done',
  'case',
  'esac',
  'while',
  'until',
  'for',
  'in',
  '{',
  '}',
  '!',
  'function',
  'select',
]);

class Lexer {
  pos = 0;
  /** Tokens read so far. */
  tokens = 0;
  private pendingHeredocs: Redirect[] = [];
  private peeked: Token | undefined;

  constructor(
    private readonly src: string,
    /** How deep this text sits inside other words (`${x:-…}` defaults are read by a nested lexer). */
    private readonly nesting = 0,
    /** Offset of `src` in the script, for error positions. */
    private readonly base = 0,
    /** When given, the [start, end) offsets of the comments skipped are added to it. */
    private readonly comments?: number[],
  ) {}

  private fail(message: string, offset: number): ShellParseError {
    return new ShellParseError(message, this.base + offset);
  }

  /** A here-document is announced on the current line and its body not read yet. */
  get heredocPending(): boolean {
    return this.pendingHeredocs.length > 0;
  }

  peek(): Token {
    this.peeked ??= this.lex();
    return this.peeked;
  }

  next(): Token {
    const t = this.peek();
    this.peeked = undefined;
    return t;
  }

  /** Register a here-document whose body starts after the current line. */
  heredoc(redir: Redirect, delimiter: string, stripTabs: boolean, expand: boolean): void {
    (redir as Redirect & { _delim?: string; _strip?: boolean; _expand?: boolean })._delim = delimiter;
    (redir as Redirect & { _strip?: boolean })._strip = stripTabs;
    (redir as Redirect & { _expand?: boolean })._expand = expand;
    this.pendingHeredocs.push(redir);
  }

  private readHeredocs(): void {
    for (const r of this.pendingHeredocs) {
      const x = r as Redirect & { _delim: string; _strip: boolean; _expand: boolean };
      const start = this.pos;
      let body = '';
      for (;;) {
        if (this.pos >= this.src.length) break;
        const nl = this.src.indexOf('\n', this.pos);
        const lineEnd = nl < 0 ? this.src.length : nl;
        let line = this.src.slice(this.pos, lineEnd);
        this.pos = nl < 0 ? this.src.length : nl + 1;
        if (x._strip) line = line.replace(/^\t+/, '');
        if (line === x._delim) break;
        body += `${line}\n`;
      }
      r.heredoc = { text: body, start, expand: x._expand };
    }
    this.pendingHeredocs = [];
  }

  private lex(): Token {
    const s = this.src;
    this.tokens++;
    this.skipBlanks(false);
    if (this.pos >= s.length) return { t: 'eof', start: this.pos };
    for (const op of OPS) {
      if (s.startsWith(op, this.pos)) {
        // `<(` and `>(` start a process substitution word.
        if ((op === '<' || op === '>') && s[this.pos + 1] === '(') break;
        const start = this.pos;
        this.pos += op.length;
        if (op === '\n' && this.pendingHeredocs.length) this.readHeredocs();
        return { t: 'op', op, start, end: this.pos };
      }
    }
    const start = this.pos;
    const word = this.word();
    return { t: 'word', word, raw: s.slice(start, this.pos) };
  }

  /** Skip blanks, `\`-newline continuations and comments; inside `X=( … )` newlines are blanks too. */
  private skipBlanks(newlines: boolean): void {
    const s = this.src;
    for (;;) {
      while (
        this.pos < s.length &&
        (s[this.pos] === ' ' || s[this.pos] === '\t' || s[this.pos] === '\r' || (newlines && s[this.pos] === '\n'))
      )
        this.pos++;
      if (s.startsWith('\\\n', this.pos)) this.pos += 2;
      else if (s[this.pos] === '#') {
        const start = this.pos;
        while (this.pos < s.length && s[this.pos] !== '\n') this.pos++;
        this.comments?.push(start, this.pos);
      } else return;
    }
  }

  /** Read one word up to an unquoted metacharacter. */
  private word(nesting = 0): Word {
    const s = this.src;
    const start = this.pos;
    const parts: WordPart[] = [];
    let lit = '';
    const flush = (): void => {
      if (lit) parts.push({ kind: 'lit', value: lit, quoted: false });
      lit = '';
    };
    while (this.pos < s.length) {
      const c = s[this.pos] as string;
      if ((c === '<' || c === '>') && s[this.pos + 1] === '(' && this.pos === start) {
        const end = this.matching(this.pos + 1, '(', ')');
        parts.push({ kind: 'unknown', what: 'process substitution', quoted: false, raw: s.slice(this.pos, end) });
        this.pos = end;
        continue;
      }
      if (META.has(c)) {
        // Array assignment `X=(a b)`.
        if (c === '(' && lit.endsWith('=') && parts.length === 0 && /^[A-Za-z_][A-Za-z0-9_]*\+?=$/.test(lit)) {
          if (nesting >= MAX_WORD_NESTING) throw this.fail(`arrays nested deeper than ${MAX_WORD_NESTING} levels`, start);
          flush();
          this.pos++;
          const array: Word[] = [];
          let truncated = false;
          for (;;) {
            this.skipBlanks(true);
            if (this.pos >= s.length) throw this.fail('unclosed array', start);
            if (s[this.pos] === ')') {
              this.pos++;
              break;
            }
            const before = this.pos;
            const element = this.word(nesting + 1);
            if (array.length < MAX_COMMAND_WORDS) array.push(element);
            else truncated = true;
            // A metacharacter other than `)` cannot start an element: stop rather than loop.
            if (this.pos === before) throw this.fail('unexpected character in array', before);
          }
          return truncated ? { parts, start, end: this.pos, array, truncated } : { parts, start, end: this.pos, array };
        }
        break;
      }
      if (c === '\\') {
        if (s[this.pos + 1] === '\n') {
          this.pos += 2;
          continue;
        }
        flush();
        parts.push({ kind: 'lit', value: s[this.pos + 1] ?? '', quoted: true });
        this.pos += 2;
        continue;
      }
      if (c === "'") {
        flush();
        const end = s.indexOf("'", this.pos + 1);
        if (end < 0) throw this.fail('unclosed quote', this.pos);
        parts.push({ kind: 'lit', value: s.slice(this.pos + 1, end), quoted: true });
        this.pos = end + 1;
        continue;
      }
      if (c === '"') {
        flush();
        this.pos++;
        this.doubleQuoted(parts);
        continue;
      }
      if (c === '$' && s[this.pos + 1] === "'") {
        flush();
        const { value, end } = ansiC(s, this.pos + 2);
        parts.push({ kind: 'lit', value, quoted: true });
        this.pos = end;
        continue;
      }
      if (c === '$' && s[this.pos + 1] === '"') {
        flush();
        this.pos += 2;
        this.doubleQuoted(parts);
        continue;
      }
      if (c === '$' || c === '`') {
        const part = this.dollar(false);
        if (part) {
          flush();
          parts.push(part);
          continue;
        }
      }
      lit += c;
      this.pos++;
    }
    flush();
    return { parts, start, end: this.pos };
  }

  private doubleQuoted(parts: WordPart[]): void {
    const s = this.src;
    let lit = '';
    const flush = (): void => {
      parts.push({ kind: 'lit', value: lit, quoted: true });
      lit = '';
    };
    while (this.pos < s.length && s[this.pos] !== '"') {
      const c = s[this.pos] as string;
      if (c === '\\' && '$`"\\\n'.includes(s[this.pos + 1] ?? '')) {
        if (s[this.pos + 1] !== '\n') lit += s[this.pos + 1];
        this.pos += 2;
        continue;
      }
      if (c === '$' || c === '`') {
        const part = this.dollar(true);
        if (part) {
          if (lit) flush();
          parts.push(part);
          continue;
        }
      }
      lit += c;
      this.pos++;
    }
    if (this.pos >= s.length) throw this.fail('unclosed double quote', this.pos);
    this.pos++;
    flush();
  }

  /** `$name`, `${…}`, `$(…)`, `$((…))`, `` `…` ``; undefined for a literal `$`. */
  private dollar(quoted: boolean): WordPart | undefined {
    const s = this.src;
    const start = this.pos;
    if (s[this.pos] === '`') {
      let i = this.pos + 1;
      while (i < s.length && s[i] !== '`') i += s[i] === '\\' ? 2 : 1;
      this.pos = i + 1;
      return commandSubstitution(s.slice(start, this.pos), quoted);
    }
    const c = s[this.pos + 1] ?? '';
    if (c === '(') {
      const arith = s[this.pos + 2] === '(';
      const end = this.matching(this.pos + 1, '(', ')');
      this.pos = end;
      if (!arith) return commandSubstitution(s.slice(start, end), quoted);
      return { kind: 'unknown', what: 'arithmetic expansion', quoted, raw: s.slice(start, end) };
    }
    if (c === '{') {
      const end = this.matching(this.pos + 1, '{', '}');
      const inner = s.slice(this.pos + 2, end - 1);
      this.pos = end;
      const m = /^([A-Za-z_][A-Za-z0-9_]*|[0-9]+|[@*#?$!-])(\[[^\]]*\])?(:?[-=+?])?([\s\S]*)$/.exec(inner);
      if (!m || (m[4] && !m[3])) return { kind: 'unknown', what: `parameter expansion \${${inner}}`, quoted, raw: s.slice(start, end) };
      const part: WordPart = { kind: 'param', name: m[1] as string, quoted };
      if (m[2]) part.index = m[2].slice(1, -1);
      if (m[3]) {
        part.op = m[3];
        if (this.nesting >= MAX_WORD_NESTING) throw this.fail(`parameter expansions nested deeper than ${MAX_WORD_NESTING} levels`, start);
        const arg = m[4] ?? '';
        part.arg = new Lexer(arg, this.nesting + 1, this.base + end - 1 - arg.length).wordParts();
      }
      return part;
    }
    const m = /^([A-Za-z_][A-Za-z0-9_]*|[0-9]|[@*#?$!-])/.exec(s.slice(this.pos + 1));
    if (!m) return undefined;
    this.pos += 1 + (m[1] as string).length;
    return { kind: 'param', name: m[1] as string, quoted };
  }

  /** The parts of a whole string read as the inside of double quotes (for `${X:-default}`). */
  wordParts(): WordPart[] {
    const parts: WordPart[] = [];
    let lit = '';
    while (this.pos < this.src.length) {
      const c = this.src[this.pos] as string;
      if (c === '$' || c === '`') {
        const part = this.dollar(false);
        if (part) {
          if (lit) parts.push({ kind: 'lit', value: lit, quoted: false });
          lit = '';
          parts.push(part);
          continue;
        }
      }
      if (c === '"' || c === "'") {
        this.pos++;
        continue;
      }
      lit += c;
      this.pos++;
    }
    if (lit) parts.push({ kind: 'lit', value: lit, quoted: false });
    return parts;
  }

  /** Offset after the bracket closing the one at `open`, skipping quotes and nesting. */
  private matching(open: number, o: string, c: string): number {
    const s = this.src;
    let depth = 0;
    for (let i = open; i < s.length; i++) {
      const ch = s[i];
      if (ch === '\\') {
        i++;
        continue;
      }
      if (ch === "'") {
        const e = s.indexOf("'", i + 1);
        if (e < 0) break;
        i = e;
        continue;
      }
      if (ch === '"') {
        let j = i + 1;
        while (j < s.length && s[j] !== '"') j += s[j] === '\\' ? 2 : 1;
        i = j;
        continue;
      }
      if (ch === o) depth++;
      else if (ch === c) {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    throw this.fail(`unclosed "${o}"`, open);
  }
}

function ansiC(s: string, from: number): { value: string; end: number } {
  let out = '';
  let i = from;
  const esc: Record<string, string> = {
    n: '\n',
    t: '\t',
    r: '\r',
    '\\': '\\',
    "'": "'",
    '"': '"',
    a: '\x07',
    b: '\b',
    e: '\x1b',
    f: '\f',
    v: '\v',
  };
  while (i < s.length && s[i] !== "'") {
    if (s[i] === '\\') {
      const n = s[i + 1] ?? '';
      out += esc[n] ?? n;
      i += 2;
    } else out += s[i++];
  }
  return { value: out, end: i + 1 };
}

/** The literal text of a word when it has no expansions (reserved words, function names). */
export function literal(word: Word): string | undefined {
  let out = '';
  for (const p of word.parts) {
    if (p.kind !== 'lit') return undefined;
    out += p.value;
  }
  return out;
}

function unquotedLiteral(word: Word): string | undefined {
  return word.parts.every((p) => p.kind === 'lit' && !p.quoted) ? literal(word) : undefined;
}

export function parseShell(src: string): ShNode[] {
  return parseShellScript(src).nodes;
}

/**
 * Parse a script and note where it can be cut between top-level statements (see StatementBreak).
 * With `onStatement`, the top-level commands are handed to it as soon as each statement is
 * complete (here-documents read) instead of being kept: a large script is never held whole,
 * and `nodes` is empty.
 */
export function parseShellScript(src: string, onStatement?: (node: ShNode) => void): ParsedScript {
  const p = new Parser(new Lexer(src), onStatement);
  const nodes = p.list(new Set());
  const t = p.lex.peek();
  if (t.t !== 'eof') throw new ShellParseError('unexpected token', t.t === 'word' ? t.word.start : t.start);
  return { nodes, breaks: p.breaks, tokens: p.lex.tokens, statements: p.statements };
}

/**
 * The [start, end) offsets of the comments of a script (as the shell reads them: not inside
 * quotes, words or here-documents), in order; undefined when the script does not parse.
 */
export function shellComments(src: string): number[] | undefined {
  const comments: number[] = [];
  try {
    const p = new Parser(new Lexer(src, 0, 0, comments));
    p.list(new Set());
    if (p.lex.peek().t !== 'eof') return undefined;
  } catch (e) {
    if (e instanceof ShellParseError) return undefined;
    throw e;
  }
  return comments;
}

class Parser {
  /** Compound commands open around the one being read. */
  private nesting = 0;
  /** Simple commands read so far. */
  statements = 0;
  readonly breaks: StatementBreak[] = [];

  constructor(
    readonly lex: Lexer,
    private readonly emit?: (node: ShNode) => void,
  ) {}

  /** Hand the top-level commands read so far to `emit`, when streaming. */
  private flush(out: ShNode[]): ShNode[] {
    if (!this.emit || this.nesting !== 0) return out;
    for (const node of out) this.emit(node);
    out.length = 0;
    return out;
  }

  private isReserved(t: Token, words: Set<string>): boolean {
    if (t.t !== 'word') return false;
    const w = unquotedLiteral(t.word);
    return w !== undefined && words.has(w);
  }

  private skipNewlines(): void {
    for (;;) {
      const t = this.lex.peek();
      if (t.t === 'op' && (t.op === '\n' || t.op === ';')) this.lex.next();
      else return;
    }
  }

  private expectWord(w: string): void {
    this.skipNewlines();
    const t = this.lex.next();
    if (!(t.t === 'word' && unquotedLiteral(t.word) === w))
      throw new ShellParseError(`expected "${w}"`, t.t === 'word' ? t.word.start : t.start);
  }

  /** Commands up to one of the stop words, `)`, `;;` or the end. */
  list(stop: Set<string>): ShNode[] {
    const out: ShNode[] = [];
    // At the top level: whether the separators since the last command end it (`;`, newline,
    // `&`) without joining it to the next (`&&`, `||`, `|`).
    let ended = true;
    let joined = false;
    for (;;) {
      const t = this.lex.peek();
      if (t.t === 'eof') return this.flush(out);
      if (t.t === 'op') {
        if (t.op === ')' || t.op === ';;' || t.op === ';&' || t.op === ';;&') return out;
        if (['\n', ';', '&', '&&', '||', '|', '|&'].includes(t.op)) {
          if (t.op === '\n' || t.op === ';' || t.op === '&') ended = true;
          else joined = true;
          this.lex.next();
          continue;
        }
      }
      if (this.isReserved(t, stop)) return out;
      if (this.nesting === 0 && ended && !joined && !this.lex.heredocPending) {
        // Breaks closer than BREAK_GAP to the previous one are not kept (a script of short
        // commands would otherwise get one per line): pieces are cut at a coarser grain.
        const offset = t.t === 'word' ? t.word.start : t.start;
        const last = this.breaks[this.breaks.length - 1];
        if (!last || offset - last.offset >= BREAK_GAP)
          this.breaks.push({ offset, tokens: this.lex.tokens - 1, statements: this.statements });
        this.flush(out);
      }
      ended = false;
      joined = false;
      const before = this.lex.pos;
      out.push(...this.command());
      if (this.lex.pos === before && this.lex.peek() === t)
        throw new ShellParseError('cannot parse', t.t === 'word' ? t.word.start : t.start);
    }
  }

  private command(): ShNode[] {
    const t = this.lex.peek();
    if (this.nesting >= MAX_COMMAND_NESTING)
      throw new ShellParseError(`commands nested deeper than ${MAX_COMMAND_NESTING} levels`, t.t === 'word' ? t.word.start : t.start);
    this.nesting++;
    try {
      return this.compound(t);
    } finally {
      this.nesting--;
    }
  }

  private compound(t: Token): ShNode[] {
    if (t.t === 'op' && t.op === '(') {
      this.lex.next();
      const body = this.list(new Set());
      this.lex.next();
      this.redirects();
      return [{ type: 'group', body, start: t.start }];
    }
    if (t.t !== 'word') {
      // A command that starts with a redirection.
      return [this.simple()];
    }
    const w = unquotedLiteral(t.word);
    const start = t.word.start;
    switch (w) {
      case '!':
        this.lex.next();
        return this.command();
      case '[[': {
        // A test: one command up to `]]`, newlines and operators included (they are operands here).
        const words: Word[] = [];
        let end = t.word.end;
        let truncated = false;
        for (;;) {
          const n = this.lex.next();
          if (n.t === 'eof') throw new ShellParseError('unclosed "[["', start);
          if (n.t !== 'word') continue;
          end = n.word.end;
          if (words.length < MAX_COMMAND_WORDS) words.push(n.word);
          else truncated = true;
          if (words.length > 1 && unquotedLiteral(n.word) === ']]') break;
        }
        this.statements++;
        const node: ShNode = { type: 'simple', assigns: [], words, redirs: this.redirects(), start, end };
        if (truncated) node.truncated = true;
        return [node];
      }
      case '{': {
        this.lex.next();
        const body = this.list(new Set(['}']));
        this.expectWord('}');
        this.redirects();
        return [{ type: 'group', body, start }];
      }
      case 'if': {
        this.lex.next();
        const branches: ShNode[][] = [];
        branches.push(this.list(new Set(['then'])));
        this.expectWord('then');
        for (;;) {
          branches.push(this.list(new Set(['elif', 'else', 'fi'])));
          const k = this.lex.next();
          const kw = k.t === 'word' ? unquotedLiteral(k.word) : undefined;
          if (kw === 'elif') {
            branches.push(this.list(new Set(['then'])));
            this.expectWord('then');
          } else if (kw === 'else') {
            branches.push(this.list(new Set(['fi'])));
            this.expectWord('fi');
            break;
          } else break;
        }
        this.redirects();
        return [{ type: 'if', branches, start }];
      }
      case 'while':
      case 'until': {
        this.lex.next();
        const cond = this.list(new Set(['do']));
        this.expectWord('do');
        const body = this.list(new Set(['done']));
        this.expectWord('done');
        return [{ type: 'loop', cond, body, redirs: this.redirects(), start }];
      }
      case 'for':
      case 'select': {
        this.lex.next();
        const nameTok = this.lex.next();
        if (nameTok.t === 'op' && nameTok.op === '(') {
          // Arithmetic for: `for ((i=0; i<3; i++))` cannot be unrolled statically.
          this.skipUntilDo();
          const body = this.list(new Set(['done']));
          this.expectWord('done');
          this.redirects();
          return [{ type: 'loop', cond: [], body, redirs: [], start }];
        }
        const name = nameTok.t === 'word' ? (literal(nameTok.word) ?? '') : '';
        let items: Word[] | undefined;
        let truncated = false;
        this.skipNewlinesOnly();
        if (this.isReserved(this.lex.peek(), new Set(['in']))) {
          this.lex.next();
          items = [];
          for (;;) {
            const n = this.lex.peek();
            if (n.t !== 'word') break;
            if (items.length < MAX_COMMAND_WORDS) items.push(n.word);
            else truncated = true;
            this.lex.next();
          }
        }
        this.skipNewlines();
        const open = this.lex.peek();
        const brace = this.isReserved(open, new Set(['{']));
        this.expectWord(brace ? '{' : 'do');
        const body = this.list(new Set([brace ? '}' : 'done']));
        this.expectWord(brace ? '}' : 'done');
        this.redirects();
        return [truncated ? { type: 'for', name, items, body, start, truncated } : { type: 'for', name, items, body, start }];
      }
      case 'case': {
        this.lex.next();
        const wordTok = this.lex.next();
        if (wordTok.t !== 'word') throw new ShellParseError('expected a word after case', start);
        this.skipNewlines();
        this.expectWord('in');
        const arms: ShNode[][] = [];
        for (;;) {
          this.skipNewlines();
          const n = this.lex.peek();
          if (n.t === 'eof') throw new ShellParseError('unclosed case', start);
          if (this.isReserved(n, new Set(['esac']))) {
            this.lex.next();
            break;
          }
          // Patterns up to `)`.
          for (;;) {
            const x = this.lex.next();
            if (x.t === 'eof') throw new ShellParseError('unclosed case pattern', start);
            if (x.t === 'op' && x.op === ')') break;
          }
          arms.push(this.list(new Set(['esac'])));
          const end = this.lex.peek();
          if (end.t === 'op' && (end.op === ';;' || end.op === ';&' || end.op === ';;&')) this.lex.next();
        }
        this.redirects();
        return [{ type: 'case', word: wordTok.word, arms, start }];
      }
      case 'function': {
        this.lex.next();
        const nameTok = this.lex.next();
        const name = nameTok.t === 'word' ? (literal(nameTok.word) ?? '').replace(/\(\)$/, '') : '';
        const after = this.lex.peek();
        if (after.t === 'op' && after.op === '(') {
          this.lex.next();
          this.lex.next();
        }
        this.skipNewlinesOnly();
        return [{ type: 'func', name, body: this.command(), start }];
      }
      default:
        break;
    }
    // `name() compound`
    const simple = this.simple();
    if (simple.type === 'simple' && simple.words.length === 1 && simple.assigns.length === 0) {
      const n = this.lex.peek();
      if (n.t === 'op' && n.op === '(') {
        this.lex.next();
        const close = this.lex.next();
        if (!(close.t === 'op' && close.op === ')')) throw new ShellParseError('expected ")"', simple.start);
        this.skipNewlinesOnly();
        const name = literal(simple.words[0] as Word) ?? '';
        return [{ type: 'func', name, body: this.command(), start: simple.start }];
      }
    }
    return [simple];
  }

  private skipNewlinesOnly(): void {
    for (;;) {
      const t = this.lex.peek();
      if (t.t === 'op' && t.op === '\n') this.lex.next();
      else return;
    }
  }

  private skipUntilDo(): void {
    for (;;) {
      const t = this.lex.peek();
      if (t.t === 'eof') return;
      if (this.isReserved(t, new Set(['do', '{']))) {
        this.lex.next();
        return;
      }
      this.lex.next();
    }
  }

  private redirects(): Redirect[] {
    const out: Redirect[] = [];
    for (;;) {
      const t = this.lex.peek();
      if (t.t === 'op' && /^(<<<|<<-|&>>|>>|<<|<&|>&|&>|<>|>\||<|>)$/.test(t.op)) {
        this.lex.next();
        out.push(this.redirect(t.op));
      } else return out;
    }
  }

  private redirect(op: string): Redirect {
    const target = this.lex.next();
    const r: Redirect = { op };
    if (target.t === 'word') {
      r.target = target.word;
      if (op === '<<' || op === '<<-') {
        const quoted = target.word.parts.some((p) => p.kind === 'lit' && p.quoted);
        const delim = target.word.parts.map((p) => (p.kind === 'lit' ? p.value : '')).join('');
        this.lex.heredoc(r, delim, op === '<<-', !quoted);
      }
    }
    return r;
  }

  private simple(): ShNode {
    const assigns: Assignment[] = [];
    const words: Word[] = [];
    const redirs: Redirect[] = [];
    let start = -1;
    let end = 0;
    let truncated = false;
    for (;;) {
      const t = this.lex.peek();
      const full = words.length + assigns.length + redirs.length >= MAX_COMMAND_WORDS;
      if (t.t === 'op' && /^(<<<|<<-|&>>|>>|<<|<&|>&|&>|<>|>\||<|>)$/.test(t.op)) {
        this.lex.next();
        if (start < 0) start = t.start;
        // A file descriptor number written just before the operator (`2>/dev/null`) was read as a word.
        const last = words[words.length - 1];
        if (last && last.end === t.start && /^\d+$/.test(literal(last) ?? '')) words.pop();
        const redir = this.redirect(t.op);
        if (full) truncated = true;
        else redirs.push(redir);
        continue;
      }
      if (t.t !== 'word') break;
      if (
        words.length === 0 &&
        assigns.length === 0 &&
        RESERVED.has(unquotedLiteral(t.word) ?? '') &&
        unquotedLiteral(t.word) !== '{' &&
        unquotedLiteral(t.word) !== '!'
      )
        break;
      this.lex.next();
      if (start < 0) start = t.word.start;
      end = t.word.end;
      if (full) {
        truncated = true;
        continue;
      }
      const first = t.word.parts[0];
      const m =
        words.length === 0 && first?.kind === 'lit' && !first.quoted
          ? /^([A-Za-z_][A-Za-z0-9_]*)(\[[^\]]*\])?\+?=/.exec(first.value)
          : null;
      if (m) {
        const rest = first!.kind === 'lit' ? first!.value.slice(m[0].length) : '';
        const valueParts: WordPart[] = [...(rest ? [{ kind: 'lit' as const, value: rest, quoted: false }] : []), ...t.word.parts.slice(1)];
        const value: Word = { parts: valueParts, start: t.word.start + m[0].length, end: t.word.end };
        if (t.word.array) value.array = t.word.array;
        if (t.word.truncated) value.truncated = true;
        assigns.push({ name: m[1] as string, value: m[2] ? undefined : value, start: t.word.start });
        continue;
      }
      words.push(t.word);
    }
    this.statements++;
    const node: ShNode = { type: 'simple', assigns, words, redirs, start: Math.max(start, 0), end };
    if (truncated) node.truncated = true;
    return node;
  }
}
