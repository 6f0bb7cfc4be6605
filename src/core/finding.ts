import type { Span } from './location.js';

export type Severity = 'low' | 'medium' | 'high';
export const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high'];
export const SEVERITY_RANK: Record<Severity, number> = { low: 1, medium: 2, high: 3 };

/** A located finding, ready for reporters: no Kubernetes or firewall knowledge left in it. */
export interface Finding {
  ruleId: string;
  severity: Severity;
  message: string;
  file: string;
  span: Span;
  related: { file: string; span: Span; message: string }[];
  /** Stable across unrelated edits: rule, file, the anchored line's text and its occurrence. */
  fingerprint: string;
}
