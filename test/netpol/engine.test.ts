import { describe, expect, it } from 'vitest';
import { ConnSet, resolvePorts } from '../../src/analysis/netpol-ports.js';
import { formatRange, parseCidr, partition, rangeToCidrs } from '../../src/core/ip.js';
import { computeConnectivity, connectivityRows } from '../../src/analysis/connectivity.js';
import { NetpolAnalysis } from '../../src/analysis/netpol.js';
import { namespaceWidePolicies } from '../../src/analysis/isolation.js';
import { connectivityReport } from '../../src/report/connectivity.js';
import type { Model } from '../../src/model/model.js';
import { Probe, cluster, modelOf } from './support.js';

describe('connection sets', () => {
  it('unions, intersects and subtracts port ranges per protocol', () => {
    const a = ConnSet.ports('TCP', 80, 90)
      .union(ConnSet.ports('TCP', 91, 100))
      .union(ConnSet.ports('UDP', 53, 53));
    expect(a.toString()).toBe('TCP 80-100,UDP 53');
    expect(a.intersect(ConnSet.ports('TCP', 95, 200)).toString()).toBe('TCP 95-100');
    expect(a.subtract(ConnSet.ports('TCP', 85, 85)).toString()).toBe('TCP 80-84,86-100,UDP 53');
    expect(ConnSet.ALL.subtract(ConnSet.protocol('UDP')).isAll).toBe(false);
    expect(ConnSet.ALL.toString()).toBe('All Connections');
    expect(ConnSet.ports('SCTP', 1, 65535).toString()).toBe('SCTP');
  });

  it('resolves named ports only with a matching protocol', () => {
    const ports = [{ name: 'dns', protocol: 'UDP' as const, port: 53 }];
    expect(resolvePorts([{ protocol: 'TCP', name: 'dns' }], ports).isEmpty).toBe(true);
    expect(resolvePorts([{ protocol: 'UDP', name: 'dns' }], ports).has('UDP', 53)).toBe(true);
    expect(resolvePorts([{ protocol: 'ANY', name: 'dns' }], ports).toString()).toBe('UDP 53');
  });
});

describe('address ranges', () => {
  it('parses IPv4 and IPv6 CIDRs and masks host bits', () => {
    expect(formatRange(parseCidr('192.0.2.77/24') ?? fail())).toBe('192.0.2.0-192.0.2.255');
    expect(formatRange(parseCidr('2001:db8::/32') ?? fail())).toBe('2001:db8::-2001:db8:ffff:ffff:ffff:ffff:ffff:ffff');
    expect(parseCidr('192.0.2.0/33')).toBeUndefined();
    expect(parseCidr('300.0.2.0/24')).toBeUndefined();
    expect(parseCidr('2001:db8:::1')).toBeUndefined();
  });

  it('splits the address space at every boundary and finds covering CIDRs', () => {
    const cuts = ['0.0.0.0/0', '192.0.2.0/24', '192.0.2.128/25'].map((c) => parseCidr(c) ?? fail());
    expect(partition(cuts, [4]).map(formatRange)).toEqual([
      '0.0.0.0-192.0.1.255',
      '192.0.2.0-192.0.2.127',
      '192.0.2.128-192.0.2.255',
      '192.0.3.0-255.255.255.255',
    ]);
    const [, second] = partition(cuts, [4]);
    expect(rangeToCidrs(second ?? fail())).toEqual(['192.0.2.0/25']);
    expect(rangeToCidrs({ family: 4, start: 1n, end: 6n })).toEqual(['0.0.0.1/32', '0.0.0.2/31', '0.0.0.4/31', '0.0.0.6/32']);
  });
});

function fail(): never {
  throw new Error('unexpected undefined');
}

const calico = (name: string, spec: string, ns = 'x'): string =>
  `apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: { name: ${name}, namespace: ${ns} }\nspec:\n${spec.replace(/^/gm, '  ')}\n`;
const cilium = (name: string, spec: string, ns = 'x'): string =>
  `apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: { name: ${name}, namespace: ${ns} }\nspec:\n${spec.replace(/^/gm, '  ')}\n`;

