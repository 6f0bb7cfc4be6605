/**
 * CoreDNS's Corefile (the Caddyfile syntax CoreDNS inherits) and the YAML scalar it
 * usually sits in (key `Corefile` of a ConfigMap). Tokens keep their offset in the
 * Corefile text, and `readYamlScalar` maps every character of a scalar's value back to
 * the YAML source, so a finding can point at a directive's own line in the manifest.
 */

/** A word of the Corefile, with its offset in the Corefile text. */
export interface CorefileToken {
  text: string;
  offset: number;
  /** Whether a line break separates this token from the previous one (directives end at line breaks). */
  newline: boolean;
}

/** A directive (plugin) line: its name, its arguments, and the lines of its `{ … }` block. */
export interface CorefileDirective {
  name: CorefileToken;
  args: CorefileToken[];
  /** Each line inside the directive's block, as tokens (`except example.org`, `tls_servername …`). */
  block: CorefileToken[][];
}

/** A server block: its keys (`.:53`, `example.org`) and its directives, snippets expanded. */
export interface CorefileServerBlock {
  keys: CorefileToken[];
  directives: CorefileDirective[];
}

export interface Corefile {
  serverBlocks: CorefileServerBlock[];
  /** `import` of files (globs): their content is not in the repository, so unknown. */
  fileImports: CorefileToken[];
  /** Syntax CoreDNS would refuse; what could be read is still returned. */
  problems: string[];
}

/**
 * Split into words as CoreDNS's lexer does: whitespace separates words, `"…"` quotes a
 * word (`\"` escapes a quote), and `#` outside quotes starts a comment to the end of the
 * line, even in the middle of a word.
 */
export function lexCorefile(text: string): CorefileToken[] {
  const tokens: CorefileToken[] = [];
  let i = 0;
  let newline = true;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '\n') {
      newline = true;
      i++;
      continue;
    }
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    const start = i;
    let word = '';
    if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && text[i + 1] === '"') {
          word += '"';
          i += 2;
          continue;
        }
        if (text[i] !== '\r') word += text[i];
        i++;
      }
      i++;
    } else {
      while (i < text.length && !/\s/.test(text[i] as string)) {
        if (text[i] === '#') break;
        word += text[i];
        i++;
      }
    }
    tokens.push({ text: word, offset: start, newline });
    newline = false;
  }
  return tokens;
}

/** Snippet imports nest at most this deep, and expand at most this many tokens in all. */
const MAX_IMPORT_DEPTH = 10;
const MAX_EXPANDED_TOKENS = 100_000;

/**
 * Server blocks as CoreDNS reads them: keys up to `{`, then one directive per line until
 * the matching `}`; a directive's arguments run to the end of its line and may open a
 * `{ … }` block of options. Snippets (`(name) { … }`) are spliced where `import name`
 * appears; other imports name files, whose content is unknown.
 */
export function parseCorefile(text: string): Corefile {
  const raw = lexCorefile(text);
  const problems: string[] = [];
  const fileImports: CorefileToken[] = [];
  const snippets = collectSnippets(raw, problems);
  const tokens = expandImports(snippets.rest, snippets.defined, fileImports, problems);
  const serverBlocks: CorefileServerBlock[] = [];
  let i = 0;
  while (i < tokens.length) {
    const keys: CorefileToken[] = [];
    // Keys run to the end of the line, or on to the next line after a trailing comma.
    let another = false;
    while (i < tokens.length && tokens[i]?.text !== '{') {
      const t = tokens[i] as CorefileToken;
      if (keys.length > 0 && t.newline && !another) break;
      for (const part of t.text.split(',')) if (part !== '') keys.push({ ...t, text: part });
      another = t.text.endsWith(',');
      i++;
    }
    if (tokens[i]?.text !== '{') {
      // A Corefile without braces is one server block holding everything that follows.
      const directives = readDirectives(tokens, i, problems);
      serverBlocks.push({ keys, directives: directives.list });
      break;
    }
    const directives = readDirectives(tokens, i + 1, problems);
    serverBlocks.push({ keys, directives: directives.list });
    i = directives.end;
    if (tokens[i]?.text === '}') i++;
    else problems.push('server block not closed by `}`');
  }
  return { serverBlocks, fileImports, problems };
}

/** Directives from `start` until a `}` that closes the server block (or the end). */
function readDirectives(tokens: readonly CorefileToken[], start: number, problems: string[]): { list: CorefileDirective[]; end: number } {
  const list: CorefileDirective[] = [];
  let i = start;
  while (i < tokens.length && tokens[i]?.text !== '}') {
    const name = tokens[i] as CorefileToken;
    const directive: CorefileDirective = { name, args: [], block: [] };
    i++;
    let nesting = 0;
    while (i < tokens.length) {
      const t = tokens[i] as CorefileToken;
      if (nesting === 0 && t.newline) break;
      if (t.text === '{') {
        nesting++;
      } else if (t.text === '}') {
        if (nesting === 0) break;
        nesting--;
      } else if (nesting === 0) {
        directive.args.push(t);
      } else {
        const line = directive.block[directive.block.length - 1];
        if (t.newline || !line) directive.block.push([t]);
        else line.push(t);
      }
      i++;
    }
    if (nesting > 0) problems.push(`\`${name.text}\` block not closed by \`}\``);
    list.push(directive);
  }
  return { list, end: i };
}

