import { beforeEach, describe, expect, it } from 'vitest';
import { KUBERNETES_ORDER, kubernetesPeer, kubernetesPolicyTypes, parseKubernetesPolicy } from '../../src/analysis/netpol-kubernetes.js';
import { Node } from '../../src/model/node.js';
import { ALL, NONE, Net, UNKNOWN, namespace, np, pod, type Obj } from './netpol-helpers.js';

/**
 * Kubernetes NetworkPolicy semantics (networking.k8s.io/v1), stated from the API
 * reference and the project's shared definitions; every expectation is written by hand.
 *
 * The cluster: namespaces `prod` (team=blue, env=prod) and `dev` (team=red, env=dev) are
 * defined in the repository, so their labels are complete; `other` is not, so only its
 * name label is known.
 */
const CLUSTER: Obj[] = [
  namespace('prod', { team: 'blue', env: 'prod' }),
  namespace('dev', { team: 'red', env: 'dev' }),
  pod(
    'prod/web',
    { app: 'web', tier: 'front' },
    {
      ports: [
        { name: 'http', containerPort: 8080 },
        { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
        { name: 'syslog', containerPort: 514, protocol: 'UDP' },
        { name: 'h2', containerPort: 8443 },
        { name: '9p', containerPort: 9999 },
      ],
    },
  ),
  pod('prod/db', { app: 'db' }, { ports: [{ name: 'sql', containerPort: 5432 }] }),
  pod('prod/client', { app: 'client' }, { ports: [{ name: 'http', containerPort: 3000 }] }),
  pod('prod/hn', { app: 'web' }, { hostNetwork: true }),
  pod('dev/web', { app: 'web' }, { ports: [{ name: 'http', containerPort: 8081 }] }),
  pod('dev/client', { app: 'client' }),
  pod('other/lost', { app: 'client' }),
];

const WEB = { matchLabels: { app: 'web' } };
const net = (...policies: Obj[]): Net => Net.of([...CLUSTER, ...policies]);
/** A policy on prod/web admitting ingress through one rule. */
const webIngress = (rule: Obj): Net => net(np('prod/p', { podSelector: WEB, ingress: [rule] }));

describe('effective policyTypes', () => {
  const types = (spec: Obj): string[] => [...kubernetesPolicyTypes(net(np('prod/p', spec)).policy('p').resource)].sort();

  it.each<[string, Obj, string[]]>([
    ['no rules: Ingress', { podSelector: {} }, ['Ingress']],
    ['ingress rules only: Ingress', { podSelector: {}, ingress: [{}] }, ['Ingress']],
    ['an egress field, even empty, adds Egress', { podSelector: {}, egress: [] }, ['Egress', 'Ingress']],
    ['egress rules add Egress', { podSelector: {}, egress: [{}] }, ['Egress', 'Ingress']],
    ['as written: Egress only', { podSelector: {}, policyTypes: ['Egress'], ingress: [{}] }, ['Egress']],
    ['as written: Ingress only despite egress rules', { podSelector: {}, policyTypes: ['Ingress'], egress: [{}] }, ['Ingress']],
    ['as written: both', { podSelector: {}, policyTypes: ['Egress', 'Ingress'] }, ['Egress', 'Ingress']],
    ['unknown types are ignored', { podSelector: {}, policyTypes: ['Egress', 'Sideways'] }, ['Egress']],
  ])('%s', (_name, spec, expected) => {
    expect(types(spec)).toEqual(expected);
  });

  it('a policy without rules isolates ingress only: nothing comes in, everything goes out', () => {
    const n = net(np('prod/deny', { podSelector: {} }));
    expect(n.a.isolated(n.pod('prod/web'), 'Ingress')).toBe(true);
    expect(n.a.isolated(n.pod('prod/web'), 'Egress')).toBe(false);
    expect(n.in('prod/web', 'prod/db')).toBe(NONE);
    expect(n.in('prod/web', '192.0.2.1')).toBe(NONE);
    expect(n.out('prod/web', 'dev/client')).toBe(ALL);
    expect(n.policy('deny').Egress).toBeUndefined();
    expect(n.policy('deny').Ingress).toEqual({ isolates: true, rules: [], denies: [] });
    // Pods of other namespaces are not selected.
    expect(n.a.isolated(n.pod('dev/web'), 'Ingress')).toBe(false);
    expect(n.in('dev/web', 'prod/web')).toBe(ALL);
  });

  it('an empty egress field isolates egress too', () => {
    const n = net(np('prod/deny', { podSelector: {}, egress: [] }));
    expect(n.a.isolated(n.pod('prod/web'), 'Egress')).toBe(true);
    expect(n.out('prod/web', 'dev/client')).toBe(NONE);
    expect(n.out('prod/web', '192.0.2.1')).toBe(NONE);
    expect(n.in('prod/web', 'prod/db')).toBe(NONE);
  });

  it('egress rules without policyTypes: ingress denied, egress as the rules say', () => {
    const n = net(np('prod/p', { podSelector: {}, egress: [{ ports: [{ port: 443 }] }] }));
    expect(n.in('prod/web', 'prod/db')).toBe(NONE);
    expect(n.out('prod/web', '192.0.2.1')).toBe('TCP 443');
  });

  it('rules of a direction missing from policyTypes are ignored', () => {
    const n = net(
      np('prod/p', { podSelector: {}, policyTypes: ['Egress'], ingress: [{}], egress: [{ ports: [{ port: 53, protocol: 'UDP' }] }] }),
    );
    expect(n.policy('p').Ingress).toBeUndefined();
    expect(n.a.isolated(n.pod('prod/web'), 'Ingress')).toBe(false);
    expect(n.in('prod/web', 'dev/web')).toBe(ALL);
    expect(n.out('prod/web', 'dev/web')).toBe('UDP 53');

    const m = net(np('prod/q', { podSelector: {}, policyTypes: ['Ingress'], egress: [] }));
    expect(m.policy('q').Egress).toBeUndefined();
    expect(m.out('prod/web', 'dev/web')).toBe(ALL);
    expect(m.in('prod/web', 'dev/web')).toBe(NONE);
  });

  it('policyTypes with both directions and no rules denies both ways', () => {
    const n = net(np('prod/p', { podSelector: WEB, policyTypes: ['Ingress', 'Egress'] }));
    expect(n.in('prod/web', 'prod/client')).toBe(NONE);
    expect(n.out('prod/web', 'prod/client')).toBe(NONE);
    expect(n.out('prod/db', 'prod/client')).toBe(ALL);
  });

  it.skip('BUG (reported): an empty policyTypes list is defaulted by the API server like an absent one', () => {
    // apiserver SetDefaults_NetworkPolicySpec: `len(PolicyTypes) == 0` gets Ingress.
    const n = net(np('prod/p', { podSelector: {}, policyTypes: [] }));
    expect(n.a.isolated(n.pod('prod/web'), 'Ingress')).toBe(true);
  });
});

describe('the parsed policy', () => {
  it('records flavor, namespace, scope, order, selector node and position', () => {
    const n = net(np('prod/p', { podSelector: WEB, ingress: [{ from: [{ podSelector: {} }] }] }));
    const p = n.policy('p');
    expect(p.flavor).toBe('kubernetes');
    expect(p.namespace).toBe('prod');
    expect(p.scope).toEqual({ kind: 'own', namespace: 'prod' });
    expect(p.order).toBe(1000);
    expect(KUBERNETES_ORDER).toBe(1000);
    expect(p.selectorNode?.value).toEqual(WEB);
    expect(p.index).toBe(CLUSTER.length);
    expect(p.pods.hints).toEqual([['app', 'web']]);
    const rule = p.Ingress?.rules[0];
    expect(rule?.action).toBe('Allow');
    expect(rule?.uncertain).toBe(false);
    expect(rule?.ports).toBe('all');
    expect(rule?.node.value).toEqual({ from: [{ podSelector: {} }] });
    expect(p.Ingress?.denies).toEqual([]);
  });

  it('a namespace-less resource belongs to the default namespace', () => {
    const n = net(np('prod/p', { podSelector: {} }));
    const r = { ...n.policy('p').resource, namespace: undefined };
    const p = parseKubernetesPolicy(r, 7);
    expect(p.namespace).toBe('default');
    expect(p.scope).toEqual({ kind: 'own', namespace: 'default' });
    expect(p.index).toBe(7);
    expect(p.pods.all).toBe(true);
  });

  it('a policy without spec: ingress isolation of every pod of its namespace', () => {
    const n = net({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'bare', namespace: 'prod' } });
    expect([...kubernetesPolicyTypes(n.policy('bare').resource)]).toEqual(['Ingress']);
    expect(n.policy('bare').selectorNode).toBeUndefined();
    expect(n.policy('bare').Ingress).toEqual({ isolates: true, rules: [], denies: [] });
    expect(n.in('prod/db', 'prod/web')).toBe(NONE);
  });

  it('peers as the engine sees them', () => {
    const peer = (v: Obj) => kubernetesPeer(new Node(v, 'p.yaml', 0, []), 'prod');
    expect(peer({ ipBlock: { cidr: 'nonsense' } })).toEqual({ kind: 'unknown' });
    expect(peer({ ipBlock: {} })).toEqual({ kind: 'unknown' });
    const cidr = peer({ ipBlock: { cidr: '192.0.2.0/24', except: ['192.0.2.0/25', 'junk'] } });
    expect(cidr.kind).toBe('cidr');
    if (cidr.kind === 'cidr') {
      expect(cidr.except).toHaveLength(1);
      expect(cidr.node?.value).toBe('192.0.2.0/24');
    }
    const own = peer({ podSelector: WEB });
    expect(own.kind === 'pods' && own.namespaces).toEqual({ kind: 'own', namespace: 'prod' });
    const anyPod = peer({ namespaceSelector: { matchLabels: { team: 'red' } } });
    expect(anyPod.kind === 'pods' && anyPod.pods.all).toBe(true);
    expect(anyPod.kind === 'pods' && anyPod.namespaces.kind).toBe('selector');
    const nothing = peer({});
    expect(nothing.kind === 'pods' && nothing.pods.test({}, true, 'prod')).toBe(false);
    expect(nothing.kind === 'pods' && nothing.pods.all).toBe(false);
    expect(nothing.kind === 'pods' && nothing.pods.hints).toEqual([]);
    expect(nothing.kind === 'pods' && nothing.namespaces).toEqual({ kind: 'own', namespace: 'prod' });
  });
});

