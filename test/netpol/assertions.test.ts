import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkAssertion } from '../../src/analysis/connectivity.js';
import { NetpolAnalysis } from '../../src/analysis/netpol.js';
import type { ConnectivityAssertion } from '../../src/core/config.js';
import { ConfigErrors, loadConfig } from '../../src/engine/config.js';
import { ConfigError } from '../../src/core/errors.js';
import { modelOf } from './support.js';

/**
 * Static assertions (config `connectivity.assertions`): how each form is read and checked.
 * Expected outcomes are worked out by hand: `deny` breaks when a selected pair surely
 * connects on the asserted connections, `allow` when some asserted port surely cannot;
 * answers that hang on labels nobody defined break nothing.
 */

const CLUSTER = `apiVersion: v1
kind: Namespace
metadata: { name: shop, labels: { team: shop } }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: shop }
spec:
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: c, image: example.com/c }] }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: db, namespace: payments }
spec:
  template:
    metadata: { labels: { app: db } }
    spec: { containers: [{ name: c, image: example.com/c }] }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: api, namespace: payments }
spec:
  template:
    metadata: { labels: { app: api } }
    spec: { containers: [{ name: c, image: example.com/c }] }
`;
// payments/db admits TCP 5432 from namespaces labelled team=shop; "payments" has no
// Namespace object, so its own labels are unknown.
const DB_POLICY = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: db, namespace: payments }
spec:
  podSelector: { matchLabels: { app: db } }
  ingress:
    - from: [{ namespaceSelector: { matchLabels: { team: shop } } }]
      ports: [{ port: 5432 }]
    - from: [{ namespaceSelector: { matchLabels: { zone: trusted } } }]
      ports: [{ port: 9000 }]
