import { parseArgs } from 'node:util';
import { UsageError } from '../core/errors.js';
import { FORMATS, type Format } from '../report/report.js';
import type { Severity } from '../core/finding.js';
import { RENDER_MODES } from '../engine/config.js';

export type FailOn = Severity | 'none';
export type RenderMode = (typeof RENDER_MODES)[number];
export const CONNECTIVITY_FORMATS = ['text', 'json', 'md', 'mermaid', 'dot', 'csv'] as const;
export type ConnectivityFormat = (typeof CONNECTIVITY_FORMATS)[number];

export interface CliOptions {
  command: 'lint' | 'connectivity' | 'help' | 'version' | 'list-rules';
  paths: string[];
  format: string | undefined;
  outputFile: string | undefined;
  config: string | undefined;
  namespace: string | undefined;
  failOn: FailOn | undefined;
  /** `--render`: overrides config `render`. */
  render: RenderMode | undefined;
  stdinFilename: string | undefined;
  /** `--only-files`: lint the whole repository, report only findings anchored in the given files. */
  onlyFiles: boolean;
  debug: boolean;
  /** List every note on stderr, not only the first few. */
  verbose: boolean;
  /** `--baseline FILE`: hide the findings whose fingerprint the file holds. */
  baseline: string | undefined;
  /** `--write-baseline FILE`: write the current findings' fingerprints there instead of a report. */
  writeBaseline: string | undefined;
  /** `connectivity --diff REF` / `--diff-dir DIR`: the base the map is compared with. */
  diff: { ref: string } | { dir: string } | undefined;
  /** `connectivity --explain [SRC=>DST]`: `all` explains the whole map. */
  explain: { pair: string } | 'all' | undefined;
}

/**
 * `--explain` alone explains the whole map; `--explain 'SRC=>DST'` one pair. The pair is
 * taken from the next argument only when it holds `=>`, so a path after a bare `--explain`
 * stays a path.
 */
function explainArgs(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (arg !== '--explain') out.push(arg);
    else if (argv[i + 1]?.includes('=>')) out.push(`--explain=${argv[++i] ?? ''}`);
    else out.push('--explain=');
  }
  return out;
}

export function parseCliArgs(argv: string[]): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: explainArgs(argv),
      allowPositionals: true,
      strict: true,
      options: {
        format: { type: 'string', short: 'f' },
        'output-file': { type: 'string', short: 'o' },
        config: { type: 'string', short: 'c' },
        namespace: { type: 'string' },
        'fail-on': { type: 'string' },
        render: { type: 'string' },
        'stdin-filename': { type: 'string' },
        'only-files': { type: 'boolean' },
        baseline: { type: 'string' },
        'write-baseline': { type: 'string' },
        diff: { type: 'string' },
        'diff-dir': { type: 'string' },
        explain: { type: 'string' },
        'list-rules': { type: 'boolean' },
        debug: { type: 'boolean' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (err) {
    throw new UsageError(`${(err as Error).message.replace(/\. To specify a positional.*$/s, '')} (see \`nsl-lint --help\`)`);
  }
  const { values, positionals } = parsed;
  let paths = positionals;
  let command: CliOptions['command'] = 'lint';
  if (paths[0] === 'connectivity') {
    command = 'connectivity';
    paths = paths.slice(1);
  }
  if (values['list-rules']) command = 'list-rules';
  if (values.version) command = 'version';
  if (values.help) command = 'help';

  const format = values.format;
  const allowed: readonly string[] = command === 'connectivity' ? CONNECTIVITY_FORMATS : FORMATS;
  if (format !== undefined && !allowed.includes(format)) {
    throw new UsageError(`unknown format "${format}"; expected one of: ${allowed.join(', ')}`);
  }
  const failOn = values['fail-on'];
  if (failOn !== undefined && !['low', 'medium', 'high', 'none'].includes(failOn)) {
    throw new UsageError(`--fail-on takes low, medium, high or none, not "${failOn}"`);
  }
  const render = values.render;
  if (render !== undefined && !(RENDER_MODES as readonly string[]).includes(render)) {
    throw new UsageError(`--render takes ${RENDER_MODES.join(' or ')}, not "${render}"`);
  }
  if (command === 'connectivity' && (values.baseline !== undefined || values['write-baseline'] !== undefined))
    throw new UsageError('--baseline and --write-baseline go with linting, not with `connectivity`');
  if (paths.includes('-') && paths.length > 1) throw new UsageError('`-` (standard input) cannot be combined with other paths');
  if (values['stdin-filename'] !== undefined && !paths.includes('-')) throw new UsageError('--stdin-filename goes with `-` as the path');
  // The connectivity map has no findings: flags about findings would be silently ignored.
  if (command === 'connectivity') {
    const ignored = (['fail-on', 'only-files'] as const).filter((flag) => values[flag] !== undefined);
    if (ignored.length)
      throw new UsageError(
        `${ignored.map((f) => `--${f}`).join(' and ')} do${ignored.length === 1 ? 'es' : ''} not apply to \`connectivity\` (it reports no findings)`,
      );
  }
  const diffRef = values.diff;
  const diffDir = values['diff-dir'];
  const explain = values.explain;
  const connectivityOnly = (['diff', 'diff-dir', 'explain'] as const).filter((f) => values[f] !== undefined);
  if (command !== 'connectivity' && connectivityOnly.length)
    throw new UsageError(`--${connectivityOnly[0]} goes with \`connectivity\` (nsl-lint connectivity --${connectivityOnly[0]} …)`);
  if (connectivityOnly.length > 1) throw new UsageError(`--${connectivityOnly.join(' and --')} cannot be combined: choose one`);
  if (diffRef === '' || diffDir === '') throw new UsageError(`--${diffRef === '' ? 'diff' : 'diff-dir'} needs a value`);
  if (connectivityOnly.length && paths.includes('-'))
    throw new UsageError(`--${connectivityOnly[0]} reads the repository, not standard input (\`-\`)`);
  if (connectivityOnly.length && format !== undefined && !['text', 'json', 'md'].includes(format))
    throw new UsageError(`--${connectivityOnly[0]} prints text, json or md, not "${format}"`);
  if (values['only-files'] && (paths.length === 0 || paths.includes('-')))
    throw new UsageError('--only-files takes the files to report on as paths (not `-`): the whole repository is still checked');
  return {
    command,
    paths: paths.length ? paths : ['.'],
    format,
    outputFile: values['output-file'],
    config: values.config,
    namespace: values.namespace,
    failOn: failOn as FailOn | undefined,
    render: render as RenderMode | undefined,
    stdinFilename: values['stdin-filename'],
    onlyFiles: values['only-files'] ?? false,
    debug: values.debug ?? false,
    verbose: values.verbose ?? false,
    baseline: values.baseline,
    writeBaseline: values['write-baseline'],
    diff: diffRef !== undefined ? { ref: diffRef } : diffDir !== undefined ? { dir: diffDir } : undefined,
    explain: explain === undefined ? undefined : explain === '' || explain === 'all' ? 'all' : { pair: explain },
  };
}

export function isConnectivityFormat(f: string): f is ConnectivityFormat {
  return (CONNECTIVITY_FORMATS as readonly string[]).includes(f);
}

export function isLintFormat(f: string): f is Format {
  return (FORMATS as readonly string[]).includes(f);
}
