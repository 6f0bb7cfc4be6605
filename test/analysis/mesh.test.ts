import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MeshAnalysis } from '../../src/analysis/mesh.js';
import { parseAuthorizationPolicy, peerIdentityKeys, ruleAdmitsAnyCaller, rulePorts } from '../../src/analysis/mesh-authz.js';
import { Node } from '../../src/model/node.js';
import type { Resource, Workload } from '../../src/model/k8s.js';
import type { Model } from '../../src/model/model.js';
import { defaultConfig } from '../../src/core/config.js';
import { lint } from '../../src/engine/lint.js';
import { RULES } from '../../rules/index.js';
import { model, namespace, type Obj } from './netpol-helpers.js';

/**
 * Istio semantics as the Istio reference documentation states them, written down by hand:
 * PeerAuthentication precedence (workload > namespace > mesh, `UNSET` inherits, Istio's
 * default PERMISSIVE, port-level settings on workload policies), AuthorizationPolicy scope
 * (own namespace, root namespace for the whole mesh, selector on pod labels) and the
 * project's definitions of "mesh in use" and "namespace in the mesh".
 */

const ROOT = 'istio-system';

function deployment(id: string, podLabels: Record<string, string>, podAnnotations: Record<string, string> = {}, own: Obj = {}): Obj {
  const [ns, name] = id.split('/');
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, ...own },
    spec: {
      selector: { matchLabels: podLabels },
      template: {
        metadata: { labels: podLabels, annotations: podAnnotations },
        spec: { containers: [{ name: 'c', image: 'example.com/c' }] },
      },
    },
  };
}

function peerAuth(id: string, spec: Obj, apiVersion = 'security.istio.io/v1'): Obj {
  const [ns, name] = id.split('/');
  return { apiVersion, kind: 'PeerAuthentication', metadata: { name, namespace: ns }, spec };
}

function authz(id: string, spec: Obj, apiVersion = 'security.istio.io/v1'): Obj {
  const [ns, name] = id.split('/');
  return { apiVersion, kind: 'AuthorizationPolicy', metadata: { name, namespace: ns }, spec };
}

function requestAuth(id: string, spec: Obj): Obj {
  const [ns, name] = id.split('/');
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'RequestAuthentication',
    metadata: { name, namespace: ns },
    spec: { jwtRules: [{ issuer: 'https://auth.example.com' }], ...spec },
  };
}

function workload(m: Model, id: string): Workload {
  const w = m.workloads.find((x) => `${x.namespace}/${x.name}` === id);
  if (!w) throw new Error(`no workload ${id}`);
  return w;
}

function modeOf(docs: Obj[], id: string): { mode: string; ports: Record<string, string> } {
  const m = model(docs);
  const mtls = new MeshAnalysis(m).mtls(workload(m, id));
  return { mode: mtls.mode, ports: Object.fromEntries(mtls.ports) };
}

const strict = { mtls: { mode: 'STRICT' } };
const permissive = { mtls: { mode: 'PERMISSIVE' } };
const api = deployment('shop/api', { app: 'api' });
const web = deployment('shop/web', { app: 'web' });

