import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

/**
 * `nsl-lint connectivity --explain`: the deciding policies of each connection with
 * file:line, denied pairs included. The expected lines are worked out by hand from the
 * manifests below (line numbers counted in the texts as written here).
 */

const FILES: Record<string, string> = {
  'k8s/apps.yaml': `apiVersion: v1
kind: Namespace
metadata: { name: shop, labels: { team: shop } }
---
apiVersion: v1
kind: Namespace
metadata: { name: payments, labels: { team: payments } }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: shop }
spec:
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: web, image: example.com/web }] }
---
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: db, namespace: payments }
spec:
  template:
    metadata: { labels: { app: db } }
    spec: { containers: [{ name: db, image: example.com/db }] }
`,
  // Line 5: db-ingress's name; line 10: its first ingress rule item.
  'k8s/db.yaml': `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  namespace: payments
  name: db-ingress
spec:
  podSelector: { matchLabels: { app: db } }
  policyTypes: [Ingress]
  ingress:
    - from: [{ namespaceSelector: { matchLabels: { team: shop } } }]
      ports: [{ port: 5432 }]
`,
  // Line 9: the ANP's first egress rule.
  'k8s/anp.yaml': `apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: { name: no-ssh-out }
spec:
  priority: 1
  subject: { namespaces: { matchLabels: { team: shop } } }
  egress:
    - name: ssh
      action: Deny
      to: [{ networks: [192.0.2.0/24] }]
      ports: [{ portNumber: { port: 22, protocol: TCP } }]
`,
};

let repo: string;
beforeAll(() => {
  repo = fs.mkdtempSync(path.join(os.tmpdir(), 'nsl-explain-'));
  fs.mkdirSync(path.join(repo, '.git'));
  for (const [file, text] of Object.entries(FILES)) {
    fs.mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
    fs.writeFileSync(path.join(repo, file), text);
  }
});
afterAll(() => fs.rmSync(repo, { recursive: true, force: true }));

describe('connectivity --explain', () => {
  it('a pair: both sides, each deciding rule and isolating policy with file:line', () => {
    const run = runCli(['connectivity', '--explain', 'shop/web=>payments/db'], { cwd: repo });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(
      [
        'shop/web[Deployment] => payments/db[StatefulSet] : TCP 5432',
        '  egress of shop/web[Deployment]:',
        '    allows All Connections: no policy isolates its egress',
        '  ingress of payments/db[StatefulSet]:',
        '    allows TCP 5432: NetworkPolicy payments/db-ingress, ingress rule 1 (k8s/db.yaml:10)',
        '    denies All Connections but TCP 5432: NetworkPolicy payments/db-ingress isolates ingress and no rule allows it (k8s/db.yaml:5)',
        '',
      ].join('\n'),
    );
  });

  it('a denied pair, named with its kind, and a pair with an address range', () => {
    const denied = runCli(['connectivity', '--explain=payments/db[StatefulSet]=>shop/web'], { cwd: repo });
    expect(denied.stdout.split('\n')[0]).toBe('payments/db[StatefulSet] => shop/web[Deployment] : All Connections');
    const back = runCli(['connectivity', '--explain', 'payments/db=>payments/db'], { cwd: repo });
    expect(back.stdout).toBe('');
    const ssh = runCli(['connectivity', '--explain', 'shop/web => 192.0.2.10'], { cwd: repo });
    expect(ssh.stdout).toBe(
      [
        'shop/web[Deployment] => 192.0.2.10/32 : SCTP 1-65535,TCP 1-21,23-65535,UDP 1-65535,ICMP and other protocols',
        '  egress of shop/web[Deployment]:',
        '    denies TCP 22: AdminNetworkPolicy no-ssh-out, egress rule 1 "ssh" (k8s/anp.yaml:8)',
        '    allows All Connections but TCP 22: no policy isolates its egress',
        '',
      ].join('\n'),
    );
  });

  it('the whole map: every ordered pair of workloads, denied ones included', () => {
    const run = runCli(['connectivity', '--explain', '-f', 'json'], { cwd: repo });
    const pairs = JSON.parse(run.stdout).pairs as { source: { id: string }; destination: { id: string }; connections: string }[];
    // The header keeps the map's own spelling of connection sets.
    expect(pairs.map((p) => `${p.source.id} => ${p.destination.id} : ${p.connections}`)).toEqual([
      '0.0.0.0/0 => shop/web[Deployment] : All Connections',
      'payments/db[StatefulSet] => 0.0.0.0/0 : All Connections',
      'payments/db[StatefulSet] => shop/web[Deployment] : All Connections',
      'shop/web[Deployment] => 0.0.0.0-192.0.1.255 : All Connections',
      'shop/web[Deployment] => 192.0.2.0/24 : SCTP 1-65535,TCP 1-21,23-65535,UDP 1-65535,ICMP and other protocols',
      'shop/web[Deployment] => 192.0.3.0-255.255.255.255 : All Connections',
      'shop/web[Deployment] => payments/db[StatefulSet] : TCP 5432',
    ]);
  });

  it('unknown names and malformed pairs are usage errors', () => {
    expect(runCli(['connectivity', '--explain', 'shop/cart=>payments/db'], { cwd: repo }).stderr).toBe(
      'nsl-lint: --explain: no workload "shop/cart" in the connectivity map\n',
    );
    const bad = runCli(['connectivity', '--explain=shop/web->payments/db'], { cwd: repo });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      'nsl-lint: --explain takes a pair "SOURCE=>DESTINATION" (e.g. "shop/web=>payments/db"), not "shop/web->payments/db"\n',
    );
    expect(runCli(['--explain'], { cwd: repo }).code).toBe(2);
  });
});