`;

const a = new NetpolAnalysis(modelOf(CLUSTER, DB_POLICY));

function assertion(partial: Omit<ConnectivityAssertion, 'index' | 'text'>): ConnectivityAssertion {
  return { index: 0, text: 'test', ...partial };
}
const web = { kind: 'workload', namespace: 'shop', name: 'web' } as const;
const db = { kind: 'workload', namespace: 'payments', name: 'db' } as const;
const tcp = (from: number, to = from) => ({ protocol: 'TCP', from, to }) as const;

describe('checkAssertion', () => {
  it('deny on an allowed port breaks, naming the pair, what it connects on and the allowing rule', () => {
    const out = checkAssertion(a, assertion({ from: web, to: db, port: tcp(5432), expect: 'deny' }));
    expect(out.holds).toBe(false);
    if (out.holds || !('breaches' in out)) throw new Error('expected breaches');
    expect(out.pairs).toBe(1);
    const [b] = out.breaches;
    expect(`${b?.source.id} => ${b?.destination.id} : ${b?.actual.toMapString()}`).toBe(
      'shop/web[Deployment] => payments/db[Deployment] : TCP 5432',
    );
    // The source side is open (no policy selects web), the destination's first rule allows.
    expect(b?.because.map((x) => `${x.direction} ${x.decision.kind}`)).toEqual(['Egress open', 'Ingress rule']);
  });

  it('deny on a closed port holds; allow on the open port holds; allow on a closed one breaks', () => {
    expect(checkAssertion(a, assertion({ from: web, to: db, port: tcp(22), expect: 'deny' }))).toEqual({ holds: true });
    expect(checkAssertion(a, assertion({ from: web, to: db, port: tcp(5432), expect: 'allow' }))).toEqual({ holds: true });
    const out = checkAssertion(a, assertion({ from: web, to: db, port: tcp(5432, 5433), expect: 'allow' }));
    expect(out.holds).toBe(false);
    if (out.holds || !('breaches' in out)) throw new Error('expected breaches');
    expect(out.breaches[0]?.actual.toMapString()).toBe('TCP 5432');
    expect(out.breaches[0]?.because.map((x) => x.decision.kind)).toEqual(['isolated']);
  });

  it('without a port: deny means nothing at all, allow means something', () => {
    expect(checkAssertion(a, assertion({ from: web, to: db, expect: 'deny' })).holds).toBe(false);
    expect(checkAssertion(a, assertion({ from: web, to: db, expect: 'allow' })).holds).toBe(true);
    const api = { kind: 'workload', namespace: 'payments', name: 'api' } as const;
    // payments defines no labels: its pods may carry team=shop or zone=trusted, so db may admit them.
    expect(checkAssertion(a, assertion({ from: api, to: db, expect: 'allow' })).holds).toBe(true);
  });

  it('an answer that hangs on undefined namespace labels breaks nothing', () => {
    const api = { kind: 'workload', namespace: 'payments', name: 'api' } as const;
    // Whether payments carries zone=trusted is unknown: TCP 9000 may or may not be allowed.
    expect(checkAssertion(a, assertion({ from: api, to: db, port: tcp(9000), expect: 'deny' }))).toEqual({ holds: true });
    expect(checkAssertion(a, assertion({ from: api, to: db, port: tcp(9000), expect: 'allow' }))).toEqual({ holds: true });
    // TCP 9001 no rule names: surely closed.
    expect(checkAssertion(a, assertion({ from: api, to: db, port: tcp(9001), expect: 'allow' })).holds).toBe(false);
  });

  it('namespace-label, namespace-wide and CIDR selectors', () => {
    const shop = { kind: 'pods', namespaceLabels: { team: 'shop' }, podLabels: {} } as const;
    const payments = { kind: 'pods', namespace: 'payments', namespaceLabels: {}, podLabels: {} } as const;
    // shop → every payments workload on 5432: api is open, db allows it.
    expect(checkAssertion(a, assertion({ from: shop, to: payments, port: tcp(5432), expect: 'allow' }))).toEqual({ holds: true });
    const out = checkAssertion(a, assertion({ from: shop, to: payments, port: tcp(5432), expect: 'deny' }));
    expect(out.holds === false && 'breaches' in out ? out.breaches.map((b) => b.destination.id) : []).toEqual([
      'payments/api[Deployment]',
      'payments/db[Deployment]',
    ]);
    // From an address: db admits no ipBlock, api is open.
    const outside = { kind: 'cidr', cidr: '203.0.113.0/24' } as const;
    expect(checkAssertion(a, assertion({ from: outside, to: db, expect: 'deny' }))).toEqual({ holds: true });
    expect(checkAssertion(a, assertion({ from: outside, to: { ...payments, podLabels: { app: 'api' } }, expect: 'deny' })).holds).toBe(
      false,
    );
  });

  it('a side that selects nothing breaks the assertion: it checks nothing', () => {
    const nobody = { kind: 'pods', namespaceLabels: { team: 'nobody' }, podLabels: {} } as const;
    expect(
      checkAssertion(a, assertion({ from: nobody, to: { kind: 'workload', namespace: 'shop', name: 'cart' }, expect: 'deny' })),
    ).toEqual({
      holds: false,
      empty: ['from', 'to'],
    });
  });
});

describe('config `connectivity.assertions`', () => {
  const load = (text: string): ReturnType<typeof loadConfig> => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsl-assert-'));
    fs.writeFileSync(path.join(dir, '.nsl-lint.yaml'), text);
    try {
      return loadConfig(path.join(dir, '.nsl-lint.yaml'), '.nsl-lint.yaml', new Set());
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
  const problems = (text: string): string[] => {
    try {
      load(text);
    } catch (err) {
      if (err instanceof ConfigErrors) return err.problems.map((p) => p.describe());
      if (err instanceof ConfigError) return [err.describe()];
      throw err;
    }
    return [];
  };

  it('reads every form, with the text messages quote', () => {
    const config = load(`connectivity:
  assertions:
    - { from: shop/web, to: payments/db, port: tcp/5432, expect: deny }
    - from: { namespaceLabels: { team: shop }, podLabels: { app: web } }
      to: 203.0.113.0/24
      port: UDP/53
      expect: allow
    - { from: shop/*, to: { cidr: 2001:db8::/32 }, port: 8000-8100, expect: deny }
    - { from: 192.0.2.1, to: payments/db, expect: deny }
`);
    expect(config.connectivity.assertions).toEqual([
      {
        index: 0,
        from: { kind: 'workload', namespace: 'shop', name: 'web' },
        to: { kind: 'workload', namespace: 'payments', name: 'db' },
        port: { protocol: 'TCP', from: 5432, to: 5432 },
        expect: 'deny',
        text: 'shop/web → payments/db tcp/5432: deny',
      },
      {
        index: 1,
        from: { kind: 'pods', namespaceLabels: { team: 'shop' }, podLabels: { app: 'web' } },
        to: { kind: 'cidr', cidr: '203.0.113.0/24' },
        port: { protocol: 'UDP', from: 53, to: 53 },
        expect: 'allow',
        text: '{namespaceLabels: {team: shop}, podLabels: {app: web}} → 203.0.113.0/24 udp/53: allow',
      },
      {
        index: 2,
        from: { kind: 'pods', namespace: 'shop', namespaceLabels: {}, podLabels: {} },
        to: { kind: 'cidr', cidr: '2001:db8::/32' },
        port: { protocol: 'TCP', from: 8000, to: 8100 },
        expect: 'deny',
        text: 'shop/* → {cidr: 2001:db8::/32} tcp/8000-8100: deny',
      },
      {
        index: 3,
        from: { kind: 'cidr', cidr: '192.0.2.1' },
        to: { kind: 'workload', namespace: 'payments', name: 'db' },
        expect: 'deny',
        text: '192.0.2.1 → payments/db: deny',
      },
    ]);
  });

  it('reports each mistake at its line and column', () => {
    expect(
      problems(`connectivity:
  assertions:
    - { from: web, to: payments/db, expect: deny }
    - { from: 192.0.2.0/24, to: 198.51.100.0/24, expect: deny }
    - from: shop/web
      to: { cidr: 10.0.0.0/33 }
      port: tcp/99999
      expect: maybe
    - { from: shop/web, to: payments/db, port: ftp, expect: allow }
    - { from: shop/web, to: { cidr: 192.0.2.0/24, namespace: x }, expect: deny }
    - { from: shop/web, expect: deny, prot: tcp/1 }
`),
    ).toEqual([
      '.nsl-lint.yaml:3:15: "connectivity.assertions.0.from" is neither a workload `namespace/name` (or `namespace/*`) nor an address range (CIDR)',
      '.nsl-lint.yaml:4:7: "connectivity.assertions.1" connects two address ranges: one side must select workloads',
      '.nsl-lint.yaml:6:19: "connectivity.assertions.2.to.cidr" is not an address range: "10.0.0.0/33"',
      '.nsl-lint.yaml:7:13: "connectivity.assertions.2.port" is not a port range within 1-65535: "tcp/99999"',
      '.nsl-lint.yaml:8:15: "connectivity.assertions.2.expect" must be equal to one of the allowed values: allow, deny',
      '.nsl-lint.yaml:9:48: "connectivity.assertions.3.port" is not a port: expected `tcp/5432`, `udp/53`, `sctp/9000-9100` or a number (TCP)',
      '.nsl-lint.yaml:10:31: "connectivity.assertions.4.to.cidr" selects by `cidr` or by namespace and pod labels, not both',
      '.nsl-lint.yaml:11:7: "connectivity.assertions.5" must have required property \'to\'',
      '.nsl-lint.yaml:11:39: unknown key "connectivity.assertions.5.prot" (did you mean `port`?)',
    ]);
  });
});
