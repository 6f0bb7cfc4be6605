import { main, type CliIO } from '../../src/cli/main.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the CLI in-process, as a terminal-less CI job would (no colour unless asked). */
export function runCli(argv: string[], options: { cwd: string; env?: Record<string, string>; stdin?: string; tty?: boolean }): CliRun {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    cwd: options.cwd,
    env: options.env ?? {},
    stdout: { write: (s: string) => (stdout += s), isTTY: options.tty ?? false },
    stderr: { write: (s: string) => (stderr += s), isTTY: false },
    readStdin: () => options.stdin ?? '',
  };
  const code = main(argv, io);
  return { code, stdout, stderr };
}
