import { describe, expect, it } from 'vitest';
import { NetpolAnalysis, type Decision, type PodEndpoint } from '../../src/analysis/netpol.js';
import { ConnSet } from '../../src/analysis/netpol-ports.js';
import { describeDecision, explainPair, mapWorkloads, policyName, spellConnections } from '../../src/analysis/connectivity.js';
import { modelOf } from './support.js';

/**
 * The deciding steps the evaluator records (`NetpolAnalysis.explain`): which rule of which
 * policy allows, denies or passes which connections, what isolation refuses, and what is
 * open by default. Every expected list is worked out by hand from the semantics of
 * NetworkPolicy (union of allow rules, isolation refuses the rest), Calico (ordered
 * Allow/Deny/Pass, Pass to the namespace profile), Cilium (deny rules win) and the
 * AdminNetworkPolicy tiers (first match by priority; Pass to NetworkPolicies; baseline last).
 */

const ns = (name: string, labels: Record<string, string>): string =>
  `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n  labels: ${JSON.stringify(labels)}\n`;
const deploy = (namespace: string, name: string, labels: Record<string, string>, ports = '[]'): string => `apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name}, namespace: ${namespace} }
spec:
  template:
    metadata: { labels: ${JSON.stringify(labels)} }
    spec: { containers: [{ name: c, image: example.com/c, ports: ${ports} }] }
`;
const CLUSTER = [
  ns('shop', { team: 'shop' }),
  ns('payments', { team: 'payments' }),
  ns('monitoring', { team: 'monitoring' }),
  deploy('shop', 'web', { app: 'web' }),
  deploy('shop', 'admin', { app: 'admin' }),
  deploy('payments', 'db', { app: 'db' }, '[{ name: pg, containerPort: 5432 }]'),
  deploy('monitoring', 'scraper', { app: 'scraper' }),
];

function analysis(...policies: string[]): { a: NetpolAnalysis; pod: (id: string) => PodEndpoint } {
  const a = new NetpolAnalysis(modelOf(...CLUSTER, ...policies));
  const pod = (id: string): PodEndpoint => {
    const [namespace, name] = id.split('/');
    const w = a.model.workloads.find((x) => x.namespace === namespace && x.name === name);
    if (!w) throw new Error(id);
    return a.pod(w);
  };
  return { a, pod };
}

/** A decision as `verdict connections: reason`, in words a reviewer checks by hand. */
function said(d: Decision, direction: 'Ingress' | 'Egress'): string {
  const v = describeDecision(d, direction);
  return `${v.verdict} ${spellConnections(v.connections)}: ${v.text}`;
}

const DB_POLICIES = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: deny-all, namespace: payments }
spec:
  podSelector: {}
  policyTypes: [Ingress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: db-from-admin, namespace: payments }
spec:
  podSelector: { matchLabels: { app: db } }
  ingress:
    - from:
        - namespaceSelector: { matchLabels: { team: shop } }
          podSelector: { matchLabels: { app: admin } }
      ports: [{ port: pg }]
    - from:
        - namespaceSelector: { matchLabels: { team: monitoring } }
      ports: [{ port: 9187 }]