describe('effective mTLS mode of a workload', () => {
  it("is Istio's default, PERMISSIVE, when no PeerAuthentication applies", () => {
    expect(modeOf([api], 'shop/api')).toEqual({ mode: 'PERMISSIVE', ports: {} });
  });

  it('takes the mesh-wide policy (root namespace, no selector)', () => {
    expect(modeOf([api, peerAuth(`${ROOT}/default`, strict)], 'shop/api').mode).toBe('STRICT');
  });

  it('a namespace-wide policy overrides the mesh-wide one', () => {
    expect(modeOf([api, peerAuth(`${ROOT}/default`, strict), peerAuth('shop/default', permissive)], 'shop/api').mode).toBe('PERMISSIVE');
  });

  it('a workload policy overrides its namespace, for the workloads it selects only', () => {
    const docs = [
      api,
      web,
      peerAuth('shop/default', permissive),
      peerAuth('shop/api', { selector: { matchLabels: { app: 'api' } }, ...strict }),
    ];
    expect(modeOf(docs, 'shop/api').mode).toBe('STRICT');
    expect(modeOf(docs, 'shop/web').mode).toBe('PERMISSIVE');
  });

  it('UNSET inherits from the next level up, at every level', () => {
    const unsetWorkload = peerAuth('shop/api', { selector: { matchLabels: { app: 'api' } }, mtls: { mode: 'UNSET' } });
    expect(modeOf([api, peerAuth('shop/default', strict), unsetWorkload], 'shop/api').mode).toBe('STRICT');
    const unsetNamespace = peerAuth('shop/default', { mtls: { mode: 'UNSET' } });
    expect(modeOf([api, peerAuth(`${ROOT}/default`, { mtls: { mode: 'DISABLE' } }), unsetNamespace], 'shop/api').mode).toBe('DISABLE');
    // A policy without `mtls` at all sets nothing either.
    expect(modeOf([api, peerAuth(`${ROOT}/default`, strict), peerAuth('shop/default', {})], 'shop/api').mode).toBe('STRICT');
  });

  it('port-level settings refine single ports; an UNSET port takes the workload mode', () => {
    const pa = peerAuth('shop/api', {
      selector: { matchLabels: { app: 'api' } },
      mtls: { mode: 'STRICT' },
      portLevelMtls: { 9000: { mode: 'DISABLE' }, 8443: { mode: 'UNSET' } },
    });
    expect(modeOf([api, pa], 'shop/api')).toEqual({ mode: 'STRICT', ports: { '9000': 'DISABLE', '8443': 'STRICT' } });
  });

  it('an empty selector is no selector: the policy is namespace-wide', () => {
    expect(modeOf([api, peerAuth('shop/default', { selector: {}, ...strict })], 'shop/api').mode).toBe('STRICT');
    expect(modeOf([api, peerAuth(`${ROOT}/default`, { selector: { matchLabels: {} }, ...strict })], 'shop/api').mode).toBe('STRICT');
  });

  it('a selector policy applies in its own namespace only, even in the root namespace', () => {
    const rootSelector = peerAuth(`${ROOT}/api`, { selector: { matchLabels: { app: 'api' } }, ...strict });
    expect(modeOf([api, rootSelector], 'shop/api').mode).toBe('PERMISSIVE');
    const otherNs = peerAuth('billing/api', { selector: { matchLabels: { app: 'api' } }, ...strict });
    expect(modeOf([api, otherNs], 'shop/api').mode).toBe('PERMISSIVE');
  });

  it("ignores another API group's PeerAuthentication", () => {
    expect(modeOf([api, peerAuth('shop/default', strict, 'security.example.com/v1')], 'shop/api').mode).toBe('PERMISSIVE');
  });

  it('among several at one level, the first in path order decides', () => {
    expect(modeOf([api, peerAuth('shop/a', strict), peerAuth('shop/b', permissive)], 'shop/api').mode).toBe('STRICT');
    expect(modeOf([api, peerAuth('shop/a', permissive), peerAuth('shop/b', strict)], 'shop/api').mode).toBe('PERMISSIVE');
  });

  it('strictness is judged on all ports, or on the ports asked about', () => {
    const m = model([
      api,
      peerAuth('shop/api', { selector: { matchLabels: { app: 'api' } }, ...strict, portLevelMtls: { 9187: { mode: 'PERMISSIVE' } } }),
    ]);
    const mesh = new MeshAnalysis(m);
    const w = workload(m, 'shop/api');
    expect(mesh.isStrict(w)).toBe(false);
    expect(mesh.isStrict(w, ['5432'])).toBe(true);
    expect(mesh.isStrict(w, ['5432', '9187'])).toBe(false);
    expect(mesh.plaintext(w)).toBe('PERMISSIVE on port 9187');
  });
});

