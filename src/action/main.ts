import fs from 'node:fs';
import path from 'node:path';
import * as core from '@actions/core';
import { RULES } from '../../rules/index.js';
import { defaultConfig, type Config } from '../core/config.js';
import { ConfigError } from '../core/errors.js';
import { SEVERITY_RANK, type Finding, type Severity } from '../core/finding.js';
import { TOOL } from '../core/tool.js';
import { findConfigFile, loadConfig, ConfigErrors } from '../engine/config.js';
import { connectivityDiff, lint } from '../engine/lint.js';
import { UsageError } from '../core/errors.js';
import { applyBaseline, readBaseline } from '../engine/baseline.js';
import { MATRIX_COLUMNS, defenceMatrix } from '../engine/matrix.js';
import { sarif } from '../report/sarif.js';
import { actionSummary, type SummaryInput } from '../report/summary.js';
import { pathsWithoutInput } from '../cli/main.js';

/** GitHub shows at most this many annotations of each level per step. */
export const ANNOTATIONS_PER_LEVEL = 10;
const FAIL_ON = ['low', 'medium', 'high', 'none'] as const;
const ANNOTATE: Record<Severity, 'error' | 'warning' | 'notice'> = { high: 'error', medium: 'warning', low: 'notice' };

/** The action: lint, write SARIF, annotate, summarise, and fail on findings at or above `fail-on`. */
export async function run(): Promise<void> {
  try {
    await lintRepository();
  } catch (err) {
    if (err instanceof ConfigErrors) core.setFailed(`nsl-lint: config error: ${err.problems.map((p) => p.describe()).join('; ')}`);
    else if (err instanceof ConfigError) core.setFailed(`nsl-lint: config error: ${err.describe()}`);
    else core.setFailed(`nsl-lint: ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function lintRepository(): Promise<void> {
  const cwd = path.resolve(process.cwd(), core.getInput('working-directory') || '.');
  if (!fs.existsSync(cwd)) throw new Error(`working-directory ${core.getInput('working-directory')} does not exist`);
  const target = core.getInput('path') || '.';
  const failOn = core.getInput('fail-on') || 'high';
  if (!(FAIL_ON as readonly string[]).includes(failOn)) throw new Error(`fail-on takes low, medium, high or none, not "${failOn}"`);
  const sarifFile = core.getInput('sarif-file') || 'nsl-lint.sarif';
  const annotate = booleanInput('annotations', true);
  const baselineInput = core.getInput('baseline');
  // Read before any work: a missing or malformed baseline fails the step with its reason.
  const baseline = baselineInput ? readBaseline(path.resolve(cwd, baselineInput), baselineInput) : undefined;

  const config = loadActionConfig(cwd, core.getInput('config') || undefined);
  const result = lint({ paths: [target], cwd, config, rules: RULES });
  if (baseline) applyBaseline(result.findings, baseline);
  for (const p of pathsWithoutInput([target], cwd, result.model)) core.warning(`nsl-lint: ${p}: no recognised input; nothing was checked`);
  for (const n of result.notices) if (n.level !== 'note') core.warning(`nsl-lint: ${n.file ? `${n.file}: ` : ''}${n.message}`);

  const sarifPath = path.resolve(cwd, sarifFile);
  fs.mkdirSync(path.dirname(sarifPath), { recursive: true });
  fs.writeFileSync(
    sarifPath,
    sarif({
      findings: result.findings,
      notices: result.notices,
      rules: result.rules,
      filesChecked: result.model.files.length,
      tool: TOOL,
      root: result.root,
      color: false,
    }),
  );

  // Suppressed findings are accepted; with a baseline, only new findings judge the change.
  const counted = result.findings.filter((f) => f.suppressed === undefined);
  const fresh = counted.filter((f) => f.baselineState !== 'unchanged');
  const failed = failOn !== 'none' && fresh.some((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK[failOn as Severity]);
  const leftOut = annotate ? annotateFindings(fresh) : 0;

  const connectivity = pullRequestConnectivity(cwd, target, config);
  const matrix = defenceMatrix({ model: result.model, findings: counted, ranRules: new Set(result.rules.map((r) => r.rule.id)) });
  await core.summary
    .addRaw(
      actionSummary({
        findings: counted,
        newFindings: fresh.length,
        baseline: baseline !== undefined,
        filesChecked: result.model.files.length,
        failOn: failOn as Severity | 'none',
        failed,
        matrix: { columns: MATRIX_COLUMNS, rows: matrix.map((r) => ({ ...r, cells: MATRIX_COLUMNS.map((c) => r.cells[c.layer]) })) },
        annotationsLeftOut: leftOut,
        annotationsPerLevel: ANNOTATIONS_PER_LEVEL,
        sarifFile: path.relative(process.cwd(), sarifPath) || sarifFile,
        ...(connectivity ? { connectivity } : {}),
      }),
    )
    .write();

  core.setOutput('sarif-file', sarifPath);
  core.setOutput('findings', String(counted.length));
  core.setOutput('new-findings', String(fresh.length));
  if (failed) core.setFailed(`nsl-lint: ${fresh.length} finding${fresh.length === 1 ? '' : 's'}, at least one at or above "${failOn}"`);
}

/**
 * The base commit of the pull request being checked: `pull_request.base.sha` from the event
 * payload, else the base branch (`GITHUB_BASE_REF`) as fetched from origin. Undefined
 * outside pull requests.
 */
export function pullRequestBase(env: NodeJS.ProcessEnv): string | undefined {
  const eventPath = env['GITHUB_EVENT_PATH'];
  if (eventPath && fs.existsSync(eventPath)) {
    try {
      const event = JSON.parse(fs.readFileSync(eventPath, 'utf8')) as { pull_request?: { base?: { sha?: unknown } } };
      const sha = event.pull_request?.base?.sha;
      if (typeof sha === 'string' && /^[0-9a-f]{40,64}$/i.test(sha)) return sha;
    } catch {
      // A payload that is not JSON says nothing about a base.
    }
  }
  const branch = env['GITHUB_BASE_REF'];
  return branch ? `origin/${branch}` : undefined;
}

/** What the pull request changes in the connectivity map, or why that could not be computed. */
function pullRequestConnectivity(cwd: string, target: string, config: Config): SummaryInput['connectivity'] {
  const base = pullRequestBase(process.env);
  if (!base) return undefined;
  const shown = /^[0-9a-f]{40,64}$/i.test(base) ? base.slice(0, 12) : base;
  try {
    const diff = connectivityDiff({ paths: [target], cwd, config }, { ref: base });
    return { base: shown, changes: diff.rows };
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    return {
      base: shown,
      unavailable: `${err.message}. The checkout needs the base commit: use \`actions/checkout\` with \`fetch-depth: 0\`.`,
    };
  }
}

