import type { ActiveRule } from '../engine/run.js';
import type { Finding } from '../engine/finding.js';
import type { Notice } from '../engine/notice.js';

/** What every reporter receives: nothing here knows Kubernetes or firewalls. */
export interface ReportInput {
  findings: Finding[];
  notices: Notice[];
  rules: ActiveRule[];
  filesChecked: number;
  tool: { name: string; version: string; informationUri: string };
  /** Absolute repository root: file paths in findings are relative to it. */
  root: string;
  /** Colour escapes allowed (stylish only). */
  color: boolean;
}

export type Format = 'stylish' | 'json' | 'sarif' | 'github';
export const FORMATS: readonly Format[] = ['stylish', 'json', 'sarif', 'github'];
