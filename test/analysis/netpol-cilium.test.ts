import { describe, expect, it } from 'vitest';
import { CILIUM_GROUPS, parseCiliumPolicies } from '../../src/analysis/cilium-policy.js';
import { namespaceWidePolicies } from '../../src/analysis/isolation.js';
import { ALL, NONE, Net, UNKNOWN, cilium, ciliumClusterwide, namespace, pod, type Obj } from './netpol-helpers.js';

/**
 * Cilium policies (cilium.io/v2): `endpointSelector` picks the subjects (`{}` = every
 * endpoint of the namespace, or of the cluster for a clusterwide policy); an `ingress` or
 * `ingressDeny` section puts the subjects in default deny for ingress unless
 * `enableDefaultDeny.ingress` is false (same for egress); deny rules win over allows; an
 * empty rule `{}` allows nothing; a rule with ports and no peer applies to every peer.
 * Peers without a namespace label stay in the policy's namespace.
 */

const CLUSTER: Obj[] = [
  namespace('prod', { team: 'blue' }),
  namespace('dev', { team: 'red' }),
  pod(
    'prod/web',
    { app: 'web' },
    {
      ports: [
        { name: 'http', containerPort: 8080 },
        { name: 'dns', containerPort: 53, protocol: 'UDP' },
        { name: 'h2', containerPort: 8443 },
        { name: '9p', containerPort: 9999 },
      ],
    },
  ),
  pod('prod/client', { app: 'client' }),
  pod('prod/db', { app: 'db' }),
  pod('prod/hn', { app: 'client' }, { hostNetwork: true }),
  pod('dev/client', { app: 'client' }),
  pod('dev/web', { app: 'web' }),
  pod('other/lost', { app: 'client' }),
];
const net = (...docs: Obj[]): Net => Net.of([...CLUSTER, ...docs]);
const WEB = { matchLabels: { app: 'web' } };
const webIn = (...rules: Obj[]): Net => net(cilium('prod/p', { endpointSelector: WEB, ingress: rules }));
const webOut = (...rules: Obj[]): Net => net(cilium('prod/p', { endpointSelector: WEB, egress: rules }));
const EVERY_PORT_BUT_80 = 'TCP 1-79,81-65535,UDP 1-79,81-65535,SCTP 1-79,81-65535,other protocols (ICMP, …)';

