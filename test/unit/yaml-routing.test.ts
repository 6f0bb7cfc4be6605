import { LineCounter, isScalar, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { POSITIONAL_OPTIONS, YamlLocator, parseYamlStream, readFast } from '../../src/parse/yaml.js';

/**
 * Which texts js-yaml may read alone, and where findings land when only the documents
 * asked about are parsed with positions. The oracle is the `yaml` library reading the
 * whole text, with no help from the code under test.
 */

function reference(text: string): unknown[] {
  return parseAllDocuments(text, POSITIONAL_OPTIONS)
    .filter((d) => !(d.contents === null || (isScalar(d.contents) && d.contents.value === null)))
    .map((d) => {
      expect(d.errors).toEqual([]);
      return d.toJS();
    });
}

/** Line and column of the value at `path` in the `doc`-th non-empty document, read from the whole text. */
function wholeFilePosition(text: string, doc: number, path: (string | number)[]): { line: number; column: number } {
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lc }).filter(
    (d) => !(d.contents === null || (isScalar(d.contents) && d.contents.value === null)),
  );
  const node = docs[doc]?.getIn(path, true) as { range?: [number, number] } | undefined;
  if (!node?.range) throw new Error(`no node at ${path.join('.')}`);
  const { line, col } = lc.linePos(node.range[0]);
  return { line, column: col };
}

describe('key spellings inside scalars keep the fast route', () => {
  // Each text spells a key the two parsers would name differently, but only inside a string.
  const texts: Record<string, string> = {
    'an explicit-key mark opening a line of a quoted CEL rule': 'rule: "has(self.a)\n  ? self.a > 1\n  : true"\n',
    'an empty-key colon opening a line of a single-quoted string': "msg: 'one\n  : two'\n",
    'a closed collection before a colon in a block scalar': 'doc: |\n  use [a, b]: x or {c}: y\n',
    'a null key in a description': 'description: >\n  a value of null: nothing\n',
    'a flow sequence after a comma in plain text': 'text: one, [two]\n',
    'a 1,100-character quoted line with a colon at its end': `a: "${'x'.repeat(1100)}: y"\n`,
    'a byte-order mark before such a string': "\ufeffmsg: 'one\n  : two'\nb: [1]\n",
  };
  for (const [name, text] of Object.entries(texts)) {
    it(name, () => {
      const fast = readFast(text);
      expect(fast).toBeDefined();
      expect(fast && 'docs' in fast ? fast.docs : fast).toEqual(reference(text));
    });
  }
});

describe('a real key among such strings still goes to the positional parser', () => {
  const texts: Record<string, string> = {
    'a collection key after a quoted decoy': 'a: "x\n  ? y"\n[b]: c\n',
    'an explicit key after a decoy': "a: 'x\n  : y'\n? [k]\n: v\n",
    'a null key after a decoy': 'a: "null: x"\n~: v\n',
    'an empty key after a decoy': 'a: "{b}: c"\n: v\n',
    'a long key after a decoy': `a: "${'y'.repeat(1100)}: z"\n${'k'.repeat(1100)}: v\n`,
  };
  for (const [name, text] of Object.entries(texts)) {
    it(name, () => {
      expect(readFast(text)).toBeUndefined();
      const r = parseYamlStream(text);
      const ref = parseAllDocuments(text, POSITIONAL_OPTIONS);
      if (ref.some((d) => d.errors.length)) expect(r.ok).toBe(false);
      else expect(r).toEqual({ ok: true, docs: reference(text) });
    });
  }
});

describe('YamlLocator parses only what it needs and lands where a whole-file parse does', () => {
  const stream = [
    '# leading comment only',
    '---',
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata: { name: a }',
    '--- # a marker with a comment',
    '',
    '---',
    'apiVersion: v1',
    'kind: Service',
    'spec:',
    '  ports:',
    '    - port: 80',
    '--- { apiVersion: v1, kind: Secret, data: { k: v } }',
    '---',
    'list:',
    '  - one',
    '  - two',
    '',
  ].join('\n');
  const cases: [string, string][] = [
    ['LF', stream],
    ['CRLF', stream.replace(/\n/g, '\r\n')],
    ['a byte-order mark', `\ufeff${stream}`],
    ['a null document, read whole', `${stream}--- ~\n---\nlast: 1\n`],
    ['a document end marker, read whole', `${stream}...\n---\nlast: 1\n`],
    ['a directive, read whole', `%YAML 1.2\n${stream}`],
  ];
  const paths: [number, (string | number)[]][] = [
    [0, ['metadata', 'name']],
    [1, ['spec', 'ports', 0, 'port']],
    [2, ['data', 'k']],
    [3, ['list', 1]],
  ];
  for (const [name, text] of cases) {
    it(name, () => {
      const locator = new YamlLocator(text);
      // Out of order, as findings come.
      for (const [doc, path] of [...paths].reverse()) {
        expect(locator.locate(doc, path, 'value')?.start, `${doc}:${path.join('.')}`).toEqual(wholeFilePosition(text, doc, path));
      }
    });
  }

  it('falls back to the whole file when a document does not parse cleanly', () => {
    const text = 'a: 1\n---\nb: [1\n---\nc:\n  d: 2\n';
    const locator = new YamlLocator(text);
    expect(locator.locate(2, ['c', 'd'], 'value')?.start).toEqual({ line: 6, column: 6 });
    expect(locator.locate(1, ['b'], 'key')?.start).toEqual({ line: 3, column: 1 });
  });

  it('answers nothing for a document that does not exist', () => {
    expect(new YamlLocator('a: 1\n---\nb: 2\n').locate(2, ['a'], 'value')).toBeUndefined();
  });
});
