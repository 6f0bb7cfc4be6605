import { defineRule } from '../src/rule/rule.js';
import type { SuppressionProblem } from '../src/model/model.js';

export default defineRule({
  id: 'suppression-invalid',
  title: 'Suppression without a reason or for an unknown rule',
  severity: 'low',
  rationale:
    'A suppression (`# nsl-lint-disable-next-line <rule-id> -- <reason>`, `# nsl-lint-disable-line …`, `# nsl-lint-disable-file …`, or the annotation `ignore-check.nsl-lint.io/<rule-id>: "<reason>"`) silences a finding on purpose, and the reason is what a reviewer checks later. One without a reason, naming a rule that does not exist (often a typo), or written in a form nsl-lint does not read silences nothing, so the finding it was meant for still fails the build while the comment suggests otherwise.',
  remediation:
    'Name an existing rule id (`nsl-lint --list-rules`) and give the reason after ` -- ` (for the annotation, as its value); put `nsl-lint-disable-next-line` on its own line above the line it silences and `nsl-lint-disable-line` at the end of that line.',
  precision: 'very-high',
  tags: ['suppression'],
  judgesSuppressions: true,
  *check({ suppressionReview }) {
    for (const { suppression, problem } of suppressionReview?.invalid ?? []) {
      yield { at: suppression.at, message: `Suppression \`${suppression.form}\` ${describe(problem)}; it silences nothing.` };
    }
  },
});

function describe(problem: SuppressionProblem): string {
  switch (problem.kind) {
    case 'malformed':
      return problem.detail.replace(/^`[^`]*` /, '');
    case 'no-reason':
      return 'gives no reason (write it after ` -- `, or as the annotation value)';
    case 'unknown-rule':
      return `names "${problem.ruleId}", which is not an nsl-lint rule`;
    case 'not-suppressible':
      return `names "${problem.ruleId}", whose findings are about suppressions and can only be turned off in the config`;
  }
}
