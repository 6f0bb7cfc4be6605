import { isActive } from '../core/finding.js';
import type { ReportInput } from './report.js';

/**
 * Machine-readable report, shape version 1 (documented in README.md):
 * `{ version, tool, summary, findings[], notices[] }`; lines and columns are 1-based,
 * `endColumn` is exclusive, paths are repository-relative POSIX paths.
 */
export function json(input: ReportInput): string {
  // The summary counts what the run reports; suppressed and baseline findings are listed, flagged.
  const bySeverity = { high: 0, medium: 0, low: 0 };
  const active = input.findings.filter(isActive);
  for (const f of active) bySeverity[f.severity]++;
  const suppressed = input.findings.filter((f) => f.suppressed !== undefined).length;
  const baselined = input.findings.filter((f) => f.suppressed === undefined && f.baselineState === 'unchanged').length;
  const out = {
    version: 1,
    tool: { name: input.tool.name, version: input.tool.version },
    summary: {
      filesChecked: input.filesChecked,
      findings: active.length,
      bySeverity,
      ...(suppressed ? { suppressed } : {}),
      ...(baselined ? { baselined } : {}),
    },
    findings: input.findings.map((f) => ({
      ruleId: f.ruleId,
      severity: f.severity,
      message: f.message,
      file: f.file,
      line: f.span.start.line,
      column: f.span.start.column,
      endLine: f.span.end.line,
      endColumn: f.span.end.column,
      fingerprint: f.fingerprint,
      suppressed: f.suppressed !== undefined,
      ...(f.suppressed ? { justification: f.suppressed.justification } : {}),
      ...(f.baselineState ? { baselineState: f.baselineState } : {}),
      related: f.related.map((r) => ({ file: r.file, line: r.span.start.line, column: r.span.start.column, message: r.message })),
    })),
    notices: input.notices,
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}
