import fs from 'node:fs';
import path from 'node:path';
import jsyaml from 'js-yaml';
import { isScalar, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { decodeText } from '../../src/discover/read.js';
import { parseJsonStream, splitJsonStream } from '../../src/parse/json.js';
import { POSITIONAL_OPTIONS, YamlLocator, parseYamlStream, readFast } from '../../src/parse/yaml.js';
import { JSON_SHAPES, SHAPES } from '../support/parse-shapes.js';

/**
 * Parser parity. Manifests are read by js-yaml (fast) and located by `yaml` (positions): a
 * finding is anchored through the second parser's view of the values the first one built,
 * so both must accept the same texts and build the same values.
 *
 * The reference is `yaml`'s own reading with the options the project gives it
 * (POSITIONAL_OPTIONS: unknown tags are plain nodes, `<<` merges, YAML 1.1 types stay
 * unresolved, an explicit core tag must fit its value, keys are unique by the property name
 * they become). The js-yaml route is compared on its own (readFast, no fallback) and so is
 * parseYamlStream as a whole. Normalisation, the same on both sides:
 * - a document that is empty, only comments, or only a null (`--- ~`) is not counted;
 *   js-yaml cannot tell these apart, and the locator numbers documents the same way;
 * - when both refuse a text, only the documents that were read are compared (a file past
 *   the nesting bound is refused whole, while `yaml` fails the one document);
 * - `.json` texts are read by JSON's grammar (kubectl decodes JSON with a JSON decoder); the
 *   reference reads each top-level value of the stream with `yaml`.
 * Values are compared with `toEqual` (types, NaN, -0 and key order of the constructed
 * objects included): nothing else is normalised.
 */

type Reading = { ok: true; docs: unknown[] } | { ok: false; docs: unknown[] };

function reference(text: string): Reading {
  let ok = true;
  const docs: unknown[] = [];
  for (const doc of parseAllDocuments(text, POSITIONAL_OPTIONS)) {
    const empty = doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null);
    if (doc.errors.length) {
      ok = false;
      if (!empty) docs.push(undefined);
      continue;
    }
    if (empty) continue;
    try {
      docs.push(doc.toJS());
    } catch {
      // `yaml`'s own alias-expansion bound (100) refuses the document.
      ok = false;
      docs.push(undefined);
    }
  }
  return { ok, docs };
}

/**
 * A JSON text: JSON's own grammar says which top-level values are JSON (kubectl decodes a
 * `.json` file with a JSON decoder, so YAML's trailing commas and comments do not count);
 * each value it accepts must read the same in `yaml`.
 */
function jsonReference(text: string): Reading {
  const readings = splitJsonStream(text).map(({ start, end }): Reading => {
    const piece = text.slice(start, end);
    try {
      JSON.parse(piece);
    } catch {
      return { ok: false, docs: [undefined] };
    }
    return reference(piece);
  });
  return { ok: readings.every((r) => r.ok), docs: readings.flatMap((r) => r.docs) };
}

/** What differs between two readings of one text, or undefined when they agree. */
function difference(fast: Reading, slow: Reading): string | undefined {
  if (fast.ok !== slow.ok) return `verdict: fast ${fast.ok ? 'accepts' : 'refuses'}, positional ${slow.ok ? 'accepts' : 'refuses'}`;
  const a = fast.ok ? fast.docs : fast.docs.filter((d) => d !== undefined);
  const b = slow.ok ? slow.docs : slow.docs.filter((d) => d !== undefined);
  if (a.length !== b.length) return `documents: fast ${a.length}, positional ${b.length}`;
  try {
    expect(a).toEqual(b);
  } catch {
    return `values differ: ${JSON.stringify(a).slice(0, 300)} vs ${JSON.stringify(b).slice(0, 300)}`;
  }
  return undefined;
}

/**
 * The js-yaml route alone (without the fallback parseYamlStream takes when js-yaml throws)
 * against the reference: "routed" when the text goes to the positional parser. js-yaml stops
 * at its first error and keeps no document, so then only the verdict is compared.
 */
function fastRouteDifference(text: string): string | undefined | 'routed' {
  const fast = readFast(text);
  if (fast === undefined) return 'routed';
  const slow = reference(text);
  if ('docs' in fast) return difference({ ok: true, docs: fast.docs }, slow);
  return slow.ok ? 'verdict: fast refuses, positional accepts' : undefined;
}

const ROOT = path.resolve(import.meta.dirname, '../..');

