import { describe, expect, it } from 'vitest';
import { sameJson } from '../../src/model/load.js';

/**
 * Identical copies of an object in several files are found by comparing parsed values as
 * their JSON texts would compare. The oracle is JSON.stringify itself.
 */

const sameText = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

describe('sameJson', () => {
  const cases: [string, unknown, unknown][] = [
    ['equal nested objects', { a: [1, { b: 'x' }], c: null }, { a: [1, { b: 'x' }], c: null }],
    ['keys in another order', { a: 1, b: 2 }, { b: 2, a: 1 }],
    ['a string and a number', { a: '1' }, { a: 1 }],
    ['NaN and null', [Number.NaN], [null]],
    ['Infinity and NaN', { a: Number.POSITIVE_INFINITY }, { a: Number.NaN }],
    ['minus zero and zero', { a: -0 }, { a: 0 }],
    ['an undefined property and none', { a: 1, b: undefined }, { a: 1 }],
    ['an undefined item and null', [undefined, 1], [null, 1]],
    ['an array and an object with index keys', [1], { 0: 1 }],
    ['one more item', [1, 2], [1, 2, 3]],
    ['an empty object and an empty array', {}, []],
    ['true and "true"', true, 'true'],
  ];
  for (const [name, a, b] of cases) {
    it(name, () => {
      expect(sameJson(a, b)).toBe(sameText(a, b));
      expect(sameJson(b, a)).toBe(sameText(b, a));
    });
  }

  it('agrees with the JSON texts on many small generated values', () => {
    let seed = 11;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return (seed >>> 16) % n;
    };
    const leaves = [0, -0, 1, '1', 'a', '', null, true, false, Number.NaN, Number.POSITIVE_INFINITY, undefined];
    const value = (depth: number): unknown => {
      const pick = next(depth > 2 ? 1 : 3);
      if (pick === 0) return leaves[next(leaves.length)];
      if (pick === 1) return Array.from({ length: next(3) }, () => value(depth + 1));
      const out: Record<string, unknown> = {};
      for (let k = next(3); k > 0; k--) out[['a', 'b', '0'][next(3)] as string] = value(depth + 1);
      return out;
    };
    let equal = 0;
    for (let i = 0; i < 20000; i++) {
      const a = value(0);
      const b = next(2) === 0 ? structuredClone(a) : value(0);
      expect(sameJson(a, b)).toBe(sameText(a, b));
      if (sameText(a, b)) equal++;
    }
    // Both outcomes occur often enough to mean something.
    expect(equal).toBeGreaterThan(5000);
    expect(equal).toBeLessThan(19000);
  });
});
