import path from 'node:path';
import { discover, findRepositoryRoot } from '../discover/discover.js';
import { kindByContent, kindByName } from '../discover/classify.js';
import type { SourceFile } from '../discover/discover.js';
import type { Config } from '../core/config.js';
import type { ConnectivityRow } from '../core/connectivity.js';
import type { Finding } from '../core/finding.js';
import type { Notice } from '../core/notice.js';
import { kustomizationRoots } from '../model/kustomize.js';
import { loadModel } from '../model/load.js';
import type { Model, RenderedInput } from '../model/model.js';
import { computeConnectivity, connectivityRows } from '../analysis/connectivity.js';
import { AnalysisContext } from '../rule/context.js';
import type { Rule } from '../rule/rule.js';
import { renderKustomizations, type RenderOptions } from './render.js';
import { activeRules, runRules, type ActiveRule } from './run.js';

/**
 * The one place where the layers are composed: discover → parse → model → analyses →
 * rules → located findings, and the connectivity map over the same analyses.
 */

export interface LoadOptions {
  paths: string[];
  cwd: string;
  config: Config;
  /** Repository root; defaults to the git top level above `cwd`. */
  root?: string;
  /** Content read from standard input, checked as if it were this file. */
  stdin?: { path: string; text: string };
  /** Called with a short status while a long run progresses. */
  progress?: (message: string) => void;
  /** How config `render: kustomize` finds and runs kustomize (tests pass their own `searchPath`). */
  render?: Pick<RenderOptions, 'searchPath' | 'timeoutMs' | 'maxOutputBytes'>;
}

export interface LintOptions extends LoadOptions {
  rules: readonly Rule[];
}

export interface LintResult {
  root: string;
  findings: Finding[];
  notices: Notice[];
  rules: ActiveRule[];
  model: Model;
}

/** discover → parse → model: everything rules and the connectivity map read. */
export function loadRepository(options: LoadOptions): { root: string; model: Model } {
  const root = options.root ?? findRepositoryRoot(options.cwd);
  const { files, notices } = options.stdin
    ? { files: [stdinFile(options.stdin, root)], notices: [] as Notice[] }
    : discover({
        paths: options.paths,
        cwd: options.cwd,
        root,
        ignore: options.config.ignore,
        include: options.config.include,
        maxFileBytes: options.config.maxFileBytes,
      });
  options.progress?.(`read ${files.length} file${files.length === 1 ? '' : 's'}`);
  let rendered: RenderedInput | undefined;
  // Standard input is one stream, not a tree of kustomizations.
  if (options.config.render === 'kustomize' && !options.stdin) {
    const dirs = kustomizationRoots(root, files, [], options.config.maxFileBytes);
    if (dirs.length > 0) options.progress?.(`build ${dirs.length} kustomization${dirs.length === 1 ? '' : 's'}`);
    const result = renderKustomizations(root, dirs, { ...options.render, files, maxFileBytes: options.config.maxFileBytes });
    notices.push(...result.notices);
    rendered = result.input;
  }
  const model = loadModel(root, files, options.config, notices, rendered);
  return { root, model };
}

/** The whole data flow: discover → parse → model → rules → located findings. */
export function lint(options: LintOptions): LintResult {
  const { root, model } = loadRepository(options);
  const rules = activeRules(options.rules, options.config);
  const context = new AnalysisContext(model);
  const { findings, notices } = runRules(context, rules);
  return { root, findings, notices: [...model.notices, ...context.notices, ...notices], rules, model };
}

/** The connectivity map of the repository, as rows for a reporter. */
export function connectivityMap(options: LoadOptions): { rows: ConnectivityRow[]; notices: Notice[] } {
  const { model } = loadRepository(options);
  const context = new AnalysisContext(model);
  return { rows: connectivityRows(computeConnectivity(context.netpol)), notices: model.notices };
}

/**
 * Standard input is read as what its name (`--stdin-filename`) says, as discovery would
 * read a file of that name: `.sh` a script, `.nft` an nftables file, `rules.v4` an
 * iptables-save file. A name that settles nothing (the default `stdin.yaml` aside) is a
 * manifest stream, as `-` always meant.
 */
function stdinFile(input: { path: string; text: string }, root: string): SourceFile {
  const byName = kindByName(input.path);
  const shellName = /\.(sh|bash)$/i.test(input.path);
  const kind =
    byName === 'needs-content' ? (kindByContent(input.path, input.text) ?? (shellName ? 'shell' : 'manifest')) : (byName ?? 'manifest');
  return { path: input.path, abs: path.resolve(root, input.path), kind, text: input.text };
}