describe('subjects and isolation', () => {
  it('endpointSelector {} selects every pod of the namespace; `- {}` allows nothing', () => {
    const n = net(cilium('prod/deny', { endpointSelector: {}, ingress: [{}] }));
    expect(n.policy('deny').pods.all).toBe(true);
    expect(n.a.isolated(n.pod('prod/web'), 'Ingress')).toBe(true);
    expect(n.a.isolated(n.pod('prod/web'), 'Egress')).toBe(false);
    expect(n.in('prod/web', 'prod/client')).toBe(NONE);
    expect(n.in('prod/web', '192.0.2.1')).toBe(NONE);
    expect(n.in('dev/web', 'prod/client')).toBe(ALL);
    expect(n.a.isolated(n.pod('prod/hn'), 'Ingress')).toBe(false);
    expect(n.a.namespaceWide('prod', 'Ingress').map((p) => p.resource.name)).toEqual(['deny']);
    expect(n.a.namespaceWide('prod', 'Egress')).toEqual([]);
  });

  it('a matchLabels selector selects only those pods', () => {
    const n = net(cilium('prod/p', { endpointSelector: WEB, egress: [] }));
    expect(n.a.isolated(n.pod('prod/web'), 'Egress')).toBe(true);
    expect(n.a.isolated(n.pod('prod/web'), 'Ingress')).toBe(false);
    expect(n.a.isolated(n.pod('prod/client'), 'Egress')).toBe(false);
    expect(n.a.isolated(n.pod('dev/web'), 'Egress')).toBe(false);
    expect(n.out('prod/web', 'prod/client')).toBe(NONE);
    expect(n.a.namespaceWide('prod', 'Egress')).toEqual([]);
  });

  it('a deny section alone isolates too', () => {
    const n = net(cilium('prod/p', { endpointSelector: WEB, ingressDeny: [{ fromEndpoints: [{ matchLabels: { app: 'db' } }] }] }));
    expect(n.a.isolated(n.pod('prod/web'), 'Ingress')).toBe(true);
    expect(n.in('prod/web', 'prod/client')).toBe(NONE);
    expect(n.in('prod/web', 'prod/db')).toBe(NONE);
    expect(n.policy('p').Egress).toBeUndefined();
  });

  it('enableDefaultDeny false: no isolation, deny rules still refuse', () => {
    const n = net(
      cilium('prod/p', {
        endpointSelector: WEB,
        enableDefaultDeny: { ingress: false },
        ingress: [{ fromEndpoints: [{ matchLabels: { app: 'client' } }] }],
        ingressDeny: [{ fromEndpoints: [{ matchLabels: { app: 'db' } }] }],
      }),
    );
    expect(n.a.isolated(n.pod('prod/web'), 'Ingress')).toBe(false);
    expect(n.in('prod/web', 'prod/db')).toBe(NONE);
    expect(n.in('prod/web', 'prod/client')).toBe(ALL);
    expect(n.in('prod/web', 'dev/web')).toBe(ALL);
    expect(n.in('prod/web', '192.0.2.1')).toBe(ALL);
  });

  it('enableDefaultDeny is per direction', () => {
    const n = net(cilium('prod/p', { endpointSelector: {}, enableDefaultDeny: { egress: false, ingress: true }, ingress: [], egress: [] }));
    expect(n.a.isolated(n.pod('prod/web'), 'Ingress')).toBe(true);
    expect(n.a.isolated(n.pod('prod/web'), 'Egress')).toBe(false);
    expect(n.out('prod/web', '192.0.2.1')).toBe(ALL);
    expect(n.a.namespaceWide('prod', 'Egress')).toEqual([]);
    expect(n.a.namespaceWide('prod', 'Ingress').map((p) => p.resource.name)).toEqual(['p']);
  });

  it('deny rules win over allow rules, in any policy and any order', () => {
    const n = net(
      cilium('prod/deny', {
        endpointSelector: WEB,
        ingressDeny: [{ fromEndpoints: [{ matchLabels: { app: 'client' } }], toPorts: [{ ports: [{ port: '80' }] }] }],
      }),
      cilium('prod/allow', { endpointSelector: {}, ingress: [{ fromEntities: ['cluster'] }] }),
    );
    expect(n.in('prod/web', 'prod/client')).toBe(EVERY_PORT_BUT_80);
    expect(n.in('prod/web', 'prod/db')).toBe(ALL);
    expect(n.in('prod/db', 'prod/client')).toBe(ALL);
    expect(n.in('prod/web', '192.0.2.1')).toBe(NONE);
  });

  it('the parsed policy', () => {
    const n = net(cilium('prod/p', { endpointSelector: WEB, ingress: [{}], egressDeny: [{}] }));
    const p = n.policy('p');
    expect(p.flavor).toBe('cilium');
    expect(p.namespace).toBe('prod');
    expect(p.scope).toEqual({ kind: 'own', namespace: 'prod' });
    expect(p.order).toBe(1000);
    expect(p.selectorNode?.value).toEqual(WEB);
    expect(p.pods.hints).toEqual([['app', 'web']]);
    expect(p.Ingress?.isolates).toBe(true);
    expect(p.Ingress?.rules).toHaveLength(1);
    expect(p.Ingress?.denies).toEqual([]);
    expect(p.Ingress?.rules[0]?.peers).toEqual([]);
    expect(p.Ingress?.rules[0]?.ports).toBe('all');
    expect(p.Egress?.rules).toEqual([]);
    expect(p.Egress?.denies.map((r) => r.action)).toEqual(['Deny']);
    expect(CILIUM_GROUPS).toEqual(['cilium.io']);
  });

  it('the endpointSelector of a namespaced policy always applies in its own namespace', () => {
    // Cilium replaces a namespace match in a CiliumNetworkPolicy's endpointSelector with the policy's namespace.
    const n = net(cilium('prod/p', { endpointSelector: { matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'dev' } }, ingress: [{}] }));
    expect(n.a.isolated(n.pod('prod/web'), 'Ingress')).toBe(true);
    expect(n.a.isolated(n.pod('dev/web'), 'Ingress')).toBe(false);
  });
});

