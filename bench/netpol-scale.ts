import { performance } from 'node:perf_hooks';
import type { SourceFile } from '../src/discover/discover.js';
import { defaultConfig } from '../src/core/config.js';
import { loadModel } from '../src/model/load.js';
import { RULES } from '../rules/index.js';
import { connectivityReport } from '../src/report/connectivity.js';
import { computeConnectivity, connectivityRows } from '../src/analysis/connectivity.js';
import { AnalysisContext } from '../src/rule/context.js';

/**
 * NetworkPolicy analysis at scale: 5,000 workloads and 5,000 policies spread over 250
 * namespaces, loaded through the real loader from YAML text, then every netpol rule and
 * the connectivity map. Each namespace gets a default deny, a DNS allowance, per-app
 * ingress and egress policies (same-namespace peers, peers in a neighbouring namespace
 * through namespace AND pod selectors, address blocks) and a few Calico and Cilium policies.
 */
const NAMESPACES = 250;
const APPS_PER_NAMESPACE = 20;
const POLICIES_PER_NAMESPACE = 20;

function deployment(ns: string, app: string, i: number): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${app}
  namespace: ${ns}
spec:
  template:
    metadata:
      labels: { app: ${app}, tier: t${i % 3}, team: ${ns} }
    spec:
      containers:
        - name: main
          image: example.com/${app}
          ports: [{ name: http, containerPort: ${8000 + i} }]
`;
}

function namespaceFile(n: number): string {
  const ns = `ns-${n}`;
  const next = `ns-${(n + 1) % NAMESPACES}`;
  const docs: string[] = [`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n  labels: { zone: z${n % 5} }\n`];
  for (let i = 0; i < APPS_PER_NAMESPACE; i++) docs.push(deployment(ns, `app-${i}`, i));
  docs.push(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: default-deny, namespace: ${ns} }
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
`);
  docs.push(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: allow-dns, namespace: ${ns} }
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
    - to:
        - namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: kube-system } }
          podSelector: { matchLabels: { k8s-app: kube-dns } }
      ports: [{ port: 53, protocol: UDP }, { port: 53, protocol: TCP }]
`);
  for (let p = 2; p < POLICIES_PER_NAMESPACE; p++) {
    const app = `app-${p}`;
    const kind = p % 9;
    if (kind === 7) {
      docs.push(`apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: { name: calico-${p}, namespace: ${ns} }
spec:
  selector: app == '${app}' && tier in {'t0', 't1', 't2'}
  order: 100
  ingress:
    - action: Deny
      source: { nets: [198.51.100.${p}/32] }
    - action: Allow
      protocol: TCP
      source: { selector: app == 'app-${(p + 1) % APPS_PER_NAMESPACE}' }
      destination: { ports: [http] }
`);
    } else if (kind === 8) {
      docs.push(`apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: cilium-${p}, namespace: ${ns} }
spec:
  endpointSelector: { matchLabels: { app: ${app} } }
  egress:
    - toEndpoints:
        - matchLabels: { k8s:io.kubernetes.pod.namespace: ${next}, app: app-${p} }
      toPorts: [{ ports: [{ port: "${8000 + p}", protocol: TCP }] }]
    - toCIDRSet: [{ cidr: 203.0.113.0/24, except: [203.0.113.${p}/32] }]
`);
    } else {
      docs.push(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: policy-${p}, namespace: ${ns} }
spec:
  podSelector:
    matchExpressions: [{ key: app, operator: In, values: [${app}] }]
  ingress:
    - from:
        - podSelector: { matchLabels: { app: app-${(p + 1) % APPS_PER_NAMESPACE} } }
        - namespaceSelector: { matchLabels: { zone: z${(n + 1) % 5} } }
          podSelector: { matchLabels: { app: ${app} } }
      ports: [{ port: http }, { port: 9000, endPort: 9010 }]
    - from:
        - ipBlock: { cidr: 192.0.2.0/24, except: [192.0.2.${p}/32] }
      ports: [{ port: 443 }]
  egress:
    - to:
        - podSelector: { matchLabels: { app: app-${(p + 2) % APPS_PER_NAMESPACE} } }
      ports: [{ port: ${8000 + ((p + 2) % APPS_PER_NAMESPACE)} }]
`);
    }
  }
  return docs.join('---\n');
}

/** The synthetic repository as discovered files. */
export function scaleFiles(): SourceFile[] {
  const files: SourceFile[] = [];
  for (let n = 0; n < NAMESPACES; n++) {
    const path = `namespaces/ns-${String(n).padStart(3, '0')}.yaml`;
    files.push({ path, abs: `/bench/${path}`, kind: 'manifest', text: namespaceFile(n) });
  }
  return files;
}

export async function netpolScale(): Promise<{ workloads: number; policies: number; buildMs: number; analysisMs: number }> {
  const files = scaleFiles();
  const t0 = performance.now();
  const model = loadModel('/bench', files, defaultConfig());
  const t1 = performance.now();
  let reports = 0;
  const context = new AnalysisContext(model);
  for (const rule of RULES) if (rule.id.startsWith('netpol-')) for (const _ of rule.check(context)) reports++;
  const map = connectivityReport(connectivityRows(computeConnectivity(context.netpol)), 'text');
  const t2 = performance.now();
  const policies = model.resources.filter((r) => /NetworkPolicy$/.test(r.kind)).length;
  if (reports < 0 || map.length === 0) throw new Error('connectivity map is empty');
  return { workloads: model.workloads.length, policies, buildMs: t1 - t0, analysisMs: t2 - t1 };
}
