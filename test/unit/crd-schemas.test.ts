import jsyaml from 'js-yaml';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { topLevelValueEnd } from '../../src/parse/crd-schemas.js';
import { POSITIONAL_OPTIONS, parseYamlStream } from '../../src/parse/yaml.js';
import { pick, seeded } from '../support/random.js';

/**
 * The `spec` of a CRD is checked by a line scanner instead of being built. The scanner may
 * decline anything (the document is then parsed as before); what it accepts, both real
 * parsers must read without an error. The oracles are js-yaml and `yaml` themselves, on
 * generated CRD-like bodies in the shapes generators write and on random damage to them.
 */

type Next = (n: number) => number;

const WORDS = [
  'description',
  'type',
  'properties',
  'items',
  'x-kubernetes-list-type',
  '$ref',
  'app.kubernetes.io/name',
  'format',
  'enum',
  'default',
  'minimum',
  'rule',
  'message',
  'required',
  'additionalProperties',
  'name',
  'served',
  'storage',
];
const TEXT = [
  'object',
  'the name of the thing',
  'Foo is a bar',
  "it's here",
  'a (b) c',
  'self.x == y',
  'see http://example.com/x',
  'int-or-string',
  '100',
  '-2',
  'true',
  '1.5',
  'x # not a comment?',
  'use `code`',
  'a,b',
  'null',
];

