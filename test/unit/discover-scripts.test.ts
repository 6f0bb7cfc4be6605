import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { discover } from '../../src/discover/discover.js';

describe('scripts under any name', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nsl-shebang-'));
  const write = (name: string, text: string): void => fs.writeFileSync(path.join(root, name), text);
  write('start.fw', '#!/bin/bash\niptables -P INPUT DROP\n');
  write('firewall.up', '#!/bin/sh\nnft add table inet f\n');
  write('notes.fw', 'iptables -P INPUT DROP\n');
  write('tool.py', '#!/bin/sh\niptables -P INPUT DROP\n');
  write('greet.fw', '#!/bin/sh\necho hello\n');
  const { files } = discover({ paths: ['.'], cwd: root, root, ignore: [], maxFileBytes: 1 << 20 });

  it('a `#!` shell script that calls a firewall command is read whatever its extension', () => {
    expect(files.map((f) => [f.path, f.kind])).toEqual([
      ['firewall.up', 'shell'],
      ['start.fw', 'shell'],
    ]);
  });
});
