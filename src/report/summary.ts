import { SEVERITIES, type Finding, type Severity } from '../core/finding.js';
import type { ConnectivityChangeRow } from '../core/connectivity.js';
import { changeSentences } from './connectivity.js';
import { printable } from './printable.js';

/** The layers of the rule catalogue, by rule id prefix, in the order of the guidance. */
export const SUMMARY_LAYERS = ['netpol', 'cni', 'mesh', 'edge', 'dns', 'secrets', 'host', 'access'] as const;

/** The defence-in-depth matrix as the engine computed it: columns in order, a cell per column. */
export interface SummaryMatrix {
  columns: readonly { title: string }[];
  rows: readonly {
    kind: 'namespace' | 'host' | 'access';
    name: string;
    cells: readonly { status: 'pass' | 'fail' | 'n/a'; rules: readonly string[] }[];
  }[];
}

export interface SummaryInput {
  /** Findings that count (not suppressed); with a baseline, `newFindings` of them are new. */
  findings: readonly Finding[];
  newFindings: number;
  baseline: boolean;
  filesChecked: number;
  failOn: Severity | 'none';
  failed: boolean;
  matrix: SummaryMatrix;
  /** Findings left without an annotation because of GitHub's per-level limit. */
  annotationsLeftOut: number;
  annotationsPerLevel: number;
  sarifFile: string;
  /**
   * For a pull request: the connectivity map's changes against its base commit, or why they
   * could not be computed (the base commit is not in a shallow checkout).
   */
  connectivity?: { base: string; changes: readonly ConnectivityChangeRow[] } | { base: string; unavailable: string };
}

/** Connectivity changes listed in the summary; the rest are counted. */
export const SUMMARY_CHANGES_SHOWN = 30;

const MARK = { pass: '✓', fail: '✗', 'n/a': '–' } as const;

/** The job summary of the GitHub Action, as GitHub-flavoured Markdown. */
export function actionSummary(input: SummaryInput): string {
  const out: string[] = ['## nsl-lint', ''];
  const total = input.findings.length;
  const verdict = input.failed
    ? `**Failed**: findings at or above \`${input.failOn}\`.`
    : input.failOn === 'none'
      ? 'Passed (`fail-on: none`).'
      : `Passed: no ${input.baseline ? 'new ' : ''}finding at or above \`${input.failOn}\`.`;
  const counted = `${total} finding${total === 1 ? '' : 's'}${input.baseline ? ` (${input.newFindings} new since the baseline)` : ''}`;
  out.push(`${verdict} ${counted} in ${input.filesChecked} file${input.filesChecked === 1 ? '' : 's'}.`, '');

  out.push('### Findings by layer', '');
  out.push('| Layer | High | Medium | Low | Total |', '|---|---:|---:|---:|---:|');
  const layerOf = (f: Finding): string => {
    const prefix = f.ruleId.split('-')[0] ?? '';
    return (SUMMARY_LAYERS as readonly string[]).includes(prefix) ? prefix : 'other';
  };
  const layers = [...SUMMARY_LAYERS, ...(input.findings.some((f) => layerOf(f) === 'other') ? ['other'] : [])];
  const bySeverity = (list: readonly Finding[], s: Severity): number => list.filter((f) => f.severity === s).length;
  for (const layer of layers) {
    const list = input.findings.filter((f) => layerOf(f) === layer);
    const [low, medium, high] = SEVERITIES.map((s) => bySeverity(list, s));
    out.push(`| ${layer} | ${high} | ${medium} | ${low} | ${list.length} |`);
  }
  const [low, medium, high] = SEVERITIES.map((s) => bySeverity(input.findings, s));
  out.push(`| **all** | **${high}** | **${medium}** | **${low}** | **${total}** |`, '');

  out.push('### Defence in depth', '');
  if (input.matrix.rows.length === 0) {
    out.push('No namespace or host ruleset in the checked paths.', '');
  } else {
    out.push(`| | ${input.matrix.columns.map((c) => cell(c.title)).join(' | ')} |`);
    out.push(`|---|${input.matrix.columns.map(() => ':---:').join('|')}|`);
    for (const row of input.matrix.rows) {
      const name =
        row.kind === 'namespace' ? `namespace \`${cell(row.name)}\`` : row.kind === 'host' ? `host \`${cell(row.name)}\`` : cell(row.name);
      const cells = row.cells.map((c) =>
        c.rules.length ? `${MARK[c.status]} <sub>${c.rules.map(cell).join(', ')}</sub>` : MARK[c.status],
      );
      out.push(`| ${name} | ${cells.join(' | ')} |`);
    }
    out.push(
      '',
      '✗ a rule that decides the layer fires there; ✓ the layer applies and its rules stay quiet; – the layer does not apply.',
      '',
    );
  }

  if (input.connectivity) {
    out.push('### Connectivity changes', '');
    const base = `\`${cell(input.connectivity.base)}\``;
    if ('unavailable' in input.connectivity) out.push(`Not computed against the base ${base}: ${cell(input.connectivity.unavailable)}`, '');
    else {
      const sentences = changeSentences(input.connectivity.changes);
      if (sentences.length === 0) out.push(`This change opens and closes no connection (compared with the base ${base}).`, '');
      else {
        out.push(`Compared with the base ${base}:`, '');
        out.push(...sentences.slice(0, SUMMARY_CHANGES_SHOWN).map((s) => `- this change ${printable(s)}`));
        const more = sentences.length - SUMMARY_CHANGES_SHOWN;
        if (more > 0) out.push(`- … and ${more} more (\`nsl-lint connectivity --diff <base>\` lists them all)`);
        out.push('');
      }
    }
  }

  if (input.annotationsLeftOut > 0) {
    out.push(
      `${input.annotationsLeftOut} finding${input.annotationsLeftOut === 1 ? ' was' : 's were'} not annotated: GitHub shows at most ` +
        `${input.annotationsPerLevel} annotations per level and step. All findings are in \`${cell(input.sarifFile)}\`.`,
      '',
    );
  }
  return `${out.join('\n')}\n`;
}

/** Text safe inside a Markdown table cell. */
function cell(text: string): string {
  return printable(text).replace(/\|/g, '\\|').replace(/</g, '&lt;');
}
