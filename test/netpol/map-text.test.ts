import { describe, expect, it } from 'vitest';
import { computeConnectivity, connectivityRows } from '../../src/analysis/connectivity.js';
import { NetpolAnalysis } from '../../src/analysis/netpol.js';
import { connectivityReport } from '../../src/report/connectivity.js';
import { modelOf } from './support.js';

/**
 * The connectivity map's text, np-guard style: small inputs written for these tests (a
 * `kubectl get -o yaml` dump of typed lists, admin policy tiers), with every expected
 * line worked out by hand from the Kubernetes and AdminNetworkPolicy semantics.
 */

const text = (...yaml: string[]): string =>
  connectivityReport(connectivityRows(computeConnectivity(new NetpolAnalysis(modelOf(...yaml)))), 'text');

const LEGEND =
  "[hostNetwork]: the pods use the node's network. Kubernetes leaves policy for them undefined and most network plugins do not apply it, so their side allows every connection; the other side's policies apply, matching them as the pod or as the node's address.";

// Typed lists whose items carry no apiVersion/kind, as `kubectl get -o yaml` writes them.
const NAMESPACES = `apiVersion: v1
kind: NamespaceList
items:
  - metadata: { name: shop, labels: { team: shop } }
  - metadata: { name: ops }
`;
const owner = (kind: string, name: string): string =>
  `ownerReferences: [{ apiVersion: apps/v1, kind: ${kind}, name: ${name}, controller: true }]`;
const PODS = `apiVersion: v1
kind: PodList
items:
  - metadata:
      name: web-5f7d8-aaaaa
      namespace: shop
      labels: { app: web }
      ${owner('ReplicaSet', 'web-5f7d8')}
    spec: { containers: [{ name: web, image: example.com/web, ports: [{ name: http, containerPort: 8080 }] }] }
  - metadata:
      name: web-5f7d8-bbbbb
      namespace: shop
      labels: { app: web }
      ${owner('ReplicaSet', 'web-5f7d8')}
    spec: { containers: [{ name: web, image: example.com/web, ports: [{ name: http, containerPort: 8080 }] }] }
  - metadata:
      name: db-0
      namespace: shop
      labels: { app: db }
      ${owner('StatefulSet', 'db')}
    spec: { containers: [{ name: db, image: example.com/db, ports: [{ containerPort: 5432 }] }] }
  - metadata:
      name: agent-x2k9q
      namespace: ops
      labels: { app: agent }
      ${owner('DaemonSet', 'agent')}
    spec: { hostNetwork: true, containers: [{ name: agent, image: example.com/agent }] }
  - metadata: { name: debug, namespace: ops, labels: { app: debug } }
    spec: { containers: [{ name: sh, image: example.com/sh }] }
`;
const POLICIES = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicyList
items:
  - metadata: { name: db-in, namespace: shop }
    spec:
      podSelector: { matchLabels: { app: db } }
      ingress:
        - from: [{ podSelector: { matchLabels: { app: web } } }]
          ports: [{ port: 5432 }]
  - metadata: { name: web-out, namespace: shop }
    spec:
      podSelector: { matchLabels: { app: web } }
      policyTypes: [Egress]
      egress:
        - to: [{ podSelector: { matchLabels: { app: db } } }]
          ports: [{ port: 5432 }]
        - to: [{ ipBlock: { cidr: 0.0.0.0/0, except: [10.0.0.0/8] } }]
          ports: [{ port: 443 }]
        - ports: [{ port: 53, protocol: UDP }]
