import { isActive, type Finding, type Severity } from '../core/finding.js';
import { printable } from './printable.js';
import type { ReportInput } from './report.js';

const COLORS = { red: 31, yellow: 33, blue: 34, dim: 2, bold: 1, green: 32 } as const;

/** Human-readable report: findings grouped by file as `path:line:col  severity  message  rule-id`, then a summary. */
export function stylish(input: ReportInput): string {
  const paint = (code: keyof typeof COLORS, text: string): string => (input.color ? `\u001b[${COLORS[code]}m${text}\u001b[0m` : text);
  const sevColor: Record<Severity, keyof typeof COLORS> = { high: 'red', medium: 'yellow', low: 'blue' };
  const lines: string[] = [];
  let currentFile: string | undefined;
  // Suppressed findings and those the baseline holds are counted in the summary, not listed.
  const shown = input.findings.filter(isActive);
  const width = Math.max(0, ...shown.map((f) => location(f).length));
  for (const f of shown) {
    if (f.file !== currentFile) {
      if (currentFile !== undefined) lines.push('');
      currentFile = f.file;
    }
    lines.push(
      `${location(f).padEnd(width)}  ${paint(sevColor[f.severity], f.severity.padEnd(6))}  ${printable(f.message)}  ${paint('dim', f.ruleId)}`,
    );
  }
  if (lines.length) lines.push('');
  lines.push(summary(input, shown, paint));
  return `${lines.join('\n')}\n`;
}

function location(f: { file: string; span: { start: { line: number; column: number } } }): string {
  return `${printable(f.file)}:${f.span.start.line}:${f.span.start.column}`;
}

function summary(input: ReportInput, shown: readonly Finding[], paint: (c: keyof typeof COLORS, t: string) => string): string {
  const suppressed = input.findings.filter((f) => f.suppressed !== undefined).length;
  const baselined = input.findings.filter((f) => f.suppressed === undefined && f.baselineState === 'unchanged').length;
  const hidden = [
    `${input.filesChecked} file${input.filesChecked === 1 ? '' : 's'} checked`,
    ...(suppressed ? [`${suppressed} suppressed`] : []),
    ...(baselined ? [`${baselined} hidden by the baseline`] : []),
  ].join('; ');
  if (shown.length === 0) return paint('green', `✓ No findings (${hidden}).`);
  const counts = (['high', 'medium', 'low'] as const)
    .map((s) => [s, shown.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
  const n = shown.length;
  const inFiles = new Set(shown.map((f) => f.file)).size;
  return paint(
    'bold',
    paint('red', `✖ ${n} finding${n === 1 ? '' : 's'} (${counts}) in ${inFiles} file${inFiles === 1 ? '' : 's'}; ${hidden}.`),
  );
}
