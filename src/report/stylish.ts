import type { Severity } from '../core/finding.js';
import { printable } from './printable.js';
import type { ReportInput } from './report.js';

const COLORS = { red: 31, yellow: 33, blue: 34, dim: 2, bold: 1, green: 32 } as const;

/** Human-readable report: findings grouped by file as `path:line:col  severity  message  rule-id`, then a summary. */
export function stylish(input: ReportInput): string {
  const paint = (code: keyof typeof COLORS, text: string): string => (input.color ? `\u001b[${COLORS[code]}m${text}\u001b[0m` : text);
  const sevColor: Record<Severity, keyof typeof COLORS> = { high: 'red', medium: 'yellow', low: 'blue' };
  const lines: string[] = [];
  let currentFile: string | undefined;
  const width = Math.max(0, ...input.findings.map((f) => location(f).length));
  for (const f of input.findings) {
    if (f.file !== currentFile) {
      if (currentFile !== undefined) lines.push('');
      currentFile = f.file;
    }
    lines.push(
      `${location(f).padEnd(width)}  ${paint(sevColor[f.severity], f.severity.padEnd(6))}  ${printable(f.message)}  ${paint('dim', f.ruleId)}`,
    );
  }
  if (lines.length) lines.push('');
  lines.push(summary(input, paint));
  return `${lines.join('\n')}\n`;
}

function location(f: { file: string; span: { start: { line: number; column: number } } }): string {
  return `${printable(f.file)}:${f.span.start.line}:${f.span.start.column}`;
}

function summary(input: ReportInput, paint: (c: keyof typeof COLORS, t: string) => string): string {
  const files = `${input.filesChecked} file${input.filesChecked === 1 ? '' : 's'} checked`;
  if (input.findings.length === 0) return paint('green', `✓ No findings (${files}).`);
  const counts = (['high', 'medium', 'low'] as const)
    .map((s) => [s, input.findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
  const n = input.findings.length;
  const inFiles = new Set(input.findings.map((f) => f.file)).size;
  return paint(
    'bold',
    paint('red', `✖ ${n} finding${n === 1 ? '' : 's'} (${counts}) in ${inFiles} file${inFiles === 1 ? '' : 's'}; ${files}.`),
  );
}