/** Snippet definitions (`(name) { … }` at the top level) taken out of the token stream. */
function collectSnippets(
  tokens: readonly CorefileToken[],
  problems: string[],
): { defined: Map<string, CorefileToken[]>; rest: CorefileToken[] } {
  const defined = new Map<string, CorefileToken[]>();
  const rest: CorefileToken[] = [];
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as CorefileToken;
    const name = /^\((.+)\)$/.exec(t.text)?.[1];
    if (depth === 0 && t.newline && name !== undefined && tokens[i + 1]?.text === '{') {
      let nesting = 0;
      let j = i + 1;
      const body: CorefileToken[] = [];
      for (; j < tokens.length; j++) {
        const u = tokens[j] as CorefileToken;
        if (u.text === '{') nesting++;
        else if (u.text === '}') nesting--;
        if (nesting === 0) break;
        if (j > i + 1) body.push(u);
      }
      if (nesting !== 0) problems.push(`snippet \`${t.text}\` not closed by \`}\``);
      defined.set(name, body);
      i = j;
      continue;
    }
    if (t.text === '{') depth++;
    else if (t.text === '}') depth = Math.max(0, depth - 1);
    rest.push(t);
  }
  return { defined, rest };
}

/** Splice snippets where `import name` stands; a file import is recorded and dropped. */
function expandImports(
  tokens: readonly CorefileToken[],
  snippets: ReadonlyMap<string, CorefileToken[]>,
  fileImports: CorefileToken[],
  problems: string[],
  depth = 0,
  budget = { left: MAX_EXPANDED_TOKENS },
): CorefileToken[] {
  const out: CorefileToken[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as CorefileToken;
    const arg = tokens[i + 1];
    if (t.text !== 'import' || !t.newline || !arg || arg.newline) {
      out.push(t);
      continue;
    }
    i++;
    // Arguments after the first are the snippet's `{args[n]}` values.
    while (tokens[i + 1] && !tokens[i + 1]?.newline) i++;
    const body = snippets.get(arg.text);
    if (!body) {
      fileImports.push(arg);
      continue;
    }
    if (depth >= MAX_IMPORT_DEPTH || budget.left < body.length) {
      problems.push(`snippet \`${arg.text}\` imported too deeply or too often; not expanded`);
      continue;
    }
    budget.left -= body.length;
    // The snippet's first token starts a line where it is spliced in.
    const spliced = body.map((b, k) => (k === 0 ? { ...b, newline: true } : b));
    out.push(...expandImports(spliced, snippets, fileImports, problems, depth + 1, budget));
  }
  return out;
}

/** How a `forward` upstream is reached. */
export type ForwardTransport = 'dns' | 'tls' | 'https' | 'other';

/** One TO of a `forward` line, as CoreDNS reads it. */
export interface ForwardUpstream {
  token: CorefileToken;
  /** `dns` for `dns://` and for no scheme (plain DNS), `tls` for DNS-over-TLS, `https` for DNS-over-HTTPS. */
  transport: ForwardTransport;
  /** The host part: an address, a file (`/etc/resolv.conf`), a name, or an `{$ENV}` placeholder. */
  host: string;
  kind: 'address' | 'file' | 'name' | 'placeholder';
}

export interface ForwardDirective {
  directive: CorefileDirective;
  serverBlock: CorefileServerBlock;
  /** The zone forwarded (`.` for everything). */
  from: CorefileToken | undefined;
  to: ForwardUpstream[];
  /** Names excluded from forwarding (`except` in the block): they are not upstreams. */
  except: CorefileToken[];
}

/** Every `forward` directive, once each (a snippet imported twice is one line in the file). */
export function forwardDirectives(corefile: Corefile): ForwardDirective[] {
  const out: ForwardDirective[] = [];
  const seen = new Set<number>();
  for (const serverBlock of corefile.serverBlocks) {
    for (const directive of serverBlock.directives) {
      if (directive.name.text !== 'forward' || seen.has(directive.name.offset)) continue;
      seen.add(directive.name.offset);
      const [from, ...to] = directive.args;
      const except = directive.block.filter((line) => line[0]?.text === 'except').flatMap((line) => line.slice(1));
      out.push({ directive, serverBlock, from, to: to.map(parseUpstream), except });
    }
  }
  return out;
}

