import type { ReportInput } from './report.js';

/**
 * Machine-readable report, shape version 1 (documented in README.md):
 * `{ version, tool, summary, findings[], notices[] }`; lines and columns are 1-based,
 * `endColumn` is exclusive, paths are repository-relative POSIX paths.
 */
export function json(input: ReportInput): string {
  const bySeverity = { high: 0, medium: 0, low: 0 };
  for (const f of input.findings) bySeverity[f.severity]++;
  const out = {
    version: 1,
    tool: { name: input.tool.name, version: input.tool.version },
    summary: { filesChecked: input.filesChecked, findings: input.findings.length, bySeverity },
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
      related: f.related.map((r) => ({ file: r.file, line: r.span.start.line, column: r.span.start.column, message: r.message })),
    })),
    notices: input.notices,
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}
