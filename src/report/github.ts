import { isActive, type Severity } from '../core/finding.js';
import { printable } from './printable.js';
import type { ReportInput } from './report.js';

const COMMAND: Record<Severity, string> = { high: 'error', medium: 'warning', low: 'notice' };

/** GitHub Actions workflow commands: each finding becomes an annotation on the pull request. */
export function github(input: ReportInput): string {
  // Suppressed findings and those the baseline holds are not annotated.
  const lines = input.findings.filter(isActive).map((f) => {
    const props = [
      `file=${escapeProperty(f.file)}`,
      `line=${f.span.start.line}`,
      `col=${f.span.start.column}`,
      `endLine=${f.span.end.line}`,
      `endColumn=${f.span.end.column}`,
      `title=${escapeProperty(`nsl-lint ${f.ruleId}`)}`,
    ];
    return `::${COMMAND[f.severity]} ${props.join(',')}::${escapeData(f.message)}`;
  });
  return lines.length ? `${lines.join('\n')}\n` : '';
}

function escapeData(s: string): string {
  return printableExceptNewlines(s).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** Workflow commands end at a line break; other control characters must not reach the log. */
function printableExceptNewlines(s: string): string {
  return s
    .split(/(\r\n|\n|\r)/)
    .map((part, i) => (i % 2 ? part : printable(part)))
    .join('');
}
