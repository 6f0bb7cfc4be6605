import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectivityRows } from '../../src/analysis/connectivity.js';
import { NetpolAnalysis } from '../../src/analysis/netpol.js';
import { connectivityReport, type ConnectivityFormat } from '../../src/report/connectivity.js';
import { denseCluster } from '../../bench/connectivity.js';
import { referenceConnectivity } from '../netpol/connectivity-reference.js';
import { modelOf } from '../netpol/support.js';
import { runCli } from '../support/cli.js';

/**
 * `nsl-lint connectivity` writes the map as it computes it (a map of thousands of
 * workloads has millions of lines). Written to standard output or to a file, in pieces of
 * about a megabyte, it must be byte for byte the report of the map computed pair by pair
 * (connectivity-reference.ts) and formatted whole. Its json is several pieces long.
 */

let dir: string;
let expected: (format: ConnectivityFormat) => string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsl-lint-conn-stream-'));
  fs.mkdirSync(path.join(dir, '.git'));
  const text = denseCluster(300);
  fs.writeFileSync(path.join(dir, 'cluster.yaml'), text);
  const rows = connectivityRows(referenceConnectivity(new NetpolAnalysis(modelOf(text))));
  expected = (format) => connectivityReport(rows, format);
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the connectivity map written in pieces', () => {
  it('to a file, in text and csv', () => {
    for (const format of ['text', 'csv'] as const) {
      const out = path.join(dir, 'out', `map.${format}`);
      const run = runCli(['connectivity', '.', '-f', format, '-o', out], { cwd: dir });
      expect(run.code).toBe(0);
      const written = fs.readFileSync(out, 'utf8');
      expect(written.split('\n').length).toBeGreaterThan(5000);
      expect(written).toBe(expected(format));
    }
  });

  it('to standard output, in json', () => {
    const run = runCli(['connectivity', '.', '-f', 'json'], { cwd: dir });
    expect(run.code).toBe(0);
    // Several megabytes: several pieces.
    expect(run.stdout.length).toBeGreaterThan(3 << 20);
    expect(run.stdout).toBe(expected('json'));
    expect(JSON.parse(run.stdout).connections.length).toBeGreaterThan(5000);
  });

  it('the graph formats, built whole', () => {
    const run = runCli(['connectivity', '.', '-f', 'dot'], { cwd: dir });
    expect(run.stdout).toBe(expected('dot'));
  });
});
