import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GOOD_FINDING, GOOD_MANIFEST, HAS_STRACE, cleanupRepo, makeRepo, openedOutside, runHostile, type HostileRun } from './support.js';

/**
 * One good manifest (with a known finding) beside one hostile file: nsl-lint must finish
 * within the bound and the heap cap, exit 0/1, report the good file's finding, write valid
 * SARIF, read nothing outside the repository and run nothing. Every input is made here, at
 * test time. Cases that need root (FIFOs in some places, other users) say so; in CI
 * (`CI=true`, run as root) they must run.
 */
const IS_ROOT = process.getuid?.() === 0;
if (!IS_ROOT && process.env['CI'] === 'true') throw new Error('the hostile-input suite must run as root in CI');
if (!IS_ROOT) console.log('hostile inputs: cases that need root (another user, strace of every open) skipped: not root');
if (!HAS_STRACE && process.env['CI'] === 'true') throw new Error('strace is missing: .ci/run installs it');

const created: string[] = [];
afterAll(() => created.forEach(cleanupRepo));

interface Case {
  name: string;
  files?: Record<string, string | Buffer>;
  /** Extra setup with the repository and the folder beside it (links, FIFOs, …). */
  setup?: (dir: string, outside: string) => void;
  args?: string[];
  check?: (run: HostileRun, dir: string) => void;
  rootOnly?: boolean;
}

const mkfifo = (p: string): void => {
  execFileSync('mkfifo', [p]);
};
const link = (target: string, at: string): void => {
  fs.mkdirSync(path.dirname(at), { recursive: true });
  fs.symlinkSync(target, at);
};
const SECRET =
  'apiVersion: v1\nkind: Secret\nmetadata: { name: stolen, namespace: shop }\nstringData:\n  password: s3cretpass-not-in-repo\n';
const SCRIPT = (body: string): string => `#!/bin/sh\niptables -P INPUT DROP\n${body}\n`;
const CANARY = '/tmp/nsl-lint-canary-must-not-exist';

