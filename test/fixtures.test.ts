import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectExpectations, formatExpectation } from './support/expectations.js';
import { lintFixture } from './support/run-fixture.js';
import { isActive } from '../src/core/finding.js';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');

/** Every directory under fixtures/ holding files (not only subdirectories) is one repository. */
function fixtureDirs(): string[] {
  return fs
    .readdirSync(FIXTURES, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => path.join(FIXTURES, e.name))
    .sort();
}

describe('fixtures: findings match the `# expect:` markers exactly', () => {
  for (const dir of fixtureDirs()) {
    it(path.basename(dir), () => {
      const expected = collectExpectations(dir).map(formatExpectation);
      // Suppressed findings are not reported: a marker expects a finding the user sees.
      const actual = lintFixture(dir)
        .findings.filter(isActive)
        .map((f) => formatExpectation({ file: f.file, line: f.span.start.line, ruleId: f.ruleId }));
      // Multisets: a finding reported twice on one line needs two markers.
      const missing = multisetMinus(expected, actual);
      const unexpected = multisetMinus(actual, expected);
      expect(
        { missing, unexpected },
        `fixture ${path.basename(dir)}: missing = expected but not reported (false negatives); unexpected = reported but not marked (false positives)`,
      ).toEqual({ missing: [], unexpected: [] });
    });
  }
});

function multisetMinus(a: readonly string[], b: readonly string[]): string[] {
  const left = new Map<string, number>();
  for (const x of b) left.set(x, (left.get(x) ?? 0) + 1);
  const out: string[] = [];
  for (const x of [...a].sort()) {
    const n = left.get(x) ?? 0;
    if (n > 0) left.set(x, n - 1);
    else out.push(x);
  }
  return out;
}
