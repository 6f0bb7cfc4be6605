import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RepositoryReader } from '../../src/discover/repository.js';
import { SourceDocuments, cleanError, findRenderer, objectsFromBuild, renderKustomizations } from '../../src/engine/render.js';

const renderer = findRenderer(process.env['PATH'] ?? '', os.tmpdir());
if (!renderer) console.log('render tests that run kustomize skipped: neither kustomize nor kubectl is on PATH');

/** A throwaway repository outside the checkout. */
function makeRepo(files: Record<string, string>): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'nsl-render-')));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

/** Every file under `dir`, with its content, to show nothing was written there. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const abs = path.join(entry.parentPath, entry.name);
    out[path.relative(dir, abs)] = fs.readFileSync(abs, 'utf8');
  }
  return out;
}

describe('origin → (file, document)', () => {
  // Sources of a hand-written build: the "kustomization" is `app/`, origins are relative to it.
  const root = makeRepo({
    'app/kustomization.yaml': 'resources: [workloads.yaml, ../shared/policies.yaml]\n',
    'app/workloads.yaml': [
      '# leading comment document',
      '---',
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n',
      '---',
      '---',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: worker\n',
      '---',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n',
      '---',
      'apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata: { name: settings }\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata: { name: web-settings }\n',
      '---',
      'apiVersion: v1\nkind: SecretList\nitems:\n  - metadata: { name: token }\n',
    ].join('\n'),
    'shared/policies.yaml': 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny\n',
  });
  const sources = new SourceDocuments(new RepositoryReader(root, [], [], 1 << 20));
  const at = { base: path.join(root, 'app'), realRoot: root, kustomizationFile: 'app/kustomization.yaml', sources };
  const origin = (text: string): string => `    config.kubernetes.io/origin: |\n${text.replace(/^/gm, '      ')}\n`;
  const built = (kind: string, name: string, originText: string, more = ''): string =>
    `apiVersion: v1\nkind: ${kind}\nmetadata:\n  annotations:\n${origin(originText)}${more}  name: ${name}\n  namespace: prod\n`;

  const output = [
    built('Deployment', 'web', 'path: workloads.yaml'),
    built('Deployment', 'prod-worker-v2', 'path: workloads.yaml'),
    built('Service', 'prod-web', 'path: workloads.yaml', '    team: shop\n'),
    built('ConfigMap', 'prod-web-settings', 'path: workloads.yaml'),
    built('Secret', 'token', 'path: workloads.yaml'),
    built('NetworkPolicy', 'renamed-by-a-patch', 'path: ../shared/policies.yaml'),
    built('Job', 'migrate', 'path: workloads.yaml'),
    built(
      'ConfigMap',
      'gen-4h2mbtbbt6',
      'configuredIn: kustomization.yaml\nconfiguredBy:\n  apiVersion: builtin\n  kind: ConfigMapGenerator',
    ),
    built(
      'Deployment',
      'remote',
      'path: examples/helloWorld/deployment.yaml\nrepo: https://github.com/kubernetes-sigs/kustomize\nref: v1.0.6',
    ),
    built('Deployment', 'escaped', 'path: ../../elsewhere.yaml'),
  ].join('---\n');
  const result = objectsFromBuild(output, at);
  if ('error' in result) throw new Error(result.error);
  const where = result.objects.map((o) => [o.file, o.doc, o.basePath.join('.')]);

  it('the document with the same kind and name (empty documents do not count)', () =>
    expect(where[0]).toEqual(['app/workloads.yaml', 2, '']));
  it('a name with namePrefix and nameSuffix added', () => expect(where[1]).toEqual(['app/workloads.yaml', 1, '']));
  it('a name with a namePrefix added', () => expect(where[2]).toEqual(['app/workloads.yaml', 0, '']));
  it('a List item, preferring the longest source name the built name contains', () =>
    expect(where[3]).toEqual(['app/workloads.yaml', 3, 'items.1']));
  it('an item of a typed list that leaves its kind out', () => expect(where[4]).toEqual(['app/workloads.yaml', 4, 'items.0']));
  it('no name matches: the only document of that kind, in another folder', () => expect(where[5]).toEqual(['shared/policies.yaml', 0, '']));
  it('no document of that kind: document 0', () => expect(where[6]).toEqual(['app/workloads.yaml', 0, '']));
  it('a generated object: the kustomization that configures the generator', () =>
    expect(where[7]).toEqual(['app/kustomization.yaml', 0, '']));
  it('a remote object and an origin outside the repository: the built kustomization', () => {
    expect(where[8]).toEqual(['app/kustomization.yaml', 0, '']);
    expect(where[9]).toEqual(['app/kustomization.yaml', 0, '']);
  });
  it('files: the repository files that appear as a `path:` origin', () =>
    expect([...result.files].sort()).toEqual(['app/workloads.yaml', 'shared/policies.yaml']));
  it('the origin annotation is removed, and an annotation map it leaves empty with it', () => {
    expect(result.objects[0]?.value['metadata']).toEqual({ name: 'web', namespace: 'prod' });
    expect(result.objects[2]?.value['metadata']).toEqual({ name: 'prod-web', namespace: 'prod', annotations: { team: 'shop' } });
  });
  it('unreadable output is an error, not objects', () => expect(objectsFromBuild('a: [', at)).toHaveProperty('error'));
});

describe('kustomize error lines', () => {
  it('the first line that is not a warning, without the log prefix, the wrapper layer or the path to the repository', () => {
    const stderr = [
      "# Warning: 'commonLabels' is deprecated. Please use 'labels' instead.",
      `E1129 21:55:52.740400   11999 run.go:72] "command failed" err="accumulating resources: accumulation err='accumulating resources from '../repo/solo': '/r/repo/solo' must resolve to a file': recursed accumulation of path '/r/repo/solo': accumulating resources: accumulation err='accumulating resources from 'missing.yaml': evalsymlink failure on '/r/repo/solo/missing.yaml' : lstat /r/repo/solo/missing.yaml: no such file or directory'"`,
      'second line',
    ].join('\n');
    expect(cleanError(stderr, ['/r/repo/', '../repo/'])).toBe(
      "accumulating resources: accumulation err='accumulating resources from 'missing.yaml': evalsymlink failure on 'solo/missing.yaml' : lstat solo/missing.yaml: no such file or directory'",
    );
  });
  it("kustomize's own `Error:` prefix goes too", () => expect(cleanError('Error: no such thing\n', [])).toBe('no such thing'));
});

describe('finding the binary', () => {
  it('none on an empty PATH: one notice, nothing rendered, nothing run', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'nsl-empty-path-'));
    const root = makeRepo({ 'app/kustomization.yaml': 'resources: []\n' });
    const { input, notices } = renderKustomizations(root, ['app'], { searchPath: empty });
    expect(input.objects).toEqual([]);
    expect([...input.files]).toEqual([]);
    expect(notices).toEqual([
      {
        level: 'warning',
        message: 'render: kustomize asked, but neither kustomize nor kubectl is on PATH; reading kustomizations natively',
      },
    ]);
  });

  it('a binary inside the repository, or on a relative PATH entry, is never used', () => {
    const root = makeRepo({ 'bin/kustomize': '#!/bin/sh\necho pwned\n' });
    fs.chmodSync(path.join(root, 'bin/kustomize'), 0o755);
    expect(findRenderer([path.join(root, 'bin'), 'bin', '.'].join(path.delimiter), root)).toBeUndefined();
  });

  it('kustomize before kubectl, wherever they are on PATH', () => {
    const a = makeRepo({ kubectl: '' });
    const b = makeRepo({ kustomize: '' });
    fs.chmodSync(path.join(a, 'kubectl'), 0o755);
    fs.chmodSync(path.join(b, 'kustomize'), 0o755);
    const root = makeRepo({});
    expect(findRenderer([a, b].join(path.delimiter), root)).toEqual({ name: 'kustomize', binary: path.join(b, 'kustomize') });
    expect(findRenderer(a, root)).toEqual({ name: 'kubectl kustomize', binary: path.join(a, 'kubectl') });
  });
});

describe('a build that hangs or floods', () => {
  /** A stand-in `kustomize` on a PATH of its own. */
  function fakeKustomize(script: string): string {
    const bin = makeRepo({ kustomize: `#!/bin/sh\n${script}\n` });
    fs.chmodSync(path.join(bin, 'kustomize'), 0o755);
    return bin;
  }
  const root = makeRepo({ 'app/kustomization.yaml': 'resources: []\n' });

  it('is killed after the timeout, with a notice', () => {
    const started = Date.now();
    const { input, notices } = renderKustomizations(root, ['app'], { searchPath: fakeKustomize('exec sleep 30'), timeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(input.objects).toEqual([]);
    expect(notices).toEqual([
      {
        level: 'warning',
        file: 'app/kustomization.yaml',
        message: 'render: `kustomize` failed (no result within 300 ms); read natively instead',
      },
    ]);
  });

  it('is killed past the output bound, with a notice', () => {
    const flood = fakeKustomize('while :; do echo "# padding padding padding padding padding"; done');
    const { input, notices } = renderKustomizations(root, ['app'], { searchPath: flood, maxOutputBytes: 1024 * 1024 });
    expect(input.objects).toEqual([]);
    expect(notices.map((n) => n.message)).toEqual(['render: `kustomize` failed (more than 1 MiB of output); read natively instead']);
  });
});

