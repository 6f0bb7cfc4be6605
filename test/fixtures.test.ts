import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectExpectations, formatExpectation } from './support/expectations.js';
import { lintFixture } from './support/run-fixture.js';

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
      const expected = collectExpectations(dir).map(formatExpectation).sort();
      const actual = lintFixture(dir)
        .findings.map((f) => formatExpectation({ file: f.file, line: f.span.start.line, ruleId: f.ruleId }))
        .sort();
      const missing = expected.filter((e) => !actual.includes(e));
      const unexpected = actual.filter((a) => !expected.includes(a));
      expect(
        { missing, unexpected },
        `fixture ${path.basename(dir)}: missing = expected but not reported (false negatives); unexpected = reported but not marked (false positives)`,
      ).toEqual({ missing: [], unexpected: [] });
    });
  }
});
