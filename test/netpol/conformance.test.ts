import { describe, expect, it } from 'vitest';
import type { Protocol } from '../../src/analysis/netpol-ports.js';
import { PODS, Probe, cluster, modelOf } from './support.js';

/**
 * Kubernetes NetworkPolicy semantics, table-driven after the upstream conformance tests:
 * each case adds policies to the x/y/z cluster and states, per protocol and port, which
 * (source, destination) pairs may connect.
 */

type Pair = (from: string, to: string) => boolean;
const ns = (id: string): string => id.split('/')[0] as string;
const pod = (id: string): string => id.split('/')[1] as string;
const ALL: Pair = () => true;

interface Case {
  name: string;
  policies: string;
  probes: { protocol: Protocol; port: number; allowed: Pair }[];
}

function np(namespace: string, name: string, spec: string): string {
  return `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: ${name}
  namespace: ${namespace}
spec:
${spec
  .trim()
  .split('\n')
  .map((l) => `  ${l}`)
  .join('\n')}
`;
}

const CASES: Case[] = [
  {
    name: 'no policies: everything connects',
    policies: '',
    probes: [
      { protocol: 'TCP', port: 80, allowed: ALL },
      { protocol: 'UDP', port: 81, allowed: ALL },
    ],
  },
  {
    name: 'deny all ingress in x',
    policies: np('x', 'deny', 'podSelector: {}\npolicyTypes: [Ingress]'),
    probes: [{ protocol: 'TCP', port: 80, allowed: (_f, t) => ns(t) !== 'x' }],
  },
  {
    name: 'deny all egress in x (policyTypes defaults from an empty egress field)',
    policies: np('x', 'deny', 'podSelector: {}\negress: []'),
    probes: [{ protocol: 'TCP', port: 80, allowed: (f, t) => ns(f) !== 'x' && ns(t) !== 'x' }],
  },
  {
    name: 'allow x/a from every pod of namespace y',
    policies: np(
      'x',
      'from-y',
      'podSelector:\n  matchLabels: { pod: a }\ningress:\n  - from:\n      - namespaceSelector:\n          matchLabels: { ns: y }',
    ),
    probes: [{ protocol: 'TCP', port: 81, allowed: (f, t) => t !== 'x/a' || ns(f) === 'y' }],
  },
  {
    name: 'AND: namespace y and pod b in one peer item',
    policies: np(
      'x',
      'and',
      'podSelector:\n  matchLabels: { pod: a }\ningress:\n  - from:\n      - namespaceSelector:\n          matchLabels: { ns: y }\n        podSelector:\n          matchLabels: { pod: b }',
    ),
    probes: [{ protocol: 'TCP', port: 80, allowed: (f, t) => t !== 'x/a' || f === 'y/b' }],
  },
  {
    name: 'OR: namespace y, or pod b of the policy namespace, as two items',
    policies: np(
      'x',
      'or',
      'podSelector:\n  matchLabels: { pod: a }\ningress:\n  - from:\n      - namespaceSelector:\n          matchLabels: { ns: y }\n      - podSelector:\n          matchLabels: { pod: b }',
    ),
    probes: [{ protocol: 'TCP', port: 80, allowed: (f, t) => t !== 'x/a' || ns(f) === 'y' || f === 'x/b' }],
  },
  {
    name: 'namespaceSelector with matchExpressions NotIn, and podSelector alone = own namespace',
    policies: np(
      'y',
      'not-in',
      'podSelector: {}\ningress:\n  - from:\n      - namespaceSelector:\n          matchExpressions: [{ key: ns, operator: NotIn, values: [y, z] }]\n        podSelector:\n          matchExpressions: [{ key: pod, operator: In, values: [a, c] }]\n      - podSelector:\n          matchLabels: { pod: c }',
    ),
    probes: [{ protocol: 'TCP', port: 80, allowed: (f, t) => ns(t) !== 'y' || f === 'x/a' || f === 'x/c' || f === 'y/c' }],
  },
  {
    name: 'union of two policies selecting the same pod',
    policies:
      np(
        'x',
        'from-b',
        'podSelector:\n  matchLabels: { pod: a }\ningress:\n  - from:\n      - podSelector:\n          matchLabels: { pod: b }',
      ) +
      '---\n' +
      np(
        'x',
        'from-z-c',
        'podSelector:\n  matchExpressions: [{ key: pod, operator: Exists }]\ningress:\n  - from:\n      - namespaceSelector:\n          matchLabels: { ns: z }\n        podSelector:\n          matchLabels: { pod: c }',
      ),
    probes: [{ protocol: 'TCP', port: 80, allowed: (f, t) => ns(t) !== 'x' || f === 'z/c' || (t === 'x/a' && f === 'x/b') }],
  },
  {
    name: 'a port without protocol means TCP',
    policies: np('x', 'port-80', 'podSelector: {}\ningress:\n  - ports:\n      - port: 80'),
    probes: [
      { protocol: 'TCP', port: 80, allowed: ALL },
      { protocol: 'UDP', port: 80, allowed: (_f, t) => ns(t) !== 'x' },
      { protocol: 'TCP', port: 81, allowed: (_f, t) => ns(t) !== 'x' },
    ],
  },
  {
    name: 'named port resolves against the destination pod, with its protocol',
    policies: np(
      'x',
      'named',
      'podSelector: {}\ningress:\n  - ports:\n      - port: serve-81-tcp\n      - port: serve-80-udp\n        protocol: UDP\n      - port: serve-80-udp',
    ),
    probes: [
      { protocol: 'TCP', port: 81, allowed: ALL },
      { protocol: 'TCP', port: 80, allowed: (_f, t) => ns(t) !== 'x' },
      { protocol: 'UDP', port: 80, allowed: ALL },
      { protocol: 'UDP', port: 81, allowed: (_f, t) => ns(t) !== 'x' },
    ],
  },
  {
    name: 'endPort opens a range',
    policies: np(
      'y',
      'range',
      'podSelector:\n  matchLabels: { pod: b }\ningress:\n  - ports:\n      - { port: 80, endPort: 90, protocol: TCP }',
    ),
    probes: [
      { protocol: 'TCP', port: 80, allowed: ALL },
      { protocol: 'TCP', port: 90, allowed: ALL },
      { protocol: 'TCP', port: 91, allowed: (_f, t) => t !== 'y/b' },
      { protocol: 'UDP', port: 85, allowed: (_f, t) => t !== 'y/b' },
    ],
  },
  {
    name: 'SCTP is its own protocol',
    policies: np('z', 'sctp', 'podSelector: {}\ningress:\n  - ports:\n      - { port: 80, protocol: SCTP }'),
    probes: [
      { protocol: 'SCTP', port: 80, allowed: ALL },
      { protocol: 'TCP', port: 80, allowed: (_f, t) => ns(t) !== 'z' },
    ],
  },
  {
    name: 'egress and ingress combined: both sides must allow',
    policies:
      np(
        'x',
        'a-out',
        'podSelector:\n  matchLabels: { pod: a }\npolicyTypes: [Egress]\negress:\n  - to:\n      - namespaceSelector: {}\n        podSelector:\n          matchLabels: { pod: b }',
      ) +
      '---\n' +
      np(
        'y',
        'b-in',
        'podSelector:\n  matchLabels: { pod: b }\ningress:\n  - from:\n      - namespaceSelector:\n          matchLabels: { ns: x }',
      ),
    probes: [
      {
        protocol: 'TCP',
        port: 80,
        allowed: (f, t) => (f !== 'x/a' || pod(t) === 'b') && (t !== 'y/b' || ns(f) === 'x'),
      },
    ],
  },
  {
    name: 'an empty rule admits every peer; an empty rule list admits none',
    policies:
      np('x', 'open', 'podSelector:\n  matchLabels: { pod: a }\ningress:\n  - {}') +
      '---\n' +
      np('x', 'closed', 'podSelector:\n  matchLabels: { pod: b }\ningress: []'),
    probes: [{ protocol: 'UDP', port: 81, allowed: (_f, t) => t !== 'x/b' }],
  },
  {
    name: 'policyTypes as written wins: egress rules of an Ingress-only policy are ignored',
    policies: np(
      'z',
      'ingress-only',
      'podSelector: {}\npolicyTypes: [Ingress]\ningress:\n  - {}\negress:\n  - to:\n      - podSelector:\n          matchLabels: { pod: a }',
    ),
    probes: [{ protocol: 'TCP', port: 80, allowed: ALL }],
  },
];

