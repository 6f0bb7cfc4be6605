import fs from 'node:fs';
import path from 'node:path';
import { extractShell, type ShellCommand } from '../../src/parse/shell-run.js';
import type { Exec } from './kernel-lab.js';

/**
 * The smallest interpreter that loads a firewall script into the kernel the way the script
 * would: the commands the shell extraction finds (program and argument words, variables,
 * loops and function arguments substituted), in the order the script runs them, each run
 * with its own argument vector inside the test's network namespace. Only `iptables`,
 * `ip6tables` and `nft` run (and their `-restore` forms when a here-document feeds them);
 * never a shell, never the script. nsl-lint's reading of what the commands mean plays no
 * part: the kernel tools parse the words themselves.
 */

export interface RunCommand {
  /** Line of the command in its file (for a function body, the body's line). */
  line: number;
  file: string;
  argv: string[];
  status: number;
  out: string;
}

export interface ScriptLoad {
  commands: RunCommand[];
  /** Commands the interpreter would not run, and why. */
  skipped: { line: number; why: string }[];
}

/** The firewall commands of a script, as the parser extracts them (for reading files it sources, `root` is the repository). */
export function scriptCommands(root: string, file: string, text: string): ShellCommand[] {
  const read = (rel: string): string | undefined => {
    const abs = path.resolve(root, rel);
    if (!abs.startsWith(path.resolve(root) + path.sep)) return undefined;
    try {
      return fs.readFileSync(abs, 'utf8');
    } catch {
      return undefined;
    }
  };
  return extractShell(file, text, read).commands;
}

/** Run the commands of a script through `exec` (which runs one argument vector in the namespace). */
export function runScript(
  root: string,
  commands: readonly ShellCommand[],
  exec: (argv: string[], input?: string, cwd?: string) => Exec,
): ScriptLoad {
  const out: ScriptLoad = { commands: [], skipped: [] };
  for (const cmd of commands) {
    const line = cmd.at.span.start.line;
    const args = cmd.args.map((a) => a.text);
    const cwd = path.join(root, path.dirname(cmd.at.file));
    let input: string | undefined;
    if (cmd.program === 'wg') continue;
    if (cmd.program === 'iptables-restore' || cmd.program === 'ip6tables-restore') {
      if (!cmd.stdin) {
        out.skipped.push({ line, why: `${cmd.program} without a here-document` });
        continue;
      }
      input = cmd.stdin.text;
    }
    if (cmd.program === 'nft') {
      const f = args.findIndex((a) => a === '-f' || a === '--file');
      const name = f >= 0 ? args[f + 1] : undefined;
      if (name === '-') {
        if (!cmd.stdin) {
          out.skipped.push({ line, why: 'nft -f - without a here-document' });
          continue;
        }
        input = cmd.stdin.text;
      } else if (name !== undefined) {
        // Files outside the repository are never read.
        const abs = path.resolve(cwd, name);
        if (path.isAbsolute(name) || !abs.startsWith(path.resolve(root) + path.sep)) {
          out.skipped.push({ line, why: `nft -f ${name} is outside the repository` });
          continue;
        }
      }
    }
    const argv = [cmd.program, ...args];
    const r = exec(argv, input, cwd);
    out.commands.push({ line, file: cmd.at.file, argv, status: r.status, out: r.out.trim() });
  }
  return out;
}