describe('selection', () => {
  it('a podSelector selects matching pods of the policy namespace, never host-network pods', () => {
    const n = net(np('prod/p', { podSelector: WEB }));
    const p = n.policy('p');
    expect(n.a.selects(p, n.pod('prod/web'))).toBe(true);
    expect(n.a.selects(p, n.pod('prod/db'))).toBe(false);
    expect(n.a.selects(p, n.pod('dev/web'))).toBe(false);
    expect(n.a.selects(p, n.pod('prod/hn'))).toBe(false);
    expect(n.a.selectsIgnoringHostNetwork(p, n.pod('prod/hn'))).toBe(true);
    expect(n.a.isolated(n.pod('prod/db'), 'Ingress')).toBe(false);
    expect(n.in('prod/db', 'dev/web')).toBe(ALL);
  });

  it('host-network pods are never isolated, whatever selects them', () => {
    const n = net(
      np('prod/all', { podSelector: {}, ingress: [], egress: [] }),
      np('prod/web', { podSelector: WEB, policyTypes: ['Ingress', 'Egress'] }),
    );
    const hn = n.pod('prod/hn');
    expect(n.a.isolated(hn, 'Ingress')).toBe(false);
    expect(n.a.isolated(hn, 'Egress')).toBe(false);
    expect(n.a.applicable(hn, 'Ingress')).toEqual([]);
    expect(n.a.applicable(hn, 'Egress')).toEqual([]);
    expect(n.in('prod/hn', 'dev/web')).toBe(ALL);
    expect(n.out('prod/hn', '192.0.2.1')).toBe(ALL);
    expect(n.a.isolated(n.pod('prod/web'), 'Ingress')).toBe(true);
    expect(n.a.isolated(n.pod('prod/db'), 'Egress')).toBe(true);
  });

  it('matchExpressions in the podSelector', () => {
    const n = net(np('prod/p', { podSelector: { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web', 'db'] }] } }));
    expect(n.a.isolated(n.pod('prod/client'), 'Ingress')).toBe(true);
    expect(n.a.isolated(n.pod('prod/web'), 'Ingress')).toBe(false);
    expect(n.a.isolated(n.pod('prod/db'), 'Ingress')).toBe(false);
  });

  it('an invalid podSelector selects nothing', () => {
    const n = net(np('prod/p', { podSelector: { matchExpressions: [{ key: 'app', operator: 'Equals', values: ['web'] }] } }));
    expect(n.a.isolated(n.pod('prod/web'), 'Ingress')).toBe(false);
    expect(n.a.isolated(n.pod('prod/client'), 'Ingress')).toBe(false);
  });
});

describe('union of the policies selecting a pod', () => {
  let n: Net;
  beforeEach(() => {
    n = net(
      np('prod/p1', {
        podSelector: WEB,
        ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }], ports: [{ port: 80 }] }],
      }),
      np('prod/p2', {
        podSelector: { matchLabels: { tier: 'front' } },
        ingress: [{ from: [{ podSelector: { matchLabels: { app: 'db' } } }], ports: [{ port: 53, protocol: 'UDP' }] }],
      }),
      np('prod/p3', {
        podSelector: {},
        ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }], ports: [{ port: 443 }] }],
      }),
    );
  });

  it('each source gets what any selecting policy allows it', () => {
    expect(n.in('prod/web', 'prod/client')).toBe('TCP 80,443');
    expect(n.in('prod/web', 'prod/db')).toBe('UDP 53');
    expect(n.in('prod/web', 'dev/client')).toBe(NONE);
    // prod/db is selected by p3 only.
    expect(n.in('prod/db', 'prod/client')).toBe('TCP 443');
    expect(n.in('prod/db', 'prod/web')).toBe(NONE);
  });

  it('applicable lists the selecting policies in path order', () => {
    expect(n.a.applicable(n.pod('prod/web'), 'Ingress').map((x) => [x.policy.resource.name, x.selected])).toEqual([
      ['p1', true],
      ['p2', true],
      ['p3', true],
    ]);
    expect(n.a.applicable(n.pod('prod/db'), 'Ingress').map((x) => x.policy.resource.name)).toEqual(['p3']);
    expect(n.a.applicable(n.pod('prod/web'), 'Egress')).toEqual([]);
  });

  it('an allow-nothing policy beside an allowing one takes nothing away', () => {
    const m = net(
      np('prod/deny', { podSelector: {}, ingress: [] }),
      np('prod/allow', { podSelector: WEB, ingress: [{ ports: [{ port: 8080 }] }] }),
    );
    expect(m.in('prod/web', 'dev/client')).toBe('TCP 8080');
    expect(m.in('prod/db', 'dev/client')).toBe(NONE);
  });
});

