import fs from 'node:fs';
import path from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import jsyaml from 'js-yaml';
import { YamlLocator, parseYamlStream } from '../parse/yaml.js';
import { ConfigError } from './errors.js';
import type { Severity } from './rule.js';

export const CONFIG_FILE_NAMES = ['.nsl-lint.yaml', '.nsl-lint.yml'];

export type RuleSetting = 'off' | 'on' | Severity | { enabled?: boolean; severity?: Severity };

export interface Config {
  rules: Record<string, RuleSetting>;
  ignore: string[];
  defaultNamespace: string;
  failOn?: Severity | 'none';
  cluster: {
    cni?: string;
    namespaceLabels: Record<string, Record<string, string>>;
    dnsSelector: Record<string, string>;
  };
  mesh: { rootNamespace: string };
  host: { privateInterfaces: string[]; sensitivePorts: (number | string)[] };
  /** Where the config came from, for messages and for findings anchored in it. */
  source?: { file: string; text: string };
}

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
    defaultNamespace: { type: 'string', minLength: 1 },
    failOn: { enum: ['low', 'medium', 'high', 'none'] },
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

export function defaultConfig(): Config {
  return {
    rules: {},
    ignore: [],
    defaultNamespace: 'default',
    cluster: { namespaceLabels: {}, dnsSelector: { 'k8s-app': 'kube-dns' } },
    mesh: { rootNamespace: 'istio-system' },
    host: { privateInterfaces: [], sensitivePorts: [] },
  };
}

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
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config: ${(err as Error).message}`, displayName);
  }
  const parsed = parseYamlStream(text);
  if (!parsed.ok) {
    const error = parsed.errors[0];
    throw new ConfigError(error?.message ?? 'invalid YAML', displayName, error?.span.start.line, error?.span.start.column);
  }
  const raw = parsed.docs[0] ?? {};
  const ajv = new Ajv({ allErrors: false, strict: true });
  const validate = ajv.compile(CONFIG_SCHEMA);
  if (!validate(raw)) throw configSchemaError(validate.errors?.[0], text, displayName);
  const user = raw as Partial<Config> & {
    cluster?: Partial<Config['cluster']>;
    mesh?: Partial<Config['mesh']>;
    host?: Partial<Config['host']>;
  };
  for (const id of Object.keys(user.rules ?? {})) {
    if (!knownRules.has(id)) {
      const span = new YamlLocator(text).locate(0, ['rules', id], 'key');
      throw new ConfigError(`unknown rule id "${id}" (see --list-rules)`, displayName, span?.start.line, span?.start.column);
    }
  }
  const base = defaultConfig();
  const config: Config = {
    rules: user.rules ?? {},
    ignore: user.ignore ?? [],
    defaultNamespace: user.defaultNamespace ?? base.defaultNamespace,
    cluster: { ...base.cluster, ...user.cluster },
    mesh: { ...base.mesh, ...user.mesh },
    host: { ...base.host, ...user.host },
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
