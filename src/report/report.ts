import type { Finding, Severity } from '../core/finding.js';
import type { RuleMeta } from '../rule/rule.js';
import type { Notice } from '../core/notice.js';

/** What every reporter receives: nothing here knows Kubernetes or firewalls. */
export interface ReportInput {
  findings: Finding[];
  notices: Notice[];
  /** The rules that ran, with their effective severity. */
  rules: { rule: RuleMeta; severity: Severity }[];
  filesChecked: number;
  tool: { name: string; version: string; informationUri: string };
  /** Absolute repository root: file paths in findings are relative to it. */
  root: string;
  /** Colour escapes allowed (stylish only). */
  color: boolean;
}

export type Format = 'stylish' | 'json' | 'sarif' | 'github';
export const FORMATS: readonly Format[] = ['stylish', 'json', 'sarif', 'github'];
