import { defineRule } from '../src/rule/rule.js';

export default defineRule({
  id: 'suppression-unused',
  title: 'Suppression that silences nothing',
  severity: 'low',
  rationale:
    'A suppression outlives the finding it was written for: the configuration was fixed, the line moved, or the directive sits above a blank line instead of the line it meant. Left in place, it would silently hide the next finding of that rule on that line, file or object, one nobody has reviewed. Only rules that ran are judged: a rule turned off in the config leaves its suppressions alone.',
  remediation:
    'Remove the directive or annotation, or move `nsl-lint-disable-next-line` directly above the line the finding points at (comment lines in between are skipped, blank lines are not).',
  precision: 'very-high',
  tags: ['suppression'],
  judgesSuppressions: true,
  *check({ suppressionReview }) {
    for (const { suppression, ruleId } of suppressionReview?.unused ?? []) {
      const where =
        suppression.scope.kind === 'file'
          ? 'in this file'
          : suppression.scope.kind === 'object'
            ? 'in this object'
            : 'on the line it covers';
      yield {
        at: suppression.at,
        message: `Suppression \`${suppression.form}\` of ${ruleId} silences nothing: there is no ${ruleId} finding ${where}, so it would hide a future one unreviewed.`,
      };
    }
  },
});
