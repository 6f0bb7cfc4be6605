/**
 * Values that are not credentials: empty, or a reference a tool substitutes later
 * (`${VAR}`, `$(VAR)`, `{{ … }}`), or SOPS ciphertext.
 */
export function isPlaceholder(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value !== 'string') return false;
  const v = value.trim();
  return v === '' || /^\$\{[^}]+\}$/.test(v) || /^\$\([\w.-]+\)$/.test(v) || /^\{\{.*\}\}$/s.test(v) || v.startsWith('ENC[');
}
