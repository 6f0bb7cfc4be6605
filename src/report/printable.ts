/**
 * Text from the repository (file names, excerpts in parse errors) made safe for a
 * terminal: control characters, escape sequences and line breaks are shown as escapes
 * instead of acting on the screen.
 */
export function printable(text: string): string {
  // C0 controls, DEL, C1 controls, and the bidirectional overrides that reorder text.
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const code = c.charCodeAt(0);
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** A repository-relative path as an RFC 3986 URI reference: each segment percent-encoded. */
export function pathToUriReference(file: string): string {
  return file
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
}
