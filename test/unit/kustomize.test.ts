import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KustomizationIndex } from '../../src/model/kustomize.js';

function tree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsl-kust-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

describe('namespace from kustomizations', () => {
  const root = tree({
    'apps/kustomization.yaml': 'namespace: apps\nresources:\n  - web\n  - api.yaml\n',
    'apps/web/kustomization.yml': 'resources: [deploy.yaml]\n',
    'apps/web/deploy.yaml': '',
    'apps/web/unlisted.yaml': '',
    'apps/api.yaml': '',
    'apps/other.yaml': '',
    'team/Kustomization': 'namespace: team\nresources: [nested/]\n',
    'team/nested/svc.yaml': '',
    'remote/kustomization.yaml': 'namespace: remote\nresources: [github.com/example/repo//base, https://example.com/x.yaml]\n',
    'remote/x.yaml': '',
  });
  const index = new KustomizationIndex(root, [], [], 1 << 20);

  it('a file listed directly takes the namespace', () => expect(index.namespaceFor('apps/api.yaml')).toBe('apps'));
  it('a file listed through a listed folder with its own kustomization takes it', () =>
    expect(index.namespaceFor('apps/web/deploy.yaml')).toBe('apps'));
  it('a file in that folder but not listed by it does not', () => expect(index.namespaceFor('apps/web/unlisted.yaml')).toBeUndefined());
  it('a file beside the kustomization but not listed does not', () => expect(index.namespaceFor('apps/other.yaml')).toBeUndefined());
  it('a listed folder without a kustomization brings all its files; `Kustomization` is a valid name', () =>
    expect(index.namespaceFor('team/nested/svc.yaml')).toBe('team'));
  it('remote resources are not followed', () => expect(index.namespaceFor('remote/x.yaml')).toBeUndefined());
});