describe('ports', () => {
  const from = (ports: unknown): string => webIngress({ ports }).in('prod/web', 'prod/client');

  it.each<[string, unknown, string]>([
    ['a port without protocol is TCP', [{ port: 80 }], 'TCP 80'],
    ['an explicit UDP port', [{ port: 80, protocol: 'UDP' }], 'UDP 80'],
    ['an explicit SCTP port', [{ port: 80, protocol: 'SCTP' }], 'SCTP 80'],
    ['a protocol without port: all its ports', [{ protocol: 'UDP' }], 'UDP'],
    ['an empty port entry: every TCP port', [{}], 'TCP'],
    ['endPort opens a range', [{ port: 8000, endPort: 8080 }], 'TCP 8000-8080'],
    ['endPort equal to port', [{ port: 8000, endPort: 8000 }], 'TCP 8000'],
    ['endPort below port is ignored', [{ port: 8000, endPort: 7000 }], 'TCP 8000'],
    ['endPort with UDP', [{ port: 5000, endPort: 5001, protocol: 'UDP' }], 'UDP 5000-5001'],
    ['a numeric string is a number', [{ port: '8443' }], 'TCP 8443'],
    ['several entries add up', [{ port: 53, protocol: 'UDP' }, { port: 53 }, { port: 22 }], 'TCP 22,53,UDP 53'],
    ['a protocol NetworkPolicy does not know admits nothing', [{ port: 80, protocol: 'ICMP' }], NONE],
    ['ANY is not a NetworkPolicy protocol', [{ port: 80, protocol: 'ANY' }], NONE],
    ['a named port resolves against the destination pod', [{ port: 'http' }], 'TCP 8080'],
    ['a named port needs the same protocol (syslog is UDP)', [{ port: 'syslog' }], NONE],
    ['a named UDP port', [{ port: 'syslog', protocol: 'UDP' }], 'UDP 514'],
    ['a name the pod does not have', [{ port: 'sql' }], NONE],
    ['named ports add up', [{ port: 'metrics' }, { port: 'http' }], 'TCP 8080,9090'],
    ['a name ending in a digit', [{ port: 'h2' }], 'TCP 8443'],
    ['a name starting with a digit', [{ port: '9p' }], 'TCP 9999'],
    ['endPort beside a named port is ignored', [{ port: 'http', endPort: 9000 }], 'TCP 8080'],
    ['a port that is neither number nor name', [{ port: { weird: 1 } }], NONE],
    ['no ports: all connections', undefined, ALL],
    ['an empty port list: all connections', [], ALL],
  ])('%s', (_name, ports, expected) => {
    expect(from(ports)).toBe(expected);
  });

  it('named ports of an egress rule resolve against the destination, not the source', () => {
    const n = net(
      np('prod/out', { podSelector: { matchLabels: { app: 'client' } }, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'http' }] }] }),
    );
    // prod/client itself names port 3000 `http`.
    expect(n.out('prod/client', 'prod/web')).toBe('TCP 8080');
    expect(n.out('prod/client', 'dev/web')).toBe('TCP 8081');
    expect(n.out('prod/client', 'prod/db')).toBe(NONE);
    expect(n.out('prod/client', '192.0.2.1')).toBe(NONE);
  });

  it('named ports of an ingress rule resolve against the selected pod, not the source', () => {
    const n = net(np('prod/in', { podSelector: {}, ingress: [{ ports: [{ port: 'http' }] }] }));
    expect(n.in('prod/web', 'prod/client')).toBe('TCP 8080');
    expect(n.in('prod/client', 'prod/web')).toBe('TCP 3000');
    expect(n.in('prod/db', 'prod/web')).toBe(NONE);
  });
});

