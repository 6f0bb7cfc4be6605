import { describe, expect, it } from 'vitest';
import { computeConnectivity, connectivityRowStream, connectivityLines, connectivityRows } from '../../src/analysis/connectivity.js';
import { NetpolAnalysis } from '../../src/analysis/netpol.js';
import { connectivityReport, connectivityReportChunks, type ConnectivityFormat } from '../../src/report/connectivity.js';
import { denseCluster } from '../../bench/connectivity.js';
import { referenceConnectivity } from './connectivity-reference.js';
import { cluster, modelOf } from './support.js';

/**
 * The map computed from pod classes against the map computed pair by pair through the
 * engine (connectivity-reference.ts, the computation the map had before classes), on
 * clusters mixing every policy kind the engine knows, host-network pods, workloads whose
 * pods differ, named ports that resolve differently per pod, and IPv6 blocks. Every
 * format written in pieces must be the format written whole.
 */

const FORMATS: readonly ConnectivityFormat[] = ['text', 'json', 'csv', 'md', 'mermaid', 'dot'];

function check(yaml: string): number {
  const model = modelOf(yaml);
  const expected = connectivityRows(referenceConnectivity(new NetpolAnalysis(model)));
  const actual = connectivityRows(computeConnectivity(new NetpolAnalysis(model)));
  expect(actual.map((r) => `${r.source.id} => ${r.destination.id} : ${r.connections}`)).toEqual(
    expected.map((r) => `${r.source.id} => ${r.destination.id} : ${r.connections}`),
  );
  const streamed = [...connectivityRowStream(connectivityLines(new NetpolAnalysis(model)))];
  for (const format of FORMATS) expect([...connectivityReportChunks(streamed, format)].join('')).toBe(connectivityReport(expected, format));
  return expected.length;
}

const doc = (text: string): string => text.replace(/^\n/, '');

const OWNED = (name: string, labels: string, port: number): string =>
  doc(`
apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  namespace: x
  labels: { ${labels} }
  ownerReferences: [{ apiVersion: apps/v1, kind: ReplicaSet, name: rs, controller: true }]
spec:
  containers: [{ name: c, image: example.com/c, ports: [{ name: web, containerPort: ${port} }] }]
`);

const HOST_POD = doc(`
apiVersion: v1
kind: Pod
metadata: { name: node-agent, namespace: z, labels: { pod: agent } }
spec:
  hostNetwork: true
  containers: [{ name: c, image: example.com/c }]
`);

const KUBERNETES = doc(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: x-in, namespace: x }
spec:
  podSelector: { matchExpressions: [{ key: pod, operator: In, values: [a, b] }] }
  policyTypes: [Ingress, Egress]
  ingress:
    - from:
        - namespaceSelector: { matchLabels: { ns: y } }
          podSelector: { matchExpressions: [{ key: pod, operator: NotIn, values: [c] }] }
        - ipBlock: { cidr: 10.0.0.0/8, except: [10.1.0.0/16, 10.1.2.0/24] }
        - ipBlock: { cidr: 'fd00::/8', except: ['fd00:1::/32'] }
      ports: [{ port: serve-80-tcp }, { port: 9000, endPort: 9100 }, { port: web }]
    - from: [{ podSelector: { matchLabels: { role: front } } }]
  egress:
    - to: [{ namespaceSelector: { matchLabels: { ns: z } } }]
      ports: [{ port: serve-81-udp, protocol: UDP }]
    - to: [{ ipBlock: { cidr: 192.168.0.0/16 } }]
`);

const CALICO = doc(`
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: { name: y-ordered, namespace: y }
spec:
  selector: pod == 'a' || pod == 'b'
  order: 10
  ingress:
    - action: Deny
      protocol: TCP
      source: { selector: pod == 'c' }
      destination: { ports: [80] }
    - action: Pass
      source: { namespaceSelector: ns == 'z' }
    - action: Allow
      protocol: UDP
      destination: { ports: [serve-81-udp] }
  egress:
    - action: Deny
      destination: { nets: [10.0.0.0/8] }
    - action: Allow
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: { name: deny-z-b }
spec:
  selector: pod == 'b'
  order: 5
  ingress:
    - action: Deny
      source: { nets: [172.16.0.0/12] }
    - action: Allow
      source: { selector: has(pod) }
