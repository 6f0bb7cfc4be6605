import type { Finding } from '../core/finding.js';
import { spanContains, type Location, type Span } from '../core/location.js';
import type { Suppression, SuppressionReview } from '../model/model.js';

/** Which rule ids exist (unknown ones make a suppression invalid) and which ran in this run. */
export interface RuleIds {
  known: ReadonlySet<string>;
  ran: ReadonlySet<string>;
  /** Rules whose findings are about suppressions themselves: they cannot be silenced in the source. */
  judges: ReadonlySet<string>;
}

/**
 * Marks the findings that a valid suppression silences (`finding.suppressed`) and reviews
 * every suppression: invalid as written, or naming a rule that ran and silenced none of its
 * findings. A rule that did not run (turned off, or not selected) makes the suppressions
 * naming it neither used nor unused.
 *
 * A finding is silenced by a directive whose target line is the finding's anchor line, by
 * an annotation of the object whose source range holds the anchor, or by a file-wide
 * directive, in that order of preference for the justification shown.
 */
export function applySuppressions(
  findings: readonly Finding[],
  suppressions: readonly Suppression[],
  ids: RuleIds,
  locate: (loc: Location) => { file: string; span: Span },
): SuppressionReview {
  const review: SuppressionReview = { invalid: [], unused: [] };
  const active: { suppression: Suppression; ruleId: string; covers: (f: Finding) => boolean; rank: number; used: boolean }[] = [];
  for (const suppression of suppressions) {
    if (suppression.problem !== undefined) {
      review.invalid.push({ suppression, problem: { kind: 'malformed', detail: suppression.problem } });
      continue;
    }
    // A silence must say why: without a reason it silences nothing.
    if (suppression.reason === '') {
      review.invalid.push({ suppression, problem: { kind: 'no-reason' } });
      continue;
    }
    const { covers, rank } = coverage(suppression, locate);
    for (const ruleId of suppression.ruleIds) {
      if (!ids.known.has(ruleId)) review.invalid.push({ suppression, problem: { kind: 'unknown-rule', ruleId } });
      else if (ids.judges.has(ruleId)) review.invalid.push({ suppression, problem: { kind: 'not-suppressible', ruleId } });
      else active.push({ suppression, ruleId, covers, rank, used: false });
    }
  }
  active.sort((a, b) => a.rank - b.rank);
  for (const finding of findings) {
    let first: Suppression | undefined;
    for (const entry of active) {
      if (entry.ruleId !== finding.ruleId || !entry.covers(finding)) continue;
      entry.used = true;
      first ??= entry.suppression;
    }
    if (first) finding.suppressed = { justification: first.reason, at: locate(first.at) };
  }
  for (const entry of active) {
    if (!entry.used && ids.ran.has(entry.ruleId)) review.unused.push({ suppression: entry.suppression, ruleId: entry.ruleId });
  }
  return review;
}

function coverage(
  s: Suppression,
  locate: (loc: Location) => { file: string; span: Span },
): { covers: (f: Finding) => boolean; rank: number } {
  const scope = s.scope;
  switch (scope.kind) {
    case 'line':
      return { covers: (f) => f.file === scope.file && f.span.start.line === scope.line, rank: 0 };
    case 'object': {
      const object = locate(scope.object);
      return { covers: (f) => f.file === object.file && spanContains(object.span, f.span.start), rank: 1 };
    }
    case 'file':
      return { covers: (f) => f.file === scope.file, rank: 2 };
  }
}
