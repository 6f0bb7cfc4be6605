import { describe, expect, it } from 'vitest';
import { MAX_COMMAND_WORDS, ShellParseError, parseShell, parseShellScript, type ShNode } from '../../src/parse/shell.js';
import { extractShell } from '../../src/parse/shell-run.js';

/**
 * Bounds of the shell parser and interpreter on hostile scripts (generated here): too deep
 * is a ShellParseError at the offending spot, never a JavaScript stack overflow; expansion
 * stops at its budget with an `unresolved` entry where it stopped, keeping what came before.
 */

function parseError(src: string): ShellParseError {
  try {
    parseShell(src);
  } catch (e) {
    if (e instanceof ShellParseError) return e;
    throw e;
  }
  throw new Error('the script parsed');
}

const noFiles = (): undefined => undefined;

describe('nesting in the parser', () => {
  it.each([
    // [what, script, offset of the command 501 levels deep]
    ['braces', `${'{ '.repeat(20_000)}a\n${'}\n'.repeat(20_000)}`, 1000],
    ['subshells', `${'('.repeat(20_000)}a${')'.repeat(20_000)}\n`, 500],
    // The condition of the 500th `if` (line 14 * 499 + 3) is the 501st level.
    ['if', `${'if true; then\n'.repeat(20_000)}a\n${'fi\n'.repeat(20_000)}`, 6989],
    ['while', `${'while a; do\n'.repeat(20_000)}a\n${'done\n'.repeat(20_000)}`, 5994],
    ['negations', `${'! '.repeat(100_000)}a\n`, 1000],
    ['function definitions', `${'function f '.repeat(20_000)}{ a; }\n`, 5500],
  ])('20,000 nested %s are a parse error at the 501st level', (_what, src, offset) => {
    const e = parseError(src);
    expect(e.message).toBe('commands nested deeper than 500 levels');
    expect(e.offset).toBe(offset);
  });

  it('reads 400 nested braces', () => {
    const nodes = parseShell(`${'{ '.repeat(400)}iptables -A INPUT -j DROP\n${'}\n'.repeat(400)}`);
    let depth = 0;
    for (let n: ShNode | undefined = nodes[0]; n?.type === 'group'; n = n.body[0]) depth++;
    expect(depth).toBe(400);
  });

  it('bounds parameter expansions inside parameter expansions', () => {
    const e = parseError(`x=${'${a:-'.repeat(40)}y${'}'.repeat(40)}\n`);
    expect(e.message).toBe('parameter expansions nested deeper than 32 levels');
    // `x=` then 32 times `${a:-`: the 33rd starts at 2 + 5 * 32.
    expect(e.offset).toBe(162);
  });

  it('bounds arrays inside arrays', () => {
    const e = parseError(`A=(${'B=('.repeat(20_000)}${')'.repeat(20_001)}\n`);
    expect(e.message).toBe('arrays nested deeper than 32 levels');
    expect(e.offset).toBe(96);
  });

  it('stops on a metacharacter inside an array instead of looping', () => {
    const e = parseError('A=(a ; b)\n');
    expect(e.message).toBe('unexpected character in array');
    expect(e.offset).toBe(5);
  });
});

describe('statement breaks', () => {
  const pad = `echo ${'p'.repeat(300)}`;

  it('are where a top-level statement starts on its own', () => {
    const src = `${pad} &&\n${pad}\n${pad} |\n${pad}\n${pad}; ${pad}\n`;
    const { breaks } = parseShellScript(src);
    // The pad is 305 characters. Not on lines 2 and 4 (after `&&` and `|` the statement goes
    // on); on line 3 (309 + 306), line 5 (615 + 308 + 306) and after `; ` on line 5.
    expect(breaks.map((b) => b.offset)).toEqual([0, 615, 1229, 1536]);
  });

  it('wait for a here-document announced on the line', () => {
    const src = `cat <<EOF; ${pad}\nbody\nEOF\n${pad}\n`;
    const { breaks } = parseShellScript(src);
    expect(breaks.map((b) => b.offset)).toEqual([0, src.indexOf('EOF\n') + 4]);
  });

  it('count tokens and commands before them', () => {
    const src = `${pad}\n${pad}\n`;
    const { breaks, tokens, statements } = parseShellScript(src);
    expect(breaks).toEqual([
      { offset: 0, tokens: 0, statements: 0 },
      { offset: pad.length + 1, tokens: 3, statements: 1 },
    ]);
    expect({ tokens, statements }).toEqual({ tokens: 7, statements: 2 });
  });

  it('hand statements over once their here-documents are read', () => {
    const seen: ShNode[] = [];
    const { nodes } = parseShellScript('cat <<EOF | while read x; do a; done\nbody\nEOF\nb\n', (n) => seen.push(n));
    expect(nodes).toEqual([]);
    const first = seen[0];
    expect(first?.type === 'simple' && first.redirs[0]?.heredoc?.text).toBe('body\n');
    expect(seen.map((n) => n.type)).toEqual(['simple', 'loop', 'simple']);
  });
});

