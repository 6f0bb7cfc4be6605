import fs from 'node:fs';
import path from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import jsyaml from 'js-yaml';
import { YamlLocator, parseYamlStream } from '../parse/yaml.js';
import { ConfigError } from '../core/errors.js';
import { GuardedReader } from '../discover/read.js';
import { DEFAULT_SENSITIVE_PORTS } from '../analysis/firewall.js';
import { defaultConfig, type AssertionEndpoint, type Config, type ConnectivityAssertion, type SensitivePort } from '../core/config.js';
import { parseCidr } from '../core/ip.js';

export const CONFIG_FILE_NAMES = ['.nsl-lint.yaml', '.nsl-lint.yml'];
/** A config is a few lines; anything this large is not one. */
const MAX_CONFIG_BYTES = 1024 * 1024;

/** Values of config `render` and `--render`. */
export const RENDER_MODES = ['none', 'kustomize'] as const;

/**
 * Values of `cluster.cni`: the CNIs whose policy enforcement and node-to-node transports
 * nsl-lint knows (`flannel` and `kubenet` enforce no NetworkPolicy; Canal is Calico's policy
 * over Flannel's network).
 */
export const KNOWN_CNIS = ['antrea', 'calico', 'canal', 'cilium', 'flannel', 'kube-router', 'kubenet', 'weave'] as const;

/** Every problem of one config file, each with its line: the first is also this error's own. */
export class ConfigErrors extends ConfigError {
  constructor(readonly problems: readonly ConfigError[]) {
    const first = problems[0] as ConfigError;
    super(first.message, first.file, first.line, first.column);
  }
}

const severity = { enum: ['low', 'medium', 'high'] };
const stringMap = { type: 'object', additionalProperties: { type: 'string' } };
/** One side of a connectivity assertion: `ns/name`, `ns/*`, a CIDR, or a mapping of selectors. */
const assertionEndpoint = {
  oneOf: [
    { type: 'string', minLength: 1 },
    {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: {
        namespace: { type: 'string', minLength: 1 },
        namespaceLabels: stringMap,
        podLabels: stringMap,
        cidr: { type: 'string' },
      },
    },
  ],
};

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
    connectivity: {
      type: 'object',
      additionalProperties: false,
      properties: {
        assertions: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['from', 'to', 'expect'],
            properties: {
              from: assertionEndpoint,
              to: assertionEndpoint,
              port: { oneOf: [{ type: 'integer', minimum: 1, maximum: 65535 }, { type: 'string' }] },
              expect: { enum: ['allow', 'deny'] },
            },
          },
        },
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

/** Parse and validate a config file; `knownRules` catches misspelt rule ids. Every problem is reported at once. */
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
  const locator = new YamlLocator(text);
  const problem: Problem = (message, key, part) => {
    const span = locator.locate(0, key, part);
    return new ConfigError(message, displayName, span?.start.line, span?.start.column);
  };
  const ajv = new Ajv({ allErrors: true, strict: true });
  const validate = ajv.compile(CONFIG_SCHEMA);
  const problems: ConfigError[] = validate(raw) ? [] : schemaProblems(validate.errors ?? [], raw, problem);
  const user = raw as Partial<Omit<Config, 'host'>> & {
    maxFileSize?: number;
    cluster?: Partial<Config['cluster']>;
    mesh?: Partial<Config['mesh']>;
    host?: { privateInterfaces?: string[]; sensitivePorts?: (number | string)[] };
  };
  for (const id of Object.keys(isRecord(user.rules) ? user.rules : {})) {
    if (!knownRules.has(id))
      problems.push(problem(`unknown rule id "${id}"${didYouMean(id, knownRules)} (see --list-rules)`, ['rules', id], 'key'));
  }
  const cni = isRecord(user.cluster) ? user.cluster['cni'] : undefined;
  if (typeof cni === 'string' && !(KNOWN_CNIS as readonly string[]).includes(cni.toLowerCase())) {
    problems.push(
      problem(
        `unknown "cluster.cni" ${JSON.stringify(cni)}${didYouMean(cni, KNOWN_CNIS)}; known CNIs: ${KNOWN_CNIS.join(', ')}`,
        ['cluster', 'cni'],
        'value',
      ),
    );
  }
  const base = defaultConfig();
  const entries: unknown[] = isRecord(user.host) && Array.isArray(user.host['sensitivePorts']) ? user.host['sensitivePorts'] : [];
  const sensitivePorts: SensitivePort[] = [];
  entries.forEach((entry, i) => {
    // Entries of the wrong shape are already schema problems.
    if ((typeof entry !== 'number' || !Number.isInteger(entry)) && typeof entry !== 'string') return;
    const port = parseSensitivePort(entry);
    if (typeof port !== 'string') sensitivePorts.push(port);
    else if (typeof entry === 'string' || entry < 1 || entry > 65535) {
      const at = ['host', 'sensitivePorts', i];
      if (!problems.some((p) => sameSpot(p, problem('', at, 'value'))))
        problems.push(problem(`"host.sensitivePorts" entry ${JSON.stringify(entry)}: ${port}`, at, 'value'));
    }
  });
  const assertions = connectivityAssertions(raw, problems, problem);
  if (problems.length === 1) throw problems[0];
  if (problems.length > 1)
    throw new ConfigErrors(problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0)));
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
    connectivity: { assertions },
    source: { file: displayName, text },
  };
  if (user.failOn !== undefined) config.failOn = user.failOn;
  return config;
}

