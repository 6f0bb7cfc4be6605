import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULES } from '../../rules/index.js';
import { defaultConfig, type Config } from '../../src/core/config.js';
import { lint } from '../../src/engine/lint.js';
import { findRenderer } from '../../src/engine/render.js';
import { runCli } from '../support/cli.js';

/**
 * An overlay in a sibling folder of its base: the base puts a List of two Deployments and a
 * NetworkPolicy in namespace `system`; the overlay moves everything to `shop`, adds the name
 * prefix `shop-` and the label `team: shop` (pod templates and selectors too), patches
 * `hostNetwork: true` into `agent`, and adds a policy of its own.
 */
const TREE = path.join(import.meta.dirname, 'overlay-tree');
const renderer = findRenderer(process.env['PATH'] ?? '', TREE);
if (!renderer) console.log('render end-to-end tests skipped: neither kustomize nor kubectl is on PATH');

function run(config: Partial<Config>, render?: { searchPath: string }) {
  return lint({
    paths: [TREE],
    cwd: TREE,
    root: TREE,
    config: { ...defaultConfig(), ...config },
    rules: RULES,
    ...(render ? { render } : {}),
  });
}

describe.skipIf(!renderer)('render: kustomize, end to end', () => {
  const result = run({ render: 'kustomize' });

  it('reports the built objects at their lines in the base and overlay sources', () => {
    // Worked out from the sources:
    // - `shop-members` selects `team: shop`, which the overlay's commonLabels give both
    //   Deployments, and the overlay's patch makes `agent` host-network: reported at the
    //   policy's `metadata.name` (base/network-policy.yaml line 4);
    // - namespace `shop` (the overlay's, not the base's `system`) has a non-host-network
    //   workload (`api`) and no namespace-wide policy: reported at the first workload's
    //   `metadata.name` in path order, `api`, item 0 of the List (base/workloads.yaml line 7);
    // - the overlay's own `allow-api` has an empty ingress rule `- {}` (overlay/allow-api.yaml line 10).
    const found = result.findings.map((f) => [f.ruleId, f.file, f.span.start.line]);
    expect(found.sort()).toEqual([
      ['netpol-allow-all', 'overlay/allow-api.yaml', 10],
      ['netpol-default-deny-egress-missing', 'base/workloads.yaml', 7],
      ['netpol-default-deny-ingress-missing', 'base/workloads.yaml', 7],
      ['netpol-hostnetwork-selected', 'base/network-policy.yaml', 4],
    ]);
  });

  it('places the objects in the overlay’s namespace', () => {
    for (const f of result.findings.filter((f) => f.ruleId.startsWith('netpol-default-deny'))) expect(f.message).toContain('"shop"');
    expect([...result.model.namespaces.keys()]).not.toContain('system');
  });

  it('never points at a temporary file, and says nothing about the build', () => {
    const files = [...result.findings.map((f) => f.file), ...result.findings.flatMap((f) => f.related.map((r) => r.file))];
    for (const file of files) expect(fs.existsSync(path.join(TREE, file)), file).toBe(true);
    // The wrapper kustomization lives in a private temporary folder (`nsl-lint-render-…`).
    expect(JSON.stringify(result)).not.toContain('nsl-lint-render-');
    expect(result.notices).toEqual([]);
  });

  it('the CLI takes --render kustomize, and --render none turns a config’s render off', () => {
    const rendered = runCli(['--render', 'kustomize', '-f', 'json', TREE], { cwd: TREE });
    const ids = (JSON.parse(rendered.stdout) as { findings: { ruleId: string }[] }).findings.map((f) => f.ruleId);
    expect(ids).toContain('netpol-hostnetwork-selected');
    const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'nsl-render-cli-'));
    fs.cpSync(TREE, repo, { recursive: true });
    fs.writeFileSync(path.join(repo, '.nsl-lint.yaml'), 'render: kustomize\n');
    const fromConfig = runCli(['-f', 'json', '.'], { cwd: repo });
    expect(fromConfig.stdout).toContain('netpol-hostnetwork-selected');
    const forcedOff = runCli(['--render', 'none', '-f', 'json', '.'], { cwd: repo });
    expect(JSON.parse(forcedOff.stdout)).toHaveProperty('findings');
    // Natively, patches are not applied: nothing makes `agent` host-network.
    expect(forcedOff.stdout).not.toContain('netpol-hostnetwork-selected');
  });
});

describe('render: kustomize without a binary', () => {
  it('one notice, and the tree is read natively', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'nsl-empty-path-'));
    const native = run({});
    const result = run({ render: 'kustomize' }, { searchPath: empty });
    expect(result.notices).toEqual([
      {
        level: 'warning',
        message: 'render: kustomize asked, but neither kustomize nor kubectl is on PATH; reading kustomizations natively',
      },
    ]);
    expect(result.findings).toEqual(native.findings);
  });
});

describe('render settings', () => {
  it('--render takes none or kustomize', () => {
    const bad = runCli(['--render', 'helm', TREE], { cwd: TREE });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('nsl-lint: --render takes none or kustomize, not "helm"\n');
  });

  it('config `render` is validated, with its line', () => {
    const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'nsl-render-config-'));
    fs.writeFileSync(path.join(repo, '.nsl-lint.yaml'), 'failOn: low\nrender: true\n');
    const bad = runCli(['.'], { cwd: repo });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /^nsl-lint: config error: \.nsl-lint\.yaml:2:9: "render" must be equal to one of the allowed values: none, kustomize\n$/,
    );
  });

  it('--help documents --render', () => {
    const help = runCli(['--help'], { cwd: TREE }).stdout;
    expect(help).toContain('--render <mode>');
    expect(help).toContain('render:           none | kustomize');
  });
});
