import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { lintFixture } from '../support/run-fixture.js';

/**
 * The native kustomize reading against `kubectl kustomize` itself: for every object the
 * real build of each overlay produces, the model holds the same object in the same
 * namespace with the same labels, pod-template labels and selectors.
 */
const FIXTURE = path.resolve(import.meta.dirname, '../../fixtures/repo-kustomize-overlays');
/** Each overlay, the namespace it builds into, and the folders its sources live in. */
const OVERLAYS = [
  { overlay: 'overlays/prod', namespace: 'prod', sources: ['base/', 'components/', 'overlays/prod/'] },
  { overlay: 'overlays/dev', namespace: 'dev', sources: ['base/', 'components/', 'overlays/dev/'] },
  {
    overlay: 'platform/overlays/kubeflow',
    namespace: 'kubeflow',
    sources: ['platform/manager/', 'platform/default/', 'platform/overlays/'],
  },
];

function kubectl(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const HAVE_KUBECTL = kubectl();
if (!HAVE_KUBECTL) console.log('kustomize oracle: skipped, `kubectl` is not on PATH');

type Obj = Record<string, unknown>;

function at(value: unknown, ...keys: string[]): unknown {
  let v = value;
  for (const key of keys) v = typeof v === 'object' && v !== null ? (v as Obj)[key] : undefined;
  return v;
}

const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** The fields kustomize's namespace and label transformers touch. */
function placed(o: unknown): Obj {
  return {
    kind: at(o, 'kind'),
    name: at(o, 'metadata', 'name'),
    namespace: at(o, 'metadata', 'namespace'),
    labels: at(o, 'metadata', 'labels') ?? {},
    template: at(o, 'spec', 'template', 'metadata', 'labels'),
    selector: at(o, 'spec', 'selector'),
    podSelector: at(o, 'spec', 'podSelector'),
    peers: [
      ...list(at(o, 'spec', 'ingress')).flatMap((r) => list(at(r, 'from'))),
      ...list(at(o, 'spec', 'egress')).flatMap((r) => list(at(r, 'to'))),
    ],
  };
}

describe.skipIf(!HAVE_KUBECTL)('kustomize graph vs `kubectl kustomize`', () => {
  const { model } = lintFixture(FIXTURE);
  for (const { overlay, namespace, sources } of OVERLAYS) {
    it(overlay, () => {
      const built = execFileSync('kubectl', ['kustomize', overlay], {
        cwd: FIXTURE,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      const objects = parseAllDocuments(built).map((d) => d.toJS() as unknown);
      expect(objects.every((o) => at(o, 'kind') === 'Namespace' || at(o, 'metadata', 'namespace') === namespace)).toBe(true);
      const ours = model.resources
        .filter((r) => r.namespace === namespace || (r.kind === 'Namespace' && r.name === namespace))
        .filter((r) => sources.some((dir) => r.file.startsWith(dir)))
        .map((r) => placed(r.root.value));
      const sortKey = (p: Obj): string => `${String(p['kind'])}/${String(p['name'])}`;
      expect([...ours].sort((a, b) => sortKey(a).localeCompare(sortKey(b)))).toEqual(
        objects.map(placed).sort((a, b) => sortKey(a).localeCompare(sortKey(b))),
      );
    });
  }
});
