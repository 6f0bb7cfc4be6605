import { pathToFileURL } from 'node:url';
import type { Finding, Severity } from '../core/finding.js';
import { pathToUriReference } from './printable.js';
import type { ReportInput } from './report.js';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { high: 'error', medium: 'warning', low: 'note' };
const SECURITY_SEVERITY: Record<Severity, string> = { high: '8.0', medium: '5.5', low: '3.0' };
const SRCROOT = '%SRCROOT%';

/** SARIF 2.1.0, shaped for GitHub code scanning: relative URIs, full regions, partial fingerprints. */
export function sarif(input: ReportInput): string {
  const ruleIndex = new Map(input.rules.map(({ rule }, i) => [rule.id, i]));
  // The rule docs as shipped with this release (tag `v<version>`), not as they read today.
  const helpBase = `${input.tool.informationUri}/blob/v${input.tool.version}/rules/README.md`;
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: input.tool.name,
            version: input.tool.version,
            semanticVersion: input.tool.version,
            informationUri: input.tool.informationUri,
            rules: input.rules.map(({ rule, severity }) => ({
              id: rule.id,
              name: pascalCase(rule.id),
              shortDescription: { text: rule.title },
              fullDescription: { text: plain(rule.rationale) },
              help: {
                text: `${plain(rule.rationale)}\n\nRemediation: ${plain(rule.remediation)}`,
                markdown: `${rule.rationale}\n\n**Remediation:** ${rule.remediation}`,
              },
              helpUri: `${helpBase}#${rule.id}`,
              defaultConfiguration: { level: LEVEL[severity] },
              properties: {
                tags: ['security', ...(rule.tags ?? [])],
                precision: rule.precision ?? 'high',
                'security-severity': SECURITY_SEVERITY[severity],
              },
            })),
          },
        },
        originalUriBaseIds: { [SRCROOT]: { uri: pathToFileURL(input.root.endsWith('/') ? input.root : `${input.root}/`).href } },
        invocations: [
          {
            executionSuccessful: !input.notices.some((n) => n.internal),
            toolExecutionNotifications: input.notices.map((n) => ({
              level: n.level,
              ...(n.internal ? { descriptor: { id: 'internal-error' } } : {}),
              message: { text: n.message },
              ...(n.file
                ? {
                    locations: [
                      {
                        physicalLocation: physical(
                          n.file,
                          n.line ? { start: { line: n.line, column: 1 }, end: { line: n.line, column: 1 } } : undefined,
                        ),
                      },
                    ],
                  }
                : {}),
            })),
          },
        ],
        results: input.findings.map((f) => result(f, ruleIndex.get(f.ruleId) ?? -1)),
        columnKind: 'utf16CodeUnits',
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

function result(f: Finding, ruleIndex: number): object {
  return {
    ruleId: f.ruleId,
    ruleIndex,
    level: LEVEL[f.severity],
    message: { text: f.message },
    locations: [{ physicalLocation: physical(f.file, f.span) }],
    partialFingerprints: { 'nslLintFinding/v1': f.fingerprint },
    // Silenced in the source with a reason: code scanning shows the result as dismissed.
    ...(f.suppressed
      ? {
          suppressions: [
            {
              kind: 'inSource',
              justification: f.suppressed.justification,
              location: { physicalLocation: physical(f.suppressed.at.file, f.suppressed.at.span) },
            },
          ],
        }
      : {}),
    // Compared with a baseline: `unchanged` results were there before, `new` ones were not.
    ...(f.baselineState ? { baselineState: f.baselineState } : {}),
    ...(f.related.length
      ? {
          relatedLocations: f.related.map((r, i) => ({
            id: i + 1,
            message: { text: r.message },
            physicalLocation: physical(r.file, r.span),
          })),
        }
      : {}),
  };
}

type SpanLike = { start: { line: number; column: number }; end: { line: number; column: number } };

function physical(file: string, span: SpanLike | undefined): object {
  const artifactLocation =
    file.startsWith('../') || file.startsWith('/')
      ? { uri: pathToFileURL(file).href }
      : { uri: pathToUriReference(file), uriBaseId: SRCROOT };
  if (!span) return { artifactLocation };
  // An empty range is widened to one character so every result has a visible region.
  const empty = span.end.line < span.start.line || (span.end.line === span.start.line && span.end.column <= span.start.column);
  const end = empty ? { line: span.start.line, column: span.start.column + 1 } : span.end;
  return {
    artifactLocation,
    region: { startLine: span.start.line, startColumn: span.start.column, endLine: end.line, endColumn: end.column },
  };
}

function pascalCase(id: string): string {
  return id.replace(/(^|-)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());
}

/** Markdown to plain text for the `text` fields: drop code ticks and emphasis. */
function plain(markdown: string): string {
  return markdown
    .replace(/`/g, '')
    .replace(/\*\*/g, '')
    .replace(/\s*\n\s*/g, ' ')
    .trim();
}
