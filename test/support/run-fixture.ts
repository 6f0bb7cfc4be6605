import fs from 'node:fs';
import path from 'node:path';
import { defaultConfig } from '../../src/core/config.js';
import { findConfigFile, loadConfig } from '../../src/engine/config.js';
import { lint, type LintResult } from '../../src/engine/lint.js';
import { RULES } from '../../rules/index.js';

export const RULE_IDS = new Set(RULES.map((r) => r.id));

/**
 * Lint a fixture directory as its own repository: its root is the directory, and a
 * `.nsl-lint.yaml` inside it is the config.
 */
export function lintFixture(dir: string): LintResult {
  const configFile = findConfigFile(dir, fs.existsSync(path.join(dir, '.nsl-lint.yaml')) ? '.nsl-lint.yaml' : undefined);
  const config = configFile && configFile.startsWith(dir) ? loadConfig(configFile, '.nsl-lint.yaml', RULE_IDS) : defaultConfig();
  // `<rule-id>/` and `<rule-id>--<case>/` check that rule alone; any other directory is a
  // whole-repository case run with every rule. A rule that judges suppressions judges the
  // other rules' findings: its fixtures run every rule.
  const own = RULES.filter((r) => r.id === fixtureRuleId(dir));
  const rules = own.length === 0 || own.some((r) => r.judgesSuppressions) ? RULES : own;
  return lint({ paths: ['.'], cwd: dir, root: dir, config, rules });
}

/** The rule a fixture directory is for, from its name: `<rule-id>` or `<rule-id>--<case>`. */
export function fixtureRuleId(dir: string): string {
  return path.basename(dir).split('--')[0] ?? '';
}
