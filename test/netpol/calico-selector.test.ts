import { describe, expect, it } from 'vitest';
import { CalicoSyntaxError, calicoEqualities, evalCalico, parseCalicoSelector } from '../../src/analysis/calico-selector.js';
import { calicoMatcher } from '../../src/analysis/calico-policy.js';

const labels = { app: 'web', tier: 'frontend', 'example.com/team': 'blue' };
const lookup = (l: Record<string, string>) => (k: string) => l[k];

describe('Calico selector expressions', () => {
  const table: [string, boolean][] = [
    ['all()', true],
    ['', true],
    ['global()', false],
    ["app == 'web'", true],
    ['app == "api"', false],
    ["app != 'api'", true],
    ["missing != 'x'", true],
    ["app in {'api', 'web'}", true],
    ['app in {}', false],
    ["app not in {'api'}", true],
    ["missing not in {'api'}", true],
    ['has(tier)', true],
    ['!has(tier)', false],
    ['has(missing)', false],
    ['!has(missing)', true],
    ["app == 'web' && tier == 'backend'", false],
    ["app == 'api' || tier == 'frontend'", true],
    ["!(app == 'web' && has(tier))", false],
    ["app == 'api' || app == 'web' && tier == 'backend'", false],
    ["(app == 'api' || app == 'web') && tier == 'frontend'", true],
    ["example.com/team == 'blue'", true],
    ["app starts with 'we'", true],
    ["app ends with 'eb'", true],
    ["tier contains 'ont'", true],
    ['!!has(app)', true],
  ];
  for (const [text, expected] of table) {
    it(`${JSON.stringify(text)} → ${expected}`, () => {
      expect(evalCalico(parseCalicoSelector(text), lookup(labels), true)).toBe(expected);
    });
  }

  it('is three-valued over incomplete labels', () => {
    const partial = lookup({ app: 'web' });
    expect(evalCalico(parseCalicoSelector("team == 'blue'"), partial, false)).toBe('unknown');
    expect(evalCalico(parseCalicoSelector("team == 'blue' && app == 'api'"), partial, false)).toBe(false);
    expect(evalCalico(parseCalicoSelector("team == 'blue' || app == 'web'"), partial, false)).toBe(true);
    expect(evalCalico(parseCalicoSelector('!has(team)'), partial, false)).toBe('unknown');
    expect(evalCalico(parseCalicoSelector('has(app)'), partial, false)).toBe(true);
  });

  it('rejects malformed expressions', () => {
    for (const bad of ["app == web'", "app = 'web'", "app == 'web' &&", "(app == 'web'", "app in {'a' 'b'}", 'has(app']) {
      expect(() => parseCalicoSelector(bad), bad).toThrow(CalicoSyntaxError);
    }
  });

  it('takes index keys only from top-level conjunctions', () => {
    expect(calicoEqualities(parseCalicoSelector("app == 'web' && tier in {'a'} && has(x)"))).toEqual([
      ['app', 'web'],
      ['tier', 'a'],
    ]);
    expect(calicoEqualities(parseCalicoSelector("app == 'web' || tier == 'a'"))).toEqual([]);
  });

  it('sees the implicit namespace labels Calico adds', () => {
    expect(calicoMatcher("projectcalico.org/namespace == 'shop'", 'pod').test({}, true, 'shop')).toBe(true);
    expect(calicoMatcher("projectcalico.org/namespace == 'shop'", 'pod').test({}, true, 'other')).toBe(false);
    expect(calicoMatcher("projectcalico.org/name == 'kube-system'", 'namespace').test({}, false, 'kube-system')).toBe(true);
    // An unparsable selector never decides.
    expect(calicoMatcher("app === 'x'", 'pod').test({ app: 'x' }, true, 'n')).toBe('unknown');
  });
});
