import { createHash } from 'node:crypto';
import type { Config, RuleSetting } from '../core/config.js';
import type { Finding, Severity } from '../core/finding.js';
import { isPathLocation, type Location, type Span } from '../core/location.js';
import type { Notice } from '../core/notice.js';
import { copyKey, type Model } from '../model/model.js';
import { YamlLocator } from '../parse/yaml.js';
import type { RuleContext } from '../rule/context.js';
import type { Report, Rule } from '../rule/rule.js';
import { RULES } from '../../rules/index.js';
import { applySuppressions } from './suppress.js';

/** A rule as configured for this run. */
export interface ActiveRule {
  rule: Rule;
  severity: Severity;
}

/** Rules that are on after the config, with their effective severity, in registry order. */
export function activeRules(rules: readonly Rule[], config: Config): ActiveRule[] {
  const out: ActiveRule[] = [];
  for (const rule of rules) {
    const setting: RuleSetting | undefined = config.rules[rule.id];
    if (setting === 'off') continue;
    if (typeof setting === 'object' && setting.enabled === false) continue;
    let severity = rule.severity;
    if (setting === 'low' || setting === 'medium' || setting === 'high') severity = setting;
    else if (typeof setting === 'object' && setting.severity) severity = setting.severity;
    out.push({ rule, severity });
  }
  return out;
}

/**
 * Run every active rule over the model and locate what they report. Each rule runs in its
 * own error boundary: an exception becomes a notice naming the rule, and the other rules
 * still report.
 *
 * Suppressions are applied here, after the other rules and before the rules that judge them
 * (`judgesSuppressions`): those receive the review (which suppression was invalid, which
 * silenced nothing) through their context, so they stay pure functions like every rule.
 * `known` lists every rule id a suppression may name (default: the registry and `rules`).
 */
