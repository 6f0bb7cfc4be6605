import { describe, expect, it } from 'vitest';
import { computeConnectivity, connectivityRows } from '../../src/analysis/connectivity.js';
import { NetpolAnalysis, type PodEndpoint } from '../../src/analysis/netpol.js';
import { Bitset, FormulaTable, PodClasses, PortFormula, formulaAt, ipSideOf, sideOf } from '../../src/analysis/netpol-classes.js';
import { classKey, labelKeysRead } from '../../src/analysis/netpol-class-key.js';
import { ConnSet } from '../../src/analysis/netpol-ports.js';
import type { PolicyRule } from '../../src/analysis/netpol-types.js';
import { formatIp } from '../../src/core/ip.js';
import { calico, model, namespace, np, pod, type Obj } from '../analysis/netpol-helpers.js';

/**
 * Pod classes: pods of one namespace whose labels agree on every key a selector reads are
 * evaluated once. Every expectation below is worked out by hand from the manifests.
 */

const http = (port: number): Obj[] => [{ name: 'http', containerPort: port }];

// a and b differ only in `version`, which no selector reads (and in their ports); c differs
// from a only in `tier`, which the peer of web-in reads.
const CLUSTER: Obj[] = [
  namespace('x', { team: 'blue' }),
  namespace('y', { team: 'red' }),
  pod('x/a', { app: 'web', tier: 'front', version: 'v1' }, { ports: http(8080) }),
  pod('x/b', { app: 'web', tier: 'front', version: 'v2' }, { ports: http(9090) }),
  pod('x/c', { app: 'web', tier: 'back', version: 'v1' }, { ports: http(7070) }),
  pod('y/d', { app: 'db' }, { ports: [{ name: 'sql', containerPort: 5432 }] }),
  // Web pods take their own `http` port from front pods of their namespace.
  np('x/web-in', {
    podSelector: { matchLabels: { app: 'web' } },
    ingress: [{ from: [{ podSelector: { matchLabels: { tier: 'front' } } }], ports: [{ port: 'http' }] }],
  }),
  // Everything in y takes TCP 5432 from pods of blue namespaces that have a tier.
  np('y/db-in', {
    podSelector: {},
    ingress: [
      {
        from: [
          {
            namespaceSelector: { matchLabels: { team: 'blue' } },
            podSelector: { matchExpressions: [{ key: 'tier', operator: 'Exists' }] },
          },
        ],
        ports: [{ port: 5432 }],
      },
    ],
  }),
];

function setup(docs: Obj[] = CLUSTER): { a: NetpolAnalysis; pods: Record<string, PodEndpoint>; classes: PodClasses } {
  const a = new NetpolAnalysis(model(docs));
  const pods = Object.fromEntries(a.pods.map((p) => [`${p.namespace}/${p.workload?.name}`, p]));
  return { a, pods, classes: new PodClasses(a, a.pods) };
}

function lines(docs: Obj[]): string[] {
  return connectivityRows(computeConnectivity(new NetpolAnalysis(model(docs)))).map(
    (r) => `${r.source.id} => ${r.destination.id} : ${r.connections}`,
  );
}

describe('label keys and class keys', () => {
  it('collects the keys of policy selectors and pod peers, not of namespace selectors', () => {
    const { a } = setup();
    expect([...(labelKeysRead(a.policies) ?? [])].sort()).toEqual(['app', 'tier']);
  });

  it('gives up (every key counts) when a selector does not say which keys it reads', () => {
    const { a } = setup([...CLUSTER, calico('x/c1', { selector: "app == 'web'", ingress: [{ action: 'Allow' }] })]);
    expect(labelKeysRead(a.policies)).toBeUndefined();
  });

  it('tells a missing key from any value, and ignores keys nobody reads', () => {
    const { pods } = setup();
    const keys = new Set(['tier']);
    const p = pods['x/a'] as PodEndpoint;
    expect(classKey(p, keys)).toBe(classKey({ ...p, labels: { tier: 'front', other: 'z' } }, keys));
    expect(classKey(p, keys)).not.toBe(classKey({ ...p, labels: { tier: 'back' } }, keys));
    expect(classKey({ ...p, labels: {} }, keys)).not.toBe(classKey({ ...p, labels: { tier: '' } }, keys));
    expect(classKey(p, keys)).not.toBe(classKey({ ...p, namespace: 'y' }, keys));
    expect(classKey(p, keys)).not.toBe(classKey({ ...p, hostNetwork: true }, keys));
  });
});

