import { describe, expect, it } from 'vitest';
import { matchesPartially, parseLabelSelector, selectorMatches } from '../../src/analysis/selectors.js';
import { Node } from '../../src/model/node.js';

const sel = (value: unknown) => parseLabelSelector(value === undefined ? undefined : new Node(value, 'f.yaml', 0, []));
const web = { app: 'web', tier: 'frontend' };

describe('Kubernetes label selectors', () => {
  it.each([
    ['empty selector selects everything', {}, web, true],
    ['absent selector selects everything', undefined, web, true],
    ['empty matchLabels selects everything', { matchLabels: {} }, {}, true],
    ['matchLabels equal', { matchLabels: { app: 'web' } }, web, true],
    ['matchLabels differ', { matchLabels: { app: 'api' } }, web, false],
    ['matchLabels all must hold', { matchLabels: { app: 'web', tier: 'backend' } }, web, false],
    ['In', { matchExpressions: [{ key: 'tier', operator: 'In', values: ['frontend', 'edge'] }] }, web, true],
    ['In without the key', { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }, web, false],
    ['NotIn with another value', { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['backend'] }] }, web, true],
    ['NotIn with that value', { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['frontend'] }] }, web, false],
    ['NotIn matches when the key is absent', { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, web, true],
    ['Exists', { matchExpressions: [{ key: 'app', operator: 'Exists' }] }, web, true],
    ['Exists without the key', { matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, web, false],
    ['DoesNotExist', { matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, web, true],
    ['DoesNotExist with the key', { matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, web, false],
    [
      'matchLabels AND matchExpressions',
      { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['backend'] }] },
      web,
      false,
    ],
    ['an unknown operator matches nothing', { matchExpressions: [{ key: 'app', operator: 'Equals', values: ['web'] }] }, web, false],
    ['label values are compared as strings', { matchLabels: { version: 2 } }, { version: '2' }, true],
  ])('%s', (_name, selector, labels, expected) => {
    expect(selectorMatches(sel(selector), labels)).toBe(expected);
  });

  it('isEmpty only for selectors without requirements', () => {
    expect(sel({}).isEmpty).toBe(true);
    expect(sel({ matchLabels: {}, matchExpressions: [] }).isEmpty).toBe(true);
    expect(sel({ matchLabels: { a: 'b' } }).isEmpty).toBe(false);
    expect(sel({ matchExpressions: [{ key: 'a', operator: 'Bogus' }] }).isEmpty).toBe(false);
  });
});

describe('matching incomplete label sets (namespaces nobody defined)', () => {
  const known = { 'kubernetes.io/metadata.name': 'shop' };
  it.each([
    ['a known label decides', { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } }, true],
    ['a known label can exclude', { matchLabels: { 'kubernetes.io/metadata.name': 'other' } }, false],
    ['an unknown label is unknown', { matchLabels: { team: 'payments' } }, 'unknown'],
    ['a false requirement wins over an unknown one', { matchLabels: { team: 'x', 'kubernetes.io/metadata.name': 'other' } }, false],
    ['DoesNotExist on an unknown label is unknown', { matchExpressions: [{ key: 'team', operator: 'DoesNotExist' }] }, 'unknown'],
    ['NotIn on an unknown label is unknown', { matchExpressions: [{ key: 'team', operator: 'NotIn', values: ['x'] }] }, 'unknown'],
    ['the empty selector is certain', {}, true],
  ])('%s', (_name, selector, expected) => {
    expect(matchesPartially(sel(selector), known, false)).toBe(expected);
  });

  it('with a complete label set there is no unknown', () => {
    expect(matchesPartially(sel({ matchLabels: { team: 'payments' } }), known, true)).toBe(false);
    expect(matchesPartially(sel({ matchExpressions: [{ key: 'team', operator: 'DoesNotExist' }] }), known, true)).toBe(true);
  });
});