`);

const CILIUM = doc(`
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: z-c, namespace: z }
spec:
  endpointSelector: { matchLabels: { pod: c } }
  ingress:
    - fromEntities: [world]
    - fromEndpoints: [{ matchLabels: { pod: a } }]
      toPorts: [{ ports: [{ port: serve-80-tcp, protocol: TCP }] }]
  ingressDeny:
    - fromCIDRSet: [{ cidr: 203.0.113.0/24 }]
  egress:
    - toCIDRSet: [{ cidr: 198.51.100.0/24, except: [198.51.100.7/32] }]
      toPorts: [{ ports: [{ port: '443', protocol: TCP }] }]
---
# An entity the analysis does not model: never taken as a pod by the map.
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: z-b, namespace: z }
spec:
  endpointSelector: { matchLabels: { pod: b } }
  ingress: [{ fromEntities: [health] }]
  egress: [{ toEntities: [health] }, { toEndpoints: [{ matchLabels: { pod: a } }] }]
`);

const ADMIN = doc(`
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: { name: guard }
spec:
  priority: 10
  subject: { namespaces: { matchLabels: { ns: x } } }
  ingress:
    - { action: Deny, from: [{ pods: { namespaceSelector: { matchLabels: { ns: z } }, podSelector: { matchLabels: { pod: b } } } }] }
    - { action: Pass, from: [{ namespaces: { matchLabels: { ns: y } } }] }
  egress:
    - { action: Allow, to: [{ networks: [10.9.0.0/16] }], ports: [{ portNumber: { protocol: TCP, port: 53 } }] }
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: { name: default }
spec:
  subject: { namespaces: {} }
  ingress:
    - { action: Deny, from: [{ namespaces: {} }] }
`);

const EDGE = doc(`
apiVersion: v1
kind: Service
metadata: { name: web, namespace: x }
spec:
  selector: { pod: a }
  ports: [{ port: 80, targetPort: serve-80-tcp }]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: web, namespace: x }
spec:
  rules: [{ http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }] } }]
`);

// A namespace that is not in the repository: its labels are unknown, so selection is uncertain.
const UNKNOWN_NAMESPACE = doc(`
apiVersion: v1
kind: Pod
metadata: { name: stray, namespace: elsewhere, labels: { pod: a, role: front } }
spec:
  containers: [{ name: c, image: example.com/c, ports: [{ name: web, containerPort: 7000 }] }]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: from-prod, namespace: y }
spec:
  podSelector: {}
  ingress: [{ from: [{ namespaceSelector: { matchLabels: { env: prod } } }], ports: [{ port: web }] }]
`);

const all = (...docs: string[]): string => [cluster(), ...docs].join('---\n');

describe('the map from pod classes equals the map pair by pair', () => {
  it('Kubernetes policies with named ports, IPv6 blocks and a workload whose pods differ', () => {
    expect(check(all(KUBERNETES, OWNED('rs-1', 'pod: a, role: front', 8081), OWNED('rs-2', 'pod: c', 8082)))).toBeGreaterThan(20);
  });

  it('Calico order, deny and pass; Cilium deny and entities', () => {
    expect(check(all(CALICO, CILIUM))).toBeGreaterThan(20);
  });

  it('admin and baseline tiers over NetworkPolicies', () => {
    expect(check(all(ADMIN, KUBERNETES))).toBeGreaterThan(10);
  });

  it('host-network pods, the ingress controller, and labels nobody defined', () => {
    expect(check(all(HOST_POD, EDGE, UNKNOWN_NAMESPACE, KUBERNETES))).toBeGreaterThan(20);
  });

  it('everything together', () => {
    expect(check(all(KUBERNETES, CALICO, CILIUM, ADMIN, HOST_POD, EDGE, UNKNOWN_NAMESPACE, OWNED('rs-1', 'pod: b', 8081)))).toBeGreaterThan(
      20,
    );
  });

  it('the dense benchmark cluster', () => {
    expect(check(denseCluster(150))).toBeGreaterThan(1000);
  });
});
