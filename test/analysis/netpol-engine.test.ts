import { beforeEach, describe, expect, it } from 'vitest';
import { NetpolAnalysis, containerPorts, podName, triAnd, triOr, type PodEndpoint } from '../../src/analysis/netpol.js';
import { MATCH_ALL, type Peer, type PolicyRule } from '../../src/analysis/netpol-types.js';
import { parseCidr } from '../../src/core/ip.js';
import type { Tri } from '../../src/analysis/selectors.js';
import { Node } from '../../src/model/node.js';
import {
  ALL,
  NONE,
  Net,
  UNKNOWN,
  calico,
  cilium,
  ciliumClusterwide,
  globalCalico,
  model,
  namespace,
  np,
  pod,
  type Obj,
} from './netpol-helpers.js';

/** The policy engine itself: which policies apply, bounds, indexes and helpers. */

const CLUSTER: Obj[] = [
  namespace('prod', { team: 'blue' }),
  namespace('dev', { team: 'red' }),
  pod('prod/web', { app: 'web' }, { ports: [{ name: 'http', containerPort: 8080 }] }),
  pod('prod/client', { app: 'client' }),
  pod('prod/hn', { app: 'client' }, { hostNetwork: true }),
  pod('dev/client', { app: 'client' }),
  pod('other/lost', { app: 'client' }),
];
const net = (...docs: Obj[]): Net => Net.of([...CLUSTER, ...docs]);
const ip = (cidr: string) => ({ kind: 'ip' as const, range: parseCidr(cidr) ?? fail(cidr) });
function fail(what: string): never {
  throw new Error(`unexpected: ${what}`);
}

describe('three-valued logic', () => {
  const values: Tri[] = [true, false, 'unknown'];
  it('and', () => {
    expect(values.map((a) => values.map((b) => triAnd(a, b)))).toEqual([
      [true, false, 'unknown'],
      [false, false, false],
      ['unknown', false, 'unknown'],
    ]);
  });
  it('or', () => {
    expect(values.map((a) => values.map((b) => triOr(a, b)))).toEqual([
      [true, true, true],
      [true, false, 'unknown'],
      [true, 'unknown', 'unknown'],
    ]);
  });
});

describe('containerPorts', () => {
  it('reads containers and init containers; no protocol means TCP; unnamed ports have an empty name', () => {
    const spec = new Node(
      {
        containers: [
          {
            ports: [
              { name: 'http', containerPort: 80 },
              { name: 'dns', containerPort: 53, protocol: 'udp' },
              { containerPort: 9000, protocol: 'SCTP' },
              { name: 'ping', containerPort: 7, protocol: 'ICMP' },
              { name: 'text', containerPort: '81' },
              { name: 'no-number' },
            ],
          },
          { name: 'no-ports' },
        ],
        initContainers: [{ ports: [{ name: 'init', containerPort: 5000, protocol: 'TCP' }] }],
      },
      'p.yaml',
      0,
      [],
    );
    expect(containerPorts(spec)).toEqual([
      { name: 'http', protocol: 'TCP', port: 80 },
      { name: 'dns', protocol: 'UDP', port: 53 },
      { name: '', protocol: 'SCTP', port: 9000 },
      { name: 'init', protocol: 'TCP', port: 5000 },
    ]);
    expect(containerPorts(undefined)).toEqual([]);
  });

  it('pods of the model carry their ports, labels and namespace', () => {
    const n = net();
    const web = n.pod('prod/web');
    expect(web.ports).toEqual([{ name: 'http', protocol: 'TCP', port: 8080 }]);
    expect(web.labels).toEqual({ app: 'web' });
    expect(web.labelsComplete).toBe(true);
    expect(web.namespace).toBe('prod');
    expect(web.ns.labels).toEqual({ team: 'blue', 'kubernetes.io/metadata.name': 'prod' });
    expect(web.hostNetwork).toBe(false);
    expect(web.kind).toBe('pod');
    expect(n.pod('prod/hn').hostNetwork).toBe(true);
    expect(n.pod('other/lost').ns.labelsComplete).toBe(false);
    expect(n.a.pods.map(podName)).toEqual(['prod/web[Pod]', 'prod/client[Pod]', 'prod/hn[Pod]', 'dev/client[Pod]', 'other/lost[Pod]']);
  });

  it('a workload of another model is refused', () => {
    const n = net();
    const stranger = model([pod('prod/stranger')]).workloads[0] ?? fail('workload');
    expect(() => n.a.pod(stranger)).toThrow('workload prod/stranger is not in the model');
  });
});

