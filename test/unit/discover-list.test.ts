import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { discover, walkedFiles } from '../../src/discover/discover.js';

/**
 * What discovery lists, in a tree with `.gitignore` files at several levels, skipped and
 * test-data folders, links and files that can never be inputs. The expected lists are
 * written out by hand from git's rules (a pattern applies below its own folder, an ignored
 * folder hides everything in it, `!` re-includes only where the folder is not ignored).
 */

const created: string[] = [];
afterAll(() => created.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

const M = 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\n';
const SCRIPT = '#!/bin/sh\niptables -P INPUT DROP\n';

function tree(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nsl-discover-list-'));
  created.push(root);
  const files: Record<string, string> = {
    '.gitignore': 'build/\n*.tmp.yaml\n/top-only.yaml\n',
    'app.yaml': M,
    'x.tmp.yaml': M,
    'top-only.yaml': M,
    'main.go': 'package main\n',
    'README.md': '# readme\n',
    firewall: SCRIPT,
    notes: 'just text\n',
    'build/out.yaml': M,
    'deploy/top-only.yaml': M,
    'deploy/.gitignore': 'secret*.yaml\n!secret-ok.yaml\nsub/\n',
    'deploy/secret-a.yaml': M,
    'deploy/secret-ok.yaml': M,
    'deploy/keep.json': '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "j"}}',
    'deploy/sub/hidden.yaml': M,
    'deploy/deeper/x.tmp.yaml': M,
    'deploy/deeper/ok.yml': M,
    'node_modules/pkg/m.yaml': M,
    '.git/config.yaml': M,
    'pkg/testdata/t.yaml': M,
    '.nsl-lint.yaml': 'rules: {}\n',
    'outside/target.yaml': M,
    'scripts/fw.sh': SCRIPT,
    'scripts/build.sh': '#!/bin/sh\necho hi\n',
  };
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), text);
  }
  fs.mkdirSync(path.join(root, '.git'), { recursive: true });
  // A link to a manifest is read; a linked folder is not followed.
  fs.symlinkSync(path.join(root, 'outside/target.yaml'), path.join(root, 'deploy/linked.yaml'));
  fs.symlinkSync(path.join(root, 'outside'), path.join(root, 'linked-dir'));
  return root;
}

const EXPECTED = [
  'app.yaml',
  'deploy/deeper/ok.yml',
  'deploy/keep.json',
  'deploy/linked.yaml',
  'deploy/secret-ok.yaml',
  'deploy/top-only.yaml',
  'firewall',
  'outside/target.yaml',
  'scripts/fw.sh',
];

describe('discovery', () => {
  const root = tree();

  it('lists the inputs git would track, in path order', () => {
    const { files } = discover({ paths: ['.'], cwd: root, root, ignore: [], maxFileBytes: 1 << 20 });
    expect(files.map((f) => f.path)).toEqual(EXPECTED);
    expect(files.map((f) => f.kind)).toEqual([
      'manifest',
      'manifest',
      'manifest',
      'manifest',
      'manifest',
      'manifest',
      'shell',
      'manifest',
      'shell',
    ]);
  });

  it('walks past the same files the benchmark compares with another listing', () => {
    const walked = walkedFiles(root, root).map((f) => path.relative(root, f).split(path.sep).join('/'));
    // Every file whose name may be an input, before any is read: names without an extension
    // (`notes`, `.gitignore`) are looked at for a `#!`, `build.sh` for firewall commands.
    expect(walked.sort()).toEqual([...EXPECTED, '.gitignore', 'deploy/.gitignore', 'notes', 'scripts/build.sh'].sort());
  });

  it("reads a manifest's text when asked, lets it go, and reads the file again after", () => {
    const { files } = discover({ paths: ['.'], cwd: root, root, ignore: [], maxFileBytes: 1 << 20 });
    const app = files.find((f) => f.path === 'app.yaml');
    expect(app?.text).toBe(M);
    fs.writeFileSync(path.join(root, 'app.yaml'), `${M}# changed\n`);
    // Kept until released.
    expect(app?.text).toBe(M);
    app?.release?.();
    expect(app?.text).toBe(`${M}# changed\n`);
    fs.writeFileSync(path.join(root, 'app.yaml'), M);
  });

  it('reports a manifest it will not read when it lists it, as it reports any other file', () => {
    const big = fs.mkdtempSync(path.join(os.tmpdir(), 'nsl-discover-big-'));
    created.push(big);
    fs.writeFileSync(path.join(big, 'big.yaml'), `${M}${'#'.repeat(2000)}\n`);
    fs.writeFileSync(path.join(big, 'big.sh'), `${SCRIPT}${'#'.repeat(2000)}\n`);
    fs.writeFileSync(path.join(big, 'small.yaml'), M);
    const { files, notices } = discover({ paths: ['.'], cwd: big, root: big, ignore: [], maxFileBytes: 1000 });
    expect(files.map((f) => f.path)).toEqual(['small.yaml']);
    expect(notices).toEqual([
      { level: 'warning', file: 'big.sh', message: 'skipped: larger than 1000 bytes' },
      { level: 'warning', file: 'big.yaml', message: 'skipped: larger than 1000 bytes' },
    ]);
  });

  it('reads files of very different sizes one after another, each whole', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsl-discover-sizes-'));
    created.push(dir);
    const texts: Record<string, string> = {
      'a.sh': `${SCRIPT}${'# a\n'.repeat(50000)}`,
      'b.sh': SCRIPT,
      'c.sh': `${SCRIPT}${'# c\n'.repeat(300)}`,
      'd.sh': `\ufeff${SCRIPT}`,
    };
    for (const [name, text] of Object.entries(texts)) fs.writeFileSync(path.join(dir, name), text);
    const { files } = discover({ paths: ['.'], cwd: dir, root: dir, ignore: [], maxFileBytes: 1 << 20 });
    expect(files.map((f) => [f.path, f.text])).toEqual([
      ['a.sh', texts['a.sh']],
      ['b.sh', SCRIPT],
      ['c.sh', texts['c.sh']],
      ['d.sh', SCRIPT],
    ]);
  });
});