describe('mesh in use and namespaces in the mesh', () => {
  const analyse = (docs: Obj[], configure?: Parameters<typeof model>[1]): MeshAnalysis => new MeshAnalysis(model(docs, configure));

  it('a repository without Istio objects, injecting namespaces or opted-in pod templates does not use Istio', () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'authorizationpolicies.security.istio.io' },
      spec: { group: 'security.istio.io' },
    };
    // On the Deployment's own metadata the injector does not read the opt-in.
    const ownMeta = deployment('shop/api', { app: 'api' }, {}, { annotations: { 'sidecar.istio.io/inject': 'true' } });
    const mesh = analyse([
      crd,
      ownMeta,
      namespace('shop', { 'istio-injection': 'disabled' }),
      authz('shop/p', {}, 'policy.linkerd.io/v1alpha1'),
    ]);
    expect(mesh.istioInUse).toBe(false);
    expect(mesh.firstMeshObject).toBeUndefined();
    expect(mesh.namespacesInMesh).toEqual([]);
  });

  it.each([
    [
      'an object of any *.istio.io group',
      [{ apiVersion: 'telemetry.istio.io/v1', kind: 'Telemetry', metadata: { name: 't', namespace: 'shop' } }],
    ],
    ['a namespace labelled istio.io/rev', [namespace('shop', { 'istio.io/rev': 'canary' })]],
    ['a pod template labelled for injection', [deployment('shop/api', { app: 'api', 'sidecar.istio.io/inject': 'true' })]],
    ['a pod template annotated for injection', [deployment('shop/api', { app: 'api' }, { 'sidecar.istio.io/inject': 'true' })]],
  ])('Istio is in use with %s', (_what, docs) => {
    expect(analyse(docs).istioInUse).toBe(true);
  });

  it('the first mesh object is the first in path order', () => {
    const mesh = analyse([web, namespace('shop', { 'istio-injection': 'enabled' }), peerAuth(`${ROOT}/default`, strict)]);
    expect(mesh.firstMeshObject?.kind).toBe('Namespace');
  });

  it('namespaces join the mesh by label or by a pod template opting in; disabled and the root namespace do not', () => {
    const mesh = analyse(
      [
        namespace('a', { 'istio-injection': 'enabled' }),
        namespace('b', { 'istio.io/rev': 'stable' }),
        namespace('c', { 'istio-injection': 'disabled', 'istio.io/rev': 'stable' }),
        namespace('d', { 'istio-injection': 'disabled' }),
        deployment('d/x', { app: 'x', 'sidecar.istio.io/inject': 'true' }),
        deployment('e/y', { app: 'y', 'sidecar.istio.io/inject': 'true' }),
        deployment('f/z', { app: 'z', 'sidecar.istio.io/inject': 'false' }),
        namespace(ROOT, { 'istio-injection': 'enabled' }),
      ],
      (c) => {
        c.cluster.namespaceLabels = { g: { 'istio-injection': 'enabled' } };
      },
    );
    expect(mesh.namespacesInMesh).toEqual(['a', 'b', 'e', 'g']);
  });

  it('Linkerd is in use with a *.linkerd.io object or an inject: enabled annotation, not with disabled', () => {
    const server = { apiVersion: 'policy.linkerd.io/v1beta3', kind: 'Server', metadata: { name: 's', namespace: 'shop' }, spec: {} };
    expect(analyse([server]).linkerdInUse).toBe(true);
    const annotated = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', annotations: { 'linkerd.io/inject': 'enabled' } } };
    expect(analyse([annotated]).linkerdInUse).toBe(true);
    expect(analyse([deployment('shop/api', { app: 'api' }, { 'linkerd.io/inject': 'enabled' })]).linkerdInUse).toBe(true);
    expect(analyse([deployment('shop/api', { app: 'api' }, { 'linkerd.io/inject': 'disabled' })]).linkerdInUse).toBe(false);
  });
});