describe.skipIf(!renderer)('building with the kustomize on PATH', () => {
  it('maps every built object of the overlay tree to its source document; nothing is written to the repository', () => {
    const root = path.join(import.meta.dirname, 'overlay-tree');
    const before = snapshot(root);
    const { input, notices } = renderKustomizations(root, ['overlay']);
    expect(notices).toEqual([]);
    const seen = input.objects.map((o) => {
      const metadata = o.value['metadata'] as Record<string, unknown>;
      return `${String(o.value['kind'])} ${String(metadata['namespace'])}/${String(metadata['name'])} <- ${o.file}#${o.doc}${o.basePath.length ? `.${o.basePath.join('.')}` : ''}`;
    });
    expect(seen.sort()).toEqual([
      'Deployment shop/shop-agent <- base/workloads.yaml#0.items.1',
      'Deployment shop/shop-api <- base/workloads.yaml#0.items.0',
      'NetworkPolicy shop/shop-allow-api <- overlay/allow-api.yaml#0',
      'NetworkPolicy shop/shop-shop-members <- base/network-policy.yaml#0',
    ]);
    // The patch was applied and the origin annotation is gone.
    const agent = input.objects.find((o) => (o.value['metadata'] as Record<string, unknown>)['name'] === 'shop-agent');
    expect((agent?.value['spec'] as { template: { spec: Record<string, unknown> } }).template.spec['hostNetwork']).toBe(true);
    expect(JSON.stringify(input.objects)).not.toContain('config.kubernetes.io/origin');
    expect([...input.files].sort()).toEqual([
      'base/network-policy.yaml',
      'base/workloads.yaml',
      'overlay/agent-host-network.yaml',
      'overlay/allow-api.yaml',
    ]);
    expect(snapshot(root)).toEqual(before);
  });

  it('a failed build is one warning with kustomize’s error, and that kustomization is not rendered', () => {
    const root = makeRepo({
      'broken/kustomization.yaml': 'resources:\n  - missing.yaml\n',
      'fine/kustomization.yaml': 'resources:\n  - cm.yaml\n',
      'fine/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n',
    });
    const { input, notices } = renderKustomizations(root, ['broken', 'fine']);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ level: 'warning', file: 'broken/kustomization.yaml' });
    expect(notices[0]?.message).toMatch(/^render: `(kustomize|kubectl kustomize)` failed \(.*missing\.yaml.*\); read natively instead$/);
    expect(notices[0]?.message).not.toContain(os.tmpdir());
    expect(input.objects.map((o) => o.file)).toEqual(['fine/cm.yaml']);
    expect([...input.files]).toEqual(['fine/cm.yaml']);
  });

  it('a kustomization that lists a folder outside the repository is not built', () => {
    const outside = makeRepo({
      'kustomization.yaml': 'resources: [secret.yaml]\n',
      'secret.yaml': 'apiVersion: v1\nkind: Secret\nmetadata: { name: s }\n',
    });
    const root = makeRepo({});
    fs.mkdirSync(path.join(root, 'app'));
    fs.writeFileSync(path.join(root, 'app/kustomization.yaml'), `resources:\n  - ${path.relative(path.join(root, 'app'), outside)}\n`);
    fs.symlinkSync(outside, path.join(root, 'linked'));
    fs.mkdirSync(path.join(root, 'app2'));
    fs.writeFileSync(path.join(root, 'app2/kustomization.yaml'), 'resources:\n  - ../linked\n');
    const { input, notices } = renderKustomizations(root, ['app', 'app2']);
    expect(input.objects).toEqual([]);
    expect(notices.map((n) => [n.file, n.message.replace(/".*"/, '"…"')])).toEqual([
      ['app/kustomization.yaml', 'render: not built, it lists "…", which lies outside the repository; read natively instead'],
      ['app2/kustomization.yaml', 'render: not built, it lists "…", which lies outside the repository; read natively instead'],
    ]);
  });
});
