import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';

/**
 * The README's first screen shows what `nsl-lint examples/shop` and `nsl-lint connectivity
 * examples/shop` print. Those blocks are checked against real runs: same findings (file,
 * line, column, severity, rule; messages may be shortened with `…`), same exit code, and
 * the connectivity lines exactly.
 */
const ROOT = path.resolve(import.meta.dirname, '..');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** The body of the first fenced block after `marker`. */
function blockAfter(marker: string): string[] {
  const at = README.indexOf(marker);
  expect(at, `README no longer contains "${marker}"`).toBeGreaterThan(-1);
  const open = README.indexOf('```\n', at);
  const close = README.indexOf('\n```', open + 4);
  return README.slice(open + 4, close).split('\n');
}

const FINDING = /^(\S+:\d+:\d+)\s+(low|medium|high)\s+(.*?)\s+([a-z0-9-]+)$/;

describe('README', () => {
  it('shows what nsl-lint prints for the bundled example, and its exit code', () => {
    expect(README).toContain('npx nsl-lint examples/shop');
    const shown = blockAfter('nsl-lint exits 1 and prints').map((l) => FINDING.exec(l));
    const run = runCli(['examples/shop'], { cwd: ROOT });
    expect(run.code).toBe(1);
    const printed = run.stdout
      .split('\n')
      .map((l) => FINDING.exec(l))
      .filter((m) => m !== null);
    expect(shown.every((m) => m !== null)).toBe(true);
    expect(printed.map((m) => [m[1], m[2], m[4]])).toEqual(shown.map((m) => [m?.[1], m?.[2], m?.[4]]));
    printed.forEach((m, i) => {
      const prefix = (shown[i]?.[3] ?? '').replace(/\s*…$/, '');
      expect((m[3] ?? '').startsWith(prefix), `README message "${prefix}" is not how "${m[3]}" starts`).toBe(true);
    });
  });

  it('shows what the connectivity map prints', () => {
    expect(README).toContain('`npx nsl-lint connectivity examples/shop`');
    const shown = blockAfter('`npx nsl-lint connectivity examples/shop`');
    const run = runCli(['connectivity', 'examples/shop'], { cwd: ROOT });
    expect(run.stdout.trimEnd().split('\n')).toEqual(shown);
  });
});
