import fs from 'node:fs';
import path from 'node:path';
import { RULES } from '../../rules/index.js';
import { defaultConfig, type Config } from '../core/config.js';
import { ConfigErrors, findConfigFile, loadConfig } from '../engine/config.js';
import { ConfigError, UsageError } from '../core/errors.js';
import { SEVERITY_RANK, isActive } from '../core/finding.js';
import { applyBaseline, baselineText, readBaseline } from '../engine/baseline.js';
import { connectivityDiff, connectivityExplanation, connectivityMap, lint } from '../engine/lint.js';
import { connectivityReportChunks, diffReport, explanationReport, type ChangeFormat } from '../report/connectivity.js';
import { findRepositoryRoot, toPosixRelative } from '../discover/discover.js';
import { github } from '../report/github.js';
import { json } from '../report/json.js';
import type { ReportInput } from '../report/report.js';
import { sarif } from '../report/sarif.js';
import { printable } from '../report/printable.js';
import { stylish } from '../report/stylish.js';
import { TOOL } from '../core/tool.js';
import { HELP } from './help.js';
import { isConnectivityFormat, isLintFormat, parseCliArgs, type CliOptions } from './args.js';
import type { Notice } from '../core/notice.js';
import type { Finding } from '../core/finding.js';
import type { Model } from '../model/model.js';

/** The process around the CLI, injectable for tests. */
export interface CliIO {
  cwd: string;
  env: Record<string, string | undefined>;
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  readStdin: () => string;
}

export const EXIT = { ok: 0, findings: 1, error: 2 } as const;

/** Run the CLI; returns the exit code. Never throws. */
export function main(argv: string[], io: CliIO): number {
  let options: CliOptions | undefined;
  try {
    options = parseCliArgs(argv);
    return execute(options, io);
  } catch (err) {
    if (err instanceof UsageError) io.stderr.write(`nsl-lint: ${err.message}\n`);
    else if (err instanceof ConfigError)
      for (const problem of err instanceof ConfigErrors ? err.problems : [err])
        io.stderr.write(`nsl-lint: config error: ${problem.describe()}\n`);
    else {
      const debug = options?.debug ?? argv.includes('--debug');
      io.stderr.write(`nsl-lint: internal error: ${(err as Error)?.message ?? String(err)}\n`);
      io.stderr.write(debug ? `${(err as Error)?.stack ?? ''}\n` : 'Run again with --debug to see the stack trace.\n');
    }
    return EXIT.error;
  }
}