describe('several specs, host policies, missing specs', () => {
  it('`spec` and every entry of `specs` are policies of the same resource', () => {
    const n = net(
      cilium(
        'prod/multi',
        { endpointSelector: WEB, ingress: [{ fromEndpoints: [{ matchLabels: { app: 'client' } }] }] },
        {
          specs: [
            { endpointSelector: WEB, ingress: [{ fromEndpoints: [{ matchLabels: { app: 'db' } }] }] },
            { endpointSelector: {}, egress: [{}] },
          ],
        },
      ),
    );
    expect(n.a.policies.map((p) => p.resource.name)).toEqual(['multi', 'multi', 'multi']);
    expect(n.in('prod/web', 'prod/client')).toBe(ALL);
    expect(n.in('prod/web', 'prod/db')).toBe(ALL);
    expect(n.in('prod/web', 'dev/client')).toBe(NONE);
    expect(n.out('prod/db', 'prod/web')).toBe(NONE);
    expect(namespaceWidePolicies(n.a, 'prod', 'Egress').map((r) => r.name)).toEqual(['multi']);
  });

  it('`specs` alone', () => {
    const n = net(cilium('prod/only', undefined, { specs: [{ endpointSelector: {}, ingress: [{}] }] }));
    expect(n.a.policies).toHaveLength(1);
    expect(n.in('prod/web', 'prod/client')).toBe(NONE);
  });

  it('host policies (nodeSelector) and resources without spec protect no pod', () => {
    const n = net(cilium('prod/host', { nodeSelector: {}, ingress: [{}] }), cilium('prod/empty', undefined));
    expect(n.a.policies).toEqual([]);
  });

  it('namespaceWidePolicies lists a resource once', () => {
    const n = net(cilium('prod/twice', { endpointSelector: {}, ingress: [{}] }, { specs: [{ endpointSelector: {}, ingressDeny: [{}] }] }));
    expect(n.a.namespaceWide('prod', 'Ingress')).toHaveLength(2);
    expect(namespaceWidePolicies(n.a, 'prod', 'Ingress').map((r) => r.name)).toEqual(['twice']);
  });
});

describe('clusterwide policies', () => {
  it('endpointSelector {} selects every pod of every namespace', () => {
    const n = net(ciliumClusterwide('cw', { endpointSelector: {}, ingress: [{ fromEntities: ['cluster'] }] }));
    const p = n.policy('cw');
    expect(p.namespace).toBeUndefined();
    expect(p.scope).toEqual({ kind: 'any' });
    expect(n.in('dev/web', 'other/lost')).toBe(ALL);
    expect(n.in('other/lost', '192.0.2.1')).toBe(NONE);
    expect(n.a.namespaceWide('dev', 'Ingress').map((x) => x.resource.name)).toEqual(['cw']);
  });

  it('a namespace label in the endpointSelector narrows the namespaces', () => {
    const n = net(
      ciliumClusterwide('cw', { endpointSelector: { matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'dev' } }, ingress: [] }),
    );
    expect(n.policy('cw').scope.kind).toBe('selector');
    expect(n.a.isolated(n.pod('dev/web'), 'Ingress')).toBe(true);
    expect(n.a.isolated(n.pod('prod/web'), 'Ingress')).toBe(false);
    expect(n.a.isolated(n.pod('other/lost'), 'Ingress')).toBe(false);
    expect(n.a.namespaceWide('dev', 'Ingress').map((x) => x.resource.name)).toEqual(['cw']);
    expect(n.a.namespaceWide('prod', 'Ingress')).toEqual([]);
  });

  it('peers without a namespace label are in any namespace', () => {
    const n = net(ciliumClusterwide('cw', { endpointSelector: WEB, ingress: [{ fromEndpoints: [{ matchLabels: { app: 'client' } }] }] }));
    expect(n.in('prod/web', 'dev/client')).toBe(ALL);
    expect(n.in('dev/web', 'other/lost')).toBe(ALL);
    expect(n.in('dev/web', 'prod/db')).toBe(NONE);
  });
});

