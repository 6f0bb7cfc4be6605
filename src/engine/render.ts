import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DocPath } from '../core/location.js';
import type { Notice } from '../core/notice.js';
import type { SourceFile } from '../discover/discover.js';
import { RepositoryReader } from '../discover/repository.js';
import { parseJsonStream } from '../parse/json.js';
import { parseYamlStream } from '../parse/yaml.js';
import type { RenderedInput, RenderedObject } from '../model/model.js';

/**
 * Optional rendering with the user's own kustomize (config `render: kustomize`).
 *
 * kustomize records where each built object came from only when the kustomization asks for
 * it (`buildMetadata: [originAnnotations]`), and the user's files are not ours to edit. So
 * each top-level kustomization is built through a one-line wrapper kustomization in a
 * private temporary folder outside the repository, which lists the user's folder as its
 * only resource and asks for origin annotations; the wrapper transforms nothing, so the
 * objects are exactly what `kustomize build <dir>` gives, plus the annotation. Origins are
 * paths relative to the wrapper's folder; they are mapped back to repository files and to
 * the document each object came from, and the annotation is removed again.
 *
 * kustomize runs without a shell, with the repository root as working directory, a
 * timeout and bounded output, and never with plugins, Helm or exec functions enabled
 * (those need flags nsl-lint does not pass). Its default load restrictor keeps files
 * inside the kustomization that names them; folders a kustomization lists become new
 * roots, so before building, every local folder a kustomization reaches is checked to
 * resolve inside the repository.
 */

export const ORIGIN_ANNOTATION = 'config.kubernetes.io/origin';

export interface RenderOptions {
  /** Discovered files: their text is reused instead of a second read. */
  files?: readonly SourceFile[];
  /** Bound for each repository file read to map origins (config `maxFileSize`). */
  maxFileBytes?: number;
  /** The `PATH` searched for `kustomize` and `kubectl` (default: this process's `PATH`). */
  searchPath?: string;
  /** Per kustomization; the build is killed after it (default 120 s). */
  timeoutMs?: number;
  /** Bound on one build's standard output and error (default 64 MiB). */
  maxOutputBytes?: number;
}

/** The renderer found on PATH: `kustomize build DIR` or `kubectl kustomize DIR`. */
export interface Renderer {
  name: 'kustomize' | 'kubectl kustomize';
  binary: string;
}

const KUSTOMIZATION_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
/** Fields whose local entries name files or folders (a folder is built as a kustomization). */
const FOLDER_FIELDS = ['resources', 'bases', 'components', 'generators', 'transformers', 'validators'];
const DEFAULT_TIMEOUT_MS = 120_000;
const DEFAULT_MAX_OUTPUT = 64 * 1024 * 1024;
const MAX_KUSTOMIZATIONS = 10_000;

/** Build each top-level kustomization (repository-relative POSIX folders) with the user's kustomize. */
export function renderKustomizations(
  root: string,
  dirs: readonly string[],
  options: RenderOptions = {},
): { input: RenderedInput; notices: Notice[] } {
  const notices: Notice[] = [];
  const objects: RenderedObject[] = [];
  const files = new Set<string>();
  const input: RenderedInput = { objects, files };
  if (dirs.length === 0) return { input, notices };

  const renderer = findRenderer(options.searchPath ?? process.env['PATH'] ?? '', root);
  if (!renderer) {
    notices.push({
      level: 'warning',
      message: 'render: kustomize asked, but neither kustomize nor kubectl is on PATH; reading kustomizations natively',
    });
    return { input, notices };
  }

  const realRoot = fs.realpathSync(root);
  // Files refused here (links out of the repository) are reported when the model reads them.
  const repository = new RepositoryReader(root, options.files ?? [], [], options.maxFileBytes ?? 20 * 1024 * 1024);
  const sources = new SourceDocuments(repository);
  const wrapper = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'nsl-lint-render-')));
  try {
    if (isInside(realRoot, wrapper)) {
      notices.push({
        level: 'warning',
        message: 'render: the temporary folder lies inside the repository; reading kustomizations natively',
      });
      return { input, notices };
    }
    for (const dir of dirs) {
      const built = renderOne({ root, realRoot, dir, renderer, repository, sources, wrapper, options });
      if ('notice' in built) {
        notices.push(built.notice);
        continue;
      }
      objects.push(...built.objects);
      for (const f of built.files) files.add(f);
    }
  } finally {
    fs.rmSync(wrapper, { recursive: true, force: true });
  }
  return { input, notices };
}

/**
 * `kustomize` anywhere on PATH, else `kubectl`. Only absolute PATH entries count, and never
 * one inside the repository: a binary committed to the repository is not the user's tool.
 */