`;

describe('connectivity text, np-guard style', () => {
  it('a cluster dump: pods named after their owners, same-owner pairs left out, host network marked', () => {
    expect(text(NAMESPACES, PODS, POLICIES).split('\n')).toEqual([
      '0.0.0.0/0 => ops/agent[DaemonSet][hostNetwork] : All Connections',
      '0.0.0.0/0 => ops/debug[Pod] : All Connections',
      '0.0.0.0/0 => shop/web-5f7d8[ReplicaSet] : All Connections',
      'ops/agent[DaemonSet][hostNetwork] => 0.0.0.0/0 : All Connections',
      'ops/agent[DaemonSet][hostNetwork] => ops/debug[Pod] : All Connections',
      'ops/agent[DaemonSet][hostNetwork] => shop/web-5f7d8[ReplicaSet] : All Connections',
      'ops/debug[Pod] => 0.0.0.0/0 : All Connections',
      'ops/debug[Pod] => ops/agent[DaemonSet][hostNetwork] : All Connections',
      'ops/debug[Pod] => shop/web-5f7d8[ReplicaSet] : All Connections',
      'shop/db[StatefulSet] => 0.0.0.0/0 : All Connections',
      'shop/db[StatefulSet] => ops/agent[DaemonSet][hostNetwork] : All Connections',
      'shop/db[StatefulSet] => ops/debug[Pod] : All Connections',
      'shop/db[StatefulSet] => shop/web-5f7d8[ReplicaSet] : All Connections',
      'shop/web-5f7d8[ReplicaSet] => 0.0.0.0-9.255.255.255 : TCP 443,UDP 53',
      'shop/web-5f7d8[ReplicaSet] => 10.0.0.0/8 : UDP 53',
      'shop/web-5f7d8[ReplicaSet] => 11.0.0.0-255.255.255.255 : TCP 443,UDP 53',
      // To the node's address web's ipBlock rule may apply too.
      'shop/web-5f7d8[ReplicaSet] => ops/agent[DaemonSet][hostNetwork] : TCP 443,UDP 53',
      'shop/web-5f7d8[ReplicaSet] => ops/debug[Pod] : UDP 53',
      'shop/web-5f7d8[ReplicaSet] => shop/db[StatefulSet] : TCP 5432',
      '',
      LEGEND,
      '',
    ]);
  });

  it('owners: only a controlling reference names the pod; a Node (static pod) does not; a dump without images still counts', () => {
    const pod = (name: string, meta: string, image = ', image: example.com/c'): string => `apiVersion: v1
kind: Pod
metadata: { name: ${name}, namespace: x${meta} }
spec: { containers: [{ name: c${image} }] }
`;
    const lines = text(
      [
        pod('static-n1', ', ownerReferences: [{ apiVersion: v1, kind: Node, name: n1, controller: true }]'),
        pod('helper', ', ownerReferences: [{ apiVersion: v1, kind: ConfigMap, name: cm }]'),
        // kubectl dumps trimmed of images: a controller made it, so it is a pod, not a patch.
        pod('job-abcde', ', ownerReferences: [{ apiVersion: batch/v1, kind: Job, name: job, controller: true }]', ''),
      ].join('---\n'),
    ).split('\n');
    expect(lines.filter((l) => !l.startsWith('0.0.0.0/0') && !l.includes('=> 0.0.0.0/0'))).toEqual([
      'x/helper[Pod] => x/job[Job] : All Connections',
      'x/helper[Pod] => x/static-n1[Pod] : All Connections',
      'x/job[Job] => x/helper[Pod] : All Connections',
      'x/job[Job] => x/static-n1[Pod] : All Connections',
      'x/static-n1[Pod] => x/helper[Pod] : All Connections',
      'x/static-n1[Pod] => x/job[Job] : All Connections',
      '',
    ]);
  });

  it('admin tiers: ANP Allow, then Pass to NetworkPolicies or the baseline, then Deny', () => {
    const cluster = `apiVersion: v1
kind: Namespace
metadata: { name: red, labels: { tier: a } }
---
apiVersion: v1
kind: Namespace
metadata: { name: blue, labels: { tier: b } }
---
${['red/r1', 'red/r2', 'blue/b1']
  .map((id) => {
    const [ns, name] = id.split('/');
    return `apiVersion: v1
kind: Pod
metadata: { name: ${name}, namespace: ${ns}, labels: { app: ${name} } }
spec: { containers: [{ name: c, image: example.com/c }] }
`;
  })
  .join('---\n')}`;
    const policies = `apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: { name: p10 }
spec:
  priority: 10
  subject: { namespaces: {} }
  ingress:
    - name: web-from-tier-a
      action: Allow
      from: [{ pods: { namespaceSelector: { matchLabels: { tier: a } }, podSelector: {} } }]
      ports: [{ portNumber: { protocol: TCP, port: 80 } }]
    - name: rest-of-tier-a-decided-below
      action: Pass
      from: [{ namespaces: { matchLabels: { tier: a } } }]
    - name: nothing-else
      action: Deny
      from: [{ namespaces: {} }]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: b-in, namespace: blue }
spec:
  podSelector: {}
  ingress:
    - from: [{ namespaceSelector: { matchLabels: { tier: a } } }]
      ports: [{ port: 8080 }]
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: { name: default }
spec:
  subject: { namespaces: {} }
  ingress:
    - action: Deny
      from: [{ namespaces: { matchLabels: { tier: a } } }]