describe('the policy index', () => {
  it('finds a policy whose selector takes one of several values under each of them', () => {
    const { a, pods } = setup([
      pod('x/one', { role: 'r1' }),
      pod('x/two', { role: 'r2' }),
      pod('x/three', { role: 'r3' }),
      pod('x/none', {}),
      np('x/some-roles', {
        podSelector: { matchExpressions: [{ key: 'role', operator: 'In', values: ['r1', 'r2'] }] },
        policyTypes: ['Ingress'],
      }),
    ]);
    const names = (id: string): string[] => a.applicable(pods[id] as PodEndpoint, 'Ingress').map((x) => x.policy.resource.name);
    expect(['x/one', 'x/two', 'x/three', 'x/none'].map(names)).toEqual([['some-roles'], ['some-roles'], [], []]);
    expect(a.policies[0]?.pods.oneOf).toEqual(['role', ['r1', 'r2']]);
  });
});

describe('PodClasses', () => {
  it('puts pods differing only where no selector looks in one class, a label a peer reads apart', () => {
    const { pods, classes } = setup();
    const cls = (id: string): number => classes.classOf(pods[id] as PodEndpoint).index;
    expect(classes.size).toBe(3);
    expect(cls('x/a')).toBe(cls('x/b'));
    expect(cls('x/c')).not.toBe(cls('x/a'));
    expect(cls('y/d')).not.toBe(cls('x/a'));
    expect(cls('y/d')).not.toBe(cls('x/c'));
  });

  it('computes, per peer, the classes it matches', () => {
    const { a, pods, classes } = setup();
    const cls = (id: string): number => classes.classOf(pods[id] as PodEndpoint).index;
    const members = (set: Bitset): number[] => [0, 1, 2].filter((i) => set.has(i));
    const webIn = a.policies.find((p) => p.resource.name === 'web-in');
    const dbIn = a.policies.find((p) => p.resource.name === 'db-in');
    const front = webIn?.Ingress?.rules[0]?.peers[0];
    const blueWithTier = dbIn?.Ingress?.rules[0]?.peers[0];
    if (!front || !blueWithTier) throw new Error('peers not parsed');
    expect(members(classes.peerSet(front))).toEqual([cls('x/a')]);
    expect(members(classes.peerSet(blueWithTier))).toEqual([cls('x/a'), cls('x/c')].sort());
  });

  it('gives the engine one answer per class: the same list for a and b', () => {
    const { a, pods } = setup();
    expect(a.applicable(pods['x/a'] as PodEndpoint, 'Ingress')).toBe(a.applicable(pods['x/b'] as PodEndpoint, 'Ingress'));
    expect(a.applicable(pods['x/a'] as PodEndpoint, 'Ingress')).not.toBe(a.applicable(pods['x/c'] as PodEndpoint, 'Ingress'));
    expect(a.applicable(pods['y/d'] as PodEndpoint, 'Ingress').map((x) => x.policy.resource.name)).toEqual(['db-in']);
  });
});

