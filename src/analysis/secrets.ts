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
