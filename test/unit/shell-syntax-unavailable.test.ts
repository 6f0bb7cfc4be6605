import { describe, expect, it, vi } from 'vitest';
import { defaultConfig } from '../../src/core/config.js';
import { loadModel } from '../../src/model/load.js';

/**
 * Without sh-syntax (its WebAssembly missing or unreadable), scripts are still read by
 * nsl-lint's own parser, and each says so in a notice: never a silent "valid".
 */
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const readFileSync = ((file: unknown, ...rest: unknown[]) => {
    if (String(file).endsWith('main.wasm')) throw new Error('main.wasm is missing');
    return (fs.readFileSync as (...a: unknown[]) => unknown)(file, ...rest);
  }) as typeof fs.readFileSync;
  return { ...fs, readFileSync, default: { ...fs, readFileSync } };
});

describe('sh-syntax unavailable', () => {
  it('scripts are analysed by the own parser, with a notice each', () => {
    const text = '#!/bin/sh\niptables -P INPUT DROP\niptables -A INPUT -i lo -j ACCEPT\n';
    const model = loadModel('/repo', [{ path: 'fw.sh', abs: '/repo/fw.sh', kind: 'shell', text }], defaultConfig());
    expect(model.parseErrors).toEqual([]);
    expect(model.host.rulesets.map((rs) => [rs.file, rs.tables.flatMap((t) => t.chains).reduce((n, c) => n + c.rules.length, 0)])).toEqual([
      ['fw.sh', 1],
    ]);
    expect(model.notices).toEqual([
      {
        level: 'note',
        file: 'fw.sh',
        line: 1,
        message:
          "syntax of lines 1-3 not checked: sh-syntax is unavailable: main.wasm is missing; read with nsl-lint's own parser, which does not report every syntax error",
      },
    ]);
  });
});
