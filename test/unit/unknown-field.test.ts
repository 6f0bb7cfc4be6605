import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { unknownFields, withoutFields } from '../../src/model/unknown-fields.js';
import { NetpolAnalysis } from '../../src/analysis/netpol.js';
import { lintFixture } from '../support/run-fixture.js';

// Expectations written from the upstream API references (Kubernetes networking.k8s.io/v1 and
// core/v1, Istio security/networking, Gateway API v1, Calico v3, Cilium v2), not from the code.
describe('fields a schema does not define', () => {
  it('NetworkPolicy: NetworkPolicySpec has podSelector, policyTypes, ingress, egress; a peer has podSelector, namespaceSelector, ipBlock', () => {
    const policy = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'p', namespace: 'a', labels: { any: 'label' }, lables: {} },
      spec: {
        podSelector: { matchLabels: { app: 'web' }, matchLabel: { app: 'db' } },
        policyType: ['Egress'],
        ingress: [
          {
            from: [{ podSelector: {}, namespaceSelecter: {} }, { ipBlock: { cidr: '192.0.2.0/24', exclude: ['192.0.2.1/32'] } }],
            ports: [{ port: 80, endPort: 90, protocol: 'TCP', portName: 'x' }],
          },
        ],
        egress: [{ to: [], port: [] }],
      },
    };
    expect(unknownFields(policy)).toEqual([
      ['metadata', 'lables'],
      ['spec', 'podSelector', 'matchLabel'],
      ['spec', 'policyType'],
      ['spec', 'ingress', 0, 'from', 0, 'namespaceSelecter'],
      ['spec', 'ingress', 0, 'from', 1, 'ipBlock', 'exclude'],
      ['spec', 'ingress', 0, 'ports', 0, 'portName'],
      ['spec', 'egress', 0, 'port'],
    ]);
  });

  it('Service and Ingress: ServicePort has name, protocol, appProtocol, port, targetPort, nodePort; an IngressBackend service port has name or number', () => {
    const service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's' },
      spec: {
        type: 'LoadBalancer',
        loadBalancerSourceRanges: ['192.0.2.0/24'],
        ports: [{ name: 'h', protocol: 'TCP', appProtocol: 'http', port: 80, targetPort: 'http', nodePort: 30080, hostPort: 1 }],
        externalIP: ['192.0.2.1'],
      },
      status: { loadBalancer: { ingress: [{ ip: '192.0.2.1' }] } },
    };
    expect(unknownFields(service)).toEqual([
      ['spec', 'ports', 0, 'hostPort'],
      ['spec', 'externalIP'],
    ]);
    const ingress = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'i' },
      spec: {
        rules: [
          {
            host: 'a.example.com',
            http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 's', port: { number: 80, numbr: 1 } } } }] },
          },
        ],
      },
    };
    expect(unknownFields(ingress)).toEqual([['spec', 'rules', 0, 'http', 'paths', 0, 'backend', 'service', 'port', 'numbr']]);
  });

  it('Istio: PeerAuthentication has selector, mtls, portLevelMtls (a map of port to mode); AuthorizationPolicy sources have principals and notPrincipals', () => {
    expect(
      unknownFields({
        apiVersion: 'security.istio.io/v1beta1',
        kind: 'PeerAuthentication',
        metadata: { name: 'p' },
        spec: { mtls: { mode: 'STRICT' }, portLevelMtls: { '8080': { mode: 'DISABLE', mod: 'x' } }, selectors: {} },
      }),
    ).toEqual([
      ['spec', 'portLevelMtls', '8080', 'mod'],
      ['spec', 'selectors'],
    ]);
    expect(
      unknownFields({
        apiVersion: 'security.istio.io/v1',
        kind: 'AuthorizationPolicy',
        metadata: { name: 'a' },
        spec: { action: 'DENY', rules: [{ from: [{ source: { notPrincipals: ['*'], principal: ['x'] } }] }] },
      }),
    ).toEqual([['spec', 'rules', 0, 'from', 0, 'source', 'principal']]);
  });

  it('Gateway API: HTTPBackendRef has name, namespace, group, kind, port, weight, filters', () => {
    expect(
      unknownFields({
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'r' },
        spec: {
          rules: [
            { backendRefs: [{ name: 's', namespace: 'n', group: '', kind: 'Service', port: 80, weight: 1, filters: [], wieght: 2 }] },
          ],
        },
      }),
    ).toEqual([['spec', 'rules', 0, 'backendRefs', 0, 'wieght']]);
  });

  it('Calico and Cilium: a rule has source/destination (Calico) and fromEndpoints/toPorts (Cilium); L7 rules are not checked', () => {
    expect(
      unknownFields({
        apiVersion: 'crd.projectcalico.org/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'c' },
        spec: { selector: 'all()', ingress: [{ action: 'Allow', source: { nets: [], notNets: [], net: '' }, from: {} }] },
      }),
    ).toEqual([
      ['spec', 'ingress', 0, 'source', 'net'],
      ['spec', 'ingress', 0, 'from'],
    ]);
    expect(
      unknownFields({
        apiVersion: 'cilium.io/v2',
        kind: 'CiliumNetworkPolicy',
        metadata: { name: 'c' },
        spec: {
          endpointSelector: {},
          ingress: [{ fromEndpoints: [{}], toPorts: [{ ports: [{ port: '80' }], rules: { http: [{ anything: 1 }] } }], fromEndpoint: [] }],
        },
      }),
    ).toEqual([['spec', 'ingress', 0, 'fromEndpoint']]);
  });

  it('kinds without a schema keep every field', () => {
    expect(unknownFields({ apiVersion: 'example.com/v1', kind: 'NetworkPolicy', spec: { podSelecter: {} } })).toEqual([]);
    expect(unknownFields({ apiVersion: 'v1', kind: 'ConfigMap', data: { a: 'b' }, extra: 1 })).toEqual([]);
  });

  it('dropping fields removes exactly those keys and leaves list positions alone', () => {
    const value = { a: 1, b: [{ c: 1, d: 2 }, { c: 3 }], e: { f: 1 } };
    expect(
      withoutFields(value, [
        ['b', 0, 'd'],
        ['e', 'f'],
      ]),
    ).toEqual({ a: 1, b: [{ c: 1 }, { c: 3 }], e: {} });
    expect(value.b[0]).toEqual({ c: 1, d: 2 });
  });
});

