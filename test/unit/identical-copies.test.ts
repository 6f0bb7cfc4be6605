import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lintFixture } from '../support/run-fixture.js';

const FIXTURE = path.resolve(import.meta.dirname, '../../fixtures/repo-duplicate-bundles');

describe('identical objects in several files', () => {
  const { findings, model } = lintFixture(FIXTURE);
  const allowAll = findings.filter((f) => f.ruleId === 'netpol-allow-all');

  it('are one object: reported once, at the first file, with the copy as a related location at the same line', () => {
    const first = allowAll.find((f) => f.file === 'deploy/install-a.yaml');
    expect(first?.span.start.line).toBe(11);
    expect(first?.related.map((r) => `${r.file}:${r.span.start.line}`)).toEqual(['deploy/install-b.yaml:11']);
    expect(allowAll.some((f) => f.file === 'deploy/install-b.yaml')).toBe(false);
  });

  it('the copy is not a second object of the model; an object with the same name but other content is', () => {
    const policies = model.resources.filter((r) => r.kind === 'NetworkPolicy').map((r) => r.file);
    expect(policies).toEqual(['deploy/install-a.yaml', 'deploy/install-c.yaml']);
    expect(allowAll.map((f) => f.file)).toEqual(['deploy/install-a.yaml', 'deploy/install-c.yaml']);
  });
});