/**
 * `connectivity.assertions` as the rule reads them. Shapes the schema rejects are already
 * problems; here each value is read for its meaning (an endpoint that is neither `ns/name`
 * nor an address range, a malformed port), with the problem at its line.
 */
function connectivityAssertions(raw: unknown, problems: ConfigError[], problem: Problem): ConnectivityAssertion[] {
  const section = isRecord(raw) ? raw['connectivity'] : undefined;
  const list = isRecord(section) && Array.isArray(section['assertions']) ? (section['assertions'] as unknown[]) : [];
  const out: ConnectivityAssertion[] = [];
  list.forEach((item, index) => {
    if (!isRecord(item)) return;
    const at = ['connectivity', 'assertions', index];
    let ok = true;
    const fail = (message: string, key: readonly (string | number)[], part: 'key' | 'value' = 'value'): void => {
      ok = false;
      const p = problem(`"connectivity.assertions.${index}${key.length ? `.${key.join('.')}` : ''}" ${message}`, [...at, ...key], part);
      if (!problems.some((q) => sameSpot(q, p))) problems.push(p);
    };
    const endpoint = (side: 'from' | 'to'): AssertionEndpoint | undefined => {
      const v = item[side];
      if (typeof v === 'string') {
        if (parseCidr(v)) return { kind: 'cidr', cidr: v.trim() };
        const m = /^([^/\s]+)\/([^/\s]+)$/.exec(v.trim());
        if (!m) {
          fail('is neither a workload `namespace/name` (or `namespace/*`) nor an address range (CIDR)', [side]);
          return undefined;
        }
        const [, namespace = '', name = ''] = m;
        return name === '*' ? { kind: 'pods', namespace, namespaceLabels: {}, podLabels: {} } : { kind: 'workload', namespace, name };
      }
      if (!isRecord(v)) return undefined;
      if (typeof v['cidr'] === 'string') {
        if (Object.keys(v).length > 1) fail('selects by `cidr` or by namespace and pod labels, not both', [side, 'cidr'], 'key');
        else if (!parseCidr(v['cidr'])) fail(`is not an address range: ${JSON.stringify(v['cidr'])}`, [side, 'cidr']);
        else return { kind: 'cidr', cidr: v['cidr'].trim() };
        return undefined;
      }
      const labels = (k: string): Record<string, string> => (isRecord(v[k]) ? (v[k] as Record<string, string>) : {});
      return {
        kind: 'pods',
        ...(typeof v['namespace'] === 'string' ? { namespace: v['namespace'] } : {}),
        namespaceLabels: labels('namespaceLabels'),
        podLabels: labels('podLabels'),
      };
    };
    const from = endpoint('from');
    const to = endpoint('to');
    if (from?.kind === 'cidr' && to?.kind === 'cidr') fail('connects two address ranges: one side must select workloads', []);
    let port: ConnectivityAssertion['port'];
    const p = item['port'];
    if (typeof p === 'number' && Number.isInteger(p) && p >= 1 && p <= 65535) port = { protocol: 'TCP', from: p, to: p };
    else if (typeof p === 'string') {
      const m = /^(?:(tcp|udp|sctp)\/)?(\d+)(?:-(\d+))?$/i.exec(p.trim());
      const lo = Number(m?.[2]);
      const hi = m?.[3] === undefined ? lo : Number(m[3]);
      if (!m) fail('is not a port: expected `tcp/5432`, `udp/53`, `sctp/9000-9100` or a number (TCP)', ['port']);
      else if (lo < 1 || hi > 65535 || lo > hi) fail(`is not a port range within 1-65535: ${JSON.stringify(p)}`, ['port']);
      else port = { protocol: (m[1] ?? 'tcp').toUpperCase() as 'TCP' | 'UDP' | 'SCTP', from: lo, to: hi };
    }
    const expect = item['expect'];
    if (!ok || !from || !to || (expect !== 'allow' && expect !== 'deny')) return;
    const said = (side: 'from' | 'to'): string =>
      typeof item[side] === 'string' ? (item[side] as string) : jsyaml.dump(item[side], { flowLevel: 0 }).trim();
    const portText = port ? ` ${port.protocol.toLowerCase()}/${port.from}${port.to === port.from ? '' : `-${port.to}`}` : '';
    out.push({ index, from, to, ...(port ? { port } : {}), expect, text: `${said('from')} → ${said('to')}${portText}: ${expect}` });
  });
  return out;
}