const cases: Case[] = [
  {
    name: 'a kustomization that is a link to /dev/zero',
    files: { 'k8s/app2/deploy.yaml': 'kind: ConfigMap\napiVersion: v1\nmetadata: { name: x }\n' },
    setup: (dir) => link('/dev/zero', path.join(dir, 'k8s/app2/kustomization.yaml')),
  },
  {
    name: 'a sourced script that is a link to /dev/zero',
    files: { 'fw/fw.sh': SCRIPT('. ./lib.sh\niptables -A INPUT -i lo -j ACCEPT') },
    setup: (dir) => link('/dev/zero', path.join(dir, 'fw/lib.sh')),
  },
  {
    name: 'an nft include of /dev/zero through a link',
    files: { 'fw/main.nft': 'include "./zero.nft"\ntable inet f { chain input { type filter hook input priority 0; policy drop; } }\n' },
    setup: (dir) => link('/dev/zero', path.join(dir, 'fw/zero.nft')),
  },
  {
    name: 'a kustomization, a sourced script and an nft include that are FIFOs',
    files: {
      'k8s/app2/deploy.yaml': 'kind: ConfigMap\napiVersion: v1\nmetadata: { name: x }\n',
      'fw/fw.sh': SCRIPT('. ./lib.sh'),
      'fw/main.nft': 'include "./pipe.nft"\ntable inet f { chain input { type filter hook input priority 0; policy drop; } }\n',
    },
    setup: (dir) => {
      mkfifo(path.join(dir, 'k8s/app2/kustomization.yaml'));
      mkfifo(path.join(dir, 'fw/lib.sh'));
      mkfifo(path.join(dir, 'fw/pipe.nft'));
    },
  },
  {
    name: 'a FIFO named on the command line',
    setup: (dir) => mkfifo(path.join(dir, 'pipe.yaml')),
    args: ['k8s', 'pipe.yaml'],
    check: (run) => expect(run.stderr + JSON.stringify(run.sarif)).toContain('not a regular file (a FIFO)'),
  },
  {
    name: 'a link to a Secret outside the repository',
    setup: (dir, outside) => {
      fs.writeFileSync(path.join(outside, 'secret.yaml'), SECRET);
      link(path.join(outside, 'secret.yaml'), path.join(dir, 'k8s/secret.yaml'));
    },
    check: (run) => {
      expect(run.findings.filter((f) => f.includes('secrets-committed'))).toEqual([]);
      expect(JSON.stringify(run.sarif)).toContain('links to a file outside the repository');
    },
  },
  {
    name: 'links to /etc/passwd and /etc/shadow',
    setup: (dir) => {
      link('/etc/passwd', path.join(dir, 'k8s/passwd.yaml'));
      link('/etc/shadow', path.join(dir, 'fw/shadow.sh'));
    },
    check: (run) => expect((run.opened ?? []).filter((p) => p === '/etc/shadow' || p === '/etc/passwd')).toEqual([]),
  },
  {
    name: 'a sourced script and an nft include through a linked folder that points outside',
    files: {
      'fw/fw.sh': SCRIPT('. ./outdir/fw.sh'),
      'fw/main.nft': 'include "outdir/x.nft"\ntable inet f { chain input { type filter hook input priority 0; policy drop; } }\n',
    },
    setup: (dir, outside) => {
      fs.writeFileSync(path.join(outside, 'fw.sh'), 'iptables -A INPUT -p tcp --dport 22 -j ACCEPT\n');
      fs.writeFileSync(path.join(outside, 'x.nft'), 'table ip leaked { }\n');
      link(outside, path.join(dir, 'fw/outdir'));
    },
    check: (run) => expect(run.findings.filter((f) => f.includes('host-port-open-to-world'))).toEqual([]),
  },
  {
    name: 'an nft include loop',
    files: {
      'fw/a.nft': 'include "./b.nft"\ntable inet a { chain input { type filter hook input priority 0; policy accept; } }\n',
      'fw/b.nft': 'include "./a.nft"\n',
    },
    check: (run) => expect(run.findings.some((f) => f.startsWith('fw/') && f.endsWith('parse-error'))).toBe(true),
  },
  {
    name: 'a file name with %, #, ? and a space',
    files: { 'k8s/100%25 #frag ?q.yaml': GOODISH('odd') },
    check: (run) => {
      expect(JSON.stringify(run.sarif)).toContain('k8s/100%2525%20%23frag%20%3Fq.yaml');
      expect(run.findings).toContain('k8s/100%25 #frag ?q.yaml:4 netpol-default-deny-ingress-missing');
    },
  },
  {
    name: 'control characters and escape sequences in a file name and in a parse error',
    files: { 'k8s/evil\u001b[2J\u0007.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: "\u001b]0;pwned\u0007" \n' },
    // eslint-disable-next-line no-control-regex -- no raw control character may reach the terminal
    check: (run) => expect(run.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/),
  },
  {
    name: 'a UTF-16 manifest with a byte order mark',
    files: { 'k8s/utf16.yaml': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(GOODISH('utf16'), 'utf16le')]) },
    check: (run) => expect(run.findings).toContain('k8s/utf16.yaml:4 netpol-default-deny-ingress-missing'),
  },
  {
    name: 'a YAML alias bomb',
    files: {
      'k8s/bomb.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: bomb }\ndata:\n  a: &a ["x","x","x","x","x","x","x","x","x"]\n' +
        Array.from(
          { length: 9 },
          (_, i) =>
            `  ${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`,
        ).join('\n') +
        '\n',
    },
  },
  {
    name: 'YAML nested 100,000 deep',
    files: {
      'k8s/deep.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: deep }\ndata: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`,
    },
  },
  {
    name: 'a JSON array nested a million deep',
    files: { 'k8s/deep.json': `{"apiVersion":"v1","kind":"ConfigMap","x":${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}}` },
  },
  {
    name: 'binary content, invalid UTF-8 and NUL bytes in a manifest',
    files: { 'k8s/bin.yaml': Buffer.from([0x61, 0x70, 0x69, 0x00, 0xff, 0xfe, 0xc3, 0x28, 0x0a, 0x00, 0x00, 0x80]) },
  },
  {
    name: 'a binary file named like a script',
    files: { 'fw/x.sh': Buffer.concat([Buffer.from('#!/bin/sh\niptables '), Buffer.alloc(4096, 0xff)]) },
  },
  { name: 'CRLF, a UTF-8 BOM and tabs', files: { 'k8s/crlf.yaml': `\ufeff${GOODISH('crlf').replace(/\n/g, '\r\n')}\tkey:\tvalue\r\n` } },
  {
    name: 'duplicate keys',
    files: { 'k8s/dup.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: dup }\ndata:\n  a: 1\n  a: 2\n' },
  },
  {
    name: '100,000 documents in one file',
    files: {
      'k8s/many.yaml': Array.from(
        { length: 100_000 },
        (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c${i}, namespace: shop }\n`,
      ).join('---\n'),
    },
  },
  {
    name: 'a file larger than the size bound',
    files: {
      'k8s/huge.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: huge }\ndata:\n  x: "${'a'.repeat(21 * 1024 * 1024)}"\n`,
    },
    check: (run) => expect(JSON.stringify(run.sarif)).toContain('larger than 20 MiB'),
  },
  {
    name: 'a folder tree 200 levels deep and a link loop',
    setup: (dir) => {
      const deep = path.join(dir, ...Array.from({ length: 200 }, () => 'd'));
      fs.mkdirSync(deep, { recursive: true });
      fs.writeFileSync(path.join(deep, 'x.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: deep }\n');
      link('.', path.join(dir, 'loop'));
      link('b.yaml', path.join(dir, 'a.yaml'));
      link('a.yaml', path.join(dir, 'b.yaml'));
    },
  },
  {
    name: 'weird file names: a newline, a leading dash, unicode',
    files: { 'k8s/new\nline.yaml': GOODISH('nl'), 'k8s/-rf.yaml': GOODISH('dash'), 'k8s/ünï cödé ✓.yaml': GOODISH('uni') },
    check: (run) => expect(run.findings).toContain('k8s/ünï cödé ✓.yaml:4 netpol-default-deny-ingress-missing'),
  },
  {
    name: 'a 256 KB shell script',
    files: {
      'fw/big.sh': SCRIPT(
        Array.from(
          { length: 5000 },
          (_, i) => `iptables -A INPUT -s 10.250.${i % 250}.${i % 200} -p tcp --dport ${1000 + (i % 50000)} -j ACCEPT`,
        ).join('\n'),
      ),
    },
  },
  {
    name: 'a 10 MB shell script of iptables lines is read, not refused',
    files: {
      'fw/huge.sh': `#!/bin/sh\niptables -P INPUT ACCEPT\n${Array.from({ length: 160_000 }, (_, i) => `iptables -A INPUT -s 10.250.${i % 250}.${i % 200} -p udp --dport ${1000 + (i % 60000)} -j ACCEPT`).join('\n')}\n`,
    },
    check: (run) =>
      expect(JSON.stringify(run.sarif).includes('160000 firewall rules: more than the 50000 the exact packet analysis handles')).toBe(true),
  },
  {
    name: '20,000 nested braces in a script',
    files: { 'fw/nest.sh': SCRIPT(`${'{ '.repeat(20_000)}iptables -A INPUT -j DROP${' ; }'.repeat(20_000)}`) },
  },
  {
    name: 'a variable doubled 60 times',
    files: { 'fw/grow.sh': SCRIPT(`A=x\n${'A=$A$A\n'.repeat(60)}iptables -A INPUT -s "$A" -j ACCEPT`) },
  },
  {
    name: 'six nested loops over ten words',
    files: {
      'fw/loops.sh': SCRIPT(
        `${Array.from({ length: 6 }, (_, i) => `for v${i} in 0 1 2 3 4 5 6 7 8 9; do`).join('\n')}\niptables -A INPUT -p tcp --dport 1$v0$v1$v2 -j ACCEPT\n${'done\n'.repeat(6)}`,
      ),
    },
  },
  {
    name: 'a function that calls itself ten times per level',
    files: { 'fw/fork.sh': SCRIPT(`f() {\n  iptables -A INPUT -p tcp --dport 22 -j ACCEPT\n${'  f\n'.repeat(10)}}\nf`) },
  },
  {
    name: 'an nft set nested 10,000 deep',
    files: {
      'fw/deep.nft': `table inet f {\n  chain input {\n    type filter hook input priority 0; policy drop;\n    ip saddr ${'{ '.repeat(10_000)}10.250.0.1${' }'.repeat(10_000)} accept\n  }\n}\n`,
    },
  },
  {
    name: 'a script that would run commands if it were executed',
    files: {
      'fw/evil.sh': SCRIPT(
        `X=$(touch ${CANARY}-1)\nY=\`touch ${CANARY}-2\`\neval "touch ${CANARY}-3"\nexec touch ${CANARY}-4 &\niptables -A INPUT -s "$(touch ${CANARY}-5)" -j ACCEPT\n$(touch ${CANARY}-6)`,
      ),
    },
    check: () => {
      for (let i = 1; i <= 6; i++) expect(fs.existsSync(`${CANARY}-${i}`), `canary ${i} was created`).toBe(false);
    },
  },
  {
    name: 'an unreadable file, read as an unprivileged user',
    rootOnly: true,
    files: { 'k8s/locked.yaml': GOODISH('locked') },
    setup: (dir) => {
      fs.chmodSync(path.join(dir, 'k8s/locked.yaml'), 0o000);
      execFileSync('chmod', ['-R', 'a+rX', dir]);
      fs.chmodSync(path.dirname(dir), 0o777);
      fs.chmodSync(path.join(dir, 'k8s/locked.yaml'), 0o000);
    },
    check: (run) => expect(JSON.stringify(run.sarif)).toContain('could not read file'),
  },
];

/** Another open Deployment, alone in its namespace: its finding is on line 4 too. */
function GOODISH(name: string): string {
  return GOOD_MANIFEST.replace('name: web', `name: ${name}`).replace('namespace: shop', `namespace: ns-${name}`);
}

describe('hostile inputs beside a good manifest', () => {
  for (const c of cases) {
    const skip = c.rootOnly === true && !IS_ROOT;
    it.skipIf(skip).concurrent(c.name, { timeout: 120_000 }, async () => {
      const { dir, outside } = makeRepo(c.files);
      created.push(dir);
      c.setup?.(dir, outside);
      const asNobody = c.rootOnly === true;
      const run = await runHostile(dir, c.args ?? ['.'], {
        trace: HAS_STRACE && IS_ROOT && !asNobody,
        ...(asNobody ? { uid: 65534 } : {}),
      });
      expect(run.signal, `killed after ${run.ms} ms: a hang or the heap cap\n${run.stderr}`).toBeNull();
      expect([0, 1], run.stderr).toContain(run.code);
      expect(run.findings).toContain(GOOD_FINDING);
      expect(run.sarifErrors).toEqual([]);
      if (run.opened) expect(openedOutside(run, dir, outside)).toEqual([]);
      c.check?.(run, dir);
    });
  }
});

describe('requests that cannot be met: exit 2 with one line, never a hang', () => {
  const oneLine = (run: HostileRun): void => {
    expect(run.signal).toBeNull();
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr.trim().split('\n'), run.stderr).toHaveLength(1);
    expect(run.stderr).not.toContain('    at ');
  };
  const cliRun = async (args: string[], files: Record<string, string> = {}): Promise<HostileRun> => {
    const { dir } = makeRepo(files);
    created.push(dir);
    return runHostile(dir, args, { raw: true });
  };

  it.concurrent('-o under /proc', async () => {
    const run = await cliRun(['.', '-o', '/proc/nsl-lint/x/y.sarif']);
    oneLine(run);
    expect(run.stderr).toContain('cannot write the report to /proc/nsl-lint/x/y.sarif');
  });
  it.concurrent('-o naming a folder', async () => {
    const run = await cliRun(['.', '-o', 'k8s']);
    oneLine(run);
    expect(run.stderr).toContain('cannot write the report to k8s: it is a folder');
  });
  it.concurrent('-o to a full device', async () => {
    const run = await cliRun(['.', '-o', '/dev/full']);
    oneLine(run);
  });
  it.concurrent('-o below a file', async () => {
    const run = await cliRun(['.', '-o', 'k8s/app.yaml/report.sarif']);
    oneLine(run);
    expect(run.stderr).toContain('is not a folder');
  });
  it.concurrent('a 10 MB config', async () => {
    const run = await cliRun(['.'], { '.nsl-lint.yaml': `ignore:\n${'  - "x/"\n'.repeat(1_000_000)}` });
    oneLine(run);
    expect(run.stderr).toContain('.nsl-lint.yaml: cannot read config: skipped: larger than 1 MiB');
  });
  it.concurrent('a config that is a FIFO', async () => {
    const { dir } = makeRepo();
    created.push(dir);
    mkfifo(path.join(dir, '.nsl-lint.yaml'));
    const run = await runHostile(dir, ['.'], { raw: true });
    oneLine(run);
    expect(run.stderr).toContain('not a regular file (a FIFO)');
  });
  it.concurrent('an unknown flag', async () => {
    oneLine(await cliRun(['--frobnicate']));
  });
});