describe('selectors', () => {
  it('only In with one value indexes; other requirements still select', () => {
    const n = net(
      cilium('prod/in2', { endpointSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'db'] }] }, egress: [] }),
      cilium('prod/notin', { endpointSelector: { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] }, ingress: [] }),
      cilium('prod/exists', {
        endpointSelector: { matchLabels: { 'k8s:app': 'client' }, matchExpressions: [{ key: 'app', operator: 'Exists' }] },
        egressDeny: [],
      }),
    );
    expect(n.policy('in2').pods.hints).toEqual([]);
    expect(n.policy('notin').pods.hints).toEqual([]);
    expect(n.policy('exists').pods.hints).toEqual([['app', 'client']]);
    expect(n.a.isolated(n.pod('prod/db'), 'Egress')).toBe(true);
    expect(n.a.isolated(n.pod('prod/web'), 'Egress')).toBe(true);
    expect(n.a.isolated(n.pod('prod/client'), 'Egress')).toBe(true);
    expect(n.a.isolated(n.pod('prod/client'), 'Ingress')).toBe(true);
    expect(n.a.isolated(n.pod('prod/db'), 'Ingress')).toBe(true);
    expect(n.a.isolated(n.pod('prod/web'), 'Ingress')).toBe(false);
  });

  it('a service-account requirement in the endpointSelector leaves the selection undecided', () => {
    const n = net(
      cilium('prod/sa', { endpointSelector: { matchLabels: { 'io.cilium.k8s.policy.serviceaccount': 'x', app: 'web' } }, ingress: [] }),
    );
    expect(n.policy('sa').pods.test({ app: 'web' }, true, 'prod')).toBe('unknown');
    expect(n.policy('sa').pods.test({ app: 'db' }, true, 'prod')).toBe(false);
    expect(n.a.isolated(n.pod('prod/web'), 'Ingress')).toBe('unknown');
    expect(n.a.namespaceWide('prod', 'Ingress')).toEqual([]);
  });

  it('an invalid endpointSelector selects nothing and is not namespace-wide', () => {
    const n = net(cilium('prod/bad', { endpointSelector: { matchExpressions: [{ key: 'app', operator: 'Bogus' }] }, ingress: [] }));
    expect(n.policy('bad').pods.all).toBe(false);
    expect(n.policy('bad').pods.hints).toEqual([]);
    expect(n.a.isolated(n.pod('prod/web'), 'Ingress')).toBe(false);
    expect(n.a.namespaceWide('prod', 'Ingress')).toEqual([]);
  });

  it('only a leading source prefix is stripped from label keys', () => {
    const n = webIn({ fromEndpoints: [{ matchLabels: { 'notk8s:app': 'client' } }] });
    expect(n.in('prod/web', 'prod/client')).toBe(NONE);
  });

  it('a namespaced resource without namespace belongs to the default namespace', () => {
    const r = { ...net(cilium('prod/p', { endpointSelector: {}, ingress: [] })).policy('p').resource, namespace: undefined };
    const [p] = parseCiliumPolicies(r, 4);
    expect(p?.namespace).toBe('default');
    expect(p?.scope).toEqual({ kind: 'own', namespace: 'default' });
    expect(p?.index).toBe(4);
  });
});

