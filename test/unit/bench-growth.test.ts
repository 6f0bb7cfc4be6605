import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeCorpus } from '../../bench/corpus.js';
import { RULES } from '../../rules/index.js';
import { defaultConfig } from '../../src/core/config.js';
import { lint } from '../../src/engine/lint.js';

/**
 * The benchmark's growth check, small enough for CI: linting four times the corpus may take
 * at most about four times as long. Only the ratio is judged, never an absolute time, so a
 * slow or busy machine does not fail it; a cost that grows with the square of the input does.
 */
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nsl-lint-growth-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function lintCpuMs(dir: string): number {
  const config = defaultConfig();
  let best = Infinity;
  for (let run = 0; run < 2; run++) {
    const before = process.cpuUsage();
    const result = lint({ paths: [dir], cwd: dir, root: dir, config, rules: RULES });
    const used = process.cpuUsage(before);
    expect(result.findings.length).toBeGreaterThan(0);
    best = Math.min(best, (used.user + used.system) / 1000);
  }
  return best;
}

describe('benchmark growth (CI size)', () => {
  it('lints 4x the synthetic corpus in at most 4.8x the CPU time', () => {
    const small = path.join(work, 'small');
    const large = path.join(work, 'large');
    writeCorpus(small, 512 * 1024);
    writeCorpus(large, 4 * 512 * 1024);
    lintCpuMs(small); // warm up the compiled code
    const ratio = lintCpuMs(large) / lintCpuMs(small);
    expect(ratio).toBeLessThanOrEqual(4 * 1.2);
  });
});