/** Annotate the most severe findings first, up to GitHub's limit per level; returns how many were left out. */
function annotateFindings(findings: readonly Finding[]): number {
  const sorted = [...findings].sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity]);
  const shown: Record<Severity, number> = { high: 0, medium: 0, low: 0 };
  let leftOut = 0;
  for (const f of sorted) {
    if (shown[f.severity] >= ANNOTATIONS_PER_LEVEL) {
      leftOut++;
      continue;
    }
    shown[f.severity]++;
    const oneLine = f.span.start.line === f.span.end.line;
    // GitHub takes columns only for an annotation on a single line.
    core[ANNOTATE[f.severity]](f.message, {
      title: f.ruleId,
      file: f.file,
      startLine: f.span.start.line,
      endLine: f.span.end.line,
      ...(oneLine ? { startColumn: f.span.start.column, endColumn: f.span.end.column } : {}),
    });
  }
  return leftOut;
}

function loadActionConfig(cwd: string, explicit: string | undefined): Config {
  const file = findConfigFile(cwd, explicit);
  if (!file) return defaultConfig();
  const rel = path.relative(cwd, file);
  return loadConfig(file, rel.startsWith('..') ? file : rel.split(path.sep).join('/'), new Set(RULES.map((r) => r.id)));
}

/** Boolean inputs as YAML 1.2 core booleans; empty means the default. */
function booleanInput(name: string, fallback: boolean): boolean {
  const value = core.getInput(name).trim();
  if (value === '') return fallback;
  if (['true', 'True', 'TRUE'].includes(value)) return true;
  if (['false', 'False', 'FALSE'].includes(value)) return false;
  throw new Error(`input ${name} takes true or false, not "${value}"`);
}