describe('Calico policies', () => {
  it('evaluates rules in order across policies: an earlier Deny beats a later Allow', () => {
    const p = new Probe(
      modelOf(
        cluster(),
        calico('deny-b', "order: 10\nselector: pod == 'a'\ningress:\n  - action: Deny\n    source: { selector: pod == 'b' }"),
        calico('allow-all', 'order: 20\nselector: all()\ningress:\n  - action: Allow'),
      ),
    );
    expect(p.reach('x/b', 'x/a', 'TCP', 80)).toBe(false);
    expect(p.reach('x/c', 'x/a', 'TCP', 80)).toBe(true);
    // Calico selectors without namespaceSelector stay in the policy's namespace.
    expect(p.reach('y/b', 'x/a', 'TCP', 80)).toBe(true);
  });

  it('treats an absent order as last, Pass as the profile (allow) and Log as no decision', () => {
    const p = new Probe(
      modelOf(
        cluster(),
        calico('late-deny', 'selector: all()\ningress:\n  - action: Deny'),
        calico(
          'early',
          "order: 1\nselector: all()\ningress:\n  - action: Log\n  - action: Pass\n    source: { namespaceSelector: ns == 'y' }\n    protocol: UDP",
        ),
      ),
    );
    expect(p.reach('y/a', 'x/a', 'UDP', 53)).toBe(true);
    expect(p.reach('y/a', 'x/a', 'TCP', 53)).toBe(false);
    expect(p.reach('z/a', 'x/a', 'UDP', 53)).toBe(false);
  });

  it('defaults types: Ingress without rules, Egress only with egress rules', () => {
    const m = modelOf(
      cluster(),
      calico('no-rules', 'selector: all()'),
      calico('egress', 'selector: all()\negress:\n  - action: Allow\n    destination: { nets: [192.0.2.0/24] }', 'y'),
    );
    expect(namespaceWidePolicies(new NetpolAnalysis(m), 'x', 'Ingress').map((r) => r.name)).toEqual(['no-rules']);
    expect(namespaceWidePolicies(new NetpolAnalysis(m), 'x', 'Egress')).toEqual([]);
    expect(namespaceWidePolicies(new NetpolAnalysis(m), 'y', 'Ingress')).toEqual([]);
    expect(namespaceWidePolicies(new NetpolAnalysis(m), 'y', 'Egress').map((r) => r.name)).toEqual(['egress']);
    const p = new Probe(m);
    expect(p.reachAddress('y/a', '192.0.2.1', 'UDP', 9)).toBe(true);
    expect(p.reach('y/a', 'z/a', 'TCP', 80)).toBe(false);
  });

  it('a GlobalNetworkPolicy selecting all() covers every namespace its namespaceSelector matches', () => {
    const gnp = `apiVersion: crd.projectcalico.org/v1\nkind: GlobalNetworkPolicy\nmetadata: { name: g }\nspec:\n  selector: all()\n  namespaceSelector: ns in {'x', 'y'}\n  types: [Ingress, Egress]\n`;
    const m = modelOf(cluster(), gnp);
    expect(namespaceWidePolicies(new NetpolAnalysis(m), 'x', 'Egress').map((r) => r.name)).toEqual(['g']);
    expect(namespaceWidePolicies(new NetpolAnalysis(m), 'z', 'Ingress')).toEqual([]);
    // A namespace without a Namespace object: its labels are unknown, so it may be covered.
    expect(namespaceWidePolicies(new NetpolAnalysis(m), 'w', 'Ingress').map((r) => r.name)).toEqual(['g']);
  });
});