/** A scalar value written after `key: ` (or `- `) by a generator, as the lines it takes; `owner` is the key's column. */
function scalar(next: Next, owner: number): string[] {
  const pad = ' '.repeat(owner + 2);
  const words = (): string => pick(next, TEXT).replace(/ # .*$/, '');
  switch (next(11)) {
    case 0:
      return [`"${words()} \\"quoted\\" \\n \\u00e9"`];
    case 1:
      return [`'${words().replace(/'/g, "''")} ''single'''`];
    case 2:
      // A plain scalar over several lines.
      return [words(), `${pad}${words()} more text`, `${pad}and (the) end.`];
    case 3:
      // A plain scalar starting on the line after its key.
      return ['', `${pad}${words()} starts below`, `${pad}|| continues here`];
    case 4:
      return [`"${words()} over`, `${pad}two lines: with \\"quotes\\""`];
    case 5:
      return [`'${words().replace(/'/g, "''")} over`, '', `${pad}lines # not a comment'`];
    case 6: {
      const header = pick(next, ['|', '|-', '>', '>-', '|+']);
      return [header, `${pad}first line: with a colon`, `${pad}  # inside the text`, '', `${pad}last line`];
    }
    case 7:
      return [
        pick(next, ['[]', '{}', '["v1", "v1beta1"]', '[a, b, c]', "['x']", '{ kind: Thing, plural: things }', '{a: "x, y", b: \'z\'}']),
      ];
    case 8:
      return [`${words()} # a comment`];
    default:
      return [words()];
  }
}

/** A block mapping at `indent`, as lines. */
function mapping(next: Next, indent: number, depth: number): string[] {
  const pad = ' '.repeat(indent);
  const out: string[] = [];
  const keys = new Set<string>();
  for (let n = 1 + next(4); n > 0; n--) {
    const key = pick(next, WORDS);
    if (keys.has(key)) continue;
    // Comments and blank lines between keys (a mapping's first line is a key: it may follow a dash).
    if (keys.size > 0 && next(6) === 0) out.push(`${' '.repeat(next(indent + 3))}# a comment line`);
    if (keys.size > 0 && next(8) === 0) out.push('');
    keys.add(key);
    const kind = depth > 3 ? 0 : next(4);
    if (kind === 1) {
      out.push(`${pad}${key}:`, ...mapping(next, indent + pick(next, [1, 2, 4]), depth + 1));
    } else if (kind === 2) {
      out.push(`${pad}${key}:`, ...sequence(next, indent + pick(next, [0, 2]), depth + 1));
    } else {
      const [first, ...rest] = scalar(next, indent);
      out.push(first === '' ? `${pad}${key}:` : `${pad}${key}: ${first}`, ...rest);
    }
  }
  return out;
}

/** A block sequence whose dashes stand at `indent`. */
function sequence(next: Next, indent: number, depth: number): string[] {
  const pad = ' '.repeat(indent);
  const out: string[] = [];
  for (let n = 1 + next(3); n > 0; n--) {
    if (next(2) === 0 && depth <= 3) {
      // `- key: value` and the rest of the mapping under it.
      const [first, ...rest] = mapping(next, indent + 2, depth + 1);
      out.push(`${pad}- ${(first as string).trimStart()}`, ...rest);
    } else {
      const [first, ...rest] = scalar(next, indent);
      if (first === '') continue;
      out.push(`${pad}- ${first}`, ...rest);
    }
  }
  return out;
}

function crd(body: string[]): { text: string; from: number; to: number } {
  const head = 'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: things.example.com\nspec:\n';
  const text = `${head}${body.join('\n')}\n`;
  return { text, from: head.length, to: text.length };
}

/** What each real parser says of the whole document: true when it reads it without an error. */
function parsersAccept(text: string): { jsyaml: boolean; yaml: boolean } {
  let byJsyaml = true;
  try {
    jsyaml.load(text);
  } catch {
    byJsyaml = false;
  }
  const docs = parseAllDocuments(text, POSITIONAL_OPTIONS);
  const byYaml = Array.isArray(docs) && docs.every((d) => d.errors.length === 0);
  return { jsyaml: byJsyaml, yaml: byYaml };
}

const DAMAGE: ((line: string, next: Next) => string)[] = [
  (l) => ` ${l}`,
  (l) => l.replace(/^ /, ''),
  (l) => `  ${l}`,
  (l, next) => insertAt(l, next, ': x'),
  (l, next) => insertAt(l, next, ' #c'),
  (l, next) =>
    insertAt(
      l,
      next,
      pick(next, ['"', "'", '[', ']', '{', '}', ':', '#', '&a ', '*a', '!t ', '|', '>', '%', '@', '`', '\t', '\\q', '- ', '? ', ',']),
    ),
  (l, next) => {
    const at = next(l.length + 1);
    return l.slice(0, at) + l.slice(at + 1);
  },
  (l) => l.replace(/^(\s*(?:- )?)[^:\s]+:/, '$1null:'),
  (l) => l.replace(/^(\s*(?:- )?)[^:\s]+:/, '$1True:'),
  (l) => l.replace(/^(\s*(?:- )?)[^:\s]+:/, '$11:'),
  (l) => l.replace(/^(\s*(?:- )?)[^:\s]+:/, '$1<<:'),
  (l) => l.replace(/^(\s*)- /, '$1- - '),
];

function insertAt(line: string, next: Next, piece: string): string {
  const at = next(line.length + 1);
  return line.slice(0, at) + piece + line.slice(at);
}

function damaged(body: string[], next: Next): string[] {
  const lines = body.slice();
  for (let n = 1 + next(2); n > 0; n--) {
    const i = next(lines.length);
    const choice = next(DAMAGE.length + 3);
    if (choice === DAMAGE.length)
      lines.splice(i, 0, lines[i] as string); // a repeated line (a repeated key)
    else if (choice === DAMAGE.length + 1 && i + 1 < lines.length) lines.splice(i, 2, lines[i + 1] as string, lines[i] as string);
    else if (choice === DAMAGE.length + 2 && i + 1 < lines.length) lines.splice(i, 2, `${lines[i]}${lines[i + 1]}`);
    else lines[i] = (DAMAGE[choice % DAMAGE.length] as (line: string, next: Next) => string)(lines[i] as string, next);
  }
  return lines;
}

describe('CRD schemas checked by the line scanner', () => {
  it('accepts the shapes generators write, and both parsers read them', () => {
    for (let seed = 1; seed <= 400; seed++) {
      const next = seeded(seed);
      const { text, from, to } = crd(mapping(next, 2, 0));
      expect(parsersAccept(text), `seed ${seed}:\n${text}`).toEqual({ jsyaml: true, yaml: true });
      expect(topLevelValueEnd(text, from, to), `seed ${seed}:\n${text}`).toBe(to);
    }
  });

  it('accepts nothing that js-yaml or yaml refuses, over random damage', () => {
    let refused = 0;
    let accepted = 0;
    for (let seed = 1; seed <= 400; seed++) {
      const next = seeded(seed);
      const body = mapping(next, 2, 0);
      for (let round = 0; round < 15; round++) {
        const { text, from, to } = crd(damaged(body, next));
        const verdict = parsersAccept(text);
        if (!verdict.jsyaml || !verdict.yaml) refused++;
        if (topLevelValueEnd(text, from, to) !== to) continue;
        accepted++;
        expect(verdict, `seed ${seed} round ${round}:\n${text}`).toEqual({ jsyaml: true, yaml: true });
      }
    }
    // The damage is real (many texts are refused) and the scanner still accepts many of the rest.
    expect(refused).toBeGreaterThan(1500);
    expect(accepted).toBeGreaterThan(1000);
  });

  it('declines what it does not know, though it may be valid', () => {
    const declined = [
      '  a: &x 1\n  b: *x\n', // anchors and aliases
      '  a: !!str 1\n', // tags
      '  a: {b: {c: 1}}\n', // nested flow mappings
      '  a: {b: 1, b: 2}\n', // a repeated key in a flow mapping
      '  ? a\n  : 1\n', // explicit keys
      '  "a": 1\n', // quoted keys
      '  null: 1\n', // a key that is a null to one parser and "" to the other
      '  1: a\n  01: b\n', // keys that are the same number
      '  a: "x\\\n    y"\n', // an escaped line break
      '  a: |2\n     x\n', // an explicit indentation indicator
      '  -\n    a: 1\n', // an empty dash with its value below
    ];
    for (const body of declined) {
      const text = `spec:\n${body}`;
      expect(topLevelValueEnd(text, 6, text.length), body).toBe(-1);
    }
  });
});

describe('parseYamlStream with CRD schemas checked only', () => {
  const crdDoc = (spec: string, name = 'things.example.com'): string =>
    `apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
  const spec =
    '  group: example.com\n  names:\n    kind: Thing\n  versions:\n  - name: v1\n    schema:\n      openAPIV3Schema:\n        type: object\n';

  it('reads every other document and the CRD without its spec, and says which documents those are', () => {
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: v\n---\n${crdDoc(spec)}---\n${crdDoc(spec, 'others.example.com')}status:\n  acceptedNames:\n    kind: ""\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: s\n`;
    const full = jsyaml.loadAll(text) as Record<string, unknown>[];
    const expected = full.map((doc) => {
      if (doc['kind'] !== 'CustomResourceDefinition') return doc;
      const { spec: _left, ...rest } = doc;
      return rest;
    });
    const read = parseYamlStream(text, { crdSchemas: 'check-only' });
    expect(read).toEqual({ ok: true, docs: expected, partial: [1, 2] });
    // Without the option the spec is read.
    expect(parseYamlStream(text)).toEqual({ ok: true, docs: full });
  });

  it('reports an error in a CRD spec where the whole parse reports it', () => {
    const broken = [
      '  group: example.com\n  names:\n    kind: Thing\n    kind: Other\n', // a repeated key
      '  group: example.com\n   names: x\n', // bad indentation
      '  group: "example.com\n', // an unclosed quote
      '  group: example.com\n  names:\n    kind: a: b\n', // a mapping where a scalar is
      '  group: example.com\nspec:\n  group: other.com\n', // a repeated spec
      '  group: example.com\n"spec":\n  group: other.com\n', // a repeated spec, quoted
    ];
    for (const body of broken) {
      const text = `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: n\n---\n${crdDoc(body)}`;
      const checked = parseYamlStream(text, { crdSchemas: 'check-only' });
      expect(checked.ok, body).toBe(false);
      expect(checked).toEqual(parseYamlStream(text));
    }
  });

  it('keeps a single CRD without document markers, and one written in JSON style, whole or without spec as it can', () => {
    const single = crdDoc(spec);
    expect(parseYamlStream(single, { crdSchemas: 'check-only' })).toMatchObject({ ok: true, partial: [0] });
    const flow = `{"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": {"name": "x"}, "spec": {"group": "g"}}\n`;
    expect(parseYamlStream(flow, { crdSchemas: 'check-only' })).toEqual({ ok: true, docs: [jsyaml.load(flow)] });
  });
});