function execute(options: CliOptions, io: CliIO): number {
  if (options.command === 'help') return write(io, HELP);
  if (options.command === 'version') return write(io, `${TOOL.version}\n`);
  const config = resolveConfig(options, io.cwd);
  if (options.command === 'list-rules') return write(io, listRules(config));

  const stdin = options.paths[0] === '-' ? { path: options.stdinFilename ?? 'stdin.yaml', text: io.readStdin() } : undefined;
  const long = io.stderr.isTTY === true && !io.env['CI'];
  const loadOptions = {
    // --only-files: the whole repository is analysed (default-deny and DNS answers depend on
    // files that did not change); only the findings in the named files are reported.
    paths: options.onlyFiles ? [findRepositoryRoot(io.cwd)] : options.paths,
    cwd: io.cwd,
    config,
    ...(stdin ? { stdin: { path: toPosixRelative(findRepositoryRoot(io.cwd), path.resolve(io.cwd, stdin.path)), text: stdin.text } } : {}),
    ...(long ? { progress: (m: string) => io.stderr.write(`nsl-lint: ${m}…\n`) } : {}),
  };

  if (options.command === 'connectivity') {
    const format = options.format ?? 'text';
    if (!isConnectivityFormat(format)) throw new UsageError(`unknown format "${format}"`);
    if (options.diff || options.explain) {
      const changeFormat = format as ChangeFormat;
      const done = options.diff ? connectivityDiff(loadOptions, options.diff) : undefined;
      const explained = options.explain
        ? connectivityExplanation(loadOptions, options.explain === 'all' ? undefined : options.explain.pair)
        : undefined;
      if (done) emit(io, options.outputFile, diffReport(done.rows, changeFormat, done.base));
      if (explained) emit(io, options.outputFile, explanationReport(explained.rows, changeFormat));
      printNotices(io, done?.notices ?? explained?.notices ?? [], options.verbose);
      return EXIT.ok;
    }
    const map = connectivityMap(loadOptions);
    emit(io, options.outputFile, connectivityReportChunks(map.rows, format));
    printNotices(io, map.notices, options.verbose);
    return EXIT.ok;
  }

  // A bad baseline is a usage error before any work is done.
  const baseline =
    options.baseline !== undefined ? readBaseline(path.resolve(io.cwd, options.baseline), printable(options.baseline)) : undefined;
  const result = lint({ ...loadOptions, rules: RULES });
  if (options.onlyFiles) keepOnlyFiles(result, options.paths, io.cwd);
  const empty = stdin || options.onlyFiles ? [] : pathsWithoutInput(options.paths, io.cwd, result.model);
  for (const p of empty) io.stderr.write(`nsl-lint: warning: ${printable(p)}: ${NO_INPUT}\n`);
  // The warning says it for a named file: its "not a recognised input" note would repeat it.
  const emptyFiles = new Set(empty.map((p) => toPosixRelative(result.root, path.resolve(io.cwd, p))));
  result.notices = result.notices.filter((n) => !(n.level === 'note' && n.file !== undefined && emptyFiles.has(n.file)));
  if (options.writeBaseline !== undefined) {
    const text = baselineText(result.findings);
    emit(io, options.writeBaseline, text, 'the baseline');
    const n = result.findings.filter((f) => f.suppressed === undefined).length;
    io.stderr.write(`nsl-lint: wrote ${n} finding${n === 1 ? '' : 's'} to the baseline ${printable(options.writeBaseline)}\n`);
    printNotices(io, result.notices, options.verbose);
    return EXIT.ok;
  }
  if (baseline) applyBaseline(result.findings, baseline);
  const format = options.format ?? 'stylish';
  if (!isLintFormat(format)) throw new UsageError(`unknown format "${format}"`);
  const toFile = options.outputFile !== undefined;
  const input: ReportInput = {
    findings: result.findings,
    notices: result.notices,
    rules: result.rules,
    filesChecked: result.model.files.length,
    tool: TOOL,
    root: result.root,
    color: !toFile && useColor(io.stdout.isTTY === true, io.env),
  };
  emit(io, options.outputFile, { stylish, json, sarif, github }[format](input));
  if (format !== 'sarif' && format !== 'json') printNotices(io, result.notices, options.verbose);
  const failOn = options.failOn ?? config.failOn ?? 'low';
  if (failOn === 'none') return EXIT.ok;
  const threshold = SEVERITY_RANK[failOn];
  // Suppressed findings and those the baseline holds never fail the run.
  return result.findings.some((f) => isActive(f) && SEVERITY_RANK[f.severity] >= threshold) ? EXIT.findings : EXIT.ok;
}

const NO_INPUT = 'no recognised input (Kubernetes manifests, firewall rulesets, WireGuard or sshd configs); nothing was checked';

/**
 * The given paths (files or folders) under which nothing was checked: no firewall, VPN or
 * sshd file, and no YAML or JSON that holds a Kubernetes object (or fails to parse as one).
 */
export function pathsWithoutInput(
  paths: readonly string[],
  cwd: string,
  model: Pick<Model, 'files' | 'resources' | 'parseErrors'>,
): string[] {
  const manifests = new Set([...model.resources.map((r) => r.file), ...model.parseErrors.map((e) => e.file)]);
  const inputs = model.files.filter((f) => f.kind !== 'manifest' || manifests.has(f.path));
  return paths.filter((p) => {
    const abs = path.resolve(cwd, p);
    return !inputs.some((f) => f.abs === abs || f.abs.startsWith(abs.endsWith(path.sep) ? abs : `${abs}${path.sep}`));
  });
}

/** `--only-files`: keep the findings (and file notices) anchored in the named files. */
function keepOnlyFiles(result: { root: string; findings: Finding[]; notices: Notice[] }, files: readonly string[], cwd: string): void {
  const wanted = new Set(files.map((f) => toPosixRelative(result.root, path.resolve(cwd, f))));
  result.findings = result.findings.filter((f) => wanted.has(f.file));
  result.notices = result.notices.filter((n) => n.file === undefined || wanted.has(n.file));
}

/** Pieces of a report gathered into writes of about a megabyte. */
function* batches(pieces: Iterable<string>): Generator<string> {
  let parts: string[] = [];
  let size = 0;
  for (const p of pieces) {
    parts.push(p);
    size += p.length;
    if (size >= 1 << 20) {
      yield parts.join('');
      parts = [];
      size = 0;
    }
  }
  if (parts.length) yield parts.join('');
}

