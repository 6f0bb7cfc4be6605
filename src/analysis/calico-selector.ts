import type { Tri } from './selectors.js';

/**
 * Calico selector expressions (`app == "web" && !has(canary)`), evaluated three-valued
 * like Kubernetes label selectors: a label that may exist but is not known gives `unknown`.
 *
 * Grammar: `all()`, `global()`, `k == "v"`, `k != "v"`, `k in {"a","b"}`, `k not in {..}`,
 * `has(k)`, `!has(k)`, `k starts with "p"`, `k ends with "s"`, `k contains "c"`, `!`, `&&`,
 * `||`, parentheses. An empty expression selects everything.
 */

export type CalicoExpr =
  | { op: 'all' }
  | { op: 'global' }
  | { op: 'eq' | 'ne' | 'starts' | 'ends' | 'contains'; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'has'; key: string }
  | { op: 'not'; expr: CalicoExpr }
  | { op: 'and' | 'or'; left: CalicoExpr; right: CalicoExpr };

type Token = { t: 'id' | 'str' | 'op'; v: string };

/** Reads a label value: explicit labels first, then `extra` (Calico's implicit labels). */
export type LabelLookup = (key: string) => string | undefined;

export class CalicoSyntaxError extends Error {}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new CalicoSyntaxError('unterminated string');
      tokens.push({ t: 'str', v: text.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (two === '==' || two === '!=' || two === '&&' || two === '||') {
      tokens.push({ t: 'op', v: two });
      i += 2;
      continue;
    }
    if ('!(){},'.includes(c)) {
      tokens.push({ t: 'op', v: c });
      i++;
      continue;
    }
    const m = /^[A-Za-z0-9_./-]+/.exec(text.slice(i));
    if (!m) throw new CalicoSyntaxError(`unexpected character ${JSON.stringify(c)}`);
    tokens.push({ t: 'id', v: m[0] });
    i += m[0].length;
  }
  return tokens;
}

export function parseCalicoSelector(text: string): CalicoExpr {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const isOp = (v: string): boolean => peek()?.t === 'op' && peek()?.v === v;
  const isWord = (v: string, at = pos): boolean => tokens[at]?.t === 'id' && tokens[at]?.v === v;
  const expect = (v: string): void => {
    if (!isOp(v)) throw new CalicoSyntaxError(`expected ${v}`);
    pos++;
  };
  const str = (): string => {
    const t = peek();
    if (t?.t !== 'str') throw new CalicoSyntaxError('expected a quoted string');
    pos++;
    return t.v;
  };
  const ident = (): string => {
    const t = peek();
    if (t?.t !== 'id') throw new CalicoSyntaxError('expected a label name');
    pos++;
    return t.v;
  };

  const or = (): CalicoExpr => {
    let left = and();
    while (isOp('||')) {
      pos++;
      left = { op: 'or', left, right: and() };
    }
    return left;
  };
  const and = (): CalicoExpr => {
    let left = unary();
    while (isOp('&&')) {
      pos++;
      left = { op: 'and', left, right: unary() };
    }
    return left;
  };
  const unary = (): CalicoExpr => {
    if (isOp('!')) {
      pos++;
      return { op: 'not', expr: unary() };
    }
    if (isOp('(')) {
      pos++;
      const e = or();
      expect(')');
      return e;
    }
    if ((isWord('all') || isWord('global') || isWord('has')) && tokens[pos + 1]?.v === '(') {
      const fn = ident();
      expect('(');
      if (fn === 'has') {
        const key = ident();
        expect(')');
        return { op: 'has', key };
      }
      expect(')');
      return { op: fn === 'all' ? 'all' : 'global' };
    }
    const key = ident();
    if (isOp('==') || isOp('!=')) {
      const op = peek()?.v === '==' ? 'eq' : 'ne';
      pos++;
      return { op, key, value: str() };
    }
    if (isWord('in')) {
      pos++;
      return { op: 'in', key, values: set() };
    }
    if (isWord('not') && isWord('in', pos + 1)) {
      pos += 2;
      return { op: 'notin', key, values: set() };
    }
    if (isWord('starts') && isWord('with', pos + 1)) {
      pos += 2;
      return { op: 'starts', key, value: str() };
    }
    if (isWord('ends') && isWord('with', pos + 1)) {
      pos += 2;
      return { op: 'ends', key, value: str() };
    }
    if (isWord('contains')) {
      pos++;
      return { op: 'contains', key, value: str() };
    }
    throw new CalicoSyntaxError(`expected an operator after ${key}`);
  };
  const set = (): string[] => {
    expect('{');
    const values: string[] = [];
    while (!isOp('}')) {
      values.push(str());
      if (isOp(',')) pos++;
      else if (!isOp('}')) throw new CalicoSyntaxError('expected , or }');
    }
    pos++;
    return values;
  };

  if (tokens.length === 0) return { op: 'all' };
  const expr = or();
  if (pos !== tokens.length) throw new CalicoSyntaxError(`unexpected ${JSON.stringify(peek()?.v)}`);
  return expr;
}

function not(t: Tri): Tri {
  return t === 'unknown' ? 'unknown' : !t;
}

/**
 * Evaluate against labels; `complete = false` means a label missing from `lookup` may
 * still exist. `global()` holds only for non-namespaced endpoints (host endpoints), so it
 * is false for pods and namespaces.
 */
export function evalCalico(e: CalicoExpr, lookup: LabelLookup, complete: boolean): Tri {
  switch (e.op) {
    case 'all':
      return true;
    case 'global':
      return false;
    case 'not':
      return not(evalCalico(e.expr, lookup, complete));
    case 'and': {
      const l = evalCalico(e.left, lookup, complete);
      if (l === false) return false;
      const r = evalCalico(e.right, lookup, complete);
      if (r === false) return false;
      return l === true && r === true ? true : 'unknown';
    }
    case 'or': {
      const l = evalCalico(e.left, lookup, complete);
      if (l === true) return true;
      const r = evalCalico(e.right, lookup, complete);
      if (r === true) return true;
      return l === false && r === false ? false : 'unknown';
    }
    default: {
      const v = lookup(e.key);
      if (v === undefined && !complete) return 'unknown';
      switch (e.op) {
        case 'has':
          return v !== undefined;
        case 'eq':
          return v === e.value;
        // `!=` and `not in` also hold when the label is absent.
        case 'ne':
          return v !== e.value;
        case 'in':
          return v !== undefined && e.values.includes(v);
        case 'notin':
          return v === undefined || !e.values.includes(v);
        case 'starts':
          return v !== undefined && v.startsWith(e.value);
        case 'ends':
          return v !== undefined && v.endsWith(e.value);
        case 'contains':
          return v !== undefined && v.includes(e.value);
      }
    }
  }
}

/** `key == value` terms every match must satisfy (top-level conjunction): index keys. */
export function calicoEqualities(e: CalicoExpr): [string, string][] {
  if (e.op === 'eq') return [[e.key, e.value]];
  if (e.op === 'in' && e.values.length === 1) return [[e.key, e.values[0] as string]];
  if (e.op === 'and') return [...calicoEqualities(e.left), ...calicoEqualities(e.right)];
  return [];
}
