import { describe, expect, it } from 'vitest';
import { EdgeAnalysis, internalLoadBalancerAnnotation, nginxFalse, openSourceRanges, tlsHostCovers } from '../../src/analysis/edge.js';
import type { Resource } from '../../src/model/k8s.js';
import { model, type Obj } from './netpol-helpers.js';

/**
 * Expectations come from the upstream documentation, written down here by hand:
 * Kubernetes' Ingress and IngressClass reference (class field, legacy annotation, default
 * class annotation), RFC 6125 wildcard certificates (one label), ingress-nginx's
 * annotation reference (rate limits, `limit-rate` is bandwidth, booleans read with Go's
 * ParseBool), Traefik's CRD naming (`<namespace>-<name>@kubernetescrd`), Istio's Gateway
 * `httpsRedirect`, Gateway API listener hostnames, and the clouds' internal-LB annotations.
 */

function ingress(name: string, opts: { cls?: string; annotations?: Record<string, string>; spec?: Obj; group?: string } = {}): Obj {
  const spec: Obj = { rules: [{ host: `${name}.example.com` }], ...opts.spec };
  if (opts.cls !== undefined) spec['ingressClassName'] = opts.cls;
  return {
    apiVersion: `${opts.group ?? 'networking.k8s.io'}/v1`,
    kind: 'Ingress',
    metadata: { name, namespace: 'web', annotations: opts.annotations ?? {} },
    spec,
  };
}

function ingressClass(name: string, controller: string, isDefault = false, group = 'networking.k8s.io'): Obj {
  const annotations = isDefault ? { 'ingressclass.kubernetes.io/is-default-class': 'true' } : {};
  return { apiVersion: `${group}/v1`, kind: 'IngressClass', metadata: { name, annotations }, spec: { controller } };
}

function middleware(id: string, spec: Obj, group = 'traefik.io'): Obj {
  const [namespace, name] = id.split('/');
  return { apiVersion: `${group}/v1alpha1`, kind: 'Middleware', metadata: { name, namespace }, spec };
}

function edgeOf(docs: Obj[]): { edge: EdgeAnalysis; byName: (name: string) => Resource } {
  const m = model(docs);
  const edge = new EdgeAnalysis(m);
  const byName = (name: string): Resource => {
    const r = m.resources.find((x) => x.name === name);
    if (!r) throw new Error(`no object ${name}`);
    return r;
  };
  return { edge, byName };
}

describe('TLS host coverage', () => {
  it.each([
    ['app.example.com', 'app.example.com', true],
    ['APP.example.com', 'app.EXAMPLE.com', true],
    ['app.example.com', 'api.example.com', false],
    ['*.example.com', 'a.example.com', true],
    ['*.example.com', 'a.b.example.com', false],
    ['*.example.com', 'example.com', false],
    ['*.example.com', '*.example.com', true],
    ['*.example.com', '.example.com', false],
    ['*.example.com', 'a.example.com.attacker.example', false],
    ['*.example.com', 'aexample.com', false],
    ['example.com', 'a.example.com', false],
  ])('%s covers %s: %s', (cert, host, expected) => {
    expect(tlsHostCovers(cert, host)).toBe(expected);
  });
});

describe('internal load balancers', () => {
  it.each([
    ['service.beta.kubernetes.io/aws-load-balancer-internal', 'true'],
    ['service.beta.kubernetes.io/aws-load-balancer-scheme', 'internal'],
    ['networking.gke.io/load-balancer-type', 'Internal'],
    ['cloud.google.com/load-balancer-type', 'Internal'],
    ['service.beta.kubernetes.io/azure-load-balancer-internal', 'true'],
    ['service.beta.kubernetes.io/oci-load-balancer-internal', 'true'],
  ])('%s: %s is internal', (key, value) => {
    expect(internalLoadBalancerAnnotation({ [key]: value })).toBe(key);
  });

  it.each([
    ['service.beta.kubernetes.io/aws-load-balancer-internal', 'false'],
    ['service.beta.kubernetes.io/aws-load-balancer-scheme', 'internet-facing'],
    ['networking.gke.io/load-balancer-type', 'External'],
    ['service.beta.kubernetes.io/azure-load-balancer-internal', 'false'],
    ['service.beta.kubernetes.io/aws-load-balancer-type', 'nlb'],
  ])('%s: %s is public', (key, value) => {
    expect(internalLoadBalancerAnnotation({ [key]: value })).toBeUndefined();
  });
});

