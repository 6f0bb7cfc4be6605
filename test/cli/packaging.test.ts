import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/** What `npm pack` ships, and that it runs where nothing else is installed. */

const ROOT = path.resolve(import.meta.dirname, '../..');
const PKG = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  license: string;
  scripts: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies: Record<string, string>;
};

describe('package', () => {
  it('has no install-time build: no prepare or prepack script (pre-commit reads `npm pack` output as the file name)', () => {
    expect(PKG.scripts['prepare']).toBeUndefined();
    expect(PKG.scripts['prepack']).toBeUndefined();
    expect(PKG.scripts['postinstall']).toBeUndefined();
  });

  it('lists no runtime dependency that the bundle already holds', () => {
    const bundle = fs.readFileSync(path.join(ROOT, 'dist/nsl-lint.js'), 'utf8');
    for (const dep of Object.keys(PKG.dependencies ?? {})) {
      // esbuild names each bundled package's files in a comment: `// node_modules/<name>/...`.
      expect(bundle.includes(`// node_modules/${dep}/`), `${dep} is bundled, so it belongs in devDependencies`).toBe(false);
    }
    for (const dep of ['ajv', 'ignore', 'js-yaml', 'yaml']) expect(bundle, dep).toContain(`// node_modules/${dep}/`);
  });

  it('LICENSE is the Apache License 2.0 that package.json names', () => {
    expect(PKG.license).toBe('Apache-2.0');
    const text = fs.readFileSync(path.join(ROOT, 'LICENSE'), 'utf8');
    expect(text).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004\s+http:\/\/www\.apache\.org\/licenses\//);
    expect(text).toContain('END OF TERMS AND CONDITIONS');
    expect(text).toContain('APPENDIX: How to apply the Apache License to your work.');
  });

  it('packs the bundle, the WebAssembly beside it and the licence; installed offline with nothing else, it runs', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nsl-pack-'));
    const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: ROOT, encoding: 'utf8' })) as {
      filename: string;
      files: { path: string }[];
    }[];
    const files = packed[0]?.files.map((f) => f.path) ?? [];
    for (const f of [
      'LICENSE',
      'README.md',
      'package.json',
      'bin/nsl-lint.js',
      'dist/nsl-lint.js',
      'dist/node_modules/sh-syntax/main.wasm',
    ])
      expect(files, f).toContain(f);
    expect(files.filter((f) => f.startsWith('src/') || f.startsWith('test/'))).toEqual([]);

    const prefix = path.join(tmp, 'install');
    fs.mkdirSync(prefix);
    fs.writeFileSync(path.join(prefix, 'package.json'), '{"private": true}\n');
    const install = spawnSync('npm', ['install', '--offline', '--no-audit', '--no-fund', path.join(tmp, packed[0]?.filename ?? '')], {
      cwd: prefix,
      encoding: 'utf8',
    });
    expect(install.status, install.stderr).toBe(0);
    expect(install.stderr).not.toMatch(/prepare/);
    expect(fs.readdirSync(path.join(prefix, 'node_modules')).filter((d) => !d.startsWith('.'))).toEqual(['nsl-lint']);

    // Only mvdan/sh (sh-syntax's WebAssembly, beside the bundle) reports this script's error at line 3.
    const repo = path.join(tmp, 'repo');
    fs.mkdirSync(path.join(repo, '.git'), { recursive: true });
    fs.writeFileSync(path.join(repo, 'fw.sh'), '#!/bin/sh\niptables -P INPUT DROP\nif then fi (\n');
    const run = spawnSync(path.join(prefix, 'node_modules/.bin/nsl-lint'), ['fw.sh'], { cwd: repo, encoding: 'utf8' });
    expect(run.stdout).toMatch(/^fw\.sh:3:1\s+high\s+.*parse-error$/m);
    expect(run.stderr).not.toContain('sh-syntax is unavailable');
  }, 120_000);
});
