import fs from 'node:fs';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { kindByContent, kindByName, mayBeScript, type FileKind } from './classify.js';
import { GuardedReader, type ReadOptions } from './read.js';
import type { Notice } from '../core/notice.js';
import { UsageError } from '../core/errors.js';

export interface SourceFile {
  /** Repository-relative POSIX path: the identity used in findings and ordering. */
  path: string;
  abs: string;
  kind: FileKind;
  text: string;
  /** Lets go of the text once the model is built from it; the next use reads the file again. */
  release?(): void;
}

/**
 * A discovered file. A manifest's text is read when the model first asks for it, and let go
 * once its documents are parsed: a large repository's texts kept for the whole run only made
 * the collector work harder (and the memory peak higher); findings read their files again.
 */
class DiscoveredFile implements SourceFile {
  #text: string | undefined;
  readonly #reader: GuardedReader;
  readonly #options: ReadOptions;

  constructor(
    readonly path: string,
    readonly abs: string,
    readonly kind: FileKind,
    reader: GuardedReader,
    options: ReadOptions,
    text?: string,
  ) {
    this.#reader = reader;
    this.#options = options;
    this.#text = text;
  }

  get text(): string {
    if (this.#text === undefined) {
      const read = this.#reader.read(this.abs, this.#options);
      // Discovery found it readable: a failure now means it changed since, and it reads as empty.
      this.#text = read.ok ? read.text : '';
    }
    return this.#text;
  }

  release(): void {
    this.#text = undefined;
  }
}

export interface DiscoverOptions {
  /** Paths to check: files or directories, absolute or relative to `cwd`. */
  paths: string[];
  cwd: string;
  /** Repository root: findings are reported relative to it. */
  root: string;
  /** Extra gitignore-style patterns, relative to the root. */
  ignore: string[];
  /** Test-data directories to read anyway: gitignore-style patterns, relative to the root. */
  include?: string[];
  /** Files larger than this are skipped with a notice. */
  maxFileBytes: number;
}

const ALWAYS_SKIPPED = new Set(['.git', 'node_modules']);
/**
 * Directories that hold inputs for some program's tests (Go's `testdata`, Jest's
 * `__fixtures__` and `__snapshots__`), not deployed configuration: their policies and
 * secrets are deliberately broken or fake, so they are skipped unless asked for.
 */
const TEST_DATA = new Set(['testdata', '__fixtures__', '__snapshots__']);
const TEST_DATA_NOTICE =
  "skipped test data directory (inputs for some program's tests); name it on the command line or list it in the config's `include` to check it";
/** nsl-lint's own config is not an input. */
const CONFIG_NAMES = new Set(['.nsl-lint.yaml', '.nsl-lint.yml']);

/** The git top level above `dir`, else `dir` itself. */
export function findRepositoryRoot(dir: string): string {
  let current = path.resolve(dir);
  for (;;) {
    if (fs.existsSync(path.join(current, '.git'))) return current;
    const parent = path.dirname(current);
    if (parent === current) return path.resolve(dir);
    current = parent;
  }
}

export function toPosixRelative(root: string, abs: string): string {
  return path.relative(root, abs).split(path.sep).join('/');
}

/** Files to check, in path order (repository-relative POSIX path, code-point order). */
export function discover(options: DiscoverOptions): { files: SourceFile[]; notices: Notice[] } {
  const notices: Notice[] = [];
  const found = new Map<string, SourceFile>();
  const configIgnore = ignore().add(options.ignore);
  const include = ignore().add(options.include ?? []);
  const hasInclude = (options.include ?? []).length > 0;
  const reader = new GuardedReader(options.root, options.maxFileBytes);
  const insideRoot = (rel: string): boolean => rel !== '..' && !rel.startsWith('../') && !path.isAbsolute(rel);
  const noted = new Set<string>();

  const testData = (dir: string): TestDataChoice => {
    const rel = toPosixRelative(options.root, dir);
    if (insideRoot(rel) && configIgnore.ignores(`${rel}/`)) return 'ignored';
    if (hasInclude && insideRoot(rel) && include.ignores(`${rel}/`)) return 'read';
    if (!noted.has(rel)) {
      noted.add(rel);
      notices.push({ level: 'note', file: rel, message: TEST_DATA_NOTICE });
    }
    return hasInclude ? 'included-only' : 'skip';
  };
  const included = (file: string): boolean => {
    const rel = toPosixRelative(options.root, file);
    return insideRoot(rel) && include.ignores(rel);
  };

  const consider = (abs: string, explicit: boolean, within?: string, plain = false): void => {
    const rel = toPosixRelative(options.root, abs);
    if (found.has(rel)) return;
    if (!explicit && !rel.startsWith('../') && configIgnore.ignores(rel)) return;
    let byName = kindByName(rel);
    // A script under any name (`start.fw`, `firewall.up`) announces itself with `#!`.
    if (byName === undefined && plain && mayBeScript(rel) && reader.hasShebang(abs)) byName = 'needs-content';
    if (byName === undefined && !explicit) return;
    const readOptions: ReadOptions = within === undefined ? { explicit, plain } : { explicit, within, plain };
    // A manifest is known by its name: it is read when the model is built.
    if (byName === 'manifest') {
      const checked = reader.check(abs, readOptions);
      if (checked.ok) found.set(rel, new DiscoveredFile(rel, abs, byName, reader, readOptions));
      else notices.push({ level: checked.level, file: rel, message: checked.reason });
      return;
    }
    const read = reader.read(abs, readOptions);
    if (!read.ok) {
      notices.push({ level: read.level, file: rel, message: read.reason });
      return;
    }
    const text = read.text;
    const kind = byName === 'needs-content' || byName === undefined ? kindByContent(rel, text) : byName;
    if (kind === undefined) {
      if (explicit) notices.push({ level: 'note', file: rel, message: 'not a recognised input; skipped' });
      return;
    }
    found.set(rel, new DiscoveredFile(rel, abs, kind, reader, readOptions, text));
  };

  for (const given of options.paths) {
    const abs = path.resolve(options.cwd, given);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(abs);
    } catch {
      throw new UsageError(`no such file or directory: ${given}`);
    }
    // A folder named outside the repository is its own boundary: links in it may not lead out of it.
    const rel = path.relative(options.root, abs);
    const within = rel.startsWith('..') || path.isAbsolute(rel) ? abs : undefined;
    // A test-data directory named here, or a folder inside one, is read whole.
    const named = toPosixRelative(options.root, abs).split('/');
    if (stat.isDirectory())
      walk(abs, gitignoresAbove(reader, options.root, abs), {
        reader,
        visit: (file, plain) => consider(file, false, within, plain),
        testData: named.some((part) => TEST_DATA.has(part)) ? () => 'read' : testData,
        included,
      });
    else consider(abs, true);
  }

  const files = [...found.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, notices };
}