function corpus(): { name: string; text: string }[] {
  const out: { name: string; text: string }[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const abs = path.join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules') walk(abs);
      else if (entry.isFile() && /\.(ya?ml|json)$/i.test(entry.name))
        out.push({ name: path.relative(ROOT, abs), text: decodeText(fs.readFileSync(abs)) });
    }
  };
  for (const dir of ['fixtures', 'examples', 'test']) walk(path.join(ROOT, dir));
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}

describe('the fast path reads what the positional parser reads', () => {
  const files = corpus();
  const routed: string[] = [];

  it('finds the repository corpus', () => {
    expect(files.length).toBeGreaterThan(50);
  });

  for (const { name, text } of files) {
    it(name, () => {
      if (name.toLowerCase().endsWith('.json')) {
        expect(difference(parseJsonStream(text), jsonReference(text))).toBeUndefined();
        return;
      }
      const fast = fastRouteDifference(text);
      if (fast === 'routed') routed.push(name);
      else expect(fast).toBeUndefined();
      expect(difference(parseYamlStream(text), reference(text))).toBeUndefined();
    });
  }

  it('takes the fast route for nearly all of the corpus', () => {
    // Anchors, directives, null or collection keys send a text to the positional parser.
    expect(routed.length).toBeLessThan(files.length / 10);
  });

  for (const [name, text] of Object.entries(SHAPES)) {
    it(`generated: ${name}`, () => {
      const expected = KNOWN[name];
      const fast = fastRouteDifference(text);
      if (fast !== 'routed') expect(fast).toBe(expected);
      expect(difference(parseYamlStream(text), reference(text))).toBe(expected);
    });
  }

  for (const [name, text] of Object.entries(JSON_SHAPES)) {
    it(`generated JSON: ${name}`, () => {
      expect(difference(parseJsonStream(text), jsonReference(text))).toBeUndefined();
    });
  }
});

/**
 * Where parseYamlStream deliberately differs from plain `yaml`, by the name of the shape;
 * the test fails if a difference changes or disappears, so this list stays true.
 * - NUL, C0/C1 controls and lone surrogates: `yaml` accepts them, but YAML 1.2 (5.1,
 *   c-printable) excludes them and js-yaml and go-yaml refuse them; parseYamlStream
 *   refuses them on either path.
 */
const KNOWN: Record<string, string> = {
  'NUL bytes and invalid UTF-8': 'verdict: fast refuses, positional accepts',
  'a control character': 'verdict: fast refuses, positional accepts',
  'a lone surrogate': 'verdict: fast refuses, positional accepts',
};

describe('the comparison can fail', () => {
  it('sees js-yaml default schema reading a date as a Date', () => {
    const text = 'a: 2001-12-14\n';
    const jsDefault: Reading = { ok: true, docs: jsyaml.loadAll(text) };
    expect(difference(jsDefault, reference(text))).toMatch(/values differ/);
  });

  it('sees a different verdict and a different document count', () => {
    expect(difference({ ok: true, docs: [] }, reference('a: [1\n'))).toMatch(/verdict/);
    expect(difference({ ok: true, docs: [{ a: 1 }] }, reference('a: 1\n---\nb: 2\n'))).toMatch(/documents/);
  });

  it('tells 0 from -0 and a number from a string', () => {
    expect(difference({ ok: true, docs: [{ a: 0 }] }, reference('a: -0\n'))).toMatch(/values differ/);
    expect(difference({ ok: true, docs: [{ a: 1 }] }, reference('a: "1"\n'))).toMatch(/values differ/);
  });
});