/**
 * A TO as CoreDNS's forward plugin reads it: `tls://` is DNS-over-TLS, `https://`
 * DNS-over-HTTPS, `dns://` or no scheme plain DNS; `tls://9.9.9.9%dns.quad9.net:853`
 * names the TLS server; `[2001:db8::1]:53` and `192.0.2.1:53` carry a port; a path is a
 * resolv.conf-style file; anything else is a host name resolved at start-up.
 */
export function parseUpstream(token: CorefileToken): ForwardUpstream {
  const text = token.text;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text);
  const transport: ForwardTransport = !scheme
    ? 'dns'
    : (({ dns: 'dns', tls: 'tls', https: 'https' } as Record<string, ForwardTransport>)[(scheme[1] ?? '').toLowerCase()] ?? 'other');
  let rest = scheme ? text.slice(scheme[0].length) : text;
  if (/\{[$%]|\{env\./.test(rest)) return { token, transport, host: rest, kind: 'placeholder' };
  if (!scheme && (rest.startsWith('/') || rest.startsWith('./') || rest.startsWith('../')))
    return { token, transport, host: rest, kind: 'file' };
  if (transport === 'https') rest = rest.replace(/\/.*$/, '');
  let host = rest;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(rest);
  if (bracketed) host = bracketed[1] ?? '';
  else if ((rest.match(/:/g) ?? []).length === 1) host = rest.slice(0, rest.indexOf(':'));
  // The TLS server name rides after `%`.
  host = host.replace(/%.*$/, '');
  const isAddress = /^[0-9.]+$/.test(host) || (host.includes(':') && /^[0-9a-fA-F:.]+$/.test(host));
  return { token, transport, host, kind: isAddress ? 'address' : 'name' };
}

/** A scalar's value with, for every value character, its offset in the scalar's source (plus one past the end). */
export interface ScalarText {
  value: string;
  offsets: number[];
}

/**
 * The value of a YAML scalar and where each of its characters comes from, read from the
 * scalar's source text (`|`/`>` block scalars with their indicators, `"…"` with escapes,
 * `'…'`, plain). Line folding follows YAML 1.2: a line break between two text lines becomes
 * a space, empty lines become line breaks, and in `>` blocks lines that start with
 * whitespace keep their breaks. `parentIndent` is the indentation of the mapping holding the
 * scalar (it matters for an explicit indentation indicator such as `|2`). Callers compare
 * `value` with the parser's value and distrust the offsets when they differ.
 */
export function readYamlScalar(source: string, parentIndent = 0): ScalarText {
  const first = source[0];
  if (first === '|' || first === '>') return readBlockScalar(source, parentIndent);
  if (first === '"') return readFlowScalar(source, 1, 'double');
  if (first === "'") return readFlowScalar(source, 1, 'single');
  return readFlowScalar(source, 0, 'plain');
}

class Builder {
  readonly chars: string[] = [];
  readonly offsets: number[] = [];
  /** One value character (or an escape's decoded character) from `offset`. */
  push(char: string, offset: number): void {
    // A character outside the BMP takes two UTF-16 units; both come from the same place.
    for (let k = 0; k < char.length; k++) {
      this.chars.push(char[k] as string);
      this.offsets.push(offset);
    }
  }
  /** Text copied as it stands from the source, starting at `offset`. */
  copy(text: string, offset: number): void {
    for (let k = 0; k < text.length; k++) {
      this.chars.push(text[k] as string);
      this.offsets.push(offset + k);
    }
  }
  done(end: number): ScalarText {
    return { value: this.chars.join(''), offsets: [...this.offsets, end] };
  }
}

interface SourceLine {
  start: number;
  text: string;
  /** Offset of the line break ending the line (or the end of the source). */
  end: number;
}

function splitLines(source: string, from: number): SourceLine[] {
  const lines: SourceLine[] = [];
  let start = from;
  while (start <= source.length) {
    let nl = source.indexOf('\n', start);
    if (nl < 0) nl = source.length;
    let end = nl;
    if (source[end - 1] === '\r') end--;
    lines.push({ start, text: source.slice(start, end), end });
    if (nl >= source.length) break;
    start = nl + 1;
  }
  // The source ends with the last line's break: no line follows it.
  if (lines.length > 0 && lines[lines.length - 1]?.text === '' && source.endsWith('\n')) lines.pop();
  return lines;
}

function readBlockScalar(source: string, parentIndent: number): ScalarText {
  const folded = source[0] === '>';
  let indicator: number | undefined;
  let chomp: 'clip' | 'strip' | 'keep' = 'clip';
  for (let i = 1; i < 3; i++) {
    const c = source[i];
    if (c !== undefined && /[1-9]/.test(c)) indicator = Number(c);
    else if (c === '-') chomp = 'strip';
    else if (c === '+') chomp = 'keep';
    else break;
  }
  const out = new Builder();
  const headerEnd = source.indexOf('\n');
  if (headerEnd < 0) return out.done(source.length);
  const lines = splitLines(source, headerEnd + 1);
  const firstText = lines.find((l) => !/^ *$/.test(l.text));
  const indent = indicator !== undefined ? parentIndent + indicator : firstText ? (/^ */.exec(firstText.text)?.[0].length ?? 0) : 0;
  const isEmpty = (l: SourceLine): boolean => /^ *$/.test(l.text) && l.text.length <= indent;
  let last = lines.length - 1;
  while (last >= 0 && isEmpty(lines[last] as SourceLine)) last--;
  let previous: { line: SourceLine; spaced: boolean } | undefined;
  let empties: SourceLine[] = [];
  for (let k = 0; k <= last; k++) {
    const line = lines[k] as SourceLine;
    if (isEmpty(line)) {
      empties.push(line);
      continue;
    }
    const text = line.text.slice(indent);
    const spaced = /^[ \t]/.test(text);
    if (!previous) {
      for (const e of empties) out.push('\n', e.end);
    } else if (folded && !previous.spaced && !spaced) {
      // Folding: one break between text lines is a space; with empty lines, only those stay.
      if (empties.length === 0) out.push(' ', previous.line.end);
      else for (const e of empties) out.push('\n', e.end);
    } else {
      out.push('\n', previous.line.end);
      for (const e of empties) out.push('\n', e.end);
    }
    empties = [];
    out.copy(text, line.start + indent);
    previous = { line, spaced };
  }
  // Chomping: `-` drops the final break, clip keeps one, `+` keeps the trailing empty lines too.
  if (previous && chomp !== 'strip') out.push('\n', previous.line.end);
  if (chomp === 'keep') for (const e of lines.slice(last + 1)) out.push('\n', e.end);
  return out.done(source.length);
}

const ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  t: '\t',
  '\t': '\t',
  n: '\n',
  v: '\v',
  f: '\f',
  r: '\r',
  e: '\x1b',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  N: '\x85',
  _: '\xa0',
  L: '\u2028',
  P: '\u2029',
};
const HEX_ESCAPES: Record<string, number> = { x: 2, u: 4, U: 8 };