describe('rules with no ports, no peers, no rules', () => {
  it('a rule with peers and no ports admits every connection from those peers', () => {
    const n = webIngress({ from: [{ podSelector: { matchLabels: { app: 'client' } } }] });
    expect(n.in('prod/web', 'prod/client')).toBe(ALL);
    expect(n.in('prod/web', 'prod/db')).toBe(NONE);
    expect(n.in('prod/web', '192.0.2.1')).toBe(NONE);
  });

  it('a rule with ports and no peers admits those ports from everywhere, addresses included', () => {
    const n = webIngress({ ports: [{ port: 80 }] });
    expect(n.in('prod/web', 'dev/client')).toBe('TCP 80');
    expect(n.in('prod/web', 'other/lost')).toBe('TCP 80');
    expect(n.in('prod/web', '192.0.2.1')).toBe('TCP 80');
    expect(n.in('prod/web', '2001:db8::1')).toBe('TCP 80');
  });

  it('empty `from` and `ports` lists mean all', () => {
    const n = webIngress({ from: [], ports: [] });
    expect(n.in('prod/web', 'dev/client')).toBe(ALL);
    expect(n.in('prod/web', '198.51.100.7')).toBe(ALL);
  });

  it('the empty rule admits everything', () => {
    const n = webIngress({});
    expect(n.in('prod/web', 'other/lost')).toBe(ALL);
    expect(n.in('prod/web', '203.0.113.9')).toBe(ALL);
  });

  it('an empty rule list admits nothing', () => {
    const n = net(np('prod/p', { podSelector: WEB, ingress: [] }));
    expect(n.in('prod/web', 'prod/client')).toBe(NONE);
    expect(n.in('prod/web', '192.0.2.1')).toBe(NONE);
  });

  it('a peer with neither selector nor ipBlock matches nothing', () => {
    const n = webIngress({ from: [{}] });
    expect(n.in('prod/web', 'prod/client')).toBe(NONE);
    expect(n.in('prod/web', '192.0.2.1')).toBe(NONE);
  });
});