describe('which AuthorizationPolicies apply, and whether a token is required', () => {
  const docs = [api, web, deployment('billing/api', { app: 'api' })];

  function selectedBy(policy: Obj): string[] {
    const mesh = new MeshAnalysis(model([...docs, policy]));
    const [p] = mesh.authorizationPolicies;
    return p ? mesh.selected(p).map((w) => `${w.namespace}/${w.name}`) : [];
  }

  it('a namespaced policy applies to the workloads of its namespace its selector matches', () => {
    expect(selectedBy(authz('shop/p', { selector: { matchLabels: { app: 'api' } } }))).toEqual(['shop/api']);
    expect(selectedBy(authz('shop/p', {}))).toEqual(['shop/api', 'shop/web']);
    expect(selectedBy(authz('shop/p', { selector: {} }))).toEqual(['shop/api', 'shop/web']);
  });

  it('a root-namespace policy applies across the mesh', () => {
    expect(selectedBy(authz(`${ROOT}/p`, { selector: { matchLabels: { app: 'api' } } }))).toEqual(['shop/api', 'billing/api']);
  });

  it('another API group is not Istio', () => {
    expect(selectedBy(authz('shop/p', {}, 'policy.linkerd.io/v1alpha1'))).toEqual([]);
    expect(selectedBy(authz('shop/p', {}, 'authz.example.com/v1'))).toEqual([]);
  });

  it('a policy attached by targetRef(s) applies to gateways and waypoints, not to workloads by label', () => {
    // Parsed directly: the object as written, whatever schema version the loader knows.
    const m = model(docs);
    const mesh = new MeshAnalysis(m);
    for (const spec of [
      { targetRefs: [{ kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'gw' }] },
      { targetRef: { kind: 'Service', group: '', name: 'api' } },
    ]) {
      const value = authz('shop/p', spec);
      const policy = parseAuthorizationPolicy({
        apiVersion: 'security.istio.io/v1',
        group: 'security.istio.io',
        kind: 'AuthorizationPolicy',
        name: 'p',
        namespace: 'shop',
        file: 'f.yaml',
        root: new Node(value, 'f.yaml', 0),
        metadata: new Node(value['metadata'], 'f.yaml', 0),
        labels: {},
        annotations: {},
      } as Resource);
      expect(policy.targeted).toBe(true);
      expect(mesh.selected(policy)).toEqual([]);
    }
  });

  function tokenRequired(policies: Obj[], raSpec: Obj = { selector: { matchLabels: { app: 'api' } } }, ns = 'shop'): boolean {
    const mesh = new MeshAnalysis(model([...docs, requestAuth(`${ns}/jwt`, raSpec), ...policies]));
    const [ra] = mesh.requestAuthentications;
    if (!ra) throw new Error('no RequestAuthentication');
    return mesh.tokenRequired(ra);
  }

  const needsPrincipal = { rules: [{ from: [{ source: { requestPrincipals: ['*'] } }] }] };

  it('an ALLOW requiring requestPrincipals or a request.auth condition requires a token', () => {
    expect(tokenRequired([authz('shop/p', { selector: { matchLabels: { app: 'api' } }, ...needsPrincipal })])).toBe(true);
    expect(tokenRequired([authz('shop/p', { rules: [{ when: [{ key: 'request.auth.claims[iss]', values: ['x'] }] }] })])).toBe(true);
  });

  it('a DENY on notRequestPrincipals ["*"] requires a token; other DENY rules do not', () => {
    expect(tokenRequired([authz('shop/p', { action: 'DENY', rules: [{ from: [{ source: { notRequestPrincipals: ['*'] } }] }] })])).toBe(
      true,
    );
    expect(
      tokenRequired([authz('shop/p', { action: 'DENY', rules: [{ from: [{ source: { notRequestPrincipals: ['https://x/*'] } }] }] })]),
    ).toBe(false);
    // DENY with requestPrincipals rejects some tokens, it does not require one.
    expect(tokenRequired([authz('shop/p', { action: 'DENY', ...needsPrincipal })])).toBe(false);
  });

  it('an ALLOW that checks only paths, or source identities, lets a request without a token through', () => {
    expect(tokenRequired([authz('shop/p', { rules: [{ to: [{ operation: { paths: ['/v1/*'] } }] }] })])).toBe(false);
    expect(tokenRequired([authz('shop/p', { rules: [{ from: [{ source: { principals: ['cluster.local/ns/a/sa/b'] } }] }] })])).toBe(false);
  });

  it('the requiring policy must cover every validated workload', () => {
    const ra = { selector: {} };
    expect(tokenRequired([authz('shop/p', { selector: { matchLabels: { app: 'api' } }, ...needsPrincipal })], ra)).toBe(false);
    expect(tokenRequired([authz('shop/p', needsPrincipal)], ra)).toBe(true);
    expect(tokenRequired([authz(`${ROOT}/p`, needsPrincipal)], ra)).toBe(true);
    expect(tokenRequired([authz('billing/p', needsPrincipal)], ra)).toBe(false);
  });

  it('with no validated workload in the repository, the same selector or none covers it', () => {
    const ra = { selector: { matchLabels: { app: 'gateway' } } };
    expect(tokenRequired([authz('shop/p', { selector: { matchLabels: { app: 'gateway' } }, ...needsPrincipal })], ra)).toBe(true);
    expect(tokenRequired([authz('shop/p', needsPrincipal)], ra)).toBe(true);
    expect(tokenRequired([authz('shop/p', { selector: { matchLabels: { app: 'other' } }, ...needsPrincipal })], ra)).toBe(false);
  });
});