/**
 * Every file the walk of a folder would look at, by absolute path, with what the repository's
 * `.gitignore` files and the skipped folders leave (test data skipped): the discovery
 * benchmark compares this list with another way of listing files.
 */
export function walkedFiles(root: string, dir: string): string[] {
  const reader = new GuardedReader(root, Number.MAX_SAFE_INTEGER);
  const out: string[] = [];
  walk(dir, gitignoresAbove(reader, root, dir), { reader, visit: (file) => out.push(file), testData: () => 'skip', included: () => false });
  return out;
}

interface ScopedIgnore {
  dir: string;
  rules: Ignore;
}

/** `present`: the walk has listed the folder and knows whether it holds a `.gitignore`. */
function loadGitignore(reader: GuardedReader, dir: string, present?: boolean): ScopedIgnore | undefined {
  const file = path.join(dir, '.gitignore');
  if (present === false || (present === undefined && !fs.existsSync(file))) return undefined;
  const read = reader.read(file);
  return read.ok ? { dir, rules: ignore().add(read.text) } : undefined;
}

/** `.gitignore` files between the repository root and `dir` also apply inside `dir`. */
function gitignoresAbove(reader: GuardedReader, root: string, dir: string): ScopedIgnore[] {
  const rel = path.relative(root, dir);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return [];
  const scopes: ScopedIgnore[] = [];
  let current = root;
  const parts = rel ? rel.split(path.sep) : [];
  for (let i = 0; i < parts.length; i++) {
    const scope = loadGitignore(reader, current);
    if (scope) scopes.push(scope);
    current = path.join(current, parts[i] as string);
  }
  return scopes;
}

function isIgnored(scopes: ScopedIgnore[], abs: string, isDir: boolean): boolean {
  for (const scope of scopes) {
    // The walk descends from each scope's folder, so `abs` lies below it: no path.relative per entry.
    const prefix = scope.dir.endsWith(path.sep) ? scope.dir : scope.dir + path.sep;
    const below = abs.startsWith(prefix) ? abs.slice(prefix.length) : path.relative(scope.dir, abs);
    const rel = path.sep === '/' ? below : below.split(path.sep).join('/');
    if (!rel || rel.startsWith('..')) continue;
    if (scope.rules.ignores(isDir ? `${rel}/` : rel)) return true;
  }
  return false;
}

/**
 * What to do with a test-data directory the walk meets: read it (config `include` names it),
 * leave it out silently (config `ignore` does), skip it with a notice, or skip it but for the
 * files `include` names inside it.
 */
type TestDataChoice = 'read' | 'ignored' | 'skip' | 'included-only';

interface Walk {
  reader: GuardedReader;
  visit: (file: string, plain: boolean) => void;
  testData: (dir: string) => TestDataChoice;
  included: (file: string) => boolean;
}

function walk(dir: string, inherited: ScopedIgnore[], w: Walk): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  // A linked `.gitignore` is looked at as before; a folder holds none when the listing shows none.
  const listed = entries.find((e) => e.name === '.gitignore');
  const own = loadGitignore(w.reader, dir, listed === undefined ? false : listed.isFile() ? true : undefined);
  const scopes = own ? [...inherited, own] : inherited;
  // Name order, so that notices come out the same on every file system.
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (ALWAYS_SKIPPED.has(entry.name) || CONFIG_NAMES.has(entry.name)) continue;
    const abs = path.join(dir, entry.name);
    // Symlinked directories are not followed (no cycles, no escaping the repository).
    const isDir = entry.isDirectory();
    const isFile = entry.isFile() || (entry.isSymbolicLink() && isRegularFile(abs));
    if (!isDir && !isFile) continue;
    // A name that can never be an input needs no ignore check (most files of a source tree).
    if (!isDir && kindByName(entry.name) === undefined && !(entry.isFile() && mayBeScript(entry.name))) continue;
    if (isIgnored(scopes, abs, isDir)) continue;
    if (!isDir) w.visit(abs, entry.isFile());
    else if (!TEST_DATA.has(entry.name)) walk(abs, scopes, w);
    else {
      const choice = w.testData(abs);
      // Everything below an included test-data directory is included with it.
      if (choice === 'read') walk(abs, scopes, { ...w, testData: () => 'read' });
      // Inside, every folder is part of the skipped test data; only what `include` names is read.
      else if (choice === 'included-only')
        walk(abs, scopes, {
          ...w,
          visit: (file, plain) => {
            if (w.included(file)) w.visit(file, plain);
          },
          testData: () => 'included-only',
        });
    }
  }
}

function isRegularFile(abs: string): boolean {
  try {
    return fs.statSync(abs).isFile();
  } catch {
    return false;
  }
}