`;
    expect(text(cluster, policies).split('\n')).toEqual([
      // ANP ingress peers name no addresses: outside traffic goes on, and nothing below refuses it for red.
      '0.0.0.0/0 => red/r1[Pod] : All Connections',
      '0.0.0.0/0 => red/r2[Pod] : All Connections',
      'blue/b1[Pod] => 0.0.0.0/0 : All Connections',
      'red/r1[Pod] => 0.0.0.0/0 : All Connections',
      // TCP 80 by the ANP; the rest passes to blue's NetworkPolicy, which allows TCP 8080.
      'red/r1[Pod] => blue/b1[Pod] : TCP 80,8080',
      // The rest passes, no NetworkPolicy isolates red, and the baseline denies it.
      'red/r1[Pod] => red/r2[Pod] : TCP 80',
      'red/r2[Pod] => 0.0.0.0/0 : All Connections',
      'red/r2[Pod] => blue/b1[Pod] : TCP 80,8080',
      'red/r2[Pod] => red/r1[Pod] : TCP 80',
      '',
    ]);
  });

  it('connection sets: np-guard order and ranges; All Connections only when ICMP and the rest are in', () => {
    const yaml = `apiVersion: v1
kind: Pod
metadata: { name: a, namespace: x, labels: { app: a } }
spec: { containers: [{ name: c, image: example.com/c }] }
---
apiVersion: v1
kind: Pod
metadata: { name: b, namespace: x, labels: { app: b } }
spec: { containers: [{ name: c, image: example.com/c }] }
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: a-in, namespace: x }
spec:
  podSelector: { matchLabels: { app: a } }
  ingress:
    - from: [{ podSelector: {} }]
      ports: [{ protocol: UDP }, { protocol: TCP }, { protocol: SCTP }]
    - from: [{ ipBlock: { cidr: 192.0.2.0/24 } }]
      ports: [{ port: 53, protocol: UDP }, { port: 8000, endPort: 8080 }, { port: 9000, protocol: SCTP }, { port: 53 }]
`;
    const lines = text(yaml).split('\n');
    expect(lines).toContain('x/b[Pod] => x/a[Pod] : SCTP 1-65535,TCP 1-65535,UDP 1-65535');
    expect(lines).toContain('192.0.2.0/24 => x/a[Pod] : SCTP 9000,TCP 53,8000-8080,UDP 53');
    expect(lines).toContain('x/a[Pod] => x/b[Pod] : All Connections');
  });
});

describe('the edge: what Ingresses and Routes send to, as far as policies admit it', () => {
  const WEB = `apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: shop }
spec:
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: web, image: example.com/web, ports: [{ name: http, containerPort: 8080 }, { containerPort: 9090 }] }] }
`;
  const SERVICE = `apiVersion: v1
kind: Service
metadata: { name: web, namespace: shop }
spec:
  selector: { app: web }
  ports:
    - { name: public, port: 80, targetPort: http }
    - { name: metrics, port: 9090 }
`;
  const INGRESS = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: web, namespace: shop }
spec:
  rules:
    - host: shop.example.com
      http:
        paths:
          - { path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }
`;
  const edgeLines = (t: string): string[] => t.split('\n').filter((l) => l.startsWith('{ingress-controller}'));

  it('through the Service port the backend names, to the named container port (TCP only)', () => {
    expect(edgeLines(text(WEB, SERVICE, INGRESS))).toEqual(['{ingress-controller} => shop/web[Deployment] : TCP 8080']);
  });

  it('a backend without a port reaches every Service port; a Route names its target port', () => {
    const route = `apiVersion: route.openshift.io/v1
kind: Route
metadata: { name: web, namespace: shop }
spec:
  to: { kind: Service, name: web }
  port: { targetPort: metrics }
`;
    expect(edgeLines(text(WEB, SERVICE, route))).toEqual(['{ingress-controller} => shop/web[Deployment] : TCP 9090']);
    const noPort = INGRESS.replace(', port: { number: 80 }', '');
    expect(edgeLines(text(WEB, SERVICE, noPort))).toEqual(['{ingress-controller} => shop/web[Deployment] : TCP 8080,9090']);
  });

  it('an ingress policy that admits only the shop namespace keeps the controller out; one for every namespace lets it in', () => {
    const policy = (from: string): string => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: web-in, namespace: shop }
spec:
  podSelector: { matchLabels: { app: web } }
  ingress: [{ from: [${from}] }]
`;
    expect(edgeLines(text(WEB, SERVICE, INGRESS, policy('{ podSelector: {} }')))).toEqual([]);
    expect(edgeLines(text(WEB, SERVICE, INGRESS, policy('{ namespaceSelector: {} }')))).toEqual([
      '{ingress-controller} => shop/web[Deployment] : TCP 8080',
    ]);
  });

  it('a Service of another namespace or selecting other pods leads nowhere', () => {
    expect(edgeLines(text(WEB, SERVICE.replace('namespace: shop', 'namespace: ops'), INGRESS))).toEqual([]);
    expect(edgeLines(text(WEB, SERVICE.replace('selector: { app: web }', 'selector: { app: api }'), INGRESS))).toEqual([]);
  });
});