describe('endpoint peers', () => {
  it('`{}` means every pod of the policy namespace', () => {
    const n = webIn({ fromEndpoints: [{}] });
    expect(n.in('prod/web', 'prod/db')).toBe(ALL);
    expect(n.in('prod/web', 'dev/client')).toBe(NONE);
    expect(n.in('prod/web', '192.0.2.1')).toBe(NONE);
    expect(n.in('prod/web', 'prod/hn')).toBe(NONE);
  });

  it('a service-account peer label leaves the match undecided', () => {
    const n = webIn({ fromEndpoints: [{ matchLabels: { 'io.cilium.k8s.policy.serviceaccount': 'sa' } }] });
    const peer = n.policy('p').Ingress?.rules[0]?.peers[0];
    expect(peer?.kind === 'pods' && peer.pods.test({ app: 'client' }, true, 'prod')).toBe('unknown');
  });

  it.each<[string, Obj, Record<string, string>]>([
    ['labels with a source prefix', { matchLabels: { 'k8s:app': 'client' } }, { 'prod/client': ALL, 'dev/client': NONE, 'prod/db': NONE }],
    ['the any: prefix', { matchLabels: { 'any:app': 'client' } }, { 'prod/client': ALL, 'prod/db': NONE }],
    [
      'the namespace label',
      { matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'dev' } },
      { 'dev/client': ALL, 'dev/web': ALL, 'prod/client': NONE, 'other/lost': NONE },
    ],
    [
      'the namespace label without prefix, with a pod label',
      { matchLabels: { 'io.kubernetes.pod.namespace': 'other', app: 'client' } },
      { 'other/lost': ALL, 'dev/client': NONE, 'prod/client': NONE },
    ],
    [
      'namespace labels',
      { matchLabels: { 'io.cilium.k8s.namespace.labels.team': 'red', app: 'client' } },
      { 'dev/client': ALL, 'dev/web': NONE, 'prod/client': NONE, 'other/lost': UNKNOWN },
    ],
    [
      'namespace expressions',
      { matchExpressions: [{ key: 'k8s:io.cilium.k8s.namespace.labels.team', operator: 'NotIn', values: ['blue'] }] },
      { 'dev/web': ALL, 'prod/client': NONE, 'other/lost': UNKNOWN },
    ],
    [
      'a service-account label cannot be checked',
      { matchLabels: { 'io.cilium.k8s.policy.serviceaccount': 'sa' } },
      { 'prod/client': UNKNOWN, 'dev/client': NONE },
    ],
    [
      'a service-account label beside a pod label',
      { matchLabels: { 'k8s:io.cilium.k8s.policy.serviceaccount': 'sa', app: 'client' } },
      { 'prod/client': UNKNOWN, 'prod/db': NONE },
    ],
    ['a reserved identity cannot be checked', { matchLabels: { 'reserved:host': '' } }, { 'prod/client': UNKNOWN }],
    [
      'an invalid selector matches nothing',
      { matchExpressions: [{ key: 'app', operator: 'Bogus' }] },
      { 'prod/client': NONE, 'prod/db': NONE },
    ],
  ])('%s', (_name, selector, expected) => {
    const n = webIn({ fromEndpoints: [selector] });
    expect(Object.fromEntries(Object.keys(expected).map((from) => [from, n.in('prod/web', from)]))).toEqual(expected);
  });

  it('egress toEndpoints', () => {
    const n = webOut({
      toEndpoints: [{ matchLabels: { app: 'db' } }, { matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'dev', 'k8s:app': 'client' } }],
    });
    expect(n.out('prod/web', 'prod/db')).toBe(ALL);
    expect(n.out('prod/web', 'dev/client')).toBe(ALL);
    expect(n.out('prod/web', 'dev/web')).toBe(NONE);
    expect(n.out('prod/web', 'prod/client')).toBe(NONE);
  });
});

