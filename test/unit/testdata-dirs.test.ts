import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { defaultConfig } from '../../src/core/config.js';
import { ConfigError } from '../../src/core/errors.js';
import { discover, type DiscoverOptions } from '../../src/discover/discover.js';
import { GuardedReader } from '../../src/discover/read.js';
import { loadConfig } from '../../src/engine/config.js';
import { loadRepository } from '../../src/engine/lint.js';

/**
 * RULES.md, "How inputs are read": directories named `testdata`, `__fixtures__` or
 * `__snapshots__` hold inputs for some program's tests; they are skipped with one notice
 * per directory unless named on the command line or included by config.
 */

const MANIFEST = 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\n';
const created: string[] = [];
afterAll(() => created.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));
afterEach(() => vi.restoreAllMocks());

function tree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsl-testdata-'));
  created.push(dir);
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

const REPO = {
  'k8s/app.yaml': MANIFEST,
  'k8s/testdata.yaml': MANIFEST,
  'k8s/my-testdata/ok.yaml': MANIFEST,
  'k8s/TestData/ok.yaml': MANIFEST,
  'pkg/testdata/a.yaml': MANIFEST,
  'pkg/testdata/sub/b.yaml': MANIFEST,
  'pkg/testdata/sub/testdata/f.yaml': MANIFEST,
  'web/__fixtures__/c.yaml': MANIFEST,
  'web/__snapshots__/d.json': '{"apiVersion": "v1", "kind": "ConfigMap"}',
  'deep/x/y/testdata/e.yaml': MANIFEST,
};
const NOT_TEST_DATA = ['k8s/TestData/ok.yaml', 'k8s/app.yaml', 'k8s/my-testdata/ok.yaml', 'k8s/testdata.yaml'];

function run(root: string, options: Partial<DiscoverOptions> = {}): { files: string[]; notes: string[]; notices: unknown[] } {
  const { files, notices } = discover({ paths: ['.'], cwd: root, root, ignore: [], maxFileBytes: 1 << 20, ...options });
  const notes = notices.filter((n) => n.message.startsWith('skipped test data directory')).map((n) => n.file ?? '');
  return { files: files.map((f) => f.path), notes, notices };
}

describe('test-data directories', () => {
  const root = tree(REPO);

  it('are skipped at any depth with exactly one note each, naming the directory', () => {
    const { files, notes, notices } = run(root);
    expect(files).toEqual(NOT_TEST_DATA);
    expect(notes).toEqual(['deep/x/y/testdata', 'pkg/testdata', 'web/__fixtures__', 'web/__snapshots__']);
    expect(notices).toHaveLength(4);
    expect(notices[0]).toEqual({
      level: 'note',
      file: 'deep/x/y/testdata',
      message:
        "skipped test data directory (inputs for some program's tests); name it on the command line or list it in the config's `include` to check it",
    });
  });

  it('give one note per directory even when two paths reach it', () => {
    expect(run(root, { paths: ['.', 'pkg', 'pkg/'] }).notes).toEqual([
      'deep/x/y/testdata',
      'pkg/testdata',
      'web/__fixtures__',
      'web/__snapshots__',
    ]);
  });

  it('are not read at all, not even opened', () => {
    // Manifests are opened to check them (`check`) and read later; other files are read.
    const read = vi.spyOn(GuardedReader.prototype, 'read');
    const check = vi.spyOn(GuardedReader.prototype, 'check');
    run(root);
    const opened = [...read.mock.calls, ...check.mock.calls].map(([abs]) => path.relative(root, abs).split(path.sep).join('/'));
    expect(opened.filter((p) => /(^|\/)(testdata|__fixtures__|__snapshots__)\//.test(p))).toEqual([]);
    expect(opened).toContain('k8s/app.yaml');
  });

  it('are read when named on the command line, as is a folder or file inside one', () => {
    const named = run(root, { paths: ['pkg/testdata'] });
    expect(named.files).toEqual(['pkg/testdata/a.yaml', 'pkg/testdata/sub/b.yaml', 'pkg/testdata/sub/testdata/f.yaml']);
    expect(named.notes).toEqual([]);
    expect(run(root, { paths: ['pkg/testdata/sub/'] }).files).toEqual(['pkg/testdata/sub/b.yaml', 'pkg/testdata/sub/testdata/f.yaml']);
    // Only test data below a named folder that is not test data is skipped.
    expect(run(root, { paths: ['pkg'] })).toMatchObject({ files: [], notes: ['pkg/testdata'] });
    expect(run(root, { paths: ['web/__snapshots__/d.json'] })).toMatchObject({ files: ['web/__snapshots__/d.json'], notes: [] });
    const alongside = run(root, { paths: ['.', 'pkg/testdata/a.yaml'] });
    expect(alongside.files).toEqual([...NOT_TEST_DATA, 'pkg/testdata/a.yaml'].sort());
    expect(alongside.notes).toContain('pkg/testdata');
  });

  it('are read when the config includes them (gitignore syntax, relative to the root)', () => {
    const one = run(root, { include: ['pkg/testdata/'] });
    expect(one.files).toEqual(
      [...NOT_TEST_DATA, 'pkg/testdata/a.yaml', 'pkg/testdata/sub/b.yaml', 'pkg/testdata/sub/testdata/f.yaml'].sort(),
    );
    expect(one.notes).toEqual(['deep/x/y/testdata', 'web/__fixtures__', 'web/__snapshots__']);
    const all = run(root, { include: ['**/testdata/', '__fixtures__', '__snapshots__/'] });
    expect(all.files).toEqual(Object.keys(REPO).sort());
    expect(all.notes).toEqual([]);
  });

  it('keep their note when the config includes only a file inside them, and read that file', () => {
    const r = run(root, { include: ['pkg/testdata/sub/b.yaml'] });
    expect(r.files).toEqual([...NOT_TEST_DATA, 'pkg/testdata/sub/b.yaml'].sort());
    expect(r.notes).toEqual(['deep/x/y/testdata', 'pkg/testdata', 'web/__fixtures__', 'web/__snapshots__']);
  });

  it('that the config ignores are left out without a note', () => {
    expect(run(root, { ignore: ['**/testdata/'] }).notes).toEqual(['web/__fixtures__', 'web/__snapshots__']);
  });

  it('follow config `include` through a full run', () => {
    const config = { ...defaultConfig(), include: ['web/__fixtures__/'] };
    const { model } = loadRepository({ paths: ['.'], cwd: root, root, config });
    expect(model.files.map((f) => f.path)).toContain('web/__fixtures__/c.yaml');
    expect(model.files.map((f) => f.path)).not.toContain('pkg/testdata/a.yaml');
  });
});

describe('config `include`', () => {
  const load = (text: string): ReturnType<typeof loadConfig> => {
    const dir = tree({ '.nsl-lint.yaml': text });
    return loadConfig(path.join(dir, '.nsl-lint.yaml'), '.nsl-lint.yaml', new Set());
  };

  it('is a list of patterns, empty by default', () => {
    expect(defaultConfig().include).toEqual([]);
    expect(load('ignore: [vendor/]\n').include).toEqual([]);
    expect(load('include: ["tools/testdata/", "**/__fixtures__/"]\n').include).toEqual(['tools/testdata/', '**/__fixtures__/']);
  });

  it('is validated', () => {
    expect(() => load('include: tools/testdata/\n')).toThrow(ConfigError);
    expect(() => load('include: [1]\n')).toThrow(/"include.0" must be string/);
  });
});