describe('ipBlock', () => {
  let n: Net;
  beforeEach(() => {
    n = net(
      np('prod/out', {
        podSelector: WEB,
        policyTypes: ['Egress'],
        egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['bogus', '10.1.0.0/16'] } }] }],
      }),
    );
  });

  it.each<[string, string]>([
    ['10.2.3.4', ALL],
    ['10.0.0.0/16', ALL],
    ['10.255.255.255', ALL],
    ['10.1.2.3', NONE],
    ['10.1.0.0/16', NONE],
    ['10.1.255.0/24', NONE],
    // Ranges that straddle a boundary: some addresses are admitted, some not.
    ['10.0.0.0/15', UNKNOWN],
    ['10.0.0.0/8', UNKNOWN],
    ['8.0.0.0/6', UNKNOWN],
    ['192.0.2.1', NONE],
    ['9.255.255.255', NONE],
    ['11.0.0.0', NONE],
    ['2001:db8::1', NONE],
  ])('to %s', (address, expected) => {
    expect(n.out('prod/web', address)).toBe(expected);
  });

  it('an ipBlock may be the cluster DNS address, and selects no pod', () => {
    expect(n.out('prod/web', 'dns-address')).toBe(ALL);
    expect(n.out('prod/web', 'prod/db')).toBe(NONE);
    expect(n.out('prod/web', 'dev/client')).toBe(NONE);
  });

  it('IPv6 blocks and ports together', () => {
    const m = webIngress({ from: [{ ipBlock: { cidr: '2001:db8::/32', except: ['2001:db8:1::/48'] } }], ports: [{ port: 443 }] });
    expect(m.in('prod/web', '2001:db8::1')).toBe('TCP 443');
    expect(m.in('prod/web', '2001:db8:1::1')).toBe(NONE);
    expect(m.in('prod/web', '192.0.2.1')).toBe(NONE);
  });

  it('a CIDR that does not parse makes the answer unknown, for pods as for addresses', () => {
    const m = webIngress({ from: [{ ipBlock: { cidr: 'not-an-address' } }] });
    expect(m.in('prod/web', '192.0.2.1')).toBe(UNKNOWN);
    expect(m.in('prod/web', 'prod/client')).toBe(UNKNOWN);
  });
});