/** Write a report (whole, or in pieces as it is made) to the output file (creating its folder) or to standard output. */
function emit(io: CliIO, outputFile: string | undefined, text: string | Iterable<string>, what = 'the report'): void {
  if (outputFile === undefined) {
    if (typeof text === 'string') io.stdout.write(text);
    else for (const part of batches(text)) io.stdout.write(part);
    return;
  }
  const target = path.resolve(io.cwd, outputFile);
  const cannot = (why: string): UsageError => new UsageError(`cannot write ${what} to ${printable(outputFile)}: ${why}`);
  // Check the nearest existing folder before creating anything: pseudo-filesystems such as
  // /proc make a recursive mkdir loop, and a file in the way must not become a stack trace.
  let existing = path.dirname(target);
  while (!fs.existsSync(existing)) existing = path.dirname(existing);
  const real = fs.realpathSync(existing);
  if (['/proc', '/sys', '/dev'].some((p) => real === p || real.startsWith(`${p}/`))) throw cannot(`${real} is not a place for files`);
  if (!fs.statSync(real).isDirectory()) throw cannot(`${printable(existing)} is not a folder`);
  if (fs.existsSync(target) && fs.statSync(target).isDirectory()) throw cannot('it is a folder');
  try {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    if (typeof text === 'string') fs.writeFileSync(target, text);
    else {
      const fd = fs.openSync(target, 'w');
      try {
        for (const part of batches(text)) {
          const bytes = Buffer.from(part);
          let done = 0;
          while (done < bytes.length) done += fs.writeSync(fd, bytes, done);
        }
      } finally {
        fs.closeSync(fd);
      }
    }
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const reasons: Record<string, string> = {
      ENOSPC: 'no space left on the device',
      EACCES: 'permission denied',
      EPERM: 'permission denied',
      EROFS: 'read-only file system',
      EISDIR: 'it is a folder',
      ENOTDIR: 'a part of the path is not a folder',
    };
    throw cannot(reasons[e.code ?? ''] ?? e.message);
  }
}

/** Notes beyond this many are counted, not listed, unless `--verbose`. */
const NOTES_SHOWN = 10;

/** Errors and warnings always; notes (skipped templates, test data, …) in full only up to a few, or with `--verbose`. */
function printNotices(io: CliIO, notices: readonly Notice[], verbose: boolean): void {
  const notes = notices.filter((n) => n.level === 'note');
  const shown = verbose || notes.length <= NOTES_SHOWN ? new Set(notes) : new Set(notes.slice(0, NOTES_SHOWN));
  for (const n of notices) {
    if (n.level === 'note' && !shown.has(n)) continue;
    io.stderr.write(`nsl-lint: ${n.level}: ${n.file ? `${printable(n.file)}: ` : ''}${printable(n.message)}\n`);
  }
  const hidden = notes.length - shown.size;
  if (hidden > 0)
    io.stderr.write(`nsl-lint: note: ${hidden} more notes not shown (--verbose lists them; -f json and -f sarif include them all)\n`);
}

function resolveConfig(options: CliOptions, cwd: string): Config {
  const file = findConfigFile(cwd, options.config);
  const ids = new Set(RULES.map((r) => r.id));
  const config = file ? loadConfig(file, displayPath(cwd, file), ids) : defaultConfig();
  if (options.namespace !== undefined) config.defaultNamespace = options.namespace;
  if (options.render !== undefined) config.render = options.render;
  return config;
}

function displayPath(cwd: string, abs: string): string {
  const rel = path.relative(cwd, abs);
  return rel.startsWith('..') ? abs : rel.split(path.sep).join('/');
}

function listRules(config: Config): string {
  const width = Math.max(...RULES.map((r) => r.id.length));
  const lines = RULES.map((r) => {
    const setting = config.rules[r.id];
    const off = setting === 'off' || (typeof setting === 'object' && setting.enabled === false);
    const severity =
      typeof setting === 'string' && setting !== 'on' && setting !== 'off'
        ? setting
        : typeof setting === 'object' && setting.severity
          ? setting.severity
          : r.severity;
    return `${r.id.padEnd(width)}  ${(off ? 'off' : severity).padEnd(6)}  ${r.title}`;
  });
  return `${lines.join('\n')}\n`;
}

/** NO_COLOR wins; FORCE_COLOR forces (0 or false turns it off); else colour only on a terminal. */
export function useColor(isTTY: boolean, env: Record<string, string | undefined>): boolean {
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  const force = env['FORCE_COLOR'];
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  return isTTY;
}

function write(io: CliIO, text: string): number {
  io.stdout.write(text);
  return EXIT.ok;
}