describe('entities', () => {
  it.each<[string, Record<string, string>]>([
    ['world', { '192.0.2.1': ALL, '2001:db8::1': ALL, 'prod/client': NONE }],
    ['world-ipv4', { '192.0.2.1': ALL, 'prod/client': NONE }],
    ['world-ipv6', { '2001:db8::1': ALL }],
    ['cluster', { 'prod/client': ALL, 'dev/web': ALL, 'other/lost': ALL, '192.0.2.1': NONE }],
    ['all', { 'prod/client': ALL, '192.0.2.1': ALL, 'prod/hn': ALL }],
    ['host', { 'prod/client': NONE, '192.0.2.1': NONE }],
    ['remote-node', { 'prod/client': NONE }],
    ['kube-apiserver', { 'prod/client': NONE }],
    ['unmanaged', { 'prod/client': UNKNOWN, '192.0.2.1': UNKNOWN }],
  ])('%s', (entity, expected) => {
    const n = webIn({ fromEntities: [entity] });
    expect(Object.fromEntries(Object.keys(expected).map((from) => [from, n.in('prod/web', from)]))).toEqual(expected);
  });

  it('entities are peers of their own kind', () => {
    const n = webIn({ fromEntities: ['world', 'world-ipv4', 'cluster', 'host', 'remote-node', 'kube-apiserver', 'all', 'health'] });
    expect(n.policy('p').Ingress?.rules[0]?.peers.map((p) => (p.kind === 'entity' ? [p.entity, p.node?.value] : p.kind))).toEqual([
      ['world', 'world'],
      ['world', 'world-ipv4'],
      ['cluster', 'cluster'],
      ['host', 'host'],
      ['remote-node', 'remote-node'],
      ['kube-apiserver', 'kube-apiserver'],
      ['all', 'all'],
      ['other', 'health'],
    ]);
  });

  it('the host entity may be the node-local DNS address', () => {
    expect(webOut({ toEntities: ['host'] }).out('prod/web', 'dns-address')).toBe(ALL);
    expect(webOut({ toEntities: ['remote-node'] }).out('prod/web', 'dns-address')).toBe(NONE);
  });
});

describe('CIDR peers', () => {
  it('toCIDR: addresses, not pods', () => {
    const n = webOut({ toCIDR: ['192.0.2.0/24'] });
    expect(n.out('prod/web', '192.0.2.7')).toBe(ALL);
    expect(n.out('prod/web', '198.51.100.7')).toBe(NONE);
    expect(n.out('prod/web', '192.0.0.0/16')).toBe(UNKNOWN);
    expect(n.out('prod/web', 'prod/db')).toBe(NONE);
    expect(n.out('prod/web', 'dns-address')).toBe(ALL);
  });

  it('fromCIDRSet with except', () => {
    const n = webIn({ fromCIDRSet: [{ cidr: '10.0.0.0/8', except: ['10.1.0.0/16', 'junk'] }] });
    expect(n.in('prod/web', '10.2.0.1')).toBe(ALL);
    expect(n.in('prod/web', '10.1.0.1')).toBe(NONE);
    expect(n.in('prod/web', '10.0.0.0/8')).toBe(UNKNOWN);
    const peer = n.policy('p').Ingress?.rules[0]?.peers[0];
    expect(peer?.kind === 'cidr' && peer.except.length).toBe(1);
    expect(peer?.kind === 'cidr' && peer.node?.value).toBe('10.0.0.0/8');
  });

  it('a CIDR that does not parse never decides', () => {
    expect(webIn({ fromCIDR: ['bogus'] }).in('prod/web', '192.0.2.1')).toBe(UNKNOWN);
    expect(webIn({ fromCIDRSet: [{ cidr: 'bogus' }] }).in('prod/web', 'prod/db')).toBe(UNKNOWN);
    expect(webIn({ fromCIDR: ['bogus'] }).policy('p').Ingress?.rules[0]?.peers).toEqual([{ kind: 'unknown' }]);
    expect(webIn({ fromCIDRSet: [{ cidr: 'bogus' }] }).policy('p').Ingress?.rules[0]?.peers).toEqual([{ kind: 'unknown' }]);
    expect(webIn({ fromCIDRSet: [{ except: ['192.0.2.0/24'] }] }).policy('p').Ingress?.rules[0]?.peers).toEqual([{ kind: 'unknown' }]);
  });

  it('CIDR peers with ports stay address peers', () => {
    const ports = { toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }] };
    const set = webIn({ fromCIDRSet: [{ cidr: '192.0.2.0/24' }], ...ports });
    expect(set.in('prod/web', '192.0.2.1')).toBe('TCP 443');
    expect(set.in('prod/web', 'prod/client')).toBe(NONE);
    const list = webIn({ fromCIDR: ['192.0.2.0/24'], ...ports });
    expect(list.in('prod/web', 'prod/client')).toBe(NONE);
  });
});

