import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lint } from '../../src/engine/lint.js';
import { defaultConfig } from '../../src/core/config.js';
import { RULES } from '../../rules/index.js';

describe('an inet table is one ruleset for both families, and messages say so', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsl-inet-'));
  fs.writeFileSync(
    path.join(dir, 'host.nft'),
    [
      'table inet host {',
      '  chain input {',
      '    type filter hook input priority 0; policy drop;',
      '    iif lo accept',
      '    tcp dport 22 accept',
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  const { findings } = lint({ paths: ['.'], cwd: dir, root: dir, config: defaultConfig(), rules: RULES });
  const of = (id: string): string[] => findings.filter((f) => f.ruleId === id).map((f) => f.message);

  it('one open port over both families is one port, not "1 more"', () => {
    expect(of('host-port-open-to-world')).toEqual([
      'Accepts tcp/22 (SSH) from any routable IPv4 or IPv6 address, e.g. tcp from 1.2.3.4 to port 22 on eth0.',
    ]);
  });

  it('replies dropped for both families name both', () => {
    expect(of('host-established-missing')).toEqual([
      "nft chain inet host input drops by default and nothing accepts ESTABLISHED/RELATED traffic: replies to the host's own IPv4 and IPv6 connections are dropped.",
    ]);
  });
});