export function findRenderer(searchPath: string, root: string): Renderer | undefined {
  const realRoot = realpathOr(root);
  const entries = searchPath.split(path.delimiter).filter((entry) => path.isAbsolute(entry) && !isInside(realRoot, realpathOr(entry)));
  for (const [command, name] of [
    ['kustomize', 'kustomize'],
    ['kubectl', 'kubectl kustomize'],
  ] as const) {
    for (const entry of entries) {
      const binary = path.join(entry, command);
      if (isExecutable(binary) && !isInside(realRoot, realpathOr(binary))) return { name, binary };
    }
  }
  return undefined;
}

interface RenderJob {
  root: string;
  realRoot: string;
  dir: string;
  renderer: Renderer;
  repository: RepositoryReader;
  sources: SourceDocuments;
  wrapper: string;
  options: RenderOptions;
}

function renderOne(job: RenderJob): { objects: RenderedObject[]; files: Set<string> } | { notice: Notice } {
  const { dir, renderer, realRoot } = job;
  const reach = walkKustomizations(job.root, realRoot, dir, job.repository);
  if ('escape' in reach) {
    return {
      notice: {
        level: 'warning',
        file: reach.file,
        message: `render: not built, it lists ${JSON.stringify(reach.escape)}, which lies outside the repository; read natively instead`,
      },
    };
  }
  const kustomizationFile = reach.file;
  const target = path.relative(job.wrapper, path.join(realRoot, ...(dir === '.' ? [] : dir.split('/'))));
  fs.writeFileSync(
    path.join(job.wrapper, 'kustomization.yaml'),
    [
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      'resources:',
      `  - ${JSON.stringify(target.split(path.sep).join('/'))}`,
      'buildMetadata: [originAnnotations]',
      '',
    ].join('\n'),
  );
  const args = renderer.name === 'kustomize' ? ['build', job.wrapper] : ['kustomize', job.wrapper];
  const maxBuffer = job.options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  const run = spawnSync(renderer.binary, args, {
    cwd: job.root,
    shell: false,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: job.options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    killSignal: 'SIGKILL',
    maxBuffer,
    windowsHide: true,
    // A remote base must fail rather than wait for credentials on a terminal.
    env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
  });
  const failed = (why: string): { notice: Notice } => ({
    notice: { level: 'warning', file: kustomizationFile, message: `render: \`${renderer.name}\` failed (${why}); read natively instead` },
  });
  if (run.error) {
    const code = (run.error as NodeJS.ErrnoException).code;
    if (code === 'ETIMEDOUT') {
      const ms = job.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      return failed(`no result within ${ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`}`);
    }
    if (code === 'ENOBUFS') return failed(`more than ${Math.round(maxBuffer / 1024 / 1024)} MiB of output`);
    return failed(run.error.message);
  }
  if (run.status !== 0) {
    const why = run.signal
      ? `killed by ${run.signal}`
      : cleanError(run.stderr ?? '', [`${realRoot}${path.sep}`, `${path.relative(job.wrapper, realRoot).split(path.sep).join('/')}/`]);
    return failed(why || `exit code ${run.status}`);
  }
  const built = objectsFromBuild(run.stdout ?? '', { base: job.wrapper, realRoot, kustomizationFile, sources: job.sources });
  if ('error' in built) return failed(`unreadable output: ${built.error}`);
  return { objects: built.objects, files: new Set([...reach.files, ...built.files]) };
}

/**
 * The objects of one build's output, each traced to its source document, with the origin
 * annotation removed. `base` is the folder origin paths are relative to (the built
 * kustomization's); `files` are the repository files that appear as origins.
 */
export function objectsFromBuild(
  output: string,
  at: { base: string; realRoot: string; kustomizationFile: string; sources: SourceDocuments },
): { objects: RenderedObject[]; files: Set<string> } | { error: string } {
  const parsed = parseYamlStream(output);
  if (!parsed.ok) return { error: parsed.errors[0]?.message ?? 'invalid YAML' };
  const files = new Set<string>();
  const objects: RenderedObject[] = [];
  for (const value of parsed.docs) {
    if (!isPlainObject(value)) continue;
    const origin = originFile(takeOrigin(value), at.base, at.realRoot);
    if (origin?.kind === 'resource') {
      files.add(origin.file);
      objects.push({ value, ...at.sources.locate(origin.file, value) });
    } else {
      // Generated objects are anchored at the kustomization that configures the generator;
      // remote ones (repo:/ref:) and any origin outside the repository at the built kustomization.
      objects.push({ value, file: origin?.file ?? at.kustomizationFile, doc: 0, basePath: [] });
    }
  }
  return { objects, files };
}

type Origin = Record<string, unknown> | undefined;

/** Remove the origin annotation from a built object (and an annotation map it leaves empty); return it parsed. */
export function takeOrigin(value: Record<string, unknown>): Origin {
  const metadata = value['metadata'];
  if (!isPlainObject(metadata)) return undefined;
  const annotations = metadata['annotations'];
  if (!isPlainObject(annotations) || !(ORIGIN_ANNOTATION in annotations)) return undefined;
  const text = annotations[ORIGIN_ANNOTATION];
  delete annotations[ORIGIN_ANNOTATION];
  if (Object.keys(annotations).length === 0) delete metadata['annotations'];
  if (typeof text !== 'string') return undefined;
  const parsed = parseYamlStream(text);
  const doc = parsed.docs[0];
  return parsed.ok && isPlainObject(doc) ? doc : undefined;
}

/**
 * The repository file an origin names: `path:` for an object read from a file, `configuredIn:`
 * for one a generator made. Remote origins (`repo:`) and paths outside the repository have none.
 */
export function originFile(origin: Origin, base: string, realRoot: string): { kind: 'resource' | 'generator'; file: string } | undefined {
  if (!origin || origin['repo'] !== undefined) return undefined;
  for (const [key, kind] of [
    ['path', 'resource'],
    ['configuredIn', 'generator'],
  ] as const) {
    const value = origin[key];
    if (typeof value !== 'string' || value === '') continue;
    const abs = path.resolve(base, value);
    if (!isInside(realRoot, abs)) return undefined;
    const file = path.relative(realRoot, abs).split(path.sep).join('/');
    return file === '' ? undefined : { kind, file };
  }
  return undefined;
}

interface Candidate {
  doc: number;
  basePath: DocPath;
  kind: unknown;
  name: unknown;
  namespace: unknown;
}

/** Source files parsed once, and the document (or List item) a built object came from. */
export class SourceDocuments {
  private readonly parsed = new Map<string, Candidate[]>();

  constructor(private readonly repository: { read(rel: string): string | undefined }) {}

  /**
   * Among the file's non-empty documents (List items included): the one with the built
   * object's kind and name, where the built name may carry a `namePrefix`/`nameSuffix`;
   * else the only document of that kind; else document 0.
   */
  locate(file: string, value: Record<string, unknown>): { file: string; doc: number; basePath: DocPath } {
    const candidates = this.candidates(file).filter((c) => c.kind === value['kind']);
    const metadata = isPlainObject(value['metadata']) ? value['metadata'] : {};
    const name = typeof metadata['name'] === 'string' ? metadata['name'] : '';
    let best: Candidate | undefined;
    let bestScore = 0;
    for (const c of candidates) {
      const score = nameScore(name, c.name) * 2 + (c.namespace !== undefined && c.namespace === metadata['namespace'] ? 1 : 0);
      const longer = best && score === bestScore && String(c.name).length > String(best.name).length;
      if (nameScore(name, c.name) > 0 && (score > bestScore || longer)) {
        best = c;
        bestScore = score;
      }
    }
    best ??= candidates.length === 1 ? candidates[0] : undefined;
    return best ? { file, doc: best.doc, basePath: best.basePath } : { file, doc: 0, basePath: [] };
  }

  private candidates(file: string): Candidate[] {
    const cached = this.parsed.get(file);
    if (cached) return cached;
    const text = this.repository.read(file) ?? '';
    const parsed = file.toLowerCase().endsWith('.json') ? parseJsonStream(text) : parseYamlStream(text);
    const out: Candidate[] = [];
    parsed.docs.forEach((value, doc) => {
      if (!isPlainObject(value)) return;
      const kind = value['kind'];
      const items = value['items'];
      if (typeof kind === 'string' && kind.endsWith('List') && Array.isArray(items)) {
        // Typed lists (`ServiceList`) may leave the item kind out.
        const itemKind = kind === 'List' ? undefined : kind.slice(0, -'List'.length);
        items.forEach((item, i) => {
          if (isPlainObject(item)) out.push({ doc, basePath: ['items', i], ...identity(item, itemKind) });
        });
      } else {
        out.push({ doc, basePath: [], ...identity(value, undefined) });
      }
    });
    this.parsed.set(file, out);
    return out;
  }
}

function identity(value: Record<string, unknown>, defaultKind: string | undefined): Pick<Candidate, 'kind' | 'name' | 'namespace'> {
  const metadata = isPlainObject(value['metadata']) ? value['metadata'] : {};
  return { kind: value['kind'] ?? defaultKind, name: metadata['name'], namespace: metadata['namespace'] };
}

/** 3: the same name; 2: the built name adds a prefix or a suffix; 1: both; 0: no match. */
function nameScore(built: string, source: unknown): number {
  if (typeof source !== 'string' || source === '') return 0;
  if (built === source) return 3;
  if (built.startsWith(source) || built.endsWith(source)) return 2;
  return built.includes(source) ? 1 : 0;
}

interface Reach {
  /** The top-level kustomization file, repository-relative. */
  file: string;
  /** Files the kustomizations name (resources, patches), repository-relative. */
  files: Set<string>;
}

/**
 * Every kustomization the top-level one reaches through local folders, and the files they
 * name. A local folder that resolves outside the repository stops the build: kustomize
 * would read it as a new root.
 */
function walkKustomizations(
  root: string,
  realRoot: string,
  top: string,
  repository: RepositoryReader,
): Reach | { escape: string; file: string } {
  const files = new Set<string>();
  const seen = new Set<string>();
  const queue = [top];
  let topFile: string | undefined;
  while (queue.length > 0 && seen.size < MAX_KUSTOMIZATIONS) {
    const dir = queue.shift() as string;
    if (seen.has(dir)) continue;
    seen.add(dir);
    const found = readKustomization(repository, dir);
    topFile ??= found?.file ?? join(top, KUSTOMIZATION_NAMES[0] as string);
    if (!found) continue;
    for (const entry of localEntries(found.doc)) {
      const abs = path.isAbsolute(entry) ? entry : path.join(root, ...dir.split('/'), ...entry.split('/'));
      // kustomize treats an entry that does not exist locally as remote (or fails on it).
      if (!fs.existsSync(abs)) continue;
      const rel = path.relative(root, abs).split(path.sep).join('/');
      if (rel === '..' || rel.startsWith('../') || path.isAbsolute(rel) || !isInside(realRoot, realpathOr(abs))) {
        return { escape: entry, file: found.file };
      }
      if (isDirectory(abs)) queue.push(rel === '' ? '.' : rel);
      else files.add(rel);
    }
  }
  return { file: topFile ?? join(top, KUSTOMIZATION_NAMES[0] as string), files };
}

function readKustomization(repository: RepositoryReader, dir: string): { file: string; doc: Record<string, unknown> } | undefined {
  for (const name of KUSTOMIZATION_NAMES) {
    const file = join(dir, name);
    const text = repository.read(file);
    if (text === undefined) continue;
    const parsed = parseYamlStream(text);
    const doc = parsed.docs[0];
    return { file, doc: isPlainObject(doc) ? doc : {} };
  }
  return undefined;
}

/** Local paths a kustomization names (folders among them are built as kustomizations). */
function localEntries(doc: Record<string, unknown>): string[] {
  const out: string[] = [];
  const add = (value: unknown): void => {
    // Inline patches and remote URLs are not local paths.
    if (typeof value !== 'string' || value === '' || value.includes('\n') || /^[a-z][a-z0-9+.-]*:\/\/|^[a-z]+::|^git@/i.test(value)) return;
    out.push(value);
  };
  for (const field of [...FOLDER_FIELDS, 'patches', 'patchesJson6902', 'patchesStrategicMerge', 'replacements']) {
    const list = doc[field];
    if (Array.isArray(list)) for (const item of list) add(isPlainObject(item) ? item['path'] : item);
  }
  return out;
}

/**
 * kustomize's first error line, without the log prefix, the layer of the message the
 * wrapper adds, or the paths leading to the repository (`rootPrefixes`, each ending in `/`).
 */
export function cleanError(stderr: string, rootPrefixes: readonly string[]): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  // Deprecation warnings come first; the error is the first line that is not one.
  let line = lines.find((l) => !/^#?\s*warning:/i.test(l)) ?? lines[0] ?? '';
  line = line.replace(/^[EWIF]\d{4} [\d:.]+\s+\d+ [^\]]*\]\s*/, '');
  const klog = /^"command failed" err="(.*)"$/.exec(line);
  if (klog) line = (klog[1] as string).replace(/\\"/g, '"');
  line = line.replace(/^Error:\s*/, '');
  line = line.replace(
    /^accumulating resources: accumulation err='accumulating resources from '[^']*': '[^']*' must resolve to a file': recursed accumulation of path '[^']*': /,
    '',
  );
  for (const prefix of rootPrefixes) line = line.split(prefix).join('');
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}

function join(dir: string, name: string): string {
  return dir === '.' || dir === '' ? name : `${dir}/${name}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isInside(realRoot: string, abs: string): boolean {
  const rel = path.relative(realRoot, abs);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function realpathOr(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