describe('parseJsonStream: a JSON file may hold a stream of values', () => {
  const at = (line: number, column: number): { line: number; column: number } => ({ line, column });
  const errorsAt = (text: string): { line: number; column: number }[] => {
    const r = parseJsonStream(text);
    return r.ok ? [] : r.errors.map((e) => e.span.start);
  };

  it('reads concatenated values, with or without space between them', () => {
    expect(parseJsonStream('{"a":1}{"b":2}')).toEqual({ ok: true, docs: [{ a: 1 }, { b: 2 }] });
    expect(parseJsonStream('{"a": 1}\n{"b": 2}\n')).toEqual({ ok: true, docs: [{ a: 1 }, { b: 2 }] });
    expect(parseJsonStream('\r\n {"a": 1}\r\n\r\n\t{"b": [1, {"c": null}]} ')).toEqual({
      ok: true,
      docs: [{ a: 1 }, { b: [1, { c: null }] }],
    });
    expect(parseJsonStream('[1, 2] 3 "x"true')).toEqual({ ok: true, docs: [[1, 2], 3, 'x', true] });
  });

  it('follows strings: braces, brackets and escaped quotes inside them do not split', () => {
    expect(parseJsonStream('{"a": "}{", "b": "\\"}]\\\\"}\n{"c": "[{"}')).toEqual({
      ok: true,
      docs: [{ a: '}{', b: '"}]\\' }, { c: '[{' }],
    });
  });

  it('counts a null value as no document, as an empty YAML document, and reads blank text as none', () => {
    expect(parseJsonStream('{"a":1}\nnull\n{"b":2}')).toEqual({ ok: true, docs: [{ a: 1 }, { b: 2 }] });
    expect(parseJsonStream('')).toEqual({ ok: true, docs: [] });
    expect(parseJsonStream(' \n\t')).toEqual({ ok: true, docs: [] });
    expect(parseJsonStream('\ufeff{"a":1}')).toEqual({ ok: true, docs: [{ a: 1 }] });
  });

  it('reports a broken value at its line and column in the file and keeps the others', () => {
    const r = parseJsonStream('{"a": 1}\n{"b": 2,}\n{"c": 3}\n');
    expect(r.ok).toBe(false);
    expect(r.docs).toEqual([{ a: 1 }, undefined, { c: 3 }]);
    expect(errorsAt('{"a": 1}\n{"b": 2,}\n{"c": 3}\n')).toEqual([at(2, 9)]);
    expect(errorsAt('{"a": 1}\n{\n  "b": [1, 2,]\n}\n')).toEqual([at(3, 14)]);
    expect(errorsAt('{"a": 1}  {"b": }')).toEqual([at(1, 17)]);
    expect(parseJsonStream('{"a": 1}\n// a comment\n{"b": 2}').docs).toEqual([{ a: 1 }, undefined, { b: 2 }]);
    expect(errorsAt('{"a": 1}\n// a comment\n{"b": 2}')).toEqual([at(2, 1)]);
    expect(errorsAt('{"a": 1}\n{"b": ')).toEqual([at(2, 7)]);
    expect(errorsAt('{"a": "x\ty"}')).toEqual([at(1, 9)]);
    expect(errorsAt('{"a": 01}')).toEqual([at(1, 8)]);
    expect(errorsAt('{"a": 1}}')).toEqual([at(1, 9)]);
  });

  it('says what is wrong without the position V8 appends', () => {
    const r = parseJsonStream('{"a": 1}\n[1,]');
    expect(r.ok ? [] : r.errors.map((e) => e.message)).toEqual(["unexpected token ']'"]);
  });

  it('agrees with V8 about the position wherever V8 names one', () => {
    for (const bad of ['{"a":1,}', '[1 2]', '{"a" 1}', '"abc', '01', '"\t"', '{"a": tru}', '{"a": 1} x', '[1, "\\q"]']) {
      const v8 = (() => {
        try {
          JSON.parse(bad);
        } catch (err) {
          return /position (\d+)/.exec((err as Error).message)?.[1];
        }
        return undefined;
      })();
      if (v8 === undefined) continue;
      const r = parseJsonStream(`{}\n${bad}`);
      expect(r.ok ? undefined : r.errors.at(-1)?.span.start, bad).toEqual(at(2, Number(v8) + 1));
    }
  });

  it('refuses repeated keys (JSON.parse would keep the last), per object', () => {
    expect(errorsAt('{"a":1}\n{"b":1,"b":2}')).toEqual([at(2, 8)]);
    expect(errorsAt('{"a":1,"\\u0061":2}')).toEqual([at(1, 8)]);
    expect(parseJsonStream('{"a":{"x":1},"b":{"x":2},"c":[{"x":1},{"x":2}]}').ok).toBe(true);
    expect(parseJsonStream('{"a":1}\n{"b":1,"b":2}').docs).toEqual([{ a: 1 }, undefined]);
  });

  it('bounds nesting instead of following it', () => {
    const r = parseJsonStream(`{"a": ${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}}`);
    expect(r.ok).toBe(false);
    expect(r.ok ? [] : r.errors.map((e) => e.message)).toEqual([expect.stringContaining('nested more than 1000 levels')]);
  });

  it('locates paths in the second value of a stream', () => {
    const locator = new YamlLocator('{"a": 1}\n{"b": {"c": 2}}\n');
    expect(locator.locate(1, ['b', 'c'], 'value')?.start).toEqual(at(2, 13));
    expect(locator.locate(1, ['b'], 'key')?.start).toEqual(at(2, 2));
    expect(new YamlLocator('{"a":1}{"b":2}').locate(1, ['b'], 'key')?.start).toEqual(at(1, 9));
    expect(new YamlLocator('{"a":1}\nnull\n{"b":2}').locate(1, ['b'], 'key')?.start).toEqual(at(3, 2));
  });
});