describe('which resources are policies', () => {
  it('Kubernetes, Calico and Cilium kinds of their own API groups, in path order', () => {
    const n = net(
      np('prod/k8s', { podSelector: {} }),
      { apiVersion: 'example.com/v1', kind: 'NetworkPolicy', metadata: { name: 'imposter', namespace: 'prod' }, spec: { podSelector: {} } },
      calico('prod/cal', { selector: 'all()' }),
      globalCalico('gcal', { selector: 'all()' }, 'crd.projectcalico.org/v1'),
      { apiVersion: 'projectcalico.org/v3', kind: 'NetworkSet', metadata: { name: 'set', namespace: 'prod' }, spec: {} },
      cilium('prod/cil', { endpointSelector: {}, ingress: [{}] }),
      ciliumClusterwide('ccil', { endpointSelector: {}, ingress: [{}] }),
      {
        apiVersion: 'example.io/v1',
        kind: 'CiliumNetworkPolicy',
        metadata: { name: 'fake', namespace: 'prod' },
        spec: { endpointSelector: {} },
      },
      calico('prod/crd', { selector: 'all()' }, 'crd.projectcalico.org/v1'),
      { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'ing', namespace: 'prod' }, spec: { podSelector: {} } },
      {
        apiVersion: 'cilium.io/v2',
        kind: 'CiliumFuturePolicy',
        metadata: { name: 'future', namespace: 'prod' },
        spec: { endpointSelector: {}, ingress: [{}] },
      },
    );
    const base = CLUSTER.length;
    expect(n.a.policies.map((p) => [p.resource.name, p.flavor, p.index - base])).toEqual([
      ['k8s', 'kubernetes', 0],
      ['cal', 'calico', 2],
      ['gcal', 'calico', 3],
      ['cil', 'cilium', 5],
      ['ccil', 'cilium', 6],
      ['crd', 'calico', 8],
    ]);
  });
});