describe('answers the engine remembers per class', () => {
  it('keeps the upper-only answer apart from the full bounds', () => {
    // A source in a namespace the repository does not define: whether it is a blue namespace is unknown.
    const { a, pods } = setup([...CLUSTER, pod('elsewhere/s', { tier: 'front' })]);
    const d = pods['y/d'] as PodEndpoint;
    const stray = pods['elsewhere/s'] as PodEndpoint;
    const upperOnly = a.allowed(d, 'Ingress', stray, true);
    expect([upperOnly.lower.toMapString(), upperOnly.upper.toMapString()]).toEqual(['TCP 5432', 'TCP 5432']);
    const both = a.allowed(d, 'Ingress', stray);
    expect([both.lower.toMapString(), both.upper.toMapString()]).toEqual(['No Connections', 'TCP 5432']);
  });

  it('resolves the named ports of each destination, even for pods of one class', () => {
    const { a, pods } = setup();
    const source = pods['x/a'] as PodEndpoint;
    expect(a.allowed(pods['x/a'] as PodEndpoint, 'Ingress', source).upper.toMapString()).toBe('TCP 8080');
    expect(a.allowed(pods['x/b'] as PodEndpoint, 'Ingress', source).upper.toMapString()).toBe('TCP 9090');
    expect(a.allowed(pods['x/c'] as PodEndpoint, 'Ingress', source).upper.toMapString()).toBe('TCP 7070');
    // c's tier is back: web-in does not admit it, whatever the port.
    expect(a.allowed(pods['x/a'] as PodEndpoint, 'Ingress', pods['x/c'] as PodEndpoint).upper.toMapString()).toBe('No Connections');
  });

  it('isolation per direction', () => {
    const { a, pods } = setup();
    expect(a.isolated(pods['x/a'] as PodEndpoint, 'Ingress')).toBe(true);
    expect(a.isolated(pods['x/b'] as PodEndpoint, 'Ingress')).toBe(true);
    expect(a.isolated(pods['x/a'] as PodEndpoint, 'Egress')).toBe(false);
  });
});

describe('sides and port formulas', () => {
  it('resolves named ports per destination pod', () => {
    const rule = {
      ports: [
        { protocol: 'TCP', name: 'http' },
        { protocol: 'TCP', from: 9000, to: 9100 },
      ],
    } as unknown as PolicyRule;
    const f = PortFormula.ofRule(rule);
    expect(f.dependsOnPorts).toBe(true);
    expect(f.resolve([{ name: 'http', protocol: 'TCP', port: 8080 }]).toMapString()).toBe('TCP 8080,9000-9100');
    expect(f.resolve([]).toMapString()).toBe('TCP 9000-9100');
    // A UDP container port of that name is not the TCP named port.
    expect(f.resolve([{ name: 'http', protocol: 'UDP', port: 53 }]).toMapString()).toBe('TCP 9000-9100');
    expect(PortFormula.of(ConnSet.ALL, [{ protocol: 'TCP', name: 'http' }]).dependsOnPorts).toBe(false);
    const twice = PortFormula.of(ConnSet.NONE, [{ protocol: 'TCP', name: 'http' }]).union(
      PortFormula.of(ConnSet.ports('UDP', 53, 53), [{ protocol: 'TCP', name: 'http' }]),
    );
    expect(twice.named).toHaveLength(1);
    expect(twice.resolve([{ name: 'http', protocol: 'TCP', port: 80 }]).toMapString()).toBe('TCP 80,UDP 53');
  });

  it('gives each source class what the destination class ingress allows, and all when nothing isolates', () => {
    const { a, pods, classes } = setup();
    const table = new FormulaTable();
    const cls = (id: string): number => classes.classOf(pods[id] as PodEndpoint).index;
    const web = sideOf(a, classes, table, classes.classes[cls('x/a')] as never, 'Ingress');
    expect(web.kind).toBe('groups');
    // From a front pod: the destination's own http port; from c (tier back) or d: nothing.
    expect(
      formulaAt(web, table, cls('x/a'))
        ?.resolve([{ name: 'http', protocol: 'TCP', port: 8080 }])
        .toMapString(),
    ).toBe('TCP 8080');
    expect(formulaAt(web, table, cls('x/c'))).toBeUndefined();
    expect(formulaAt(web, table, cls('y/d'))).toBeUndefined();
    const db = sideOf(a, classes, table, classes.classes[cls('y/d')] as never, 'Ingress');
    expect(formulaAt(db, table, cls('x/c'))?.resolve([]).toMapString()).toBe('TCP 5432');
    expect(formulaAt(db, table, cls('y/d'))).toBeUndefined();
    expect(sideOf(a, classes, table, classes.classes[cls('x/a')] as never, 'Egress').kind).toBe('all');
  });

  it('hands rules whose order matters (Calico deny) to the engine', () => {
    const { a, pods, classes } = setup([
      ...CLUSTER,
      calico('x/deny-first', { selector: "app == 'web'", order: 10, ingress: [{ action: 'Deny', protocol: 'TCP' }] }),
    ]);
    const c = classes.classOf(pods['x/a'] as PodEndpoint);
    expect(sideOf(a, classes, new FormulaTable(), c, 'Ingress').kind).toBe('engine');
    expect(ipSideOf(a, new FormulaTable(), c, 'Ingress', [4])).toBeUndefined();
  });
});