describe('expansion budgets', () => {
  it('stops doubling a variable at 16 MiB, at the assignment that passes it', () => {
    const src = `iptables -P INPUT DROP\nA=x\n${'A=$A$A\n'.repeat(60)}iptables -A INPUT -s "$A" -j ACCEPT\n`;
    const out = extractShell('fw.sh', src, noFiles);
    expect(out.commands.map((c) => c.text)).toEqual(['iptables -P INPUT DROP']);
    // Doubling k (line 2 + k) expands 2^k characters; the sum passes 16 MiB at k = 24.
    expect(out.unresolved).toEqual([
      {
        at: { file: 'fw.sh', span: { start: { line: 26, column: 3 }, end: { line: 26, column: 7 } } },
        message: 'expansion budget exceeded (16 MiB of expanded text): the rest of the script was not analysed',
      },
    ]);
  });

  it('stops six nested loops over ten words at 100,000 commands', () => {
    const loops = Array.from({ length: 6 }, (_, i) => `for v${i} in 0 1 2 3 4 5 6 7 8 9; do\n`).join('');
    const src = `iptables -P INPUT DROP\n${loops}echo "$v0$v5"\n${'done\n'.repeat(6)}iptables -A INPUT -j ACCEPT\n`;
    const started = Date.now();
    const out = extractShell('fw.sh', src, noFiles);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(out.commands.map((c) => c.text)).toEqual(['iptables -P INPUT DROP']);
    // 100,000 + the 8 commands written; after the first 9 of the 10 third-level loops
    // (100,001 commands) a few more run and an `echo` passes the budget.
    expect(out.unresolved).toEqual([
      {
        at: { file: 'fw.sh', span: { start: { line: 8, column: 1 }, end: { line: 8, column: 14 } } },
        message: 'expansion budget exceeded (100,000 commands): the rest of the script was not analysed',
      },
    ]);
  });

  it('stops a function that calls itself ten times', () => {
    const src = `iptables -P INPUT DROP\nf() {\n  echo x\n${'  f\n'.repeat(10)}}\nf\niptables -A INPUT -j ACCEPT\n`;
    const out = extractShell('fw.sh', src, noFiles);
    expect(out.commands.map((c) => c.text)).toEqual(['iptables -P INPUT DROP']);
    expect(out.unresolved.map((u) => [u.at.span.start.line, u.message])).toEqual([
      [4, 'function calls and sourced files nested deeper than 16 levels: this call of f was not followed'],
      [5, 'function calls and sourced files nested deeper than 16 levels: this call of f was not followed'],
      [6, 'function calls and sourced files nested deeper than 16 levels: this call of f was not followed'],
      [7, 'function calls and sourced files nested deeper than 16 levels: this call of f was not followed'],
      [8, 'function calls and sourced files nested deeper than 16 levels: this call of f was not followed'],
      [9, 'function calls and sourced files nested deeper than 16 levels: this call of f was not followed'],
      [10, 'function calls and sourced files nested deeper than 16 levels: this call of f was not followed'],
      [11, 'function calls and sourced files nested deeper than 16 levels: this call of f was not followed'],
      [12, 'function calls and sourced files nested deeper than 16 levels: this call of f was not followed'],
      [13, 'function calls and sourced files nested deeper than 16 levels: this call of f was not followed'],
      // 100,012 commands are left when `f` is first called; a body 16 calls deep costs 12, one
      // 15 deep 132, ... 12 deep 133,332: the budget runs out inside the 8th call 12 deep, on
      // the second refused call (line 5) of a body 16 deep.
      [5, 'expansion budget exceeded (100,000 commands): the rest of the script was not analysed'],
    ]);
  });

  it('follows a wrapper function that calls the real command through `command`', () => {
    const src = 'iptables() {\n  command iptables -w "$@"\n}\niptables -A INPUT -j DROP\n';
    const out = extractShell('fw.sh', src, noFiles);
    expect(out.unresolved).toEqual([]);
    expect(out.commands.map((c) => [c.text, c.at.span.start.line, c.via?.span.start.line])).toEqual([
      ['iptables -w -A INPUT -j DROP', 2, 4],
    ]);
  });

  it('reads a file sourced a million times once, within the budget', () => {
    const loops = Array.from({ length: 6 }, (_, i) => `for v${i} in 0 1 2 3 4 5 6 7 8 9; do\n`).join('');
    const reads: string[] = [];
    const read = (rel: string): string | undefined => {
      reads.push(rel);
      return rel === 'lib.sh' ? 'iptables -A INPUT -s 10.0.0.1 -j DROP\n' : undefined;
    };
    const out = extractShell('fw.sh', `${loops}. ./lib.sh\n${'done\n'.repeat(6)}`, read);
    expect(reads).toEqual(['lib.sh']);
    expect(out.sourced).toEqual(['lib.sh']);
    expect(out.unresolved.map((u) => u.message)).toEqual([
      'expansion budget exceeded (100,000 commands): the rest of the script was not analysed',
    ]);
    // Each source costs 2 (the `.` and the command in lib.sh) of the 100,008: a third-level
    // loop costs 21,111 (10,000 sources), a fourth 2,111, a fifth 211, a sixth 21; the budget
    // runs out in the 8th sixth-level loop of the 4th fifth-level loop of the 8th fourth-level
    // loop of the 5th third-level loop, on the command of lib.sh.
    expect(out.commands).toHaveLength(4 * 10_000 + 7 * 1000 + 3 * 100 + 7 * 10);
  });

  it('stops a chain of sourced files 16 deep', () => {
    const read = (rel: string): string | undefined => {
      const m = /^lib(\d+)\.sh$/.exec(rel);
      return m ? `iptables -A INPUT -s 10.0.0.${m[1]} -j DROP\n. ./lib${Number(m[1]) + 1}.sh\n` : undefined;
    };
    const out = extractShell('fw.sh', '. ./lib0.sh\n', read);
    expect(out.commands).toHaveLength(16);
    expect(out.unresolved.map((u) => [u.at.file, u.message])).toEqual([
      ['lib15.sh', 'function calls and sourced files nested deeper than 16 levels: lib16.sh was not sourced here'],
    ]);
  });

  it('leaves out a command of more than 100,000 words, and an array or loop list that long is unknown', () => {
    const many = 'a '.repeat(MAX_COMMAND_WORDS + 10);
    const src = `echo ${many}\nL=(${many})\nfor x in ${many}; do iptables -A INPUT -s "$x" -j DROP; done\niptables -A INPUT -s "$L" -j DROP\n`;
    const out = extractShell('fw.sh', src, noFiles);
    expect(out.commands).toEqual([]);
    expect(out.unresolved.map((u) => [u.at.span.start.line, u.message])).toEqual([
      [1, 'a command of more than 100,000 words was left out'],
      [3, '$x has no static value; the command cannot be checked'],
      [4, '$L has no static value; the command cannot be checked'],
    ]);
  });

  it('strips 90,000 wrapper options in linear time', () => {
    const started = Date.now();
    const out = extractShell('fw.sh', `sudo ${'-n '.repeat(90_000)}iptables -A INPUT -j DROP\n`, noFiles);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(out.commands.map((c) => c.text)).toEqual(['iptables -A INPUT -j DROP']);
  });
});