type Problem = (message: string, key: readonly (string | number)[], part: 'key' | 'value') => ConfigError;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function sameSpot(a: ConfigError, b: ConfigError): boolean {
  return a.line === b.line && a.column === b.column;
}

/** A branch of a `oneOf` (a rule setting is a word or a mapping; a port is a number or a string). */
const IN_BRANCH = /\/oneOf\/\d+\//;

/**
 * One message per problem. Where the schema offers alternatives, only the alternative of the
 * value's own type speaks: the others' "must be object" would only confuse.
 */
function schemaProblems(errors: readonly ErrorObject[], raw: unknown, problem: Problem): ConfigError[] {
  const pathOf = (e: ErrorObject): string[] =>
    e.instancePath
      .split('/')
      .slice(1)
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const offTopic = (e: ErrorObject): boolean => {
    if (!IN_BRANCH.test(e.schemaPath)) return false;
    const value = valueAt(raw, pathOf(e));
    return e.keyword === 'type' || (e.keyword === 'enum' && typeof value === 'object' && value !== null);
  };
  const out: ConfigError[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    if (offTopic(error)) continue;
    // A failed `oneOf` is said by its fitting branch's own error, when there is one.
    if (
      error.keyword === 'oneOf' &&
      errors.some((e) => IN_BRANCH.test(e.schemaPath) && e.instancePath.startsWith(error.instancePath) && !offTopic(e))
    )
      continue;
    const at = pathOf(error);
    const name = at.length ? `"${at.join('.')}"` : 'config';
    // Sequence items are located by index, not by a key spelt as digits.
    let key: readonly (string | number)[] = at.map((k, i) => (Array.isArray(valueAt(raw, at.slice(0, i))) ? Number(k) : k));
    let part: 'key' | 'value' = 'value';
    let message = `${name} ${error.message ?? 'is invalid'}`;
    if (error.keyword === 'additionalProperties') {
      const extra = String((error.params as { additionalProperty: string }).additionalProperty);
      key = [...key, extra];
      part = 'key';
      message = `unknown key "${key.join('.')}"${didYouMean(extra, Object.keys(objectSchemaAt(at)?.properties ?? {}))}`;
    } else if (error.keyword === 'enum') {
      message += `: ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => jsyaml.dump(v).trim()).join(', ')}`;
    } else if (error.keyword === 'oneOf') {
      message = `${name} has neither accepted form`;
    }
    const id = `${key.join('.')}\0${message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(problem(message, key, part));
  }
  return out;
}

function valueAt(raw: unknown, at: readonly string[]): unknown {
  let v = raw;
  for (const k of at) v = isRecord(v) ? v[k] : Array.isArray(v) ? v[Number(k)] : undefined;
  return v;
}

interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  oneOf?: SchemaNode[];
  items?: SchemaNode;
}

/** The mapping schema at a config path (a rule's setting in its mapping form). */
function objectSchemaAt(at: readonly string[]): SchemaNode | undefined {
  let node: SchemaNode | undefined = CONFIG_SCHEMA as unknown as SchemaNode;
  for (const k of at) {
    const next: SchemaNode | undefined =
      node?.properties?.[k] ??
      (typeof node?.additionalProperties === 'object' ? node.additionalProperties : undefined) ??
      (/^\d+$/.test(k) ? node?.items : undefined);
    node = next?.oneOf ? next.oneOf.find((b) => b.type === 'object') : next;
  }
  return node;
}

/** ` (did you mean `x`?)` for the nearest candidate within a few typos (case aside), else nothing. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d =
      c === word ? Infinity : editDistance(word.toLowerCase(), c.toLowerCase()) + (c.toLowerCase() === word.toLowerCase() ? 0.5 : 0);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const allowed = Math.max(1, Math.min(3, Math.floor(word.length / 3)));
  return best !== undefined && bestDistance <= allowed ? ` (did you mean \`${best}\`?)` : '';
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours. */
function editDistance(a: string, b: string): number {
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, (before[j - 2] ?? 0) + 1);
      row.push(d);
    }
    before = prev;
    prev = row;
  }
  return prev[b.length] ?? 0;
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
