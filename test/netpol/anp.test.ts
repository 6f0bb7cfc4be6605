import { describe, expect, it } from 'vitest';
import { namespaceWidePolicies } from '../../src/analysis/isolation.js';
import { DnsAnalysis } from '../../src/analysis/dns.js';
import { Probe, cluster, modelOf } from './support.js';

/**
 * AdminNetworkPolicy and BaselineAdminNetworkPolicy (policy.networking.k8s.io/v1alpha1), as
 * the API documents them: ANPs by ascending `priority`, rules in written order, the first
 * rule matching a connection decides; `Allow` and `Deny` are final, `Pass` hands the
 * connection to the NetworkPolicies; what neither tier decides goes to the baseline, whose
 * first matching rule decides, and what nothing matches is allowed. Cluster: namespaces
 * x, y, z labelled `ns: <name>`, pods a, b, c labelled `pod: <name>` (support.ts).
 */

const anp = (name: string, priority: number, body: string): string => `apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: { name: ${name} }
spec:
  priority: ${priority}
${body.replace(/^/gm, '  ')}
`;
const banp = (body: string): string => `apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: { name: default }
spec:
${body.replace(/^/gm, '  ')}
`;
const np = (ns: string, name: string, body: string): string => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: ${name}, namespace: ${ns} }
spec:
${body.replace(/^/gm, '  ')}
`;
const probe = (...docs: string[]): Probe => new Probe(modelOf([cluster(), ...docs].join('---\n')));

const DENY_Y_TO_X = `subject: { namespaces: { matchLabels: { ns: x } } }
ingress:
  - { action: Deny, from: [{ namespaces: { matchLabels: { ns: y } } }] }`;
const ALLOW_Y_TO_X = `subject: { namespaces: { matchLabels: { ns: x } } }
ingress:
  - { action: Allow, from: [{ namespaces: { matchLabels: { ns: y } } }] }`;
const X_DENY_ALL = np('x', 'deny-all', 'podSelector: {}\npolicyTypes: [Ingress]');

describe('AdminNetworkPolicy tiers', () => {
  it('the lower priority number wins, whatever the path order', () => {
    const p = probe(anp('allow', 20, ALLOW_Y_TO_X), anp('deny', 10, DENY_Y_TO_X));
    expect(p.reach('y/a', 'x/b', 'TCP', 80)).toBe(false);
    const q = probe(anp('allow', 10, ALLOW_Y_TO_X), anp('deny', 20, DENY_Y_TO_X));
    expect(q.reach('y/a', 'x/b', 'TCP', 80)).toBe(true);
    // Neither speaks of z.
    expect(p.reach('z/a', 'x/b', 'TCP', 80)).toBe(true);
  });

  it('Allow overrides a NetworkPolicy that isolates; Deny overrides one that allows', () => {
    expect(probe(X_DENY_ALL, anp('allow', 5, ALLOW_Y_TO_X)).reach('y/c', 'x/a', 'UDP', 81)).toBe(true);
    expect(probe(X_DENY_ALL, anp('allow', 5, ALLOW_Y_TO_X)).reach('z/c', 'x/a', 'UDP', 81)).toBe(false);
    const allowAll = np('x', 'allow-all', 'podSelector: {}\ningress: [{}]');
    expect(probe(allowAll, anp('deny', 5, DENY_Y_TO_X)).reach('y/c', 'x/a', 'TCP', 80)).toBe(false);
  });

  it('inside one policy the first matching rule decides, per port', () => {
    const p = probe(
      anp(
        'ordered',
        1,
        `subject: { namespaces: { matchLabels: { ns: x } } }
ingress:
  - action: Allow
    from: [{ pods: { namespaceSelector: {}, podSelector: { matchLabels: { pod: b } } } }]
    ports: [{ portNumber: { protocol: TCP, port: 80 } }]
  - action: Deny
    from: [{ namespaces: {} }]`,
      ),
    );
    expect(p.reach('y/b', 'x/a', 'TCP', 80)).toBe(true);
    expect(p.reach('y/b', 'x/a', 'TCP', 81)).toBe(false);
    expect(p.reach('y/a', 'x/a', 'TCP', 80)).toBe(false);
    // Ingress rules speak of the subject's ingress only: x's egress is untouched.
    expect(p.reach('x/a', 'y/a', 'TCP', 81)).toBe(true);
  });

  it('Pass goes to the NetworkPolicies; without one isolating, to the baseline; unmatched, allowed', () => {
    const pass = anp(
      'pass',
      3,
      `subject: { namespaces: {} }\ningress:\n  - { action: Pass, from: [{ namespaces: { matchLabels: { ns: y } } }] }\n  - { action: Deny, from: [{ namespaces: {} }] }`,
    );
    const baseline = banp(`subject: { namespaces: {} }
ingress:
  - action: Allow
    from: [{ namespaces: { matchLabels: { ns: y } } }]
    ports: [{ portNumber: { protocol: UDP, port: 80 } }]
  - { action: Deny, from: [{ namespaces: { matchLabels: { ns: y } } }] }`);
    const zOnlyFromYa = np(
      'z',
      'from-y-a',
      'podSelector: {}\ningress:\n  - from: [{ namespaceSelector: {}, podSelector: { matchLabels: { pod: a } } }]',
    );
    const p = probe(pass, baseline, zOnlyFromYa);
    // z is isolated by its NetworkPolicy: it decides what y passes.
    expect(p.reach('y/a', 'z/b', 'TCP', 80)).toBe(true);
    expect(p.reach('y/b', 'z/b', 'TCP', 80)).toBe(false);
    // x is not: the baseline decides, first match: UDP 80 allowed, the rest denied.
    expect(p.reach('y/b', 'x/c', 'UDP', 80)).toBe(true);
    expect(p.reach('y/b', 'x/c', 'TCP', 80)).toBe(false);
    // Not passed: the ANP's Deny is final, whatever the NetworkPolicy of z allows.
    expect(p.reach('x/a', 'z/a', 'TCP', 80)).toBe(false);
    // Without the baseline, what is passed and left alone is allowed.
    expect(probe(pass).reach('y/b', 'x/c', 'TCP', 80)).toBe(true);
  });

  it('named ports resolve on the destination pod with their protocol; port ranges', () => {
    const p = probe(
      anp(
        'ports',
        1,
        `subject: { pods: { namespaceSelector: { matchLabels: { ns: x } }, podSelector: { matchLabels: { pod: a } } } }