describe('Istio fields newer than the first v1 APIs', () => {
  it('an AuthorizationPolicy attached with `targetRefs` (Istio 1.22+) is valid; a misspelt field beside it is not', () => {
    const policy = {
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name: 'gw', namespace: 'ingress' },
      spec: {
        targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public' }],
        action: 'DENY',
        rulez: [],
      },
    };
    expect(unknownFields(policy)).toEqual([['spec', 'rulez']]);
  });
});

// Policies are analysed as the API server stores them: without the unknown fields.
describe('what the API server stores is what is analysed', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  const repo = (policy: string): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsl-unknown-field-'));
    dirs.push(dir);
    const workload = `apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: shop }
spec:
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: web, image: example.com/web:1 }] }
`;
    fs.writeFileSync(path.join(dir, 'app.yaml'), `${workload}---\n${policy}`);
    return dir;
  };
  const ruleIds = (dir: string): string[] => lintFixture(dir).findings.map((f) => f.ruleId);

  it('a misspelt `policyTypes: [Egress]` leaves an Ingress-only policy: egress default deny is still missing', () => {
    const policy = (field: string): string => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: deny-egress, namespace: shop }
spec:
  podSelector: {}
  ${field}: [Egress]
`;
    const dir = repo(policy('policyType'));
    // The model holds the policy as stored: the misspelt key is gone and recorded as dropped.
    const stored = lintFixture(dir).model.resources.find((r) => r.kind === 'NetworkPolicy');
    expect(stored?.root.get('spec', 'policyType')).toBeUndefined();
    expect(stored?.root.get('spec', 'podSelector')?.value).toEqual({});
    expect(stored?.droppedFields?.map((d) => d.path)).toEqual([['spec', 'policyType']]);
    const misspelt = ruleIds(dir);
    expect(misspelt).toContain('unknown-field');
    expect(misspelt).toContain('netpol-default-deny-egress-missing');
    // An Ingress-only policy with no rules is a namespace-wide ingress deny.
    expect(misspelt).not.toContain('netpol-default-deny-ingress-missing');
    const spelt = ruleIds(repo(policy('policyTypes')));
    expect(spelt).not.toContain('netpol-default-deny-egress-missing');
    expect(spelt).toContain('netpol-default-deny-ingress-missing');
  });

  it('`matchLabel` inside a podSelector leaves an empty selector, which selects every pod of the namespace', () => {
    const policy = (field: string): string => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: db-only, namespace: shop }
spec:
  podSelector:
    ${field}: { app: db }
  policyTypes: [Ingress]
`;
    const misspelt = lintFixture(repo(policy('matchLabel')));
    const stored = misspelt.model.resources.find((r) => r.kind === 'NetworkPolicy');
    expect(stored?.root.get('spec', 'podSelector')?.value).toEqual({});
    const analysis = new NetpolAnalysis(misspelt.model);
    const web = analysis.pods.find((p) => p.workload?.name === 'web');
    expect(web && analysis.isolated(web, 'Ingress')).toBe(true);
    expect(misspelt.findings.map((f) => f.ruleId)).not.toContain('netpol-default-deny-ingress-missing');

    const spelt = lintFixture(repo(policy('matchLabels')));
    const again = new NetpolAnalysis(spelt.model);
    const web2 = again.pods.find((p) => p.workload?.name === 'web');
    expect(web2 && again.isolated(web2, 'Ingress')).toBe(false);
    expect(spelt.findings.map((f) => f.ruleId)).toContain('netpol-selects-nothing');
  });

  it('the finding points at the unknown key', () => {
    const dir = repo(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: p, namespace: shop }
spec:
  podSelector: {}
  policyType: [Egress]
`);
    const found = lintFixture(dir).findings.filter((f) => f.ruleId === 'unknown-field');
    expect(found.map((f) => `${f.file}:${f.span.start.line}:${f.span.start.column}`)).toEqual(['app.yaml:15:3']);
  });

  it('an object that two overlays place in two namespaces is reported once, in its base', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsl-unknown-field-'));
    dirs.push(dir);
    const write = (file: string, text: string): void => {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), text);
    };
    write('base/kustomization.yaml', 'resources: [policy.yaml]\n');
    write('base/policy.yaml', 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: p }\nspec:\n  podSelecter: {}\n');
    write('a/kustomization.yaml', 'namespace: a\nresources: [../base]\n');
    write('b/kustomization.yaml', 'namespace: b\nresources: [../base]\n');
    const { findings, model } = lintFixture(dir);
    expect(model.resources.filter((r) => r.kind === 'NetworkPolicy').map((r) => r.namespace)).toEqual(['a', 'b']);
    const found = findings.filter((f) => f.ruleId === 'unknown-field');
    expect(found.map((f) => `${f.file}:${f.span.start.line}`)).toEqual(['base/policy.yaml:5']);
  });
});