describe('other peers', () => {
  it('toFQDNs names no pod; a selector without a name adds no peer', () => {
    const n = webOut({ toFQDNs: [{ matchName: 'api.example.com' }, { matchPattern: '*.example.com' }, {}] });
    expect(n.policy('p').Egress?.rules[0]?.peers).toEqual([
      { kind: 'fqdn', pattern: 'api.example.com' },
      { kind: 'fqdn', pattern: '*.example.com' },
    ]);
    expect(n.out('prod/web', 'prod/db')).toBe(NONE);
    const m = webOut({ toFQDNs: [{}], toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }] });
    // A rule with an L3 field is not L4-only, even when the field yields no peer.
    expect(m.out('prod/web', 'prod/db')).toBe(NONE);
    expect(m.out('prod/web', '192.0.2.1')).toBe(NONE);
  });

  it.each<[string, Obj]>([
    ['toServices', { toServices: [{ k8sService: { serviceName: 'x', namespace: 'prod' } }] }],
    ['toGroups', { toGroups: [{ aws: { securityGroupsIds: ['sg-1'] } }] }],
    ['toNodes', { toNodes: [{ matchLabels: { role: 'x' } }] }],
  ])('%s: a peer nsl-lint does not model', (_name, rule) => {
    const n = webOut(rule);
    expect(n.policy('p').Egress?.rules[0]?.peers).toEqual([{ kind: 'unknown' }]);
    expect(n.out('prod/web', 'prod/db')).toBe(UNKNOWN);
  });

  it('unmodelled peers with ports are still no L4-only rule', () => {
    const n = webOut({ toGroups: [{ aws: { securityGroupsIds: ['sg-1'] } }], toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }] });
    expect(n.policy('p').Egress?.rules[0]?.peers).toEqual([{ kind: 'unknown' }]);
  });

  it('toRequires makes the rule uncertain', () => {
    const n = webOut({ toEndpoints: [{ matchLabels: { app: 'db' } }], toRequires: [{ matchLabels: { env: 'x' } }] });
    expect(n.policy('p').Egress?.rules[0]?.uncertain).toBe(true);
    expect(n.out('prod/web', 'prod/db')).toBe(UNKNOWN);
    expect(n.out('prod/web', 'prod/client')).toBe(NONE);
    const m = webIn({ fromRequires: [{ matchLabels: { env: 'x' } }] });
    expect(m.policy('p').Ingress?.rules[0]?.uncertain).toBe(true);
    expect(m.policy('p').Ingress?.rules[0]?.peers).toEqual([]);
    expect(webIn({ fromNodes: [{}] }).policy('p').Ingress?.rules[0]?.peers).toEqual([{ kind: 'unknown' }]);
  });
});