describe('AuthorizationPolicy rules, one at a time', () => {
  const rule = (value: Obj): Node => new Node(value, 'f.yaml', 0);

  it.each([
    [{}, true],
    [{ to: [{ operation: { paths: ['/x'] } }] }, true],
    [{ from: [] }, true],
    [{ from: [{ source: { namespaces: ['a'] } }] }, false],
    [{ when: [{ key: 'source.ip', values: ['198.51.100.1'] }] }, false],
  ])('%j admits any caller: %s', (value, expected) => {
    expect(ruleAdmitsAnyCaller(rule(value))).toBe(expected);
  });

  it('principals and namespaces come from the peer certificate; their negations and ipBlocks do not count', () => {
    const keys = peerIdentityKeys(
      rule({
        from: [
          { source: { principals: ['cluster.local/ns/a/sa/b'], notNamespaces: ['c'] } },
          { source: { namespaces: ['d'], ipBlocks: ['203.0.113.0/24'] } },
          { source: { notPrincipals: ['x'] } },
        ],
      }),
    );
    expect(keys.map((k) => k.path.join('.'))).toEqual(['from.0.source.principals', 'from.1.source.namespaces']);
  });

  it('a rule is limited to ports only when every operation lists ports', () => {
    expect(rulePorts(rule({ to: [{ operation: { ports: ['5432'] } }, { operation: { ports: ['5433', '5432'] } }] }))).toEqual([
      '5432',
      '5433',
    ]);
    expect(rulePorts(rule({ to: [{ operation: { ports: ['5432'] } }, { operation: { paths: ['/x'] } }] }))).toBeUndefined();
    expect(rulePorts(rule({ to: [{ operation: { ports: ['5432'], notPorts: ['5432'] } }] }))).toBeUndefined();
    expect(rulePorts(rule({ from: [{ source: { namespaces: ['a'] } }] }))).toBeUndefined();
  });
});

describe('the mesh rules on a repository without a mesh', () => {
  it('report nothing', () => {
    const root = path.resolve(import.meta.dirname, '../../fixtures/mesh-mtls-strict-missing--quiet-no-mesh');
    const rules = RULES.filter((r) => r.id.startsWith('mesh-'));
    expect(rules.length).toBe(11);
    const { findings } = lint({ paths: ['.'], cwd: root, root, config: defaultConfig(), rules });
    expect(findings.map((f) => `${f.file}:${f.span.start.line} ${f.ruleId}`)).toEqual([]);
  });
});
