import { describe, expect, it } from 'vitest';
import { matchesPartially, parseLabelSelector, selectorMatches, type LabelSelector } from '../../src/analysis/selectors.js';
import { DIRECTIONS, MATCH_ALL, MATCH_NONE, labelSelectorMatcher } from '../../src/analysis/netpol-types.js';
import { Node } from '../../src/model/node.js';

/**
 * Kubernetes label selectors (apimachinery `LabelSelectorAsSelector`): `matchLabels` and
 * `matchExpressions` are ANDed; `In`/`NotIn`/`Exists`/`DoesNotExist` are the only
 * operators; `{}` selects everything. With an incomplete label set (a namespace nobody
 * defined), a requirement on a missing key cannot be decided.
 */

const node = (value: unknown): Node => new Node(value, 'sel.yaml', 0, []);
const sel = (value: unknown): LabelSelector => parseLabelSelector(node(value));
const expr = (key: string, operator: string, values?: unknown[]): Record<string, unknown> =>
  values === undefined ? { key, operator } : { key, operator, values };

const web = { app: 'web', tier: 'frontend', blank: '' };

describe('parseLabelSelector', () => {
  it('turns matchLabels into single-valued In requirements, before matchExpressions, in order', () => {
    const s = sel({
      matchExpressions: [expr('zone', 'NotIn', ['a', 'b']), expr('canary', 'DoesNotExist')],
      matchLabels: { app: 'web', tier: 'frontend' },
    });
    expect(s.requirements).toEqual([
      { key: 'app', operator: 'In', values: ['web'] },
      { key: 'tier', operator: 'In', values: ['frontend'] },
      { key: 'zone', operator: 'NotIn', values: ['a', 'b'] },
      { key: 'canary', operator: 'DoesNotExist', values: [] },
    ]);
    expect(s.isEmpty).toBe(false);
    expect(Object.hasOwn(s, 'invalid')).toBe(false);
  });

  it('keeps each of the four operators', () => {
    const s = sel({
      matchExpressions: [expr('a', 'In', ['1']), expr('b', 'NotIn', ['2']), expr('c', 'Exists'), expr('d', 'DoesNotExist')],
    });
    expect(s.requirements.map((r) => r.operator)).toEqual(['In', 'NotIn', 'Exists', 'DoesNotExist']);
    expect(s.invalid).toBeUndefined();
  });

  it('reads scalar values as strings and drops values that are not scalars', () => {
    expect(sel({ matchLabels: { version: 2, on: true } }).requirements).toEqual([
      { key: 'version', operator: 'In', values: ['2'] },
      { key: 'on', operator: 'In', values: ['true'] },
    ]);
    expect(sel({ matchExpressions: [expr('v', 'In', [1, 'x', { nested: 'map' }, ['list']])] }).requirements).toEqual([
      { key: 'v', operator: 'In', values: ['1', 'x'] },
    ]);
    // A matchLabels value that is not a scalar is not a label.
    expect(sel({ matchLabels: { app: { nested: 'map' } } }).requirements).toEqual([]);
  });

  it('an empty or absent selector has no requirements and is empty', () => {
    for (const s of [sel({}), sel({ matchLabels: {} }), sel({ matchExpressions: [] }), sel({ matchLabels: {}, matchExpressions: [] })]) {
      expect(s.requirements).toEqual([]);
      expect(s.isEmpty).toBe(true);
      expect(s.invalid).toBeUndefined();
    }
    const absent = parseLabelSelector(undefined);
    expect(absent.requirements).toEqual([]);
    expect(absent.isEmpty).toBe(true);
    expect(Object.hasOwn(absent, 'node')).toBe(false);
    expect(Object.hasOwn(absent, 'invalid')).toBe(false);
  });

  it('keeps the node it was read from', () => {
    const n = node({ matchLabels: { a: 'b' } });
    expect(parseLabelSelector(n).node).toBe(n);
  });

  it('marks an unknown, misspelt or missing operator as invalid (the API server rejects it)', () => {
    const unknown = sel({ matchExpressions: [expr('app', 'Equals', ['web'])] });
    expect(unknown.invalid).toBe('unsupported selector operator "Equals"');
    expect(unknown.requirements).toEqual([]);
    expect(unknown.isEmpty).toBe(false);

    // Operators are case-sensitive.
    expect(sel({ matchExpressions: [expr('app', 'in', ['web'])] }).invalid).toBe('unsupported selector operator "in"');
    expect(sel({ matchExpressions: [{ key: 'app', values: ['web'] }] }).invalid).toBe('unsupported selector operator undefined');
  });

  it('marks an expression without a key as invalid', () => {
    const s = sel({ matchExpressions: [{ operator: 'Exists' }] });
    expect(s.invalid).toBeDefined();
    expect(s.requirements).toEqual([]);
    expect(s.isEmpty).toBe(false);
  });

  it('keeps the valid requirements beside an invalid one, but the selector still matches nothing', () => {
    const s = sel({ matchLabels: { app: 'web' }, matchExpressions: [expr('tier', 'Bogus'), expr('canary', 'DoesNotExist')] });
    expect(s.requirements).toEqual([
      { key: 'app', operator: 'In', values: ['web'] },
      { key: 'canary', operator: 'DoesNotExist', values: [] },
    ]);
    expect(s.invalid).toBe('unsupported selector operator "Bogus"');
    expect(selectorMatches(s, { app: 'web' })).toBe(false);
    expect(matchesPartially(s, { app: 'web' }, false)).toBe(false);
    expect(matchesPartially(s, {}, false)).toBe(false);
  });
});