describe('open source ranges', () => {
  it('a prefix of length 0 admits a whole family, whatever address it is written with', () => {
    expect(openSourceRanges(['192.0.2.0/24', ' ::/0'])).toEqual([' ::/0']);
    expect(openSourceRanges(['0.0.0.0/0'])).toEqual(['0.0.0.0/0']);
    expect(openSourceRanges(['10.0.0.0/0'])).toEqual(['10.0.0.0/0']);
  });

  it('narrow ranges, half spaces and non-addresses admit no whole family', () => {
    expect(openSourceRanges(['192.0.2.0/24', '2001:db8::/32', '0.0.0.0/1', '{{ .Values.cidr }}', 'any'])).toEqual([]);
  });
});

describe('ingress-nginx booleans (Go ParseBool)', () => {
  it.each(['false', 'False', 'FALSE', '0', 'f', 'F'])('%s is false', (v) => expect(nginxFalse(v)).toBe(true));
  it.each(['true', '1', 'no', 'off', ''])('%s is not false', (v) => expect(nginxFalse(v)).toBe(false));
});

describe('the controller that serves an Ingress', () => {
  it('follows conventional class names from the field or the legacy annotation', () => {
    const { edge, byName } = edgeOf([
      ingress('a', { cls: 'nginx' }),
      ingress('b', { annotations: { 'kubernetes.io/ingress.class': 'traefik' } }),
      ingress('c', { cls: 'alb' }),
      ingress('d', { cls: 'made-up' }),
      ingress('e'),
    ]);
    expect(['a', 'b', 'c', 'd', 'e'].map((n) => edge.controllerOf(byName(n)))).toEqual([
      'ingress-nginx',
      'traefik',
      'other',
      undefined,
      undefined,
    ]);
  });

  it('prefers spec.ingressClassName over the legacy annotation', () => {
    const { edge, byName } = edgeOf([ingress('a', { cls: 'traefik', annotations: { 'kubernetes.io/ingress.class': 'nginx' } })]);
    expect(edge.controllerOf(byName('a'))).toBe('traefik');
  });

  it('resolves a class name through an IngressClass of the repository, before any convention', () => {
    const { edge, byName } = edgeOf([
      ingressClass('public', 'k8s.io/ingress-nginx'),
      ingressClass('nginx', 'nginx.org/ingress-controller'),
      ingressClass('edge', 'traefik.io/ingress-controller'),
      ingress('a', { cls: 'public' }),
      ingress('b', { cls: 'nginx' }),
      ingress('c', { annotations: { 'kubernetes.io/ingress.class': 'edge' } }),
    ]);
    expect(['a', 'b', 'c'].map((n) => edge.controllerOf(byName(n)))).toEqual(['ingress-nginx', 'other', 'traefik']);
  });

  it('ignores an IngressClass kind of another API group', () => {
    const { edge, byName } = edgeOf([
      ingressClass('public', 'k8s.io/ingress-nginx', true, 'example.com'),
      ingress('a', { cls: 'public' }),
      ingress('b'),
    ]);
    expect(edge.controllerOf(byName('a'))).toBeUndefined();
    expect(edge.controllerOf(byName('b'))).toBeUndefined();
  });

  it('gives class-less Ingresses the default class, unless defaults disagree', () => {
    const one = edgeOf([
      ingressClass('cluster', 'k8s.io/ingress-nginx', true),
      ingressClass('t', 'traefik.io/ingress-controller'),
      ingress('a'),
    ]);
    expect(one.edge.controllerOf(one.byName('a'))).toBe('ingress-nginx');
    const two = edgeOf([
      ingressClass('x', 'k8s.io/ingress-nginx', true),
      ingressClass('y', 'traefik.io/ingress-controller', true),
      ingress('a'),
    ]);
    expect(two.edge.controllerOf(two.byName('a'))).toBeUndefined();
  });

  it('only Kubernetes Ingress groups count as Ingresses', () => {
    const { edge } = edgeOf([ingress('a'), ingress('b', { group: 'extensions' }), ingress('c', { group: 'voyager.appscode.com' })]);
    expect(edge.ingresses.map((r) => r.name)).toEqual(['a', 'b']);
  });
});

