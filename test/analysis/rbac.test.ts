import { describe, expect, it } from 'vitest';
import { RbacAnalysis, broadAccess, serviceAccountOf, type PolicyRule } from '../../src/analysis/rbac.js';
import { model, type Obj } from './netpol-helpers.js';

const RBAC = 'rbac.authorization.k8s.io/v1';

function clusterRole(name: string, rules: Obj[], labels: Record<string, string> = {}, extra: Obj = {}): Obj {
  return { apiVersion: RBAC, kind: 'ClusterRole', metadata: { name, labels }, rules, ...extra };
}
function role(ns: string, name: string, rules: Obj[]): Obj {
  return { apiVersion: RBAC, kind: 'Role', metadata: { name, namespace: ns }, rules };
}
function binding(
  kind: 'RoleBinding' | 'ClusterRoleBinding',
  name: string,
  ns: string | undefined,
  roleRef: [string, string],
  subjects: Obj[],
): Obj {
  return {
    apiVersion: RBAC,
    kind,
    metadata: ns === undefined ? { name } : { name, namespace: ns },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: roleRef[0], name: roleRef[1] },
    subjects,
  };
}
const sa = (name: string, namespace?: string): Obj =>
  namespace === undefined ? { kind: 'ServiceAccount', name } : { kind: 'ServiceAccount', name, namespace };

const READ_PODS = { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] };
const CORE_DNS = { namespace: 'kube-system', name: 'coredns' };

function grants(docs: Obj[], target = CORE_DNS): string[] {
  const a = new RbacAnalysis(model(docs));
  return a
    .grantsTo(target)
    .map(
      (g) => `${g.binding.kind}/${g.binding.resource.name} -> ${g.role ? `${g.role.kind}/${g.role.name}` : 'unknown'} @${g.scope ?? '*'}`,
    );
}

describe('RBAC binding resolution', () => {
  it('a ClusterRoleBinding grants a ClusterRole in every namespace', () => {
    expect(
      grants([
        clusterRole('r', [READ_PODS]),
        binding('ClusterRoleBinding', 'b', undefined, ['ClusterRole', 'r'], [sa('coredns', 'kube-system')]),
      ]),
    ).toEqual(['ClusterRoleBinding/b -> ClusterRole/r @*']);
  });

  it("a RoleBinding grants a Role of its own namespace, or a ClusterRole's rules in its namespace only", () => {
    const docs = [
      role('kube-system', 'r', [READ_PODS]),
      role('other', 'r', [READ_PODS]),
      clusterRole('cr', [READ_PODS]),
      binding('RoleBinding', 'b1', 'kube-system', ['Role', 'r'], [sa('coredns', 'kube-system')]),
      binding('RoleBinding', 'b2', 'apps', ['ClusterRole', 'cr'], [sa('coredns', 'kube-system')]),
    ];
    expect(grants(docs)).toEqual(['RoleBinding/b1 -> Role/r @kube-system', 'RoleBinding/b2 -> ClusterRole/cr @apps']);
    const a = new RbacAnalysis(model(docs));
    expect(a.grantsTo(CORE_DNS)[0]?.role?.namespace).toBe('kube-system');
  });

  it("a ServiceAccount subject without namespace in a RoleBinding is the binding's namespace", () => {
    const docs = [
      clusterRole('cr', [READ_PODS]),
      binding('RoleBinding', 'here', 'kube-system', ['ClusterRole', 'cr'], [sa('coredns')]),
      binding('RoleBinding', 'there', 'apps', ['ClusterRole', 'cr'], [sa('coredns')]),
    ];
    expect(grants(docs)).toEqual(['RoleBinding/here -> ClusterRole/cr @kube-system']);
  });

  it('matches ServiceAccounts by name and namespace, as a user name, and through their groups', () => {
    const docs = [
      clusterRole('cr', [READ_PODS]),
      binding('ClusterRoleBinding', 'other-ns', undefined, ['ClusterRole', 'cr'], [sa('coredns', 'default')]),
      binding('ClusterRoleBinding', 'other-sa', undefined, ['ClusterRole', 'cr'], [sa('other', 'kube-system')]),
      binding(
        'ClusterRoleBinding',
        'user',
        undefined,
        ['ClusterRole', 'cr'],
        [{ kind: 'User', name: 'system:serviceaccount:kube-system:coredns' }],
      ),
      binding('ClusterRoleBinding', 'all-sa', undefined, ['ClusterRole', 'cr'], [{ kind: 'Group', name: 'system:serviceaccounts' }]),
      binding(
        'ClusterRoleBinding',
        'ns-sa',
        undefined,
        ['ClusterRole', 'cr'],
        [{ kind: 'Group', name: 'system:serviceaccounts:kube-system' }],
      ),
      binding(
        'ClusterRoleBinding',
        'other-ns-sa',
        undefined,
        ['ClusterRole', 'cr'],
        [{ kind: 'Group', name: 'system:serviceaccounts:apps' }],
      ),
      binding('ClusterRoleBinding', 'people', undefined, ['ClusterRole', 'cr'], [{ kind: 'Group', name: 'developers' }]),
    ];
    expect(grants(docs).map((g) => g.split(' ')[0])).toEqual([
      'ClusterRoleBinding/user',
      'ClusterRoleBinding/all-sa',
      'ClusterRoleBinding/ns-sa',
    ]);
  });

  it('ignores a ClusterRoleBinding that refers to a Role (the API server refuses it)', () => {
    expect(
      grants([
        role('kube-system', 'r', [READ_PODS]),
        binding('ClusterRoleBinding', 'b', undefined, ['Role', 'r'], [sa('coredns', 'kube-system')]),
      ]),
    ).toEqual([]);
  });

  it('knows the default cluster-admin role and leaves roles it cannot see unknown', () => {
    const docs = [
      binding('ClusterRoleBinding', 'admin', undefined, ['ClusterRole', 'cluster-admin'], [sa('coredns', 'kube-system')]),
      binding('ClusterRoleBinding', 'mystery', undefined, ['ClusterRole', 'made-elsewhere'], [sa('coredns', 'kube-system')]),
    ];
    expect(grants(docs)).toEqual(['ClusterRoleBinding/admin -> ClusterRole/cluster-admin @*', 'ClusterRoleBinding/mystery -> unknown @*']);
    const admin = new RbacAnalysis(model(docs)).grantsTo(CORE_DNS)[0]?.role;
    expect(admin?.resource).toBeUndefined();
    expect(admin?.rules[0]).toMatchObject({ apiGroups: ['*'], resources: ['*'], verbs: ['*'] });
  });

  it("a repository ClusterRole named like a default one is the repository's", () => {
    const a = new RbacAnalysis(model([clusterRole('edit', [READ_PODS])]));
    expect(a.role('ClusterRole', 'edit', undefined)?.rules.map((r) => r.verbs)).toEqual([['get', 'list', 'watch']]);
  });

  it("an aggregated ClusterRole holds the rules of the repository's ClusterRoles its selectors match", () => {
    const a = new RbacAnalysis(
      model([
        clusterRole(
          'agg',
          [],
          {},
          { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'example.com/aggregate-to-dns': 'true' } }] } },
        ),
        clusterRole('part', [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }], { 'example.com/aggregate-to-dns': 'true' }),
        clusterRole('not-part', [{ apiGroups: [''], resources: ['nodes'], verbs: ['get'] }], { other: 'true' }),
      ]),
    );
    const agg = a.role('ClusterRole', 'agg', undefined);
    expect(agg?.aggregated).toBe(true);
    expect(agg?.rules.map((r) => r.resources)).toEqual([['secrets']]);
    expect(agg?.rules[0]?.node?.path).toEqual(['rules', 0]);
    expect(agg?.rules[0]?.node?.file).toBe('f001.yaml');
  });
});