describe('Kubernetes NetworkPolicy conformance (x/y/z matrix)', () => {
  for (const c of CASES) {
    describe(c.name, () => {
      const probe = new Probe(modelOf(cluster(), c.policies));
      for (const { protocol, port, allowed } of c.probes) {
        it(`${protocol} ${port}`, () => {
          const expected = PODS.map((from) => PODS.map((to) => (from === to ? '-' : allowed(from, to) ? '.' : 'X')).join(''));
          expect(probe.matrix(protocol, port)).toEqual(expected);
        });
      }
    });
  }

  it('states one matrix in full: deny all ingress in x, allow x/a from namespace y', () => {
    const probe = new Probe(
      modelOf(
        cluster(),
        np('x', 'deny', 'podSelector: {}\npolicyTypes: [Ingress]') +
          '---\n' +
          np(
            'x',
            'a-from-y',
            'podSelector:\n  matchLabels: { pod: a }\ningress:\n  - from:\n      - namespaceSelector:\n          matchLabels: { ns: y }',
          ),
      ),
    );
    // Sources down (x/a … z/c), destinations across in the same order.
    expect(probe.matrix('TCP', 80)).toEqual([
      '-XX......',
      'X-X......',
      'XX-......',
      '.XX-.....',
      '.XX.-....',
      '.XX..-...',
      'XXX...-..',
      'XXX....-.',
      'XXX.....-',
    ]);
  });

  it('ipBlock with except: egress to addresses outside the cluster', () => {
    const probe = new Probe(
      modelOf(
        cluster(),
        np(
          'x',
          'out',
          'podSelector:\n  matchLabels: { pod: a }\npolicyTypes: [Egress]\negress:\n  - to:\n      - ipBlock:\n          cidr: 192.0.2.0/24\n          except: [192.0.2.128/25]\n    ports:\n      - port: 443\n  - to:\n      - ipBlock:\n          cidr: 2001:db8::/32',
        ),
      ),
    );
    expect(probe.reachAddress('x/a', '192.0.2.10', 'TCP', 443)).toBe(true);
    expect(probe.reachAddress('x/a', '192.0.2.200', 'TCP', 443)).toBe(false);
    expect(probe.reachAddress('x/a', '192.0.2.10', 'TCP', 80)).toBe(false);
    expect(probe.reachAddress('x/a', '198.51.100.1', 'TCP', 443)).toBe(false);
    expect(probe.reachAddress('x/a', '2001:db8::1', 'UDP', 53)).toBe(true);
    expect(probe.reachAddress('x/b', '198.51.100.1', 'TCP', 443)).toBe(true);
    // ipBlock peers describe addresses outside the cluster; they do not select pods here.
    expect(probe.reach('x/a', 'y/a', 'TCP', 443)).toBe(false);
  });

  it('a namespace whose labels nobody defined gives an unknown answer, never a guess', () => {
    const probe = new Probe(
      modelOf(
        cluster(),
        `apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  namespace: w\n  labels: { pod: a }\nspec:\n  containers: [{ name: c, image: example.com/c }]\n---\n` +
          np('x', 'team', 'podSelector: {}\ningress:\n  - from:\n      - namespaceSelector:\n          matchLabels: { team: blue }') +
          '---\n' +
          np(
            'x',
            'by-name',
            'podSelector: {}\ningress:\n  - from:\n      - namespaceSelector:\n          matchLabels: { kubernetes.io/metadata.name: z }',
          ),
      ),
    );
    expect(probe.reach('w/a', 'x/a', 'TCP', 80)).toBe('unknown');
    // Namespaces with a Namespace object have complete labels; every namespace has its name label.
    expect(probe.reach('y/a', 'x/a', 'TCP', 80)).toBe(false);
    expect(probe.reach('z/b', 'x/a', 'TCP', 80)).toBe(true);
  });
});
