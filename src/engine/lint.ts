import fs from 'node:fs';
import path from 'node:path';
import { discover, findRepositoryRoot } from '../discover/discover.js';
import { kindByContent, kindByName } from '../discover/classify.js';
import type { SourceFile } from '../discover/discover.js';
import type { Config } from '../core/config.js';
import type { ConnectivityChangeRow, ConnectivityRow, ExplanationRow } from '../core/connectivity.js';
import { UsageError } from '../core/errors.js';
import { isPathLocation, type Location } from '../core/location.js';
import { YamlLocator } from '../parse/yaml.js';
import type { Finding } from '../core/finding.js';
import type { Notice } from '../core/notice.js';
import { kustomizationRoots } from '../model/kustomize.js';
import { loadModel } from '../model/load.js';
import type { Model, RenderedInput } from '../model/model.js';
import {
  changeRows,
  computeConnectivity,
  connectivityLines,
  connectivityRowStream,
  describeDecision,
  diffConnectivity,
  explainMap,
  explainPair,
  findEndpoints,
  policyName,
  rowEndpoint,
  spellConnections,
  type MapEndpoint,
  type PairExplanation,
} from '../analysis/connectivity.js';
import { gitTopLevel, resolveRevision, withRevisionTree } from './git-base.js';
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

/** The connectivity map of the repository, as rows for a reporter, computed as they are read (a map may have millions). */
export function connectivityMap(options: LoadOptions): { rows: Iterable<ConnectivityRow>; notices: Notice[] } {
  const { model } = loadRepository(options);
  const context = new AnalysisContext(model);
  return { rows: connectivityRowStream(connectivityLines(context.netpol)), notices: model.notices };
}

/** Where the base map of `--diff` comes from: a git revision or a folder. */
export type DiffBase = { ref: string } | { dir: string };

/**
 * The connections added, removed and changed between a base and the working tree. The base
 * is read with the same config and the same paths, relative to its own top folder; a git
 * revision is unpacked into a temporary folder that is removed afterwards.
 */
export function connectivityDiff(options: LoadOptions, base: DiffBase): { rows: ConnectivityChangeRow[]; notices: Notice[]; base: string } {
  const { root, model } = loadRepository(options);
  const after = computeConnectivity(new AnalysisContext(model).netpol);
  // The paths name places in the working tree; the base holds the same places under its own
  // root (a path the base lacks has nothing in it).
  const baseMap = (baseRoot: string): ReturnType<typeof computeConnectivity> => {
    const { progress: _quiet, stdin: _none, ...rest } = options;
    const paths = options.paths
      .map((p) => path.join(baseRoot, path.relative(root, path.resolve(options.cwd, p))))
      .filter((p) => fs.existsSync(p));
    if (paths.length === 0) return [];
    const { model: old } = loadRepository({ ...rest, root: baseRoot, cwd: path.join(baseRoot, path.relative(root, options.cwd)), paths });
    return computeConnectivity(new AnalysisContext(old).netpol);
  };
  let before: ReturnType<typeof computeConnectivity>;
  let label: string;
  if ('ref' in base) {
    const top = gitTopLevel(options.cwd);
    if (path.relative(top, root).startsWith('..')) throw new UsageError(`--diff: ${root} is not inside the git repository ${top}`);
    const commit = resolveRevision(top, base.ref);
    label = `${base.ref} (${commit.slice(0, 12)})`;
    before = withRevisionTree(top, commit, (tree) => baseMap(path.join(tree, path.relative(top, root))));
  } else {
    const dir = path.resolve(options.cwd, base.dir);
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`--diff-dir: ${base.dir} is not a folder`);
    label = base.dir;
    before = baseMap(dir);
  }
  return { rows: changeRows(diffConnectivity(before, after)), notices: model.notices, base: label };
}

/**
 * Why the map says what it says: for one pair (`SRC=>DST`, each `ns/name[Kind]` or an
 * address) or, without one, every pair of workloads and every address range of the map.
 */
export function connectivityExplanation(options: LoadOptions, pair: string | undefined): { rows: ExplanationRow[]; notices: Notice[] } {
  const { model } = loadRepository(options);
  const netpol = new AnalysisContext(model).netpol;
  let explained: PairExplanation[];
  if (pair === undefined) explained = explainMap(netpol);
  else {
    const [from, to, extra] = pair.split('=>').map((s) => s.trim());
    if (from === undefined || to === undefined || extra !== undefined || !from || !to)
      throw new UsageError(`--explain takes a pair "SOURCE=>DESTINATION" (e.g. "shop/web=>payments/db"), not "${pair}"`);
    const side = (text: string): MapEndpoint[] => {
      const found = findEndpoints(netpol, text);
      if (found === undefined) throw new UsageError(`--explain: "${text}" is neither a workload namespace/name nor an address or CIDR`);
      if (found.length === 0) throw new UsageError(`--explain: no workload "${text}" in the connectivity map`);
      return found;
    };
    const sources = side(from);
    const destinations = side(to);
    explained = sources.flatMap((s) => destinations.filter((d) => d.id !== s.id).map((d) => explainPair(netpol, s, d)));
  }
  const lineOf = locationLines(model);
  const rows = explained.map((p): ExplanationRow => ({
    source: rowEndpoint(p.source),
    destination: rowEndpoint(p.destination),
    connections: p.connections.toMapString(),
    sides: p.sides.map((s) => ({
      direction: s.direction === 'Egress' ? 'egress' : 'ingress',
      endpoint: s.endpoint.id,
      asNodeAddress: s.asNodeAddress === true,
      maybe: s.explanation.maybe.map(policyName),
      steps: s.explanation.decisions.map((d) => {
        const v = describeDecision(d, s.direction);
        const where = v.at ? lineOf(v.at) : undefined;
        return { verdict: v.verdict, connections: spellConnections(v.connections), reason: v.text, ...(where ?? {}) };
      }),
    })),
  }));
  return { rows, notices: model.notices };
}

/** Turns located values of the model into `file` and `line`, parsing each file once. */
function locationLines(model: Model): (at: Location) => { file: string; line: number } | undefined {
  // Texts are read only for the files asked about.
  const files = new Map(model.files.map((f) => [f.path, f]));
  const locators = new Map<string, YamlLocator>();
  return (at) => {
    if (!isPathLocation(at)) return { file: at.file, line: at.span.start.line };
    let locator = locators.get(at.file);
    if (!locator) {
      locator = new YamlLocator(files.get(at.file)?.text ?? '');
      locators.set(at.file, locator);
    }
    const span = locator.locate(at.doc, at.path, at.part);
    return span ? { file: at.file, line: span.start.line } : undefined;
  };
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
