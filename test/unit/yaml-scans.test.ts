import { describe, expect, it } from 'vitest';
import { keySpellings, nonPrintableAt, readFast } from '../../src/parse/yaml.js';

/**
 * The text scans that route a manifest to one parser or the other look only at colons,
 * brackets, `?`, `!` and `---`. Their reference is the plain definition of each spelling as a
 * regular expression with JavaScript's multiline `^`/`$` (as the scans' documentation states
 * them), run over the whole text; the first tests also give expected offsets by hand.
 */

const SPELLINGS = /(?:~|null|Null|NULL)[ \t]*:(?=[ \t]|$)|^[ \t-]*:(?=[ \t\r\n]|$)|[{,\]}][ \t]*:(?=[ \t\r\n]|$)|[{,]\s*\[/gm;

function reference(text: string): [number, number][] {
  const bom = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const found: [number, number][] = [];
  for (const m of text.matchAll(SPELLINGS)) found.push([m.index - bom, m.index + m[0].length - bom]);
  for (const m of text.matchAll(/\?(?=[ \t\r\n]|$)/g)) {
    const before = text.slice(text.lastIndexOf('\n', m.index) + 1, m.index);
    const key = /^[ \t]*(?:-[ \t]+)*$|[{,[][ \t]*$/.exec(before);
    if (key) found.push([m.index - before.length + key.index - bom, m.index + 1 - bom]);
  }
  // Implicit keys over 1024 characters, first on their line.
  let start = 0;
  for (const line of text.split('\n')) {
    const m = line.length > 1024 ? /^(?:[^:\n]|:(?=[^\s])){1025,}:(?=[ \t]|$)/.exec(line) : null;
    if (m) found.push([start + (/^[ \t]*(?:-[ \t]+)*/.exec(m[0])?.[0].length ?? 0) - bom, start + m[0].length - bom]);
    start += line.length + 1;
  }
  return found.sort((a, b) => a[0] - b[0]);
}

describe('key spellings', () => {
  it('are found where written (offsets counted by hand)', () => {
    expect(keySpellings('~: a\n')).toEqual([[0, 2]]);
    expect(keySpellings('a:\n  null  : x\n')).toEqual([[5, 12]]);
    expect(keySpellings('- - : x\n')).toEqual([[0, 5]]);
    expect(keySpellings('a: [b]: c\n')).toEqual([[5, 7]]);
    expect(keySpellings('x: {a, [b]}\n')).toEqual([[5, 8]]);
    expect(keySpellings('x: {\n  [b]}\n')).toEqual([[3, 8]]);
    expect(keySpellings('? k\n: v\n')).toEqual([
      [0, 1],
      [4, 5],
    ]);
    expect(keySpellings('\ufeff~: a\n')).toEqual([[0, 2]]);
    // Not spellings: an ordinary key, a colon inside a word, `null` as a value, `?` inside text.
    expect(keySpellings('key: value\nurl: http://x:80\nv: null\nq: why? no\n')).toEqual([]);
  });

  it('match the expressions on every short text over the characters that matter', () => {
    const alphabet = [
      '~',
      'null',
      'Null',
      'NULL',
      'nul',
      ' ',
      '\t',
      '\n',
      '\r',
      '\r\n',
      '\u2028',
      '-',
      ':',
      '{',
      '}',
      '[',
      ']',
      ',',
      '?',
      'a',
      '\ufeff',
      '\u00a0',
      '\v',
    ];
    let seed = 7;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return (seed >>> 16) % n;
    };
    for (let i = 0; i < 20000; i++) {
      let text = '';
      for (let k = 1 + next(12); k > 0; k--) text += alphabet[next(alphabet.length)];
      expect(keySpellings(text), JSON.stringify(text)).toEqual(reference(text));
    }
  });

  it('find implicit keys longer than 1024 characters, and only those', () => {
    const long = 'k'.repeat(1025);
    const texts = [
      `${long}: v\n`,
      `a: 1\n  - ${long}: v\nb: 2\n`,
      `${'k'.repeat(1024)}: v\n`,
      `x: ${'y'.repeat(3000)}\n${long}:\n`,
      `${'z'.repeat(2000)}`,
      `${'a:b'.repeat(500)}: v`,
    ];
    for (const text of texts) expect(keySpellings(text)).toEqual(reference(text));
    expect(keySpellings(`${long}: v\n`)).toEqual([[0, 1026]]);
    expect(keySpellings(`${'k'.repeat(1024)}: v\n`)).toEqual([]);
  });
});

describe('non-printable characters', () => {
  it('are found at the first one; surrogate pairs, tabs, line breaks and U+0085 are printable', () => {
    expect(nonPrintableAt('a: b\n\tc\r\n\u0085 \ud83d\ude00')).toBe(-1);
    expect(nonPrintableAt('a: \u0007')).toBe(3);
    expect(nonPrintableAt('ab\u0084')).toBe(2);
    expect(nonPrintableAt('x\ufffe')).toBe(1);
    expect(nonPrintableAt('\ud83d\ude00\ud83d')).toBe(2);
    expect(nonPrintableAt('\ude00')).toBe(0);
    expect(nonPrintableAt('a\ud83d\ud83d\ude00')).toBe(1);
    expect(nonPrintableAt('\ud83d\ude00\ude00')).toBe(2);
  });
});

describe('routing of a tag or a collection on a document marker', () => {
  // Texts the fast parser must not read alone (js-yaml reads them differently), and look-alikes it may.
  it('sends a collection on the `---` line and a tag before a marker to the positional parser', () => {
    expect(readFast('--- a: 1\n')).toBeUndefined();
    expect(readFast('x: 1\n--- - a\n')).toBeUndefined();
    expect(readFast('!foo\n---\na: 1\n')).toBeUndefined();
    expect(readFast('a: "!x"\n--- !tag\n\n...\n')).toBeUndefined();
    expect(readFast('a: 1\n---\nb: "---  x: 1"\nc: "!t"\n')).toEqual({ docs: [{ a: 1 }, { b: '---  x: 1', c: '!t' }] });
  });
});
