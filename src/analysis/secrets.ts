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
    SECRET_STORE_REFERENCE.test(v) ||
    PEM_PLACEHOLDER.test(v) ||
    /^(\/|~\/|\.\.?\/)[\w./-]*$/.test(v) ||
    OBVIOUS_PLACEHOLDER.test(v)
  );
}

/**
 * A pointer into a secret store that a tool resolves at deploy or run time: bank-vaults
 * (`vault:secret/data/db#password`), vals (`ref+vault://…`, `ref+awssecrets://…`), a
 * `secretKeyRef`/`secretRef` naming a Kubernetes Secret, cloud secret-manager names.
 */
const SECRET_STORE_REFERENCE =
  /^(vault:|ref\+[a-z0-9]+:\/\/|(secretKeyRef|secretRef|secret)[:/]|(azure)?keyvault:|arn:aws:(secretsmanager|ssm):|projects\/[^/\s]+\/secrets\/|@Microsoft\.KeyVault\()\S*$/i;

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

const SWITCH_WORDS = new Set(['enable', 'enabled', 'disable', 'disabled', 'use', 'force', 'skip', 'require', 'allow']);

/** Last words that make a ConfigMap key name a credential. */
const CREDENTIAL_WORDS = new Set(['password', 'passwd', 'secret', 'token', 'credentials']);

/**
 * A key that names a credential: its last word is `password`, `passwd`, `secret`, `token` or
 * `credentials`, or it ends in `api_key`/`apikey`/`private_key` (`STRIPE_API_KEY`,
 * `db.password`, `redisPassword`). Settings about a credential (`PASSWORD_MIN_LENGTH`,
 * `TOKEN_ENDPOINT`, `secret_name`, `DB_PASSWORD_FILE`) end in another word.
 */
export function isCredentialKey(key: string): boolean {
  const words = keyWords(key);
  const last = words[words.length - 1] ?? '';
  const lastTwo = words.slice(-2).join('_');
  // `use_token`, `enableSecret`: a switch about a credential.
  if (words.length > 1 && SWITCH_WORDS.has(words[0] ?? '')) return false;
  return CREDENTIAL_WORDS.has(last) || last === 'apikey' || lastTwo === 'api_key' || last === 'privatekey' || lastTwo === 'private_key';
}

/**
 * For a value that is a JSON document (an embedded settings file under a credential-like key,
 * such as KServe's `credentials`), whether a credential is written inside it: a credential-like
 * key holding a real string, at any depth. Undefined when the value is not a JSON object or list.
 */
export function jsonHoldsCredential(value: string): boolean | undefined {
  const text = value.trim();
  if (!text.startsWith('{') && !text.startsWith('[')) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  const holds = (v: unknown, key: string | undefined): boolean => {
    if (Array.isArray(v)) return v.some((item) => holds(item, key));
    if (typeof v === 'object' && v !== null) return Object.entries(v).some(([k, child]) => holds(child, k));
    return typeof v === 'string' && key !== undefined && isCredentialKey(key) && v.trim() !== '' && !isPlaceholder(v) && !isFlagValue(v);
  };
  return typeof doc === 'object' && doc !== null ? holds(doc, undefined) : undefined;
}

/** Switches and flags: a credential is never one of these words. */
export function isFlagValue(value: string): boolean {
  return /^(true|false|yes|no|on|off|enabled?|disabled?)$/i.test(value.trim());
}

/** A PEM private key block (RSA, EC, OpenSSH, PKCS#8, encrypted) with a real body. */
export function holdsPrivateKey(value: string): boolean {
  for (const m of value.matchAll(/-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----([\s\S]*?)-----END \1PRIVATE KEY-----/g)) {
    if (!PEM_PLACEHOLDER.test(m[0])) return true;
  }
  return false;
}

/**
 * The password of a URL with credentials (`postgres://user:pw@host/db`, `redis://:pw@host`),
 * anywhere in the value; undefined when there is none or it is a placeholder or reference.
 */
export function urlPassword(value: string): string | undefined {
  for (const m of value.matchAll(/\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:([^\s/@]+)@[^\s/@]/gi)) {
    const password = m[1] ?? '';
    // `${DB_PASS}`, `$(DB_PASS)`, `%s`, `{{ .pass }}`: filled in by a tool, not written here.
    if (isPlaceholder(password) || /^[$%]|\{\{/.test(password)) continue;
    return password;
  }
  return undefined;
}