describe('ingress-nginx annotations', () => {
  it('are not read on an Ingress of another known controller', () => {
    const annotations = { 'nginx.ingress.kubernetes.io/ssl-redirect': 'false' };
    const { edge, byName } = edgeOf([
      ingress('a', { cls: 'traefik', annotations }),
      ingress('b', { annotations }),
      ingress('c', { cls: 'nginx', annotations }),
    ]);
    expect(edge.nginxAnnotations(byName('a'))).toEqual([]);
    expect(edge.nginxAnnotations(byName('b')).map((a) => [a.name, a.value])).toEqual([['ssl-redirect', 'false']]);
    expect(edge.nginxAnnotations(byName('c')).map((a) => a.name)).toEqual(['ssl-redirect']);
  });

  it.each([
    [{ 'nginx.ingress.kubernetes.io/limit-rps': '10' }, true],
    [{ 'nginx.ingress.kubernetes.io/limit-rpm': '600' }, true],
    [{ 'nginx.ingress.kubernetes.io/limit-connections': '5' }, true],
    [{ 'nginx.ingress.kubernetes.io/global-rate-limit': '100', 'nginx.ingress.kubernetes.io/global-rate-limit-window': '1m' }, true],
    [{ 'nginx.ingress.kubernetes.io/limit-rate': '100', 'nginx.ingress.kubernetes.io/limit-rate-after': '1000' }, false],
    [{ 'nginx.ingress.kubernetes.io/limit-rps': '0' }, false],
    [{ 'nginx.ingress.kubernetes.io/limit-burst-multiplier': '3' }, false],
    [{ 'example.com/limit-rps': '10' }, false],
  ])('%j limits requests: %s', (annotations, expected) => {
    const { edge, byName } = edgeOf([ingress('a', { cls: 'nginx', annotations })]);
    expect(edge.nginxRateLimited(byName('a'))).toBe(expected);
  });
});

