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
  /** Set when a directive or annotation silences the finding: kept for SARIF and JSON, never counted. */
  suppressed?: { justification: string; at: { file: string; span: Span } };
  /** Set when the run was compared with a baseline: `unchanged` findings are in it and hidden. */
  baselineState?: 'new' | 'unchanged';
}

/** Whether a finding is shown by the text reporters and counts toward the exit code. */
export function isActive(finding: Finding): boolean {
  return finding.suppressed === undefined && finding.baselineState !== 'unchanged';
}