`;

describe('explain: NetworkPolicy', () => {
  const { a, pod } = analysis(DB_POLICIES);

  it('names the allow rule (named port resolved) and the isolating policies for the rest', () => {
    const e = a.explain(pod('payments/db'), 'Ingress', pod('shop/admin'));
    expect(e.decisions.map((d) => said(d, 'Ingress'))).toEqual([
      'allows TCP 5432: NetworkPolicy payments/db-from-admin, ingress rule 1',
      'denies All Connections but TCP 5432: NetworkPolicy payments/deny-all, NetworkPolicy payments/db-from-admin isolate ingress and no rule allows it',
    ]);
    expect(e.allowed.toMapString()).toBe('TCP 5432');
    expect(e.maybe).toEqual([]);
  });

  it('a source no rule admits: isolation denies everything', () => {
    const e = a.explain(pod('payments/db'), 'Ingress', pod('shop/web'));
    expect(e.decisions.map((d) => said(d, 'Ingress'))).toEqual([
      'denies All Connections: NetworkPolicy payments/deny-all, NetworkPolicy payments/db-from-admin isolate ingress and no rule allows it',
    ]);
    expect(e.allowed.isEmpty).toBe(true);
  });

  it('the second rule for another namespace', () => {
    const e = a.explain(pod('payments/db'), 'Ingress', pod('monitoring/scraper'));
    expect(e.decisions.map((d) => said(d, 'Ingress'))[0]).toBe('allows TCP 9187: NetworkPolicy payments/db-from-admin, ingress rule 2');
  });

  it('a pod no policy selects is open', () => {
    const e = a.explain(pod('shop/web'), 'Egress', pod('payments/db'));
    expect(e.decisions.map((d) => said(d, 'Egress'))).toEqual(['allows All Connections: no policy selects it for egress']);
  });

  it('a pair: egress and ingress sides, and the connections both admit', () => {
    const [web, admin, db] = ['shop/web', 'shop/admin', 'payments/db'].map((id) => mapWorkloads(a).find((w) => w.id.startsWith(`${id}[`)));
    const p = explainPair(a, admin!, db!);
    expect(p.connections.toMapString()).toBe('TCP 5432');
    expect(p.sides.map((s) => `${s.direction} ${s.endpoint.id} ${s.explanation.decisions.length}`)).toEqual([
      'Egress shop/admin[Deployment] 1',
      'Ingress payments/db[Deployment] 2',
    ]);
    expect(explainPair(a, web!, db!).connections.isEmpty).toBe(true);
  });

  it('the rule and the policy carry their places in the manifest', () => {
    const [allow, isolated] = a
      .explain(pod('payments/db'), 'Ingress', pod('shop/admin'))
      .decisions.map((d) => describeDecision(d, 'Ingress'));
    // The second document of the policy file (m7.yaml), `spec.ingress[0]`; the isolating list starts with deny-all's name.
    expect(allow?.at).toEqual({ file: 'm7.yaml', doc: 1, path: ['spec', 'ingress', 0], part: 'value' });
    expect(isolated?.at).toEqual({ file: 'm7.yaml', doc: 0, path: ['metadata', 'name'], part: 'value' });
  });
});

describe('explain: Calico order, Deny and Pass', () => {
  const { a, pod } = analysis(`apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: { name: first, namespace: payments }
spec:
  order: 10
  selector: app == 'db'
  types: [Ingress]
  ingress:
    - { action: Deny, protocol: TCP, destination: { ports: [22] } }
    - { action: Pass, protocol: TCP, destination: { ports: [80] } }
    - { action: Log }
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: { name: second, namespace: payments }
spec:
  order: 20
  selector: app == 'db'
  types: [Ingress]
  ingress:
    - { action: Allow, protocol: TCP, destination: { ports: [22, 443] } }
`);

  it('the first matching rule decides each connection, in order', () => {
    const e = a.explain(pod('payments/db'), 'Ingress', pod('shop/web'));
    expect(e.decisions.map((d) => said(d, 'Ingress'))).toEqual([
      'denies TCP 22: Calico NetworkPolicy payments/first, ingress rule 1',
      'passes TCP 80: Calico NetworkPolicy payments/first, ingress rule 2 to the namespace profile, which allows',
      // TCP 22 is already decided by the Deny above: the Allow takes only 443.
      'allows TCP 443: Calico NetworkPolicy payments/second, ingress rule 1',
      'denies All Connections but TCP 22,80,443: Calico NetworkPolicy payments/first, Calico NetworkPolicy payments/second isolate ingress and no rule allows it',
    ]);
    expect(e.allowed.toMapString()).toBe('TCP 80,443');
  });
});

describe('explain: Cilium deny rules win over allows', () => {
  const { a, pod } = analysis(`apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: db, namespace: payments }
spec:
  endpointSelector: { matchLabels: { app: db } }
  ingress:
    - fromEndpoints: [{ matchLabels: { k8s:io.kubernetes.pod.namespace: shop } }]
  ingressDeny:
    - toPorts: [{ ports: [{ port: "22", protocol: TCP }] }]
`);

  it('the deny rule takes its port first; the allow rule the rest; nothing is left to isolation', () => {
    const e = a.explain(pod('payments/db'), 'Ingress', pod('shop/web'));
    expect(e.decisions.map((d) => said(d, 'Ingress'))).toEqual([
      'denies TCP 22: CiliumNetworkPolicy payments/db, ingress deny rule 1',
      'allows All Connections but TCP 22: CiliumNetworkPolicy payments/db, ingress rule 1',
    ]);
  });

  it('from another namespace: the deny still speaks for its port, isolation for the rest', () => {
    const e = a.explain(pod('payments/db'), 'Ingress', pod('monitoring/scraper'));
    expect(e.decisions.map((d) => said(d, 'Ingress'))).toEqual([
      'denies TCP 22: CiliumNetworkPolicy payments/db, ingress deny rule 1',
      'denies All Connections but TCP 22: CiliumNetworkPolicy payments/db isolates ingress and no rule allows it',
    ]);
  });
});

describe('explain: AdminNetworkPolicy and BaselineAdminNetworkPolicy tiers', () => {
  const ADMIN = `apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: { name: payments-guard }
spec:
  priority: 5
  subject: { namespaces: { matchLabels: { team: payments } } }
  ingress:
    - name: pass-shop
      action: Pass
      from: [{ namespaces: { matchLabels: { team: shop } } }]
    - name: deny-rest
      action: Deny
      from: [{ namespaces: {} }]
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: { name: default }
spec:
  subject: { namespaces: {} }
  ingress:
    - name: no-ssh
      action: Deny
      from: [{ namespaces: {} }]
      ports: [{ portNumber: { port: 22, protocol: TCP } }]
