import { describe, expect, it, vi } from 'vitest';
import { defaultConfig } from '../../src/core/config.js';
import { loadModel } from '../../src/model/load.js';

// Parsers that fail on a marker, standing in for a parser bug nobody has found yet.
vi.mock('../../src/parse/yaml.js', async (original) => {
  const real = await original<typeof import('../../src/parse/yaml.js')>();
  return {
    ...real,
    parseYamlStream: (text: string) => {
      if (text.includes('PARSER-BUG')) throw new Error('parser bug on purpose');
      return real.parseYamlStream(text);
    },
  };
});
vi.mock('../../src/parse/shell-run.js', async (original) => {
  const real = await original<typeof import('../../src/parse/shell-run.js')>();
  return {
    ...real,
    extractShell: (...args: Parameters<typeof real.extractShell>) => {
      if (args[1].includes('PARSER-BUG')) throw new Error('shell bug on purpose');
      return real.extractShell(...args);
    },
  };
});

const SECRET = 'apiVersion: v1\nkind: Secret\nmetadata: { name: db, namespace: shop }\nstringData:\n  password: hunter2hunter2\n';

describe('one file failing', () => {
  it('becomes an internal-error notice for that file; the other files are still read', () => {
    const model = loadModel(
      '/r',
      [
        { path: 'a.yaml', abs: '/r/a.yaml', kind: 'manifest', text: '# PARSER-BUG\napiVersion: v1\nkind: ConfigMap\n' },
        { path: 'b.sh', abs: '/r/b.sh', kind: 'shell', text: '#!/bin/sh\n# PARSER-BUG\niptables -P INPUT DROP\n' },
        { path: 'c.sh', abs: '/r/c.sh', kind: 'shell', text: '#!/bin/sh\niptables -P INPUT DROP\n' },
        { path: 'secret.yaml', abs: '/r/secret.yaml', kind: 'manifest', text: SECRET },
      ],
      defaultConfig(),
    );
    expect(model.resources.map((r) => r.name)).toEqual(['db']);
    expect(model.host.rulesets.map((r) => r.file)).toEqual(['c.sh']);
    expect(model.notices.map((n) => `${n.file} ${n.level} ${n.internal === true}`)).toEqual(['a.yaml error true', 'b.sh error true']);
    expect(model.notices.map((n) => n.message)).toEqual([
      'internal error while reading this file (parser bug on purpose); it was not checked',
      'internal error while reading this file (shell bug on purpose); it was not checked',
    ]);
  });
});
