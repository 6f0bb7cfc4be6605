import { discover, findRepositoryRoot } from '../discover/discover.js';
import type { SourceFile } from '../discover/discover.js';
import { loadModel } from '../model/load.js';
import type { Model } from '../model/model.js';
import type { Config } from './config.js';
import type { Finding } from './finding.js';
import type { Notice } from './notice.js';
import type { Rule } from './rule.js';
import { activeRules, runRules, type ActiveRule } from './run.js';

export interface LintOptions {
  paths: string[];
  cwd: string;
  config: Config;
  rules: readonly Rule[];
  /** Repository root; defaults to the git top level above `cwd`. */
  root?: string;
  /** Content read from standard input, checked as if it were this file. */
  stdin?: { path: string; text: string };
  /** Called with a short status while a long run progresses. */
  progress?: (message: string) => void;
}

export interface LintResult {
  root: string;
  findings: Finding[];
  notices: Notice[];
  rules: ActiveRule[];
  model: Model;
}

/** discover → parse → model: everything rules and the connectivity map read. */
export function loadRepository(options: Omit<LintOptions, 'rules'>): { root: string; model: Model } {
  const root = options.root ?? findRepositoryRoot(options.cwd);
  const { files, notices } = options.stdin
    ? { files: [stdinFile(options.stdin)], notices: [] as Notice[] }
    : discover({ paths: options.paths, cwd: options.cwd, root, ignore: options.config.ignore });
  options.progress?.(`read ${files.length} file${files.length === 1 ? '' : 's'}`);
  const model = loadModel(root, files, options.config, notices);
  return { root, model };
}

/** The whole data flow: discover → parse → model → rules → located findings. */
export function lint(options: LintOptions): LintResult {
  const { root, model } = loadRepository(options);
  const rules = activeRules(options.rules, options.config);
  const findings = runRules(model, rules);
  return { root, findings, notices: model.notices, rules, model };
}

function stdinFile(input: { path: string; text: string }): SourceFile {
  return { path: input.path, abs: input.path, kind: 'manifest', text: input.text };
}