describe('ServiceAccounts of workloads', () => {
  it('are serviceAccountName, else the deprecated serviceAccount, else default', () => {
    const pod = (name: string, spec: Obj): Obj => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'ns' },
      spec: { containers: [{ name: 'c', image: 'example.com/c' }], ...spec },
    });
    const m = model([pod('a', { serviceAccountName: 'sa-a' }), pod('b', { serviceAccount: 'sa-b' }), pod('c', {})]);
    expect(m.workloads.map((w) => serviceAccountOf(w).name)).toEqual(['sa-a', 'sa-b', 'default']);
    const a = new RbacAnalysis(m);
    expect(a.workloadsUsing({ namespace: 'ns', name: 'default' }).map((w) => w.name)).toEqual(['c']);
    expect(a.workloadsUsing({ namespace: 'other', name: 'default' })).toEqual([]);
  });
});

describe('broad access', () => {
  const rule = (r: Partial<PolicyRule>): PolicyRule => ({
    node: undefined,
    apiGroups: [''],
    resources: [],
    verbs: [],
    resourceNames: [],
    nonResourceURLs: [],
    ...r,
  });

  it('is quiet for what CoreDNS needs (the system:coredns role)', () => {
    expect(broadAccess(rule({ resources: ['endpoints', 'services', 'pods', 'namespaces'], verbs: ['list', 'watch'] }))).toEqual([]);
    expect(broadAccess(rule({ apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] }))).toEqual([]);
  });

  it('names wildcards, Secrets and write verbs', () => {
    expect(broadAccess(rule({ resources: ['*'], verbs: ['get'] }))).toEqual(['every resource (`*`)']);
    expect(broadAccess(rule({ resources: ['pods'], verbs: ['*'] }))).toEqual(['every verb (`*`)']);
    expect(broadAccess(rule({ resources: ['secrets'], verbs: ['list'] }))).toEqual(['Secrets']);
    expect(broadAccess(rule({ apiGroups: ['*'], resources: ['secrets'], verbs: ['get'] }))).toEqual(['Secrets']);
    expect(broadAccess(rule({ resources: ['configmaps'], verbs: ['get', 'update', 'patch'] }))).toEqual(['write verbs (update, patch)']);
    expect(broadAccess(rule({ apiGroups: [], nonResourceURLs: ['*'], verbs: ['get'] }))).toEqual(['every non-resource URL']);
  });

  it('does not take a `secrets` resource of another API group, or a `use` verb, for broad', () => {
    expect(broadAccess(rule({ apiGroups: ['example.com'], resources: ['secrets'], verbs: ['get'] }))).toEqual([]);
    expect(broadAccess(rule({ apiGroups: ['policy'], resources: ['podsecuritypolicies'], verbs: ['use'] }))).toEqual([]);
  });
});
