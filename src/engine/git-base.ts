import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../core/errors.js';

/**
 * The tree of a git revision, read without touching the user's working tree, index or
 * branches: `git archive` writes the revision's files into a private temporary folder,
 * which `withRevisionTree` removes afterwards.
 */

function git(cwd: string, args: string[]): { ok: boolean; out: string; err: string } {
  const run = spawnSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (run.error)
    return { ok: false, out: '', err: (run.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'git is not installed' : run.error.message };
  return { ok: run.status === 0, out: run.stdout.trim(), err: run.stderr.trim() };
}

/** The top folder of the git repository holding `cwd`; a usage error when there is none. */
export function gitTopLevel(cwd: string): string {
  const top = git(cwd, ['rev-parse', '--show-toplevel']);
  if (!top.ok)
    throw new UsageError(`--diff needs a git repository: ${top.err.includes('not installed') ? top.err : `${cwd} is not inside one`}`);
  return path.resolve(top.out);
}

/** The commit a revision names, or a usage error saying it does not exist. */
export function resolveRevision(top: string, ref: string): string {
  // A revision starting with `-` would be read as an option.
  const commit = ref.startsWith('-') ? undefined : git(top, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]);
  if (!commit?.ok || !/^[0-9a-f]{40,64}$/.test(commit.out)) throw new UsageError(`--diff: no commit "${ref}" in the repository at ${top}`);
  return commit.out;
}

/**
 * Run `use` on the files of `commit` (the folder stands for the repository top level),
 * then delete them, whatever `use` does.
 */
export function withRevisionTree<T>(top: string, commit: string, use: (tree: string) => T): T {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nsl-lint-base-'));
  try {
    const archive = path.join(tmp, 'base.tar');
    const tree = path.join(tmp, 'tree');
    fs.mkdirSync(tree);
    const written = git(top, ['archive', '--format=tar', `--output=${archive}`, commit]);
    if (!written.ok) throw new UsageError(`--diff: cannot read commit ${commit.slice(0, 12)}: ${written.err}`);
    const tar = spawnSync('tar', ['-xf', archive, '-C', tree], { encoding: 'utf8' });
    if (tar.error || tar.status !== 0)
      throw new UsageError(`--diff: cannot unpack commit ${commit.slice(0, 12)}: ${tar.error?.message ?? tar.stderr.trim()}`);
    // The repository marker, so the tree is its own root as the working tree is.
    fs.mkdirSync(path.join(tree, '.git'));
    return use(tree);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
