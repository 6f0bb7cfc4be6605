import { describe, expect, it } from 'vitest';
import { applyContext, type KustomizeContext } from '../../src/model/kustomize.js';

/**
 * An object placed by a kustomize build is copied only on the way to what the build changes:
 * a CRD's schema or a pod spec is shared with the source document (several builds of a large
 * bundle would otherwise hold several copies), and the source stays as written. The expected
 * objects follow `kubectl kustomize` (labels on metadata, selectors and pod templates, the
 * namespace), written out by hand.
 */

const context: KustomizeContext = {
  namespace: 'prod',
  selectorLabels: { team: 'a' },
  templateLabels: { tier: 't' },
  metadataLabels: {},
  remote: false,
  deletes: [],
  namespaces: ['prod'],
  renames: [{ prefix: 'p-', suffix: '' }],
};

function cronJob(): Record<string, unknown> {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'job', labels: { app: 'j' } },
    spec: {
      schedule: '* * * * *',
      jobTemplate: {
        metadata: {},
        spec: { template: { metadata: { labels: { app: 'j' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
      },
    },
  };
}

describe('an object placed by a build', () => {
  it('is the built object, and its source is unchanged', () => {
    const source = cronJob();
    const out = applyContext(source, 'batch', true, context);
    expect(source).toEqual(cronJob());
    expect(out).toEqual({
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'p-job', namespace: 'prod', labels: { app: 'j', tier: 't', team: 'a' } },
      spec: {
        schedule: '* * * * *',
        jobTemplate: {
          metadata: { labels: { tier: 't', team: 'a' } },
          spec: {
            template: { metadata: { labels: { app: 'j', tier: 't', team: 'a' } }, spec: { containers: [{ name: 'c', image: 'i' }] } },
          },
        },
      },
    });
  });

  it('shares what the build does not change with its source', () => {
    const source = cronJob();
    const out = applyContext(source, 'batch', true, context);
    const podSpec = (o: Record<string, unknown>): unknown =>
      (
        (((o['spec'] as Record<string, unknown>)['jobTemplate'] as Record<string, unknown>)['spec'] as Record<string, unknown>)[
          'template'
        ] as Record<string, unknown>
      )['spec'];
    expect(podSpec(out)).toBe(podSpec(source));
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'x.example.com' },
      spec: { versions: [{ name: 'v1' }] },
    };
    const built = applyContext(crd, 'apiextensions.k8s.io', false, context);
    expect(built['spec']).toBe(crd['spec']);
    expect(built['metadata']).toEqual({ name: 'p-x.example.com', labels: { tier: 't', team: 'a' } });
    expect(crd.metadata).toEqual({ name: 'x.example.com' });
  });

  it('two builds of one source do not see each other', () => {
    const source = cronJob();
    const a = applyContext(source, 'batch', true, context);
    const b = applyContext(source, 'batch', true, { ...context, namespace: 'dev', selectorLabels: { team: 'b' } });
    expect((a['metadata'] as Record<string, unknown>)['labels']).toEqual({ app: 'j', tier: 't', team: 'a' });
    expect((b['metadata'] as Record<string, unknown>)['labels']).toEqual({ app: 'j', tier: 't', team: 'b' });
    expect((b['metadata'] as Record<string, unknown>)['namespace']).toBe('dev');
  });
});
