import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The check-dist step of GitHub's action template: the committed bundles (dist/) must be
 * exactly what the sources build, and git must track them.
 */

const ROOT = path.resolve(import.meta.dirname, '../..');
const FILES = [
  'nsl-lint.js',
  'action.js',
  'node_modules/sh-syntax/package.json',
  'node_modules/sh-syntax/LICENSE',
  'node_modules/sh-syntax/main.wasm',
  'node_modules/sh-syntax/vendors/wasm_exec.cjs',
];

describe('dist/', () => {
  it('is what `npm run build` makes from the sources (run it and commit dist/ when this fails)', () => {
    const fresh = fs.mkdtempSync(path.join(os.tmpdir(), 'nsl-check-dist-'));
    execFileSync(process.execPath, [path.join(ROOT, 'scripts/build.js'), '--out', fresh], { cwd: ROOT, stdio: 'pipe' });
    const built = fs.readdirSync(fresh, { recursive: true }).map(String);
    expect(built.filter((f) => fs.statSync(path.join(fresh, f)).isFile()).sort()).toEqual([...FILES].sort());
    const stale = FILES.filter((f) => {
      const committed = path.join(ROOT, 'dist', f);
      return !fs.existsSync(committed) || !fs.readFileSync(committed).equals(fs.readFileSync(path.join(fresh, f)));
    });
    expect(stale).toEqual([]);
  });

  it('is not ignored by git, while other build leftovers there are', () => {
    const check = (file: string): boolean => {
      try {
        execFileSync('git', ['check-ignore', '-q', file], { cwd: ROOT, stdio: 'pipe' });
        return true;
      } catch {
        return false;
      }
    };
    for (const f of FILES) expect(check(`dist/${f}`), f).toBe(false);
    expect(check('dist/leftover.js')).toBe(true);
  });
});