`;

  it('an admin Deny decides alone', () => {
    const { a, pod } = analysis(ADMIN);
    const e = a.explain(pod('payments/db'), 'Ingress', pod('monitoring/scraper'));
    expect(e.decisions.map((d) => said(d, 'Ingress'))).toEqual([
      'denies All Connections: AdminNetworkPolicy payments-guard, ingress rule 2 "deny-rest"',
    ]);
  });

  it('an admin Pass with no NetworkPolicy goes on to the baseline; what the baseline does not match is open', () => {
    const { a, pod } = analysis(ADMIN);
    const e = a.explain(pod('payments/db'), 'Ingress', pod('shop/web'));
    expect(e.decisions.map((d) => said(d, 'Ingress'))).toEqual([
      'passes All Connections: AdminNetworkPolicy payments-guard, ingress rule 1 "pass-shop" to the NetworkPolicies',
      'denies TCP 22: BaselineAdminNetworkPolicy default, ingress rule 1 "no-ssh"',
      'allows All Connections but TCP 22: no policy isolates its ingress',
    ]);
    expect(e.allowed.equals(ConnSet.ALL.subtract(ConnSet.ports('TCP', 22, 22)))).toBe(true);
  });

  it('an admin Pass to an isolating NetworkPolicy: the NetworkPolicy decides, the baseline does not', () => {
    const { a, pod } = analysis(ADMIN, DB_POLICIES);
    const e = a.explain(pod('payments/db'), 'Ingress', pod('shop/admin'));
    expect(e.decisions.map((d) => said(d, 'Ingress'))).toEqual([
      'passes All Connections: AdminNetworkPolicy payments-guard, ingress rule 1 "pass-shop" to the NetworkPolicies',
      'allows TCP 5432: NetworkPolicy payments/db-from-admin, ingress rule 1',
      'denies All Connections but TCP 5432: NetworkPolicy payments/deny-all, NetworkPolicy payments/db-from-admin isolate ingress and no rule allows it',
    ]);
  });

  it('names policies as users find them', () => {
    const { a } = analysis(ADMIN);
    expect(a.policies.map(policyName)).toEqual(['AdminNetworkPolicy payments-guard', 'BaselineAdminNetworkPolicy default']);
  });
});

describe('explain does not change what the evaluator answers', () => {
  it('on every ordered pair and direction, `allowed` of the explanation is the upper bound of `allowed()`', () => {
    const { a } = analysis(
      DB_POLICIES,
      'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: shop-out, namespace: shop }\nspec:\n  podSelector: {}\n  egress: [{ ports: [{ port: 53, protocol: UDP }] }]\n',
    );
    for (const p of a.pods)
      for (const q of a.pods)
        for (const d of ['Ingress', 'Egress'] as const) expect(a.explain(p, d, q).allowed.equals(a.allowed(p, d, q).upper)).toBe(true);
  });
});

describe('explain: the open remainder and named ports on egress', () => {
  const PASS_ONLY = `apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: { name: pass-all }
spec:
  priority: 1
  subject: { namespaces: { matchLabels: { team: payments } } }
  ingress:
    - name: pass
      action: Pass
      from: [{ namespaces: {} }]
`;
  const BASELINE_DENY = `apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: { name: default }
spec:
  subject: { namespaces: {} }
  ingress:
    - name: deny-all
      action: Deny
      from: [{ namespaces: {} }]
`;

  it('passed on with no NetworkPolicy and no baseline: open, and said so', () => {
    const { a, pod } = analysis(PASS_ONLY);
    const e = a.explain(pod('payments/db'), 'Ingress', pod('shop/web'));
    expect(e.decisions.map((d) => said(d, 'Ingress'))).toEqual([
      'passes All Connections: AdminNetworkPolicy pass-all, ingress rule 1 "pass" to the NetworkPolicies',
      'allows All Connections: no policy isolates its ingress',
    ]);
  });

  it('a baseline that denies everything leaves nothing open to mention', () => {
    const { a, pod } = analysis(PASS_ONLY, BASELINE_DENY);
    const e = a.explain(pod('payments/db'), 'Ingress', pod('shop/web'));
    expect(e.decisions.map((d) => said(d, 'Ingress'))).toEqual([
      'passes All Connections: AdminNetworkPolicy pass-all, ingress rule 1 "pass" to the NetworkPolicies',
      'denies All Connections: BaselineAdminNetworkPolicy default, ingress rule 1 "deny-all"',
    ]);
    expect(e.allowed.isEmpty).toBe(true);
  });

  it("an egress rule's named port is the destination's port", () => {
    const egress = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: web-to-db, namespace: shop }
spec:
  podSelector: { matchLabels: { app: web } }
  policyTypes: [Egress]
  egress: [{ to: [{ namespaceSelector: { matchLabels: { team: payments } } }], ports: [{ port: pg }] }]
`;
    const { a, pod } = analysis(egress);
    const e = a.explain(pod('shop/web'), 'Egress', pod('payments/db'));
    expect(e.allowed.equals(ConnSet.ports('TCP', 5432, 5432))).toBe(true);
  });
});