describe('ports', () => {
  const ports = (toPorts: unknown, extra: Obj = {}, to = 'prod/web'): string => webIn({ toPorts, ...extra }).in(to, 'prod/client');

  it.each<[string, unknown, string]>([
    ['a port with protocol', [{ ports: [{ port: '80', protocol: 'TCP' }] }], 'TCP 80'],
    ['a port as a number', [{ ports: [{ port: 80, protocol: 'UDP' }] }], 'UDP 80'],
    ['no protocol: any', [{ ports: [{ port: '53' }] }], 'TCP 53,UDP 53,SCTP 53'],
    ['protocol ANY', [{ ports: [{ port: '53', protocol: 'ANY' }] }], 'TCP 53,UDP 53,SCTP 53'],
    ['port 0: every port', [{ ports: [{ port: '0', protocol: 'TCP' }] }], 'TCP'],
    ['port 0 as a number', [{ ports: [{ port: 0, protocol: 'UDP' }] }], 'UDP'],
    ['no port: every port', [{ ports: [{ protocol: 'SCTP' }] }], 'SCTP'],
    ['endPort', [{ ports: [{ port: '8000', endPort: 8080, protocol: 'TCP' }] }], 'TCP 8000-8080'],
    ['endPort below port', [{ ports: [{ port: '8000', endPort: 7000, protocol: 'TCP' }] }], 'TCP 8000'],
    ['a named port of the destination', [{ ports: [{ port: 'http', protocol: 'TCP' }] }], 'TCP 8080'],
    ['a named port, any protocol', [{ ports: [{ port: 'dns' }] }], 'UDP 53'],
    ['a name ending in a digit', [{ ports: [{ port: 'h2', protocol: 'TCP' }] }], 'TCP 8443'],
    ['a name starting with a digit', [{ ports: [{ port: '9p' }] }], 'TCP 9999'],
    ['a named port of another protocol', [{ ports: [{ port: 'dns', protocol: 'TCP' }] }], NONE],
    [
      'an ICMP port entry adds nothing',
      [
        {
          ports: [
            { port: '8', protocol: 'ICMP' },
            { port: '22', protocol: 'TCP' },
          ],
        },
      ],
      'TCP 22',
    ],
    ['a port that is neither number nor name', [{ ports: [{ port: { x: 1 }, protocol: 'TCP' }] }], NONE],
    ['no ports list: every port of every protocol', [{}], 'TCP,UDP,SCTP'],
    ['several entries', [{ ports: [{ port: '80', protocol: 'TCP' }] }, { ports: [{ port: '53', protocol: 'UDP' }] }], 'TCP 80,UDP 53'],
  ])('%s', (_name, toPorts, expected) => {
    expect(ports(toPorts)).toBe(expected);
  });

  it('icmps admit the port-less protocols', () => {
    expect(webIn({ icmps: [{ fields: [{ type: 8 }] }] }).in('prod/web', '192.0.2.1')).toBe('other protocols (ICMP, …)');
    expect(ports([{ ports: [{ port: '80', protocol: 'TCP' }] }], { icmps: [{ fields: [{ type: 8 }] }] })).toBe(
      'TCP 80,other protocols (ICMP, …)',
    );
  });

  it('ports without peers apply to every peer; with peers, to those peers', () => {
    const l4 = webIn({ toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }] });
    expect(l4.in('prod/web', '192.0.2.1')).toBe('TCP 443');
    expect(l4.in('prod/web', 'dev/client')).toBe('TCP 443');
    const l3l4 = webIn({ fromEndpoints: [{ matchLabels: { app: 'client' } }], toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }] });
    expect(l3l4.in('prod/web', 'prod/client')).toBe('TCP 443');
    expect(l3l4.in('prod/web', 'prod/db')).toBe(NONE);
    expect(l3l4.in('prod/web', '192.0.2.1')).toBe(NONE);
  });

  it('an empty toPorts list is no port restriction and no L4 rule', () => {
    expect(webIn({ toPorts: [] }).in('prod/web', 'prod/client')).toBe(NONE);
    expect(webIn({ fromEndpoints: [{}], toPorts: [] }).in('prod/web', 'prod/client')).toBe(ALL);
  });

  it('egress named ports resolve against the destination', () => {
    const n = net(
      cilium('prod/out', {
        endpointSelector: { matchLabels: { app: 'client' } },
        egress: [{ toPorts: [{ ports: [{ port: 'http', protocol: 'TCP' }] }] }],
      }),
    );
    expect(n.out('prod/client', 'prod/web')).toBe('TCP 8080');
    expect(n.out('prod/client', 'dev/web')).toBe(NONE);
  });

  it('deny ports', () => {
    const n = net(
      cilium('prod/p', {
        endpointSelector: WEB,
        enableDefaultDeny: { egress: false },
        egressDeny: [{ toCIDR: ['192.0.2.0/24'], toPorts: [{ ports: [{ port: '80' }] }] }],
      }),
    );
    expect(n.out('prod/web', '192.0.2.1')).toBe(EVERY_PORT_BUT_80);
    expect(n.out('prod/web', '198.51.100.1')).toBe(ALL);
    expect(n.out('prod/web', '192.0.0.0/16')).toBe(`${EVERY_PORT_BUT_80} .. ${ALL}`);
  });
});