describe('Traefik middlewares', () => {
  const docs = [
    middleware('web/rl', { rateLimit: { average: 10 } }),
    middleware('web/strip', { stripPrefix: { prefixes: ['/x'] } }),
    middleware('web/chain', { chain: { middlewares: [{ name: 'strip' }, { name: 'rl' }] } }),
    middleware('web/chain-other-ns', { chain: { middlewares: [{ name: 'rl' }] } }),
    middleware('ops/rl2', { rateLimit: { average: 1 } }),
    middleware('web/chain-cross', { chain: { middlewares: [{ name: 'rl2', namespace: 'ops' }] } }),
    middleware('web/loop', { chain: { middlewares: [{ name: 'loop' }] } }),
    middleware('web/old', { rateLimit: { average: 1 } }, 'traefik.containo.us'),
    middleware('web/foreign', { rateLimit: { average: 1 } }, 'example.com'),
    middleware('web-a/b', { stripPrefix: { prefixes: ['/x'] } }),
    middleware('web/a-b', { rateLimit: { average: 1 } }),
  ];

  it('name CRD middlewares `<namespace>-<name>@kubernetescrd`, each resolved to the object it is', () => {
    const { edge } = edgeOf(docs);
    expect(edge.traefikRefRateLimits('web-rl@kubernetescrd')).toBe(true);
    expect(edge.traefikRefRateLimits('web-strip@kubernetescrd')).toBe(false);
    expect(edge.traefikRefRateLimits('web-chain@kubernetescrd')).toBe(true);
    expect(edge.traefikRefRateLimits('web-chain-cross@kubernetescrd')).toBe(true);
    expect(edge.traefikRefRateLimits('web-loop@kubernetescrd')).toBe(false);
    expect(edge.traefikRefRateLimits('web-old@kubernetescrd')).toBe(true);
    expect(edge.traefikRefRateLimits('web-foreign@kubernetescrd')).toBe(false);
    expect(edge.traefikRefRateLimits('web-missing@kubernetescrd')).toBe(false);
    // Without the provider suffix, or from another provider, nothing in the repository is named.
    expect(edge.traefikRefRateLimits('web-rl')).toBe(false);
    expect(edge.traefikRefRateLimits('rl@file')).toBe(false);
    // Namespace `web-a` name `b` and namespace `web` name `a-b` share the reference.
    expect(edge.traefikRefRateLimits('web-a-b@kubernetescrd')).toBe(true);
  });

  it('a chain member without namespace lives in the chain’s namespace', () => {
    const { edge } = edgeOf([
      middleware('ops/rl', { rateLimit: { average: 1 } }),
      middleware('web/chain', { chain: { middlewares: [{ name: 'rl' }] } }),
    ]);
    expect(edge.traefikRefRateLimits('web-chain@kubernetescrd')).toBe(false);
  });

  it('splits the router annotation on commas', () => {
    const { edge, byName } = edgeOf([
      ingress('a', {
        cls: 'traefik',
        annotations: { 'traefik.ingress.kubernetes.io/router.middlewares': ' web-strip@kubernetescrd ,web-rl@kubernetescrd,' },
      }),
    ]);
    expect(edge.traefikMiddlewareRefs(byName('a'))).toEqual(['web-strip@kubernetescrd', 'web-rl@kubernetescrd']);
  });
});

describe('Ingress TLS', () => {
  it('reports a missing or empty spec.tls as none', () => {
    const { edge, byName } = edgeOf([ingress('a'), ingress('b', { spec: { tls: [] } })]);
    expect(edge.uncoveredHosts(byName('a'))).toBe('none');
    expect(edge.uncoveredHosts(byName('b'))).toBe('none');
  });

  it('lists each rule host no tls.hosts entry covers, once', () => {
    const spec = {
      tls: [{ hosts: ['*.example.com'], secretName: 's' }, { hosts: ['example.org'] }],
      rules: [{ host: 'a.example.com' }, { host: 'a.b.example.com' }, { host: 'example.org' }, { host: 'a.b.example.com' }, {}],
    };
    const { edge, byName } = edgeOf([ingress('a', { spec })]);
    expect(edge.uncoveredHosts(byName('a'))).toEqual(['a.b.example.com']);
  });

  it('a tls entry without hosts covers every host', () => {
    const { edge, byName } = edgeOf([ingress('a', { spec: { tls: [{ secretName: 's' }], rules: [{ host: 'x.example.net' }] } })]);
    expect(edge.uncoveredHosts(byName('a'))).toEqual([]);
  });
});

