import { describe, expect, it } from 'vitest';
import { parseJsonStream } from '../../src/parse/json.js';
import { YamlLocator, parseYamlStream } from '../../src/parse/yaml.js';

describe('parseYamlStream', () => {
  it('returns non-empty documents only, in order', () => {
    const r = parseYamlStream('---\n---\na: 1\n---\n# only a comment\n---\nb: [1, 2]\n...\n');
    expect(r).toEqual({ ok: true, docs: [{ a: 1 }, { b: [1, 2] }] });
  });

  it('reports duplicate keys at the second key', () => {
    const r = parseYamlStream('a: 1\nb:\n  c: 1\n  c: 2\n');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.map((e) => e.span.start)).toEqual([{ line: 4, column: 3 }]);
  });

  it('keeps the good documents of a stream with a broken one, one error per broken document', () => {
    const r = parseYamlStream('a: 1\n---\nb: 1\nb: 2\n---\nc: [1\n---\nd: 4\n');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.docs).toEqual([{ a: 1 }, undefined, undefined, { d: 4 }]);
    expect(r.errors.map((e) => e.span.start.line)).toEqual([4, 7]);
  });

  it('handles a byte-order mark and CRLF line ends', () => {
    const text = '\ufeffa: 1\r\nb:\r\n  c: x\r\n';
    expect(parseYamlStream(text)).toEqual({ ok: true, docs: [{ a: 1, b: { c: 'x' } }] });
    expect(new YamlLocator(text).locate(0, ['b', 'c'], 'value')?.start).toEqual({ line: 3, column: 6 });
  });

  it('caps alias expansion instead of hanging', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
    ].join('\n');
    const r = parseYamlStream(bomb);
    expect(r.ok).toBe(false);
  });

  it('keeps small, legitimate anchors and aliases', () => {
    expect(parseYamlStream('base: &b { app: web }\nother: *b\n')).toEqual({
      ok: true,
      docs: [{ base: { app: 'web' }, other: { app: 'web' } }],
    });
  });
});

describe('parseJsonStream', () => {
  it('rejects what YAML would forgive, at the right line', () => {
    const r = parseJsonStream('{\n  "a": 1,\n}\n');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]?.span.start.line).toBe(3);
  });

  it('rejects duplicate keys, which JSON.parse would silently merge', () => {
    expect(parseJsonStream('{"a": 1, "a": 2}').ok).toBe(false);
  });
});

describe('YamlLocator', () => {
  const text = [
    '# leading comment',
    'apiVersion: v1',
    'kind: List',
    'items:',
    '  - metadata:',
    '      name: first',
    '  - {}',
    '---',
    'second: doc',
    '',
  ].join('\n');
  const locator = new YamlLocator(text);

  it('locates keys and values by path', () => {
    expect(locator.locate(0, ['items', 0, 'metadata', 'name'], 'key')?.start).toEqual({ line: 6, column: 7 });
    expect(locator.locate(0, ['items', 0, 'metadata', 'name'], 'value')).toEqual({
      start: { line: 6, column: 13 },
      end: { line: 6, column: 18 },
    });
  });

  it('locates a sequence item, and documents by ordinal', () => {
    expect(locator.locate(0, ['items', 1], 'value')?.start).toEqual({ line: 7, column: 5 });
    expect(locator.locate(1, ['second'], 'key')?.start).toEqual({ line: 9, column: 1 });
  });

  it('falls back to the deepest existing ancestor', () => {
    expect(locator.locate(0, ['items', 0, 'metadata', 'labels', 'x'], 'key')?.start.line).toBe(5);
  });

  it('matches numeric keys as strings, as the value parser does', () => {
    expect(new YamlLocator('ports:\n  80: http\n').locate(0, ['ports', '80'], 'key')?.start).toEqual({ line: 2, column: 3 });
  });
});
