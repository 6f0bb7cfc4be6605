import type { Location } from '../core/location.js';
import type { Severity } from '../core/finding.js';
import type { RuleContext } from './context.js';

/** How sure a finding is, as SARIF `precision`. */
export type Precision = 'very-high' | 'high' | 'medium' | 'low';

/** What a rule says about one place. */
export interface Report {
  at: Location;
  message: string;
  /** Other places that explain the finding (covering rules, the policy that blocks). */
  related?: { at: Location; message: string }[];
}

export interface RuleMeta {
  /** kebab-case with the layer prefix; equal to the rule's file name. */
  id: string;
  /** One short line, no final period. */
  title: string;
  severity: Severity;
  /** Why it matters, in a few sentences of Markdown. */
  rationale: string;
  /** What to do about it. */
  remediation: string;
  precision?: Precision;
  tags?: string[];
}

export interface Rule extends RuleMeta {
  /** Pure: the model and its shared analyses in, reports out. No file access, no parsing. */
  check(context: RuleContext): Iterable<Report>;
  /**
   * The rule judges the suppressions: it runs after every other rule, and its context holds
   * `suppressionReview`. Its own findings cannot be silenced in the source.
   */
  judgesSuppressions?: true;
}

export function defineRule(rule: Rule): Rule {
  return rule;
}

/** The layer a rule belongs to, from its id prefix. */
export function ruleLayer(id: string): string {
  return id.includes('-') ? id.slice(0, id.indexOf('-')) : id;
}