describe('applicable policies', () => {
  it('sorted by order, then path order; Kubernetes at 1000, Calico without order last', () => {
    const n = net(
      calico('prod/c300', { order: 300, selector: 'all()' }),
      calico('prod/c100', { order: 100, selector: 'all()' }),
      np('prod/k8s', { podSelector: {} }),
      calico('prod/cnone', { selector: 'all()' }),
      calico('prod/c100b', { order: 100, selector: "app == 'web'" }),
      calico('prod/c2000', { order: 2000, selector: 'all()' }),
      calico('prod/c999', { order: 999.5, selector: 'all()' }),
    );
    const apps = n.a.applicable(n.pod('prod/web'), 'Ingress');
    expect(apps.map((x) => x.policy.resource.name)).toEqual(['c100', 'c100b', 'c300', 'c999', 'k8s', 'c2000', 'cnone']);
    expect(n.a.applicable(n.pod('prod/client'), 'Ingress').map((x) => x.policy.resource.name)).toEqual([
      'c100',
      'c300',
      'c999',
      'k8s',
      'c2000',
      'cnone',
    ]);
    // Computed once per pod and direction.
    expect(n.a.applicable(n.pod('prod/web'), 'Ingress')).toBe(apps);
    expect(n.a.applicable(n.pod('prod/web'), 'Egress')).toEqual([]);
  });

  it('cluster-wide policies apply in every namespace they cover', () => {
    const n = net(globalCalico('g', { selector: "app == 'client'", types: ['Ingress'] }));
    expect(n.a.isolated(n.pod('prod/client'), 'Ingress')).toBe(true);
    expect(n.a.isolated(n.pod('dev/client'), 'Ingress')).toBe(true);
    expect(n.a.isolated(n.pod('other/lost'), 'Ingress')).toBe(true);
    expect(n.a.isolated(n.pod('prod/web'), 'Ingress')).toBe(false);
    expect(n.a.isolated(n.pod('prod/hn'), 'Ingress')).toBe(false);
  });

  it('a policy that may select a pod gives bounds: isolated unknown, allowed between nothing and everything', () => {
    const n = net(globalCalico('g', { selector: 'all()', namespaceSelector: "zone == 'eu'", ingress: [] }));
    const lost = n.pod('other/lost');
    expect(n.a.applicable(lost, 'Ingress').map((x) => x.selected)).toEqual(['unknown']);
    expect(n.a.isolated(lost, 'Ingress')).toBe('unknown');
    expect(n.in('other/lost', 'prod/web')).toBe(UNKNOWN);
    // Namespaces defined in the repository have no zone label: certainly not selected.
    expect(n.a.isolated(n.pod('prod/web'), 'Ingress')).toBe(false);
    expect(n.in('prod/web', 'other/lost')).toBe(ALL);
  });

  it('a certain and an uncertain policy: the lower bound is what the certain one allows', () => {
    const n = net(
      np('other/sure', { podSelector: {}, ingress: [{ ports: [{ port: 80 }] }] }),
      globalCalico('maybe', {
        selector: 'all()',
        namespaceSelector: "zone == 'eu'",
        ingress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: [443] } }],
      }),
    );
    expect(n.allowed('other/lost', 'Ingress', 'prod/web')).toEqual({ lower: 'TCP 80', upper: 'TCP 80,443' });
    expect(n.a.isolated(n.pod('other/lost'), 'Ingress')).toBe(true);
    // upperOnly skips the lower bound.
    const b = n.a.allowed(n.pod('other/lost'), 'Ingress', n.pod('prod/web'), true);
    expect(b.upper.toString()).toBe('TCP 80,443');
  });

  it('upperOnly returns the upper bound twice when the bounds would differ', () => {
    const n = net(np('prod/p', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'red' } } }] }] }));
    const b = n.a.allowed(n.pod('prod/web'), 'Ingress', n.pod('other/lost'), true);
    expect(b.lower.toString()).toBe(ALL);
    expect(b.upper.toString()).toBe(ALL);
    expect(n.in('prod/web', 'other/lost')).toBe(UNKNOWN);
  });
});

describe('stand-in pods', () => {
  const docs = [
    np('ghost/api', {
      podSelector: { matchLabels: { app: 'api' }, matchExpressions: [{ key: 'tier', operator: 'Exists' }] },
      ingress: [{ ports: [{ port: 80 }] }],
    }),
    np('ghost/db', { podSelector: { matchLabels: { role: 'db' } }, ingress: [{ ports: [{ port: 443 }] }] }),
    np('ghost/web', { podSelector: { matchLabels: { app: 'web' } }, ingress: [] }),
    globalCalico('global', { selector: "app == 'api'", types: ['Egress'] }),
  ];

  it('stands for whatever the policy selects, with the labels its selector requires', () => {
    const n = net(...docs);
    const api = n.policy('api');
    const s = n.a.standIn(api);
    expect(s).toEqual({
      kind: 'pod',
      namespace: 'ghost',
      ns: { name: 'ghost', labels: { 'kubernetes.io/metadata.name': 'ghost' }, labelsComplete: false, object: undefined },
      labels: { app: 'api' },
      labelsComplete: false,
      ports: [],
      hostNetwork: false,
      workload: undefined,
      standInFor: api,
    });
    expect(podName(s)).toBe('the pods it selects in namespace "ghost" (no workload in the repository)');
    // Selected by its own policy although `tier` is not among its labels.
    expect(n.a.selectsIgnoringHostNetwork(api, s)).toBe(true);
    expect(n.a.selects(api, s)).toBe(true);
    expect(n.a.selects(n.policy('web'), s)).toBe(false);
    expect(n.a.selects(n.policy('db'), s)).toBe('unknown');
  });

  it('other policies of the namespace may select it too: they are found although labels are incomplete', () => {
    const n = net(...docs);
    const s = n.a.standIn(n.policy('api'));
    expect(n.a.applicable(s, 'Ingress').map((x) => [x.policy.resource.name, x.selected])).toEqual([
      ['api', true],
      ['db', 'unknown'],
    ]);
    expect(n.a.applicable(s, 'Egress').map((x) => [x.policy.resource.name, x.selected])).toEqual([['global', true]]);
    expect(n.a.isolated(s, 'Ingress')).toBe(true);
    expect(n.allowed('prod/web', 'Ingress', 'prod/web')).toEqual({ lower: ALL, upper: ALL });
    const b = n.a.allowed(s, 'Ingress', n.pod('prod/web'));
    expect(b.lower.toString()).toBe('TCP 80');
    expect(b.upper.toString()).toBe('TCP 80,443');
  });

  it('a cluster-wide policy stands in the default namespace', () => {
    const n = net(...docs);
    const s = n.a.standIn(n.policy('global'));
    expect(s.namespace).toBe('default');
    expect(s.labels).toEqual({ app: 'api' });
    expect(podName(s)).toBe('the pods it selects in namespace "default" (no workload in the repository)');
  });

  it('an endpoint with neither workload nor policy is named by its namespace', () => {
    const n = net();
    const bare: PodEndpoint = { ...n.pod('prod/web'), workload: undefined };
    expect(podName(bare)).toBe('prod/?');
  });
});