describe('selectorMatches against a complete label set', () => {
  it.each<[string, unknown, boolean]>([
    ['{} selects everything', {}, true],
    ['matchLabels equal', { matchLabels: { app: 'web' } }, true],
    ['matchLabels equal to an empty value', { matchLabels: { blank: '' } }, true],
    ['matchLabels with another value', { matchLabels: { app: 'api' } }, false],
    ['matchLabels on a missing key', { matchLabels: { zone: 'a' } }, false],
    ['every matchLabels entry must hold', { matchLabels: { app: 'web', tier: 'backend' } }, false],
    ['In: one of the values', { matchExpressions: [expr('tier', 'In', ['backend', 'frontend'])] }, true],
    ['In: none of the values', { matchExpressions: [expr('tier', 'In', ['backend', 'edge'])] }, false],
    ['In: missing key', { matchExpressions: [expr('zone', 'In', ['a'])] }, false],
    ['NotIn: another value', { matchExpressions: [expr('tier', 'NotIn', ['backend'])] }, true],
    ['NotIn: one of the values', { matchExpressions: [expr('tier', 'NotIn', ['backend', 'frontend'])] }, false],
    ['NotIn: missing key matches', { matchExpressions: [expr('zone', 'NotIn', ['a'])] }, true],
    ['Exists: present', { matchExpressions: [expr('tier', 'Exists')] }, true],
    ['Exists: present with an empty value', { matchExpressions: [expr('blank', 'Exists')] }, true],
    ['Exists: missing', { matchExpressions: [expr('zone', 'Exists')] }, false],
    ['DoesNotExist: missing', { matchExpressions: [expr('zone', 'DoesNotExist')] }, true],
    ['DoesNotExist: present', { matchExpressions: [expr('app', 'DoesNotExist')] }, false],
    ['DoesNotExist: present with an empty value', { matchExpressions: [expr('blank', 'DoesNotExist')] }, false],
    [
      'matchLabels AND matchExpressions, both hold',
      { matchLabels: { app: 'web' }, matchExpressions: [expr('tier', 'In', ['frontend'])] },
      true,
    ],
    [
      'matchLabels AND matchExpressions, the expression fails',
      { matchLabels: { app: 'web' }, matchExpressions: [expr('tier', 'In', ['backend'])] },
      false,
    ],
    [
      'matchLabels AND matchExpressions, the label fails',
      { matchLabels: { app: 'api' }, matchExpressions: [expr('tier', 'In', ['frontend'])] },
      false,
    ],
    [
      'several expressions: all must hold',
      { matchExpressions: [expr('app', 'Exists'), expr('zone', 'DoesNotExist'), expr('tier', 'NotIn', ['backend'])] },
      true,
    ],
    [
      'several expressions: the last fails',
      { matchExpressions: [expr('app', 'Exists'), expr('tier', 'Exists'), expr('app', 'In', ['api'])] },
      false,
    ],
    ['an invalid operator matches nothing', { matchExpressions: [expr('app', 'Exists'), expr('x', 'Nope')] }, false],
  ])('%s', (_name, selector, expected) => {
    expect(selectorMatches(sel(selector), web)).toBe(expected);
    expect(matchesPartially(sel(selector), web, true)).toBe(expected);
  });

  it('does not see inherited object properties as labels', () => {
    expect(selectorMatches(sel({ matchExpressions: [expr('toString', 'Exists')] }), {})).toBe(false);
    expect(selectorMatches(sel({ matchExpressions: [expr('constructor', 'DoesNotExist')] }), {})).toBe(true);
  });
});