egress:
  - action: Deny
    to: [{ namespaces: { matchLabels: { ns: y } } }]
    ports: [{ namedPort: serve-80-udp }, { portRange: { protocol: TCP, start: 81, end: 90 } }]`,
      ),
    );
    expect(p.reach('x/a', 'y/b', 'UDP', 80)).toBe(false);
    expect(p.reach('x/a', 'y/b', 'UDP', 81)).toBe(true);
    expect(p.reach('x/a', 'y/b', 'TCP', 81)).toBe(false);
    expect(p.reach('x/a', 'y/b', 'TCP', 80)).toBe(true);
    // The subject is x/a only.
    expect(p.reach('x/b', 'y/b', 'UDP', 80)).toBe(true);
  });

  it('egress to networks and nodes: CIDRs match addresses, nodes match no pod', () => {
    const p = probe(
      anp(
        'out',
        1,
        `subject: { namespaces: { matchLabels: { ns: x } } }
egress:
  - { action: Deny, to: [{ networks: [192.0.2.0/24] }, { nodes: { matchLabels: { role: worker } } }] }`,
      ),
    );
    expect(p.reachAddress('x/a', '192.0.2.10/32', 'TCP', 443)).toBe(false);
    expect(p.reachAddress('x/a', '198.51.100.10/32', 'TCP', 443)).toBe(true);
    expect(p.reach('x/a', 'y/a', 'TCP', 80)).toBe(true);
  });
});

describe('admin tiers in the lint analyses', () => {
  const hostPod = `apiVersion: v1
kind: Pod
metadata: { name: h, namespace: x, labels: { pod: h } }
spec: { hostNetwork: true, containers: [{ name: c, image: example.com/c }] }
`;

  it('a deny-all over every pod isolates the namespaces of its subject, unless an earlier rule lets everything in', () => {
    const denyAll = anp(
      'deny-all',
      50,
      `subject: { namespaces: { matchLabels: { ns: x } } }\ningress:\n  - { action: Deny, from: [{ namespaces: {} }] }`,
    );
    const p = probe(denyAll);
    expect(namespaceWidePolicies(p.a, 'x', 'Ingress').map((r) => r.name)).toEqual(['deny-all']);
    expect(namespaceWidePolicies(p.a, 'y', 'Ingress')).toEqual([]);
    expect(p.a.isolated(p.pod('x/a'), 'Ingress')).toBe(true);
    const opened = anp(
      'open',
      50,
      `subject: { namespaces: {} }\ningress:\n  - { action: Allow, from: [{ namespaces: {} }] }\n  - { action: Deny, from: [{ namespaces: {} }] }`,
    );
    expect(namespaceWidePolicies(probe(opened).a, 'x', 'Ingress')).toEqual([]);
    // Egress: every pod is not every destination; the whole IPv4 space must be denied too.
    const podsOnly = banp(`subject: { namespaces: {} }\negress:\n  - { action: Deny, to: [{ namespaces: {} }] }`);
    expect(namespaceWidePolicies(probe(podsOnly).a, 'x', 'Egress')).toEqual([]);
    const everything = banp(
      `subject: { namespaces: {} }\negress:\n  - { action: Deny, to: [{ namespaces: {} }, { networks: [0.0.0.0/0] }] }`,
    );
    expect(namespaceWidePolicies(probe(everything).a, 'z', 'Egress').map((r) => r.kind)).toEqual(['BaselineAdminNetworkPolicy']);
  });

  it('an ANP Allow of DNS counts for DNS reachability; host-network pods are never subjects', () => {
    const dnsPod = `apiVersion: v1
kind: Pod
metadata: { name: coredns, namespace: kube-system, labels: { k8s-app: kube-dns } }
spec: { containers: [{ name: c, image: example.com/dns, ports: [{ name: dns, containerPort: 53, protocol: UDP }] }] }
`;
    const policy = anp(
      'dns-then-nothing',
      10,
      `subject: { namespaces: {} }
egress:
  - action: Allow
    to: [{ pods: { namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: kube-system } }, podSelector: { matchLabels: { k8s-app: kube-dns } } } }]
    ports: [{ namedPort: dns }]
  - { action: Deny, to: [{ namespaces: {} }, { networks: [0.0.0.0/0] }] }`,
    );
    const p = probe(dnsPod, policy, hostPod);
    const dns = new DnsAnalysis(p.model, p.a);
    const access = dns.access(p.pod('y/b'));
    expect(p.a.isolated(p.pod('y/b'), 'Egress')).toBe(true);
    expect(access.lower.has('UDP', 53)).toBe(true);
    expect(access.upper.has('TCP', 53)).toBe(false);
    expect(p.a.isolated(p.pod('x/h'), 'Egress')).toBe(false);
    expect(p.reach('y/b', 'z/c', 'TCP', 80)).toBe(false);
  });
});