describe('peer and rule matching', () => {
  let n: Net;
  let web: PodEndpoint;
  let hn: PodEndpoint;
  beforeEach(() => {
    n = net();
    web = n.pod('prod/web');
    hn = n.pod('prod/hn');
  });
  const dns = { kind: 'dns-address' as const };
  const entity = (e: string): Peer => ({ kind: 'entity', entity: e as 'world', node: undefined });

  it('all, unknown and fqdn peers', () => {
    expect(n.a.peerMatches({ kind: 'all' }, web)).toBe(true);
    expect(n.a.peerMatches({ kind: 'all' }, ip('192.0.2.1'))).toBe(true);
    expect(n.a.peerMatches({ kind: 'unknown' }, web)).toBe('unknown');
    expect(n.a.peerMatches({ kind: 'unknown' }, ip('192.0.2.1'))).toBe('unknown');
    expect(n.a.peerMatches({ kind: 'fqdn', pattern: '*.example.com' }, web)).toBe(false);
  });

  it.each<[string, [Tri, Tri, Tri]]>([
    // entity: [pod-network pod, address outside the cluster, cluster DNS address]
    ['all', [true, true, true]],
    ['cluster', [true, false, true]],
    ['world', [false, true, false]],
    ['host', [false, false, true]],
    ['remote-node', [false, false, false]],
    ['other', ['unknown', 'unknown', 'unknown']],
  ])('entity %s', (e, expected) => {
    expect([web, ip('192.0.2.1'), dns].map((ep) => n.a.peerMatches(entity(e), ep))).toEqual(expected);
  });

  it('entities and host-network pods: all matches, an unmodelled entity is unknown, the API server is no pod', () => {
    expect(n.a.peerMatches(entity('all'), hn)).toBe(true);
    expect(n.a.peerMatches(entity('other'), hn)).toBe('unknown');
    expect(n.a.peerMatches(entity('world'), hn)).toBe(false);
    expect(n.a.peerMatches(entity('kube-apiserver'), web)).toBe(false);
  });

  it.skip('BUG (reported): the Cilium entity `cluster` includes the host and remote-node identities (host-network pods)', () => {
    expect(n.a.peerMatches(entity('cluster'), hn)).toBe(true);
  });

  it('cidr peers match addresses, the DNS address, never pods', () => {
    const peer: Peer = { kind: 'cidr', range: parseCidr('10.0.0.0/8') ?? fail('cidr'), except: [], node: undefined };
    expect(n.a.peerMatches(peer, web)).toBe(false);
    expect(n.a.peerMatches(peer, dns)).toBe(true);
    expect(n.a.peerMatches(peer, ip('10.0.0.0/8'))).toBe(true);
    expect(n.a.peerMatches(peer, ip('10.255.0.0/16'))).toBe(true);
    expect(n.a.peerMatches(peer, ip('0.0.0.0/0'))).toBe('unknown');
    expect(n.a.peerMatches(peer, ip('11.0.0.0/8'))).toBe(false);
    const withExcept: Peer = { ...peer, except: [parseCidr('10.1.0.0/16') ?? fail('x'), parseCidr('10.2.0.0/16') ?? fail('x')] };
    expect(n.a.peerMatches(withExcept, ip('10.2.3.0/24'))).toBe(false);
    expect(n.a.peerMatches(withExcept, ip('10.2.0.0/15'))).toBe('unknown');
    expect(n.a.peerMatches(withExcept, ip('10.3.0.0/16'))).toBe(true);
  });

  it('pod peers match pods of the pod network only', () => {
    const peer: Peer = { kind: 'pods', namespaces: { kind: 'any' }, pods: MATCH_ALL, node: undefined };
    expect(n.a.peerMatches(peer, web)).toBe(true);
    expect(n.a.peerMatches(peer, hn)).toBe(false);
    expect(n.a.peerMatches(peer, ip('192.0.2.1'))).toBe(false);
    expect(n.a.peerMatches(peer, dns)).toBe(false);
    const own: Peer = { ...peer, namespaces: { kind: 'own', namespace: 'dev' } };
    expect(n.a.peerMatches(own, web)).toBe(false);
    expect(n.a.peerMatches(own, n.pod('dev/client'))).toBe(true);
  });

  it('namespace scopes', () => {
    expect(n.a.namespaceMatches({ kind: 'own', namespace: 'prod' }, web.ns)).toBe(true);
    expect(n.a.namespaceMatches({ kind: 'own', namespace: 'dev' }, web.ns)).toBe(false);
    expect(n.a.namespaceMatches({ kind: 'any' }, web.ns)).toBe(true);
    const matcher = {
      test: (l: Record<string, string>, c: boolean, ns: string): Tri => (c ? l['team'] === 'blue' && ns === 'prod' : 'unknown'),
      hints: [],
      all: false,
    };
    expect(n.a.namespaceMatches({ kind: 'selector', matcher }, web.ns)).toBe(true);
    expect(n.a.namespaceMatches({ kind: 'selector', matcher }, n.pod('dev/client').ns)).toBe(false);
    expect(n.a.namespaceMatches({ kind: 'selector', matcher }, n.pod('other/lost').ns)).toBe('unknown');
  });

  it('a rule matches when any peer does; an uncertain rule at most unknown', () => {
    const rule = (peers: Peer[], uncertain = false): PolicyRule => ({
      action: 'Allow',
      peers,
      ports: 'all',
      node: new Node({}, 'r', 0, []),
      uncertain,
    });
    const no: Peer = { kind: 'fqdn', pattern: 'x' };
    const maybe: Peer = { kind: 'unknown' };
    const yes: Peer = { kind: 'all' };
    expect(n.a.ruleMatches(rule([]), web)).toBe(false);
    expect(n.a.ruleMatches(rule([no]), web)).toBe(false);
    expect(n.a.ruleMatches(rule([no, maybe]), web)).toBe('unknown');
    expect(n.a.ruleMatches(rule([maybe, yes]), web)).toBe(true);
    expect(n.a.ruleMatches(rule([yes, maybe]), web)).toBe(true);
    expect(n.a.ruleMatches(rule([yes], true), web)).toBe('unknown');
    expect(n.a.ruleMatches(rule([no], true), web)).toBe(false);
  });
});

