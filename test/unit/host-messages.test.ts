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

describe('a needed packet dropped by a rule in another table', () => {
  it('the finding points at the rule that drops it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsl-mangle-'));
    fs.writeFileSync(
      path.join(dir, 'rules.v4'),
      [
        '*mangle',
        ':PREROUTING ACCEPT [0:0]',
        // An anti-spoofing rule that lost its `!`: it drops all loopback traffic on the way in.
        '-A PREROUTING -s 127.0.0.0/8 -i lo -j DROP',
        'COMMIT',
        '*filter',
        ':INPUT DROP [0:0]',
        '-A INPUT -i lo -j ACCEPT',
        '-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT',
        'COMMIT',
        '',
      ].join('\n'),
    );
    const { findings } = lint({ paths: ['.'], cwd: dir, root: dir, config: defaultConfig(), rules: RULES });
    const loopback = findings.filter((f) => f.ruleId === 'host-loopback-missing');
    expect(loopback.map((f) => [f.span.start.line, f.related.map((r) => `${r.span.start.line} ${r.message}`)])).toEqual([
      [6, ['3 this rule drops that packet']],
    ]);
  });
});

describe('a witness names every field the kernel needs to accept it', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsl-witness-'));
  fs.writeFileSync(
    path.join(dir, 'rules.v4'),
    [
      '*raw',
      ':PREROUTING ACCEPT [0:0]',
      // Only traffic to the node's own public address gets past prerouting.
      '-A PREROUTING -i eth0 ! -d 198.51.100.7 -j DROP',
      'COMMIT',
      '*filter',
      ':INPUT DROP [0:0]',
      '-A INPUT -i lo -j ACCEPT',
      '-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT',
      '-A INPUT -p tcp --dport 22 -j ACCEPT',
      // A rule for clients that connect from privileged source ports.
      '-A INPUT -p tcp --sport 1:1023 --dport 6443 -j ACCEPT',
      'COMMIT',
      '',
    ].join('\n'),
  );
  fs.writeFileSync(path.join(dir, 'rules.v6'), ['*filter', ':INPUT DROP [0:0]', 'COMMIT', ''].join('\n'));
  const { findings } = lint({ paths: ['.'], cwd: dir, root: dir, config: defaultConfig(), rules: RULES });
  const messages = findings.filter((f) => f.ruleId === 'host-port-open-to-world').map((f) => f.message);

  it('a destination that prerouting requires is named', () => {
    expect(messages[0]).toEqual(
      'Accepts tcp/22 (SSH) from any routable IPv4 address, e.g. tcp from 1.2.3.4 to 198.51.100.7 port 22 on eth0.',
    );
  });

  it('a source port the rule requires is named', () => {
    expect(messages[1]).toEqual(
      'Accepts tcp/6443 (Kubernetes API server) from any routable IPv4 address, e.g. tcp from 1.2.3.4 port 1 to 198.51.100.7 port 6443 on eth0.',
    );
  });
});