export function runRules(
  context: RuleContext,
  rules: readonly ActiveRule[],
  known?: ReadonlySet<string>,
): { findings: Finding[]; notices: Notice[] } {
  const locator = new Locator(context.model);
  const findings: Finding[] = [];
  const notices: Notice[] = [];
  const seen = new Set<string>();
  const identities = new Map<Finding, string>();
  const roots = objectRoots(context.model);
  const run = (rulesToRun: readonly ActiveRule[], ruleContext: RuleContext): void => {
    for (const { rule, severity } of rulesToRun) {
      let reports: Report[];
      try {
        reports = [...rule.check(ruleContext)];
      } catch (err) {
        notices.push({
          level: 'error',
          message: `internal error in rule ${rule.id}: ${(err as Error)?.message ?? String(err)}; its findings are missing`,
          internal: true,
        });
        continue;
      }
      for (const report of reports) {
        const at = locator.resolve(report.at);
        const key = `${rule.id}\0${at.file}\0${at.span.start.line}:${at.span.start.column}\0${report.message}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const finding: Finding = {
          ruleId: rule.id,
          severity,
          message: report.message,
          file: at.file,
          span: at.span,
          related: [
            ...(report.related ?? []).map((r) => ({ ...locator.resolve(r.at), message: r.message })),
            ...copiesOf(context.model, report.at, locator),
          ],
          fingerprint: '',
        };
        findings.push(finding);
        identities.set(finding, `${objectIdentity(roots, report.at)}\0${report.message}`);
      }
    }
  };
  const judges = rules.filter((r) => r.rule.judgesSuppressions);
  run(
    rules.filter((r) => !r.rule.judgesSuppressions),
    context,
  );
  const review = applySuppressions(
    findings,
    context.model.suppressions,
    {
      known: known ?? new Set([...RULES, ...rules.map((r) => r.rule)].map((r) => r.id)),
      ran: new Set(rules.map((r) => r.rule.id)),
      judges: new Set([...RULES, ...rules.map((r) => r.rule)].filter((r) => r.judgesSuppressions).map((r) => r.id)),
    },
    (loc) => locator.resolve(loc),
  );
  if (judges.length > 0) {
    // The same context (its analyses already built), with the review added.
    const judging = new Proxy(context, {
      get: (target, property) => (property === 'suppressionReview' ? review : Reflect.get(target, property, target)),
    });
    run(judges, judging);
  }
  findings.sort(compareFindings);
  assignFingerprints(findings, locator, identities);
  return { findings, notices };
}

/**
 * The Kubernetes object a path location lies in (`kind/namespace/name`), which orders
 * findings on identical lines of one file independently of where their documents sit.
 */
function objectIdentity(roots: ReadonlyMap<string, string>, at: Location): string {
  if (!isPathLocation(at)) return '';
  // An object's root is the document itself, or an item of a List document.
  for (const depth of [0, 2]) {
    const identity = roots.get(copyKey(at.file, at.doc, at.path.slice(0, depth)));
    if (identity !== undefined) return identity;
  }
  return '';
}

function objectRoots(model: Model): Map<string, string> {
  const roots = new Map<string, string>();
  for (const r of model.resources) {
    const key = copyKey(r.file, r.root.doc, r.root.path);
    if (!roots.has(key)) roots.set(key, `${r.kind}/${r.namespace ?? ''}/${r.name}`);
  }
  return roots;
}

/** The same place in identical copies of the object a finding is anchored in (see `Model.copies`). */
function copiesOf(model: Model, at: Location, locator: Locator): Finding['related'] {
  if (!isPathLocation(at) || model.copies.size === 0) return [];
  // An object's root is the document itself, or an item of a List document.
  for (const depth of [0, 2]) {
    const copies = model.copies.get(copyKey(at.file, at.doc, at.path.slice(0, depth)));
    if (!copies) continue;
    return copies.map((copy) => ({
      ...locator.resolve({ ...copy, path: [...copy.path, ...at.path.slice(depth)], part: at.part }),
      message: 'the same object, repeated here',
    }));
  }
  return [];
}

export function compareFindings(a: Finding, b: Finding): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return (
    a.span.start.line - b.span.start.line ||
    a.span.start.column - b.span.start.column ||
    (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0)
  );
}

/**
 * The fingerprint hashes the rule, the file and the whitespace-folded text of the anchored
 * line, plus the finding's rank among those that share all three: moving unrelated lines
 * keeps it. The rank orders by the object the finding is in and its message before the
 * position, so reordering the documents of a file keeps it too.
 */
function assignFingerprints(findings: Finding[], locator: Locator, identities: ReadonlyMap<Finding, string>): void {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    const lineText = locator.lineText(f.file, f.span.start.line).trim().replace(/\s+/g, ' ');
    const base = `${f.ruleId}\0${f.file}\0${lineText}`;
    const group = groups.get(base);
    if (group) group.push(f);
    else groups.set(base, [f]);
  }
  for (const [base, group] of groups) {
    // `findings` is in position order already; a stable sort keeps it as the last tie-break.
    const ranked = group.length === 1 ? group : [...group].sort((a, b) => compareText(identities.get(a) ?? '', identities.get(b) ?? ''));
    ranked.forEach((f, n) => {
      f.fingerprint = createHash('sha256').update(`${base}\0${n}`).digest('hex').slice(0, 32);
    });
  }
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Turns path locations into spans, parsing with positions only the documents that have
 * findings (see YamlLocator).
 */
class Locator {
  /** Texts of the files that have findings, read when first asked for (the model keeps none). */
  private readonly texts = new Map<string, string>();
  private readonly files = new Map<string, { text: string }>();
  private readonly locators = new Map<string, YamlLocator>();
  /** Offsets where each line starts, for the files whose lines are asked for. */
  private readonly lineStarts = new Map<string, number[]>();

  constructor(model: Model) {
    for (const f of model.files) this.files.set(f.path, f);
    if (model.config.source) this.texts.set(model.config.source.file, model.config.source.text);
  }

  private text(file: string): string {
    let text = this.texts.get(file);
    if (text === undefined) this.texts.set(file, (text = this.files.get(file)?.text ?? ''));
    return text;
  }

  resolve(loc: Location): { file: string; span: Span } {
    if (!isPathLocation(loc)) return loc;
    let locator = this.locators.get(loc.file);
    if (!locator) {
      locator = new YamlLocator(this.text(loc.file));
      this.locators.set(loc.file, locator);
    }
    const span = locator.locate(loc.doc, loc.path, loc.part) ?? { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } };
    return { file: loc.file, span };
  }

  /** The text of a 1-based line, without its line break (`\r\n` or `\n`). */
  lineText(file: string, line: number): string {
    const text = this.text(file);
    let starts = this.lineStarts.get(file);
    if (!starts) {
      starts = [0];
      for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
      this.lineStarts.set(file, starts);
    }
    const start = starts[line - 1];
    if (start === undefined) return '';
    const next = starts[line];
    if (next === undefined) return text.slice(start);
    const end = next - 1 > start && text.charCodeAt(next - 2) === 0x0d ? next - 2 : next - 1;
    return text.slice(start, end);
  }
}