describe('allowingPolicies: who gives a connection', () => {
  let n: Net;
  beforeEach(() => {
    n = net(
      np('prod/p1', {
        podSelector: { matchLabels: { app: 'web' } },
        ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }], ports: [{ port: 80 }] }],
      }),
      np('prod/p2', { podSelector: {}, ingress: [{ ports: [{ port: 80, endPort: 90 }] }, { ports: [{ port: 'http' }] }] }),
      np('prod/p3', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'red' } } }] }] }),
      calico('prod/deny', { order: 1, selector: 'all()', ingress: [{ action: 'Deny', protocol: 'TCP', destination: { ports: [80] } }] }),
      globalCalico('maybe', { selector: 'all()', namespaceSelector: "zone == 'eu'", ingress: [{ action: 'Allow' }] }),
    );
  });
  const give = (to: string, from: string, port: number, certain: boolean): string[] =>
    n.a.allowingPolicies(n.pod(to), 'Ingress', n.endpoint(from), 'TCP', port, certain).map((p) => p.resource.name);

  it('certain: selected for sure, rule matches for sure, port admitted; Deny rules never give', () => {
    expect(give('prod/web', 'prod/client', 80, true)).toEqual(['p1', 'p2']);
    expect(give('prod/web', 'prod/client', 85, true)).toEqual(['p2']);
    expect(give('prod/web', 'prod/client', 8080, true)).toEqual(['p2']);
    expect(give('prod/web', 'prod/client', 91, true)).toEqual([]);
    expect(give('prod/web', 'dev/client', 91, true)).toEqual(['p3']);
    // p1 admits TCP 80 from pods of prod only.
    expect(give('prod/web', 'dev/client', 80, true)).toEqual(['p2', 'p3']);
    expect(give('prod/web', 'other/lost', 91, true)).toEqual([]);
    // prod/client has no port named http.
    expect(give('prod/client', 'prod/web', 8080, true)).toEqual([]);
  });

  it('possible: uncertain matches and uncertain selections count', () => {
    expect(give('prod/web', 'other/lost', 91, false)).toEqual(['p3']);
    expect(give('prod/web', 'dev/client', 80, false)).toEqual(['p2', 'p3']);
    expect(give('other/lost', 'prod/web', 91, false)).toEqual(['maybe']);
    expect(give('other/lost', 'prod/web', 91, true)).toEqual([]);
  });

  it('egress: named ports resolve against the destination', () => {
    const m = net(np('prod/out', { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'http' }] }] }));
    const give2 = (from: string, to: string, port: number) =>
      m.a.allowingPolicies(m.pod(from), 'Egress', m.endpoint(to), 'TCP', port, true).map((p) => p.resource.name);
    expect(give2('prod/client', 'prod/web', 8080)).toEqual(['out']);
    expect(give2('prod/web', 'prod/client', 8080)).toEqual([]);
    expect(give2('prod/web', '192.0.2.1', 8080)).toEqual([]);
  });
});

