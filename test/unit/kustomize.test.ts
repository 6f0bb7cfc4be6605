import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { discover } from '../../src/discover/discover.js';
import { KustomizeGraph, applyContext } from '../../src/model/kustomize.js';

function tree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsl-kust-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

function graph(root: string): KustomizeGraph {
  const { files } = discover({ paths: ['.'], cwd: root, root, ignore: [], maxFileBytes: 1 << 20 });
  return new KustomizeGraph(root, files, [], 1 << 20);
}

const namespaces = (g: KustomizeGraph, file: string): (string | undefined)[] =>
  g
    .contexts(file)
    .map((c) => c.namespace)
    .sort();

describe('kustomization graph: namespaces', () => {
  const root = tree({
    'apps/kustomization.yaml': 'namespace: apps\nresources:\n  - web\n  - api.yaml\n',
    'apps/web/kustomization.yml': 'resources: [deploy.yaml]\n',
    'apps/web/deploy.yaml': '',
    'apps/web/unlisted.yaml': '',
    'apps/api.yaml': '',
    'apps/other.yaml': '',
    'team/Kustomization': 'namespace: team\nresources: [nested/]\n',
    'team/nested/svc.yaml': '',
    'remote/kustomization.yaml': 'namespace: remote\nresources: [github.com/example/repo//base, https://example.com/x.yaml, x.yaml]\n',
    'remote/x.yaml': '',
    // A base with a placeholder namespace, placed by two overlays in sibling directories.
    'platform/base/kustomization.yaml': 'namespace: system\nresources: [app.yaml]\npatches:\n  - path: tweak.yaml\n',
    'platform/base/app.yaml': '',
    'platform/base/tweak.yaml': '',
    'platform/overlays/prod/kustomization.yaml': 'namespace: prod\nresources: [../../base]\n',
    'platform/overlays/dev/kustomization.yaml': 'namespace: dev\nresources: [../../base]\n',
    'platform/overlays/keep/kustomization.yaml':
      'resources: [../../base]\npatchesStrategicMerge: [extra.yaml, "apiVersion: v1\\nkind: X\\n"]\n',
    'platform/overlays/keep/extra.yaml': '',
  });
  const g = graph(root);

  it('a file listed directly takes the namespace', () => expect(namespaces(g, 'apps/api.yaml')).toEqual(['apps']));
  it('a file listed through a folder with its own kustomization takes the outer namespace', () =>
    expect(namespaces(g, 'apps/web/deploy.yaml')).toEqual(['apps']));
  it('a file not listed by any kustomization has no build context', () => {
    expect(g.contexts('apps/web/unlisted.yaml')).toEqual([]);
    expect(g.contexts('apps/other.yaml')).toEqual([]);
  });
  it('a listed folder without a kustomization brings all its files; `Kustomization` is a valid name', () =>
    expect(namespaces(g, 'team/nested/svc.yaml')).toEqual(['team']));
  it('remote resources are not followed but mark the build as remote', () => {
    expect(g.contexts('remote/x.yaml')).toMatchObject([{ namespace: 'remote', remote: true }]);
    expect(g.contexts('apps/api.yaml')).toMatchObject([{ remote: false }]);
  });
  it('overlays in sibling directories override the base namespace, once per overlay; one without `namespace` keeps the base one', () =>
    expect(namespaces(g, 'platform/base/app.yaml')).toEqual(['dev', 'prod', 'system']));
  it('patch files are inputs, not resources; inline patches are not paths', () => {
    expect(g.isInput('platform/base/tweak.yaml')).toBe(true);
    expect(g.isInput('platform/overlays/keep/extra.yaml')).toBe(true);
    expect(g.isInput('platform/base/app.yaml')).toBe(false);
  });
  it('roots are the kustomizations no other one reaches', () =>
    expect(g.roots()).toEqual(['apps', 'platform/overlays/dev', 'platform/overlays/keep', 'platform/overlays/prod', 'remote', 'team']));
});