describe('Cilium policies', () => {
  it('scopes peers to the policy namespace unless a namespace label says otherwise', () => {
    const p = new Probe(
      modelOf(
        cluster(),
        cilium(
          'in',
          'endpointSelector:\n  matchLabels: { pod: a }\ningress:\n  - fromEndpoints:\n      - matchLabels: { pod: b }\n      - matchLabels: { k8s:io.kubernetes.pod.namespace: z, k8s:pod: c }',
        ),
      ),
    );
    expect(p.reach('x/b', 'x/a', 'TCP', 80)).toBe(true);
    expect(p.reach('y/b', 'x/a', 'TCP', 80)).toBe(false);
    expect(p.reach('z/c', 'x/a', 'TCP', 80)).toBe(true);
    expect(p.reach('z/b', 'x/a', 'TCP', 80)).toBe(false);
  });

  it('applies deny rules over allows, honours enableDefaultDeny and treats `- {}` as nothing', () => {
    const p = new Probe(
      modelOf(
        cluster(),
        cilium(
          'allow',
          'endpointSelector: {}\ningress:\n  - fromEntities: [cluster]\n    toPorts:\n      - ports: [{ port: "80", protocol: ANY }]',
        ),
        cilium('deny', 'endpointSelector:\n  matchLabels: { pod: a }\ningressDeny:\n  - fromEndpoints:\n      - matchLabels: { pod: b }'),
        cilium(
          'audit',
          'endpointSelector: {}\nenableDefaultDeny: { ingress: false }\ningressDeny:\n  - fromEndpoints:\n      - matchLabels: { pod: c }',
          'y',
        ),
        cilium('closed', 'endpointSelector: {}\ningress:\n  - {}', 'z'),
      ),
    );
    expect(p.reach('x/c', 'x/a', 'UDP', 80)).toBe(true);
    expect(p.reach('x/c', 'x/a', 'TCP', 81)).toBe(false);
    expect(p.reach('x/b', 'x/a', 'TCP', 80)).toBe(false);
    expect(p.reach('x/a', 'y/a', 'TCP', 9999)).toBe(true);
    expect(p.reach('y/c', 'y/a', 'TCP', 9999)).toBe(false);
    expect(p.reach('x/a', 'z/a', 'TCP', 80)).toBe(false);
  });

  it('counts endpointSelector {} as namespace-wide only when it isolates', () => {
    const m = modelOf(
      cluster(),
      cilium('egress-off', 'endpointSelector: {}\nenableDefaultDeny: { egress: false }\negress:\n  - toEntities: [world]'),
      cilium('in', 'endpointSelector: {}\ningressDeny:\n  - fromEntities: [world]'),
    );
    expect(namespaceWidePolicies(new NetpolAnalysis(m), 'x', 'Egress')).toEqual([]);
    expect(namespaceWidePolicies(new NetpolAnalysis(m), 'x', 'Ingress').map((r) => r.name)).toEqual(['in']);
  });
});

describe('connectivity map', () => {
  const repo = `${cluster()}---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: web, namespace: x }
spec:
  podSelector: { matchLabels: { pod: a } }
  ingress:
    - from:
        - podSelector: { matchLabels: { pod: b } }
      ports: [{ port: serve-81-tcp }]
    - from:
        - ipBlock: { cidr: 0.0.0.0/0, except: [192.0.2.0/24] }
      ports: [{ port: 443 }]
`;

  it('lists each pair once with its connections and splits outside addresses', () => {
    const text = connectivityReport(mapOf(modelOf(repo)), 'text').split('\n');
    expect(text).toContain('x/b[Pod] => x/a[Pod] : TCP 81');
    expect(text).toContain('0.0.0.0-192.0.1.255 => x/a[Pod] : TCP 443');
    expect(text).toContain('192.0.3.0-255.255.255.255 => x/a[Pod] : TCP 443');
    expect(text).toContain('y/a[Pod] => x/b[Pod] : All Connections');
    expect(text).toContain('x/a[Pod] => 0.0.0.0/0 : All Connections');
    expect(text.some((l) => l.startsWith('x/c[Pod] => x/a[Pod]'))).toBe(false);
    expect(text.some((l) => l.startsWith('192.0.2.0/24 => x/a[Pod]'))).toBe(false);
    // 9 pods: 72 ordered pairs, minus the 7 pods other than x/b that cannot reach x/a.
    expect(text.filter((l) => /^[xyz]\/\w\[Pod\] => [xyz]\//.test(l))).toHaveLength(72 - 7);
  });

  it('renders JSON, Markdown and Mermaid from the same lines', () => {
    const m = modelOf(repo);
    const json = JSON.parse(connectivityReport(mapOf(m), 'json')) as {
      connections: { source: { type: string; cidrs?: string[] }; destination: { id?: string }; connections: unknown }[];
    };
    const fromOutside = json.connections.filter((c) => c.source.type === 'ip-range' && c.destination.id === 'x/a[Pod]');
    expect(fromOutside.map((c) => c.source.cidrs?.[0])).toEqual(['0.0.0.0/1', '192.0.3.0/24']);
    expect(fromOutside[0]?.connections).toEqual({ protocols: [{ protocol: 'TCP', ports: [{ from: 443, to: 443 }] }] });
    const md = connectivityReport(mapOf(m), 'md');
    expect(md).toContain('```mermaid\ngraph LR');
    expect(md).toContain('| x/b[Pod] | x/a[Pod] | TCP 81 |');
    const mermaid = connectivityReport(mapOf(m), 'mermaid');
    expect(mermaid).toMatch(/n\d+ -->\|"TCP 81"\| n\d+/);
  });
});

function mapOf(m: Model): ReturnType<typeof connectivityRows> {
  return connectivityRows(computeConnectivity(new NetpolAnalysis(m)));
}
