import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULES } from '../rules/index.js';
import { SEVERITIES } from '../src/core/finding.js';
import { renderRuleDocs } from '../src/report/rule-docs.js';
import { collectExpectations, quietCases } from './support/expectations.js';
import { fixtureRuleId } from './support/run-fixture.js';
import { runCli } from './support/cli.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const FIXTURES = path.join(ROOT, 'fixtures');
const LAYER_PREFIXES = ['netpol', 'cni', 'mesh', 'edge', 'dns', 'secrets', 'host', 'access'];
const META_RULES = ['parse-error', 'unknown-field', 'suppression-invalid', 'suppression-unused'];
/** Rules the project adds beyond the catalogue's tables, each asked for by an issue (netpol-assertion-failed: issue 13). */
const PROJECT_ADDITIONS = ['netpol-assertion-failed'];

describe('every rule follows the house rules', () => {
  const ids = RULES.map((r) => r.id);

  it('ids are unique and the registry is sorted by id', () => {
    expect(new Set(ids).size, 'duplicate rule id in rules/index.ts').toBe(ids.length);
    expect(ids, 'keep RULES in rules/index.ts sorted by id').toEqual([...ids].sort());
  });

  it('the registry lists exactly the rule files in rules/', () => {
    const files = fs
      .readdirSync(path.join(ROOT, 'rules'))
      .filter((f) => f.endsWith('.ts') && f !== 'index.ts')
      .map((f) => f.slice(0, -3))
      .sort();
    expect(files, 'each rules/<id>.ts needs an entry in rules/index.ts, and each entry a file').toEqual([...ids].sort());
  });

  for (const rule of RULES) {
    describe(rule.id, () => {
      it('has a kebab-case id with a layer prefix, equal to its file name', () => {
        expect(rule.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
        expect(
          META_RULES.includes(rule.id) || LAYER_PREFIXES.includes(rule.id.split('-')[0] ?? ''),
          `"${rule.id}" must start with one of ${LAYER_PREFIXES.join(', ')}-`,
        ).toBe(true);
        const source = fs.readFileSync(path.join(ROOT, 'rules', `${rule.id}.ts`), 'utf8');
        expect(source, `rules/${rule.id}.ts must define the rule with id "${rule.id}"`).toContain(`'${rule.id}'`);
      });

      it('has complete metadata: a short title, rationale, remediation, a severity', () => {
        expect(rule.title.length, 'title: one short line (at most 60 characters)').toBeLessThanOrEqual(60);
        expect(rule.title, 'title: no final period').not.toMatch(/\.$/);
        expect(rule.rationale.trim().length, 'rationale: say why it matters').toBeGreaterThan(40);
        expect(rule.remediation.trim().length, 'remediation: say what to do').toBeGreaterThan(20);
        expect(SEVERITIES).toContain(rule.severity);
      });

      it('has fixtures with at least one firing and one quiet case', () => {
        const dirs = fs.existsSync(FIXTURES) ? fs.readdirSync(FIXTURES).filter((d) => fixtureRuleId(d) === rule.id) : [];
        expect(dirs.length, `add fixtures/${rule.id}/ with files marked \`# expect: ${rule.id}\``).toBeGreaterThan(0);
        const marks = dirs.flatMap((d) => collectExpectations(path.join(FIXTURES, d))).filter((e) => e.ruleId === rule.id);
        expect(marks.length, `fixtures/${rule.id}/ needs at least one \`# expect: ${rule.id}\` marker (a firing case)`).toBeGreaterThan(0);
        const quiet = dirs.flatMap((d) => quietCases(path.join(FIXTURES, d), rule.id));
        expect(
          quiet.filter((q) => q.markers === 0).map((q) => q.where),
          `fixtures for ${rule.id} need a quiet case with no \`# expect: ${rule.id}\` marker inside: an object named quiet-…, a file or folder named quiet…, or fixtures/${rule.id}--quiet-…/ (found: ${JSON.stringify(quiet)})`,
        ).not.toEqual([]);
      });
    });
  }

  it('rules/README.md is generated from the metadata (run `npm run docs`)', () => {
    const onDisk = fs.readFileSync(path.join(ROOT, 'rules', 'README.md'), 'utf8');
    expect(onDisk, 'rules/README.md is out of date: run `npm run docs`').toBe(renderRuleDocs(RULES));
  });
});

/**
 * The catalogue in ../shared/RULES.md is the product specification: `--list-rules` (the
 * registry it prints) implements it id for id. The catalogue sits beside the repository
 * where it is developed and in CI; elsewhere this test says so and checks nothing.
 */
describe('the catalogue is implemented', () => {
  const catalogue = path.resolve(ROOT, '../shared/RULES.md');
  const present = fs.existsSync(catalogue);
  it.runIf(present)('every rule id of ../shared/RULES.md is registered, and every registered rule is in it', () => {
    const text = fs.readFileSync(catalogue, 'utf8');
    // Rule rows start with the id in backquotes; the layer headings' rows (`netpol-`) are not rules.
    const tableIds = [...text.matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((m) => m[1] as string).filter((id) => !id.endsWith('-'));
    const suppressionIds = [...text.matchAll(/`(suppression-[a-z-]+)`/g)].map((m) => m[1] as string);
    const specified = [...new Set([...tableIds, ...suppressionIds, ...PROJECT_ADDITIONS])].sort();
    const listed = runListRules();
    expect(listed).toEqual(specified);
  });
  it.skipIf(present)('needs ../shared/RULES.md beside the repository', () => {});
});

/** The ids `nsl-lint --list-rules` prints, sorted. */
function runListRules(): string[] {
  const out = runCli(['--list-rules'], { cwd: ROOT });
  expect(out.code, out.stderr).toBe(0);
  return out.stdout
    .split('\n')
    .map((l) => l.split(/\s+/)[0] ?? '')
    .filter((id) => id !== '')
    .sort();
}
