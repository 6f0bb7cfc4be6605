import fs from 'node:fs';
import path from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import jsyaml from 'js-yaml';
import { YamlLocator, parseYamlStream } from '../parse/yaml.js';
import { ConfigError } from '../core/errors.js';
import { GuardedReader } from '../discover/read.js';
import { DEFAULT_SENSITIVE_PORTS } from '../analysis/firewall.js';
import { defaultConfig, type Config, type SensitivePort } from '../core/config.js';

export const CONFIG_FILE_NAMES = ['.nsl-lint.yaml', '.nsl-lint.yml'];
/** A config is a few lines; anything this large is not one. */
const MAX_CONFIG_BYTES = 1024 * 1024;

/** Values of config `render` and `--render`. */
export const RENDER_MODES = ['none', 'kustomize'] as const;

const severity = { enum: ['low', 'medium', 'high'] };
const stringMap = { type: 'object', additionalProperties: { type: 'string' } };

/** The schema of `.nsl-lint.yaml`; unknown keys are errors so typos do not pass silently. */
export const CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    rules: {
      type: 'object',
      additionalProperties: {
        oneOf: [
          { enum: ['off', 'on', 'low', 'medium', 'high'] },
          { type: 'object', additionalProperties: false, properties: { enabled: { type: 'boolean' }, severity } },
        ],
      },
    },
    ignore: { type: 'array', items: { type: 'string' } },
    include: { type: 'array', items: { type: 'string' } },
    defaultNamespace: { type: 'string', minLength: 1 },
    maxFileSize: { type: 'number', exclusiveMinimum: 0, maximum: 1024 },
    failOn: { enum: ['low', 'medium', 'high', 'none'] },
    render: { enum: RENDER_MODES },
    cluster: {
      type: 'object',
      additionalProperties: false,
      properties: {
        cni: { type: 'string' },
        namespaceLabels: { type: 'object', additionalProperties: stringMap },
        dnsSelector: stringMap,
      },
    },
    mesh: { type: 'object', additionalProperties: false, properties: { rootNamespace: { type: 'string', minLength: 1 } } },
    host: {
      type: 'object',
      additionalProperties: false,
      properties: {
        privateInterfaces: { type: 'array', items: { type: 'string' } },
        sensitivePorts: {
          type: 'array',
          items: {
            oneOf: [
              { type: 'integer', minimum: 1, maximum: 65535 },
              { type: 'string', pattern: '^\\d+(-\\d+)?(/(tcp|udp))?$' },
            ],
          },
        },
      },
    },
  },
} as const;

/** The config file named with `-c`, else the first `.nsl-lint.yaml` upward from `cwd`. */
export function findConfigFile(cwd: string, explicit: string | undefined): string | undefined {
  if (explicit) {
    const abs = path.resolve(cwd, explicit);
    if (!fs.existsSync(abs)) throw new ConfigError('config file not found', explicit);
    return abs;
  }
  let dir = path.resolve(cwd);
  for (;;) {
    for (const name of CONFIG_FILE_NAMES) {
      const candidate = path.join(dir, name);
      if (fs.existsSync(candidate)) return candidate;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Parse and validate a config file; `knownRules` catches misspelt rule ids. */
export function loadConfig(file: string, displayName: string, knownRules: ReadonlySet<string>): Config {
  const read = new GuardedReader(path.dirname(file), MAX_CONFIG_BYTES).read(file, { explicit: true });
  if (!read.ok) throw new ConfigError(`cannot read config: ${read.reason}`, displayName);
  const text = read.text;
  const parsed = parseYamlStream(text);
  if (!parsed.ok) {
    const error = parsed.errors[0];
    throw new ConfigError(error?.message ?? 'invalid YAML', displayName, error?.span.start.line, error?.span.start.column);
  }
  const raw = parsed.docs[0] ?? {};
  const ajv = new Ajv({ allErrors: false, strict: true });
  const validate = ajv.compile(CONFIG_SCHEMA);
  if (!validate(raw)) throw configSchemaError(validate.errors?.[0], text, displayName);
  const user = raw as Partial<Omit<Config, 'host'>> & {
    maxFileSize?: number;
    cluster?: Partial<Config['cluster']>;
    mesh?: Partial<Config['mesh']>;
    host?: { privateInterfaces?: string[]; sensitivePorts?: (number | string)[] };
  };
  for (const id of Object.keys(user.rules ?? {})) {
    if (!knownRules.has(id)) {
      const span = new YamlLocator(text).locate(0, ['rules', id], 'key');
      throw new ConfigError(`unknown rule id "${id}" (see --list-rules)`, displayName, span?.start.line, span?.start.column);
    }
  }
  const base = defaultConfig();
  const sensitivePorts = (user.host?.sensitivePorts ?? []).map((entry, i) => {
    const port = parseSensitivePort(entry);
    if (typeof port !== 'string') return port;
    const span = new YamlLocator(text).locate(0, ['host', 'sensitivePorts', i], 'value');
    throw new ConfigError(
      `"host.sensitivePorts" entry ${JSON.stringify(entry)}: ${port}`,
      displayName,
      span?.start.line,
      span?.start.column,
    );
  });
  const config: Config = {
    rules: user.rules ?? {},
    ignore: user.ignore ?? [],
    include: user.include ?? [],
    defaultNamespace: user.defaultNamespace ?? base.defaultNamespace,
    maxFileBytes: user.maxFileSize === undefined ? base.maxFileBytes : Math.round(user.maxFileSize * 1024 * 1024),
    render: user.render ?? base.render,
    cluster: { ...base.cluster, ...user.cluster },
    mesh: { ...base.mesh, ...user.mesh },
    host: { ...base.host, ...user.host, sensitivePorts },
    source: { file: displayName, text },
  };
  if (user.failOn !== undefined) config.failOn = user.failOn;
  return config;
}

function configSchemaError(error: ErrorObject | undefined, text: string, file: string): ConfigError {
  if (!error) return new ConfigError('invalid configuration', file);
  const path = error.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let key = path;
  let message = `${path.length ? `"${path.join('.')}"` : 'config'} ${error.message ?? 'is invalid'}`;
  if (error.keyword === 'additionalProperties') {
    const extra = String((error.params as { additionalProperty: string }).additionalProperty);
    key = [...path, extra];
    message = `unknown key "${key.join('.')}"`;
  } else if (error.keyword === 'enum') {
    message += `: ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => jsyaml.dump(v).trim()).join(', ')}`;
  }
  const span = new YamlLocator(text).locate(0, key, error.keyword === 'additionalProperties' ? 'key' : 'value');
  return new ConfigError(message, file, span?.start.line, span?.start.column);
}

/** `22`, `"8000-8100"`, `"53/udp"` (TCP unless said otherwise); a string says what is wrong. */
function parseSensitivePort(entry: number | string): SensitivePort | string {
  const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp))?$/.exec(String(entry));
  if (!m) return 'expected a port, a range `lo-hi`, optionally with `/tcp` or `/udp`';
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  if (lo < 1 || hi > 65535) return 'ports are 1-65535';
  if (lo > hi) return `the range is reversed (${lo} > ${hi})`;
  const proto = m[3] === 'udp' ? 17 : 6;
  const known = DEFAULT_SENSITIVE_PORTS.find((d) => d.proto === proto && d.lo === lo && d.hi === hi);
  return { proto, lo, hi, label: known?.label ?? 'configured sensitive port' };
}