/** Quoted and plain scalars: breaks fold, white space around breaks goes, escapes (double quotes only) decode. */
function readFlowScalar(source: string, from: number, style: 'double' | 'single' | 'plain'): ScalarText {
  const out = new Builder();
  let pending: [string, number][] = [];
  const flush = (): void => {
    for (const [c, at] of pending) out.push(c, at);
    pending = [];
  };
  /** After a break at `i`: the empty lines that follow, and where the next text starts. */
  const skipBreak = (i: number): { empties: number[]; next: number } => {
    const empties: number[] = [];
    let j = source[i] === '\r' && source[i + 1] === '\n' ? i + 2 : i + 1;
    for (;;) {
      let k = j;
      while (source[k] === ' ' || source[k] === '\t') k++;
      if (source[k] === '\n' || (source[k] === '\r' && source[k + 1] === '\n')) {
        empties.push(k);
        j = source[k] === '\r' ? k + 2 : k + 1;
        continue;
      }
      return { empties, next: k };
    }
  };
  let i = from;
  while (i < source.length) {
    const c = source[i] as string;
    if (style === 'double' && c === '"') break;
    if (style === 'single' && c === "'") {
      if (source[i + 1] !== "'") break;
      flush();
      out.push("'", i);
      i += 2;
      continue;
    }
    if (c === '\n' || c === '\r') {
      // An unescaped break: trailing white space goes, the break folds.
      pending = [];
      const { empties, next } = skipBreak(i);
      if (empties.length === 0) out.push(' ', i);
      else for (const e of empties) out.push('\n', e);
      i = next;
      continue;
    }
    if (c === ' ' || c === '\t') {
      pending.push([c, i]);
      i++;
      continue;
    }
    flush();
    if (style === 'double' && c === '\\') {
      const e = source[i + 1] ?? '';
      if (e === '\n' || e === '\r') {
        // An escaped break joins the lines; empty lines after it still count.
        const { empties, next } = skipBreak(i + 1);
        for (const at of empties) out.push('\n', at);
        i = next;
        continue;
      }
      const simple = ESCAPES[e];
      if (simple !== undefined) {
        out.push(simple, i);
        i += 2;
        continue;
      }
      const width = HEX_ESCAPES[e];
      if (width !== undefined) {
        const hex = source.slice(i + 2, i + 2 + width);
        out.push(String.fromCodePoint(parseInt(hex, 16)), i);
        i += 2 + width;
        continue;
      }
    }
    out.push(c, i);
    i++;
  }
  if (style === 'plain') pending = [];
  flush();
  return out.done(i);
}