describe('address ranges per class', () => {
  const IP: Obj[] = [
    pod('x/a', { app: 'web' }, { ports: http(8080) }),
    pod('x/b', { app: 'web' }, { ports: http(9090) }),
    np('x/from-ten', {
      podSelector: { matchLabels: { app: 'web' } },
      ingress: [
        { from: [{ ipBlock: { cidr: '10.0.0.0/16', except: ['10.0.5.0/24'] } }], ports: [{ port: 'http' }] },
        { from: [{ ipBlock: { cidr: '10.0.0.0/8' } }], ports: [{ port: 443 }] },
      ],
    }),
  ];

  it('cuts at the blocks and their exceptions and gives each range its formula', () => {
    const { a, pods, classes } = setup(IP);
    const side = ipSideOf(a, new FormulaTable(), classes.classOf(pods['x/a'] as PodEndpoint), 'Ingress', [4]);
    const port = [{ name: 'http', protocol: 'TCP' as const, port: 8080 }];
    expect(
      side?.atoms.map((r, i) => `${formatIp(4, r.start)}-${formatIp(4, r.end)} ${side.formulas[i]?.resolve(port).toMapString() ?? '-'}`),
    ).toEqual([
      '0.0.0.0-9.255.255.255 -',
      '10.0.0.0-10.0.4.255 TCP 443,8080',
      '10.0.5.0-10.0.5.255 TCP 443',
      '10.0.6.0-10.0.255.255 TCP 443,8080',
      '10.1.0.0-10.255.255.255 TCP 443',
      '11.0.0.0-255.255.255.255 -',
    ]);
  });

  it('writes the lines of two pods of one class with their own named ports', () => {
    expect(lines(IP).filter((l) => l.includes('=> x/b[Pod]') && l.startsWith('10.'))).toEqual([
      '10.0.0.0-10.0.4.255 => x/b[Pod] : TCP 443,9090',
      '10.0.5.0/24 => x/b[Pod] : TCP 443',
      '10.0.6.0-10.0.255.255 => x/b[Pod] : TCP 443,9090',
      '10.1.0.0-10.255.255.255 => x/b[Pod] : TCP 443',
    ]);
  });
});

describe('the map from classes', () => {
  it('gives pods of one class their own named ports and tells apart the pod a peer reads differently', () => {
    expect(lines(CLUSTER)).toEqual([
      'x/a[Pod] => 0.0.0.0/0 : All Connections',
      'x/a[Pod] => x/b[Pod] : TCP 9090',
      'x/a[Pod] => x/c[Pod] : TCP 7070',
      'x/a[Pod] => y/d[Pod] : TCP 5432',
      'x/b[Pod] => 0.0.0.0/0 : All Connections',
      'x/b[Pod] => x/a[Pod] : TCP 8080',
      'x/b[Pod] => x/c[Pod] : TCP 7070',
      'x/b[Pod] => y/d[Pod] : TCP 5432',
      'x/c[Pod] => 0.0.0.0/0 : All Connections',
      'x/c[Pod] => y/d[Pod] : TCP 5432',
      'y/d[Pod] => 0.0.0.0/0 : All Connections',
    ]);
  });

  it('Bitset: adds, tests, unites', () => {
    const x = new Bitset(70);
    x.add(0);
    x.add(69);
    const y = new Bitset(70);
    y.add(33);
    expect(x.isEmpty).toBe(false);
    expect(new Bitset(70).isEmpty).toBe(true);
    x.orWith(y);
    expect([0, 1, 33, 68, 69].map((i) => x.has(i))).toEqual([true, false, true, false, true]);
    expect(Bitset.full(40).has(39)).toBe(true);
  });
});