describe('indexes over the repository', () => {
  let n: Net;
  beforeEach(() => {
    n = net(np('prod/p', { podSelector: {} }));
  });

  it('podsIn lists the pods of a namespace in path order', () => {
    expect(n.a.podsIn('prod').map(podName)).toEqual(['prod/web[Pod]', 'prod/client[Pod]', 'prod/hn[Pod]']);
    expect(n.a.podsIn('dev').map(podName)).toEqual(['dev/client[Pod]']);
    expect(n.a.podsIn('nowhere')).toEqual([]);
  });

  it('namespacesIn: the namespaces with pods a scope may reach', () => {
    const red = {
      test: (l: Record<string, string>, c: boolean): Tri => (l['team'] === 'red' ? true : c ? false : 'unknown'),
      hints: [],
      all: false,
    };
    expect(n.a.namespacesIn({ kind: 'own', namespace: 'empty' })).toEqual(['empty']);
    expect(n.a.namespacesIn({ kind: 'any' })).toEqual(['prod', 'dev', 'other']);
    expect(n.a.namespacesIn({ kind: 'selector', matcher: red })).toEqual(['dev', 'other']);
  });

  it('podsMatching: every pod for open peers, the matching pods otherwise', () => {
    expect(n.a.podsMatching({ kind: 'all' })).toBe(n.a.pods);
    expect(n.a.podsMatching({ kind: 'unknown' })).toBe(n.a.pods);
    expect(n.a.podsMatching({ kind: 'entity', entity: 'all', node: undefined })).toBe(n.a.pods);
    expect(n.a.podsMatching({ kind: 'entity', entity: 'cluster', node: undefined })).toBe(n.a.pods);
    expect(n.a.podsMatching({ kind: 'entity', entity: 'world', node: undefined })).toEqual([]);
    expect(n.a.podsMatching({ kind: 'fqdn', pattern: 'x' })).toEqual([]);
    expect(n.a.podsMatching({ kind: 'cidr', range: parseCidr('0.0.0.0/0') ?? fail('x'), except: [], node: undefined })).toEqual([]);
    const p = n.policy('p');
    const ruleNs = (v: Obj) => {
      const m = net(np('prod/q', { podSelector: {}, ingress: [{ from: [v] }] }));
      const peer = m.policy('q').Ingress?.rules[0]?.peers[0] ?? fail('peer');
      return m.a.podsMatching(peer).map(podName);
    };
    expect(p.resource.name).toBe('p');
    expect(ruleNs({ podSelector: { matchLabels: { app: 'client' } } })).toEqual(['prod/client[Pod]']);
    const empty = net(np('empty/q', { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] }));
    expect(empty.a.podsMatching(empty.policy('q').Ingress?.rules[0]?.peers[0] ?? fail('peer'))).toEqual([]);
    expect(ruleNs({ podSelector: {} })).toEqual(['prod/web[Pod]', 'prod/client[Pod]']);
    expect(ruleNs({ namespaceSelector: { matchLabels: { team: 'red' } }, podSelector: { matchLabels: { app: 'client' } } })).toEqual([
      'dev/client[Pod]',
      'other/lost[Pod]',
    ]);
    expect(
      ruleNs({ namespaceSelector: {}, podSelector: { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] } }),
    ).toEqual(['prod/client[Pod]', 'dev/client[Pod]', 'other/lost[Pod]']);
  });
});