describe('kustomization graph: labels', () => {
  const root = tree({
    'base/kustomization.yaml': 'resources: [app.yaml]\ncommonLabels: {team: inner, keep: base}\n',
    'base/app.yaml': '',
    'overlay/kustomization.yaml':
      'resources: [../base]\ncommonLabels: {team: outer}\nlabels:\n  - pairs: {tier: web}\n    includeTemplates: true\n  - pairs: {owner: ops}\n  - pairs: {sel: s}\n    includeSelectors: true\n',
  });
  const g = graph(root);
  it('outer labels win over inner ones; each `labels` entry lands where its flags say', () => {
    expect(g.contexts('base/app.yaml')).toEqual([
      {
        namespace: undefined,
        selectorLabels: { team: 'outer', keep: 'base', sel: 's' },
        templateLabels: { tier: 'web' },
        metadataLabels: { owner: 'ops' },
        remote: false,
        deletes: [],
        namespaces: [],
        renames: [],
      },
    ]);
  });
});

describe('applyContext (expectations from `kubectl kustomize` output, written out by hand)', () => {
  const context = {
    namespace: 'prod',
    selectorLabels: { team: 'a' },
    templateLabels: { tier: 't' },
    metadataLabels: { only: 'meta' },
    remote: false,
    deletes: [],
    namespaces: ['prod'],
    renames: [],
  };
  it('a Deployment gets labels on metadata, selector and template, and the namespace', () => {
    const out = applyContext(
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: 'foo' },
        spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } } } },
      },
      'apps',
      true,
      context,
    );
    expect(out).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'prod', labels: { only: 'meta', tier: 't', team: 'a' } },
      spec: {
        selector: { matchLabels: { app: 'web', team: 'a' } },
        template: { metadata: { labels: { app: 'web', team: 'a', tier: 't' } } },
      },
    });
  });
  it('a NetworkPolicy: selectors with matchLabels get the common labels, an empty selector stays empty', () => {
    const policy = (podSelector: object): Record<string, unknown> => ({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'np' },
      spec: { podSelector, ingress: [{ from: [{ podSelector: { matchLabels: { x: 'y' } } }, { namespaceSelector: {} }] }] },
    });
    expect(applyContext(policy({}), 'networking.k8s.io', true, context)['spec']).toEqual({
      podSelector: {},
      ingress: [{ from: [{ podSelector: { matchLabels: { x: 'y', team: 'a' } } }, { namespaceSelector: {} }] }],
    });
    expect(
      (applyContext(policy({ matchLabels: { app: 'web' } }), 'networking.k8s.io', true, context)['spec'] as Record<string, unknown>)[
        'podSelector'
      ],
    ).toEqual({
      matchLabels: { app: 'web', team: 'a' },
    });
  });
  it('a Namespace object takes the kustomization namespace as its name', () => {
    const out = applyContext({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'system' } }, '', false, {
      ...context,
      selectorLabels: {},
      templateLabels: {},
      metadataLabels: {},
    });
    expect(out).toEqual({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod' } });
  });
  it('the input object is not changed', () => {
    const input = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { selector: { app: 'x' } } };
    const copy = structuredClone(input);
    applyContext(input, '', true, context);
    expect(input).toEqual(copy);
  });
});

describe('a folder named like a kustomization file', () => {
  const root = tree({ 'app/Kustomization/readme.txt': 'not a kustomization', 'app/web.yaml': '' });
  it('is not read as one, and says nothing', () => {
    const notices: { message: string }[] = [];
    const { files } = discover({ paths: ['.'], cwd: root, root, ignore: [], maxFileBytes: 1 << 20 });
    const g = new KustomizeGraph(root, files, notices as never, 1 << 20);
    expect(g.contexts('app/web.yaml')).toEqual([]);
    expect(g.isUnlisted('app/web.yaml')).toBe(false);
    expect(notices).toEqual([]);
  });
});