describe('many CRDs in one stream', () => {
  it('checks each in time linear in the stream (20,000 small CRDs)', () => {
    const one = (i: number): string =>
      `---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: t${i}.example.com\nspec:\n  group: example.com\n  names:\n    kind: T${i}\n`;
    const text = Array.from({ length: 20_000 }, (_, i) => one(i)).join('');
    const read = parseYamlStream(text, { crdSchemas: 'check-only' });
    expect(read.ok && read.partial?.length).toBe(20_000);
    expect(read.docs[19_999]).toEqual({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 't19999.example.com' },
    });
  });
});

describe('parseYamlStream with CRD schemas checked only, against the whole parse', () => {
  const TOP = [
    'status:\n  acceptedNames:\n    kind: ""',
    'spec:\n  group: again.example.com',
    '"spec": {}',
    'spec : {}',
    'kind: Other',
    'extra: 1',
  ];

  it('reads what the whole parse reads, less the schemas it left out, and fails where it fails', () => {
    let partial = 0;
    let failed = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const next = seeded(seed);
      const header = [
        'apiVersion: apiextensions.k8s.io/v1',
        'kind: CustomResourceDefinition',
        'metadata:',
        '  name: things.example.com',
        'spec:',
      ];
      let lines = [...header, ...mapping(next, 2, 0)];
      if (next(3) === 0) lines.push(...pick(next, TOP).split('\n'));
      if (next(2) === 0) lines = damaged(lines, next);
      const text = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n---\n${lines.join('\n')}\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: s\n`;
      const whole = parseYamlStream(text);
      const checked = parseYamlStream(text, { crdSchemas: 'check-only' });
      if (!checked.ok || !checked.partial) {
        expect(checked, `seed ${seed}:\n${text}`).toEqual(whole);
        if (!checked.ok) failed++;
        continue;
      }
      partial++;
      expect(whole.ok, `seed ${seed}:\n${text}`).toBe(true);
      const expected = whole.docs.map((doc, i) => {
        if (!checked.partial?.includes(i)) return doc;
        const { spec: _left, ...rest } = doc as Record<string, unknown>;
        return rest;
      });
      expect(checked.docs, `seed ${seed}:\n${text}`).toEqual(expected);
    }
    expect(partial).toBeGreaterThan(100);
    expect(failed).toBeGreaterThan(20);
  });
});