describe('namespaceSelector and podSelector', () => {
  const client = { matchLabels: { app: 'client' } };
  const red = { matchLabels: { team: 'red' } };

  it('both in one peer: AND', () => {
    const n = webIngress({ from: [{ namespaceSelector: red, podSelector: client }] });
    expect(n.in('prod/web', 'dev/client')).toBe(ALL);
    expect(n.in('prod/web', 'dev/web')).toBe(NONE);
    expect(n.in('prod/web', 'prod/client')).toBe(NONE);
    // `other` may or may not carry team=red.
    expect(n.in('prod/web', 'other/lost')).toBe(UNKNOWN);
  });

  it('in two peers: OR, and the podSelector alone means the policy namespace', () => {
    const n = webIngress({ from: [{ namespaceSelector: red }, { podSelector: client }] });
    expect(n.in('prod/web', 'dev/client')).toBe(ALL);
    expect(n.in('prod/web', 'dev/web')).toBe(ALL);
    expect(n.in('prod/web', 'prod/client')).toBe(ALL);
    expect(n.in('prod/web', 'prod/db')).toBe(NONE);
    expect(n.in('prod/web', 'other/lost')).toBe(UNKNOWN);
  });

  it('a podSelector alone stays in the policy namespace', () => {
    const n = webIngress({ from: [{ podSelector: client }] });
    expect(n.in('prod/web', 'prod/client')).toBe(ALL);
    expect(n.in('prod/web', 'dev/client')).toBe(NONE);
    expect(n.in('prod/web', 'other/lost')).toBe(NONE);
  });

  it('namespaceSelector {} alone: every pod of every namespace, no address, no host-network pod', () => {
    const n = webIngress({ from: [{ namespaceSelector: {} }] });
    expect(n.in('prod/web', 'prod/db')).toBe(ALL);
    expect(n.in('prod/web', 'dev/web')).toBe(ALL);
    expect(n.in('prod/web', 'other/lost')).toBe(ALL);
    expect(n.in('prod/web', '192.0.2.1')).toBe(NONE);
    expect(n.in('prod/web', 'prod/hn')).toBe(NONE);
  });

  it('the name label is known for every namespace', () => {
    const n = webIngress({ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'other' } } }] });
    expect(n.in('prod/web', 'other/lost')).toBe(ALL);
    expect(n.in('prod/web', 'dev/client')).toBe(NONE);
    expect(n.in('prod/web', 'prod/client')).toBe(NONE);
  });

  it('matchExpressions on namespaces: decided for defined namespaces, unknown for the others', () => {
    const n = webIngress({ from: [{ namespaceSelector: { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] } }] });
    expect(n.in('prod/web', 'dev/client')).toBe(ALL);
    expect(n.in('prod/web', 'prod/client')).toBe(NONE);
    expect(n.in('prod/web', 'other/lost')).toBe(UNKNOWN);
  });

  it('a podSelector with expressions in the policy namespace', () => {
    const n = webIngress({
      from: [{ podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['client', 'db'] }] } }],
      ports: [{ port: 8080 }],
    });
    expect(n.in('prod/web', 'prod/client')).toBe('TCP 8080');
    expect(n.in('prod/web', 'prod/db')).toBe('TCP 8080');
    expect(n.in('prod/web', 'dev/client')).toBe(NONE);
  });

  it('egress peers follow the same rules', () => {
    const n = net(
      np('prod/out', {
        podSelector: WEB,
        egress: [
          {
            to: [{ namespaceSelector: red, podSelector: { matchLabels: { app: 'web' } } }, { podSelector: { matchLabels: { app: 'db' } } }],
          },
        ],
      }),
    );
    expect(n.out('prod/web', 'dev/web')).toBe(ALL);
    expect(n.out('prod/web', 'dev/client')).toBe(NONE);
    expect(n.out('prod/web', 'prod/db')).toBe(ALL);
    expect(n.out('prod/web', 'prod/client')).toBe(NONE);
    expect(n.out('prod/web', '192.0.2.1')).toBe(NONE);
  });
});
