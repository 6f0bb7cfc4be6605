/** A mistake in how nsl-lint was called: exit code 2, a message, no stack trace. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A configuration file that cannot be used: exit code 2 with its file, line and key. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    message: string,
    readonly file: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
  }

  /** `file:line:col: message`, the form editors and terminals make clickable. */
  describe(): string {
    const where = this.line === undefined ? this.file : `${this.file}:${this.line}:${this.column ?? 1}`;
    return `${where}: ${this.message}`;
  }
}

/** The message of anything thrown (an Error's message, else its text). */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