describe('plain-HTTP gateway listeners', () => {
  const istio = (name: string, servers: Obj[], group = 'networking.istio.io'): Obj => ({
    apiVersion: `${group}/v1`,
    kind: 'Gateway',
    metadata: { name, namespace: 'gw' },
    spec: { selector: { istio: 'ingressgateway' }, servers },
  });
  const gwapi = (name: string, listeners: Obj[]): Obj => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name, namespace: 'gw' },
    spec: { gatewayClassName: 'x', listeners },
  });
  const found = (docs: Obj[]): string[] =>
    edgeOf(docs)
      .edge.plaintextListeners()
      .map((l) => `${l.gateway.name} ${l.what}`);

  it('Istio: an HTTP server without httpsRedirect: true', () => {
    expect(
      found([
        istio('a', [{ port: { number: 80, protocol: 'HTTP', name: 'h' }, hosts: ['*'] }]),
        istio('b', [{ port: { number: 80, protocol: 'HTTP', name: 'h' }, hosts: ['*'], tls: { httpsRedirect: true } }]),
        istio('c', [{ port: { number: 81, protocol: 'HTTP', name: 'h' }, hosts: ['*'], tls: { httpsRedirect: false } }]),
        istio('d', [{ port: { number: 443, protocol: 'HTTPS', name: 's' }, hosts: ['*'], tls: { mode: 'SIMPLE' } }]),
        istio('e', [{ port: { number: 9000, protocol: 'TCP', name: 't' }, hosts: ['*'] }]),
        istio('f', [{ port: { number: 80, protocol: 'HTTP', name: 'h' }, hosts: ['*'] }], 'networking.example.com'),
      ]),
    ).toEqual(['a port 80', 'c port 81']);
  });

  it('Gateway API: an HTTP listener without an HTTPS listener for its hostname', () => {
    expect(
      found([
        gwapi('paired', [
          { name: 'h', hostname: 'a.example.com', port: 80, protocol: 'HTTP' },
          { name: 's', hostname: 'a.example.com', port: 443, protocol: 'HTTPS' },
        ]),
        gwapi('alone', [{ name: 'h', port: 80, protocol: 'HTTP' }]),
        gwapi('other-name', [
          { name: 'h', hostname: 'b.example.com', port: 80, protocol: 'HTTP' },
          { name: 's', hostname: 'a.example.com', port: 443, protocol: 'HTTPS' },
        ]),
        gwapi('tls-passthrough', [
          { name: 'h', hostname: 'a.example.com', port: 80, protocol: 'HTTP' },
          { name: 't', hostname: 'a.example.com', port: 443, protocol: 'TLS' },
        ]),
        gwapi('wildcard', [
          { name: 'h', hostname: 'a.example.com', port: 80, protocol: 'HTTP' },
          { name: 's', hostname: '*.example.com', port: 443, protocol: 'HTTPS' },
        ]),
        gwapi('any-https', [
          { name: 'h', hostname: 'a.example.com', port: 80, protocol: 'HTTP' },
          { name: 's', port: 443, protocol: 'HTTPS' },
        ]),
        gwapi('any-http', [
          { name: 'h', port: 80, protocol: 'HTTP' },
          { name: 's', hostname: 'a.example.com', port: 443, protocol: 'HTTPS' },
        ]),
      ]),
    ).toEqual(['alone listener "h"', 'other-name listener "h"', 'tls-passthrough listener "h"', 'any-http listener "h"']);
  });
});

describe('LoadBalancer Services', () => {
  const svc = (name: string, spec: Obj, annotations: Record<string, string> = {}, apiVersion = 'v1'): Obj => ({
    apiVersion,
    kind: 'Service',
    metadata: { name, namespace: 'web', annotations },
    spec: { ports: [{ port: 443 }], ...spec },
  });

  it('open without source ranges or an internal annotation', () => {
    const { edge } = edgeOf([
      svc('open', { type: 'LoadBalancer' }),
      svc('world', { type: 'LoadBalancer', loadBalancerSourceRanges: ['192.0.2.0/24', '::/0'] }),
      svc('ranged', { type: 'LoadBalancer', loadBalancerSourceRanges: ['192.0.2.0/24'] }),
      svc('annotated-ranges', { type: 'LoadBalancer' }, { 'service.beta.kubernetes.io/load-balancer-source-ranges': '198.51.100.0/24' }),
      svc('internal', { type: 'LoadBalancer' }, { 'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal' }),
      svc('nodeport', { type: 'NodePort' }),
      svc('crd', { type: 'LoadBalancer' }, {}, 'example.com/v1'),
    ]);
    expect(edge.openLoadBalancers().map((o) => [o.service.name, o.openRanges])).toEqual([
      ['open', []],
      ['world', ['::/0']],
    ]);
  });
});
