import { describe, expect, it } from 'vitest';
import { parseShellScript } from '../../src/parse/shell.js';
import { checkShellSyntaxParts, withInitialMemory } from '../../src/parse/shell-syntax.js';

/**
 * sh-syntax (mvdan/sh in TinyGo WebAssembly) traps or corrupts its memory on inputs a hostile
 * or large script reaches; it is run on pieces cut between top-level statements. Checking
 * in pieces must give the verdict of checking whole, and a trap is "not checked", never an
 * exception or a silent "valid".
 */

const shape = (text: string): ReturnType<typeof parseShellScript> => parseShellScript(text, () => undefined);
const P = `echo ${'p'.repeat(300)}`;
const IPT = 'iptables -A INPUT -s 10.0.0.1/32 -p tcp --dport 22 -j ACCEPT\n';

describe('checking in pieces', () => {
  const valid = [
    `a &&\n  b ${P}\nc |\n d ${P}\n${P}\n`,
    `cat <<EOF; ${P}\nbody $x\n# not a comment\nEOF\n${P}\ncat <<-A <<B\n\tq\n\tA\nr\nB\n${P}\n`,
    `[[ -n $x &&\n -z $y ]] && ${P}\n${P}\n${P}\n`,
    `case $1 in\n a) ${P};;\n b|c) x; y;;\nesac\n${P}\n${P}\n`,
    `f() {\n ${P}\n}\nfunction g {\n ${P}\n}\ng\n${P}\n`,
    `A=(1\n 2\n 3)\n${P} "\${A[@]}"\n${P}\n${P}\n`,
    `[[ -n "${P}"\n ]] && ${P}\n[[ -n x ||\n -n "${P}" ]]\n${P}\n${P}\n`,
    `for ((i=0; i<3; i++)); do\n ${P} $i\ndone\n(( x = 1 + 2 ))\n${P} $((1+\n2))\n${P}\n`,
    `x=$(\n ${P}\n)\ny=\`echo\n z\`\n${P}\n${P} & ${P}\n`,
  ];
  it.each(valid.map((v, i) => [i, v]))('valid script %i: no error either way', (_i, text) => {
    const s = shape(text);
    expect(s.breaks.length).toBeGreaterThanOrEqual(3);
    expect(checkShellSyntaxParts(text)).toEqual({ unchecked: [] });
    expect(checkShellSyntaxParts(text, s, { pieceBytes: 1 })).toEqual({ unchecked: [] });
  });

  it.each([
    // [script, line and column of the first error] (errors nsl-lint's own parser lets through)
    [`${P}\n${P}\nif x; then\n y\nelse fi\n${P}\n`, 5, 1],
    [`${P}\n${P}\n${P} &&\n`, 3, 307],
    // `for x in a; do ` is 15 characters and P 305: the `|` is at 15 + 305 + 2 + 305 + 2.
    [`${P}\n${P}\nfor x in a; do ${P}; ${P} | ; done\n${P}\n`, 3, 629],
    [`${P}\n${P}\n${P}\n${P} $((1 + ))\n`, 4, 312],
  ])('an error in a later statement is where checking whole puts it', (text, line, column) => {
    const whole = checkShellSyntaxParts(text);
    const pieces = checkShellSyntaxParts(text, shape(text), { pieceBytes: 1 });
    expect(whole.error).toMatchObject({ line, column });
    expect(pieces).toEqual(whole);
  });

  it('finds an error at the end of a script of 610 KB, beyond the first pieces', () => {
    const text = `${IPT.repeat(10_000)}cat >\n`;
    const report = checkShellSyntaxParts(text, shape(text));
    expect(report).toEqual({ unchecked: [], error: { line: 10_001, column: 5, message: '`>` must be followed by a word' } });
  });
});

describe('what sh-syntax cannot parse', () => {
  it('4,100 comment lines trap it; blanked, they are checked', () => {
    const text = `iptables -P INPUT DROP\n${'#\n'.repeat(4100)}iptables -A INPUT -j ACCEPT\n`;
    expect(checkShellSyntaxParts(text).unchecked).toEqual([{ line: 1, endLine: 4102, reason: expect.stringMatching(/^sh-syntax failed/) }]);
    expect(checkShellSyntaxParts(text, shape(text))).toEqual({ unchecked: [] });
    const broken = `${text}cat >\n`;
    expect(checkShellSyntaxParts(broken, shape(broken)).error).toMatchObject({ line: 4103, column: 5 });
  });

  it('20,000 nested braces are "not checked", not an exception', () => {
    const text = `${'{ '.repeat(20_000)}a\n${'}\n'.repeat(20_000)}`;
    const report = checkShellSyntaxParts(text);
    expect(report.error).toBeUndefined();
    expect(report.unchecked).toEqual([{ line: 1, endLine: 20_001, reason: expect.stringMatching(/^sh-syntax failed/) }]);
  });

  it('a script larger than 256 KiB that the own parser cannot cut is not checked', () => {
    const text = `${IPT.repeat(5000)}`;
    expect(checkShellSyntaxParts(text)).toEqual({
      unchecked: [{ line: 1, endLine: 5000, reason: 'the script is larger than 256 KiB and its statements could not be told apart' }],
    });
  });
});

describe('withInitialMemory', () => {
  // (module (memory (export "m") 1 100))
  const tiny = (): Uint8Array<ArrayBuffer> =>
    Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 4, 1, 1, 1, 100, 7, 5, 1, 1, 0x6d, 2, 0]);
  const pages = (bytes: Uint8Array<ArrayBuffer>): number =>
    (new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports['m'] as WebAssembly.Memory).buffer.byteLength / 65536;

  it('raises the initial memory in place', () => {
    expect(pages(tiny())).toBe(1);
    expect(pages(withInitialMemory(tiny(), 64))).toBe(64);
  });

  it('refuses what does not fit', () => {
    expect(() => withInitialMemory(tiny(), 128)).toThrow('maximum below the new minimum');
    expect(() => withInitialMemory(Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0]), 2)).toThrow('no memory section');
  });
});
