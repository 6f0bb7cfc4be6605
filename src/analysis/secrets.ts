/**
 * Values that are not credentials: empty, a reference a tool substitutes later
 * (`${VAR}`, `$(VAR)`, anything with `{{ }}`), a file path, SOPS ciphertext, or an
 * obvious placeholder a reader is meant to replace (`changeme`, `<password>`, `xxxx`).
 */
export function isPlaceholder(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value !== 'string') return false;
  const v = value.trim();
  return (
    v === '' ||
    /^\$\{[^}]+\}$/.test(v) ||
    /^\$\([\w.-]+\)$/.test(v) ||
    v.includes('{{') ||
    v.startsWith('ENC[') ||
    PEM_PLACEHOLDER.test(v) ||
    /^(\/|~\/|\.\.?\/)[\w./-]*$/.test(v) ||
    OBVIOUS_PLACEHOLDER.test(v)
  );
}

/** Words people write where the real value goes. */
const OBVIOUS_PLACEHOLDER =
  /^(<[^<>]*>|\[[^[\]]*\]|x{3,}|\*{3,}|(\.{3}|…).*|(change|replace)[-_ ]?me([-_ ].*)?|replace[-_ ]?with[-_ ].*|example.*|(my|your|some|the)[-_ ]?(password|passwd|secret|token|key|api[-_]?key)s?|(password|passwd|secret|token|dummy|fake|placeholder|redacted|todo|tbd|none|null|secret[-_]?value)\d*)$/i;

/**
 * The text of a `data` value: base64 decoded (what the API server stores), or undefined
 * when it is not valid base64.
 */
export function decodeBase64(value: string): string | undefined {
  const v = value.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0) return undefined;
  return Buffer.from(v, 'base64').toString('utf8');
}

/** A PEM block whose body is only an ellipsis or filler (`-----BEGIN … KEY-----\n...\n-----END …`). */
const PEM_PLACEHOLDER = /^-----BEGIN [A-Z ]+-----\s*(\.{3}|…|x+|<[^<>]*>)?\s*-----END [A-Z ]+-----$/;

/**
 * Keys of a Secret that hold its configuration, not its credential (`url`, `type`,
 * `username`, `insecure`, Argo CD's repository settings): a Secret whose other values are
 * placeholders commits nothing secret. Judged on the key's last word, as credential-looking
 * keys are.
 */
const CONFIGURATION_WORDS = new Set([
  'url',
  'uri',
  'endpoint',
  'host',
  'hostname',
  'server',
  'port',
  'type',
  'kind',
  'name',
  'project',
  'namespace',
  'region',
  'zone',
  'timezone',
  'insecure',
  'enabled',
  'disabled',
  'enable',
  'lfs',
  'oci',
  'id',
  'version',
  'mode',
  'username',
  'user',
  'email',
  'path',
  'proxy',
  'auth',
  'method',
  'identity',
  'database',
  'db',
  'schema',
]);

/** The words of a key, split on `_ - .` and camelCase, lower-cased. */
function keyWords(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[\s_.-]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

/** A Secret key that names configuration: its value is not a credential whatever it holds. */
export function isConfigurationKey(key: string): boolean {
  const words = keyWords(key);
  const last = words[words.length - 1] ?? '';
  return CONFIGURATION_WORDS.has(last) || /^(enable|use|force|skip)[a-z]/i.test(key);
}