describe('namespace-wide policies', () => {
  it('select every pod of the namespace and isolate the direction', () => {
    const n = net(
      np('prod/all-in', { podSelector: {} }),
      np('prod/some', { podSelector: { matchLabels: { app: 'web' } }, egress: [] }),
      np('prod/all-out', { podSelector: {}, policyTypes: ['Egress'] }),
      cilium('prod/audit', { endpointSelector: {}, enableDefaultDeny: { ingress: false }, ingress: [{}] }),
      globalCalico('g-eu', { selector: 'all()', namespaceSelector: "zone == 'eu'", types: ['Ingress'] }),
      globalCalico('g-red', { selector: 'all()', namespaceSelector: "team == 'red'", types: ['Ingress'] }),
      np('dev/dev-in', { podSelector: {} }),
    );
    const names = (ns: string, d: 'Ingress' | 'Egress') => n.a.namespaceWide(ns, d).map((p) => p.resource.name);
    expect(names('prod', 'Ingress')).toEqual(['all-in']);
    expect(names('prod', 'Egress')).toEqual(['all-out']);
    expect(names('dev', 'Ingress')).toEqual(['dev-in', 'g-red']);
    expect(names('dev', 'Egress')).toEqual([]);
    // Unknown labels: the zone selector may cover it.
    expect(names('other', 'Ingress')).toEqual(['g-eu', 'g-red']);
    expect(names('nowhere', 'Ingress')).toEqual(['g-eu', 'g-red']);
  });
});

describe('cluster-wide index', () => {
  it('a Cilium clusterwide policy with a hint applies to matching pods in every namespace', () => {
    const n = net(ciliumClusterwide('cw', { endpointSelector: { matchLabels: { app: 'client' } }, ingress: [] }));
    expect(n.in('dev/client', 'prod/web')).toBe(NONE);
    expect(n.in('prod/client', 'prod/web')).toBe(NONE);
    expect(n.in('prod/web', 'prod/client')).toBe(ALL);
  });

  it('constructing the analysis twice over one model gives the same answers', () => {
    const m = model([...CLUSTER, np('prod/p', { podSelector: {} })]);
    const a1 = new NetpolAnalysis(m);
    const a2 = new NetpolAnalysis(m);
    expect(a1.policies.length).toBe(1);
    expect(a2.policies.length).toBe(1);
    expect(a1.isolated(a1.pods[0] ?? fail('pod'), 'Ingress')).toBe(true);
  });
});