describe('matchesPartially against an incomplete label set', () => {
  // What is known of a namespace nobody defined: its name label, and here one more.
  const known = { 'kubernetes.io/metadata.name': 'shop', team: 'blue' };
  const partial = (selector: unknown): unknown => matchesPartially(sel(selector), known, false);

  it.each<[string, unknown, boolean | 'unknown']>([
    ['{} is certain', {}, true],
    ['In on a known key, matching', { matchExpressions: [expr('team', 'In', ['red', 'blue'])] }, true],
    ['In on a known key, not matching', { matchExpressions: [expr('team', 'In', ['red'])] }, false],
    ['In on an unknown key', { matchExpressions: [expr('env', 'In', ['prod'])] }, 'unknown'],
    ['NotIn on a known key, not listed', { matchExpressions: [expr('team', 'NotIn', ['red'])] }, true],
    ['NotIn on a known key, listed', { matchExpressions: [expr('team', 'NotIn', ['blue'])] }, false],
    ['NotIn on an unknown key', { matchExpressions: [expr('env', 'NotIn', ['prod'])] }, 'unknown'],
    ['Exists on a known key', { matchExpressions: [expr('team', 'Exists')] }, true],
    ['Exists on an unknown key', { matchExpressions: [expr('env', 'Exists')] }, 'unknown'],
    ['DoesNotExist on a known key', { matchExpressions: [expr('team', 'DoesNotExist')] }, false],
    ['DoesNotExist on an unknown key', { matchExpressions: [expr('env', 'DoesNotExist')] }, 'unknown'],
    ['matchLabels on the name label', { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } }, true],
    ['matchLabels on an unknown label', { matchLabels: { env: 'prod' } }, 'unknown'],
    ['certain and unknown: unknown', { matchLabels: { team: 'blue', env: 'prod' } }, 'unknown'],
    ['unknown then false: false', { matchLabels: { env: 'prod', team: 'red' } }, false],
    ['false then unknown: false', { matchLabels: { team: 'red', env: 'prod' } }, false],
    ['all certain: true', { matchLabels: { team: 'blue' }, matchExpressions: [expr('kubernetes.io/metadata.name', 'Exists')] }, true],
    ['invalid selectors stay false', { matchExpressions: [expr('env', 'Sometimes')] }, false],
  ])('%s', (_name, selector, expected) => {
    expect(partial(selector)).toBe(expected);
  });

  it('the same requirements are decided once the label set is complete', () => {
    const complete = (selector: unknown): unknown => matchesPartially(sel(selector), known, true);
    expect(complete({ matchExpressions: [expr('env', 'In', ['prod'])] })).toBe(false);
    expect(complete({ matchExpressions: [expr('env', 'NotIn', ['prod'])] })).toBe(true);
    expect(complete({ matchExpressions: [expr('env', 'Exists')] })).toBe(false);
    expect(complete({ matchExpressions: [expr('env', 'DoesNotExist')] })).toBe(true);
    // selectorMatches never answers unknown: it treats the labels as complete.
    expect(selectorMatches(sel({ matchLabels: { env: 'prod' } }), known)).toBe(false);
    expect(selectorMatches(sel({ matchExpressions: [expr('env', 'DoesNotExist')] }), known)).toBe(true);
  });
});

describe('label selector matchers', () => {
  it('an empty selector is the match-all matcher', () => {
    const m = labelSelectorMatcher(sel({}));
    expect(m).toBe(MATCH_ALL);
    expect(m.all).toBe(true);
    expect(m.test({}, false, 'any')).toBe(true);
  });

  it('an invalid selector is the match-nothing matcher', () => {
    const m = labelSelectorMatcher(sel({ matchExpressions: [expr('a', 'Maybe')] }));
    expect(m).toBe(MATCH_NONE);
    expect(m.all).toBe(false);
    expect(m.test({ a: 'x' }, true, 'any')).toBe(false);
    expect(MATCH_NONE.hints).toEqual([]);
    expect(MATCH_ALL.hints).toEqual([]);
  });

  it('indexes by the single-valued In requirements only, and evaluates three-valued', () => {
    const m = labelSelectorMatcher(
      sel({
        matchLabels: { app: 'web' },
        matchExpressions: [expr('tier', 'In', ['a', 'b']), expr('zone', 'In', ['z1']), expr('k', 'Exists'), expr('n', 'NotIn', ['v'])],
      }),
    );
    expect(m.all).toBe(false);
    expect(m.hints).toEqual([
      ['app', 'web'],
      ['zone', 'z1'],
    ]);
    const labels = { app: 'web', tier: 'b', zone: 'z1', k: '' };
    expect(m.test(labels, true, 'x')).toBe(true);
    expect(m.test({ ...labels, n: 'v' }, true, 'x')).toBe(false);
    // `n` may exist with value `v` on a label set that is not complete.
    expect(m.test(labels, false, 'x')).toBe('unknown');
  });

  it('lists the two directions', () => {
    expect(DIRECTIONS).toEqual(['Ingress', 'Egress']);
  });
});
