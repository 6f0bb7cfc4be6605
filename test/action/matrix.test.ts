import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/core/config.js';
import type { Finding } from '../../src/core/finding.js';
import { loadRepository } from '../../src/engine/lint.js';
import { defenceMatrix, type MatrixLayer, type MatrixRow } from '../../src/engine/matrix.js';

/**
 * The defence-in-depth matrix over a small repository and synthetic findings placed by hand
 * (file and line written here, not taken from any rule), so the mapping from anchor to
 * namespace and the meaning of each cell are checked on their own.
 */

const FILES: Record<string, string> = {
  // line 1..
  'k8s/namespaces.yaml': `apiVersion: v1
kind: Namespace
metadata:
  name: meshed
  labels:
    istio-injection: enabled
---
apiVersion: v1
kind: Namespace
metadata:
  name: plain
`,
  'k8s/apps.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: meshed
spec:
  template:
    metadata:
      labels: { app: api }
    spec:
      containers: [{ name: api, image: example.com/api }]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: plain
spec:
  template:
    metadata:
      labels: { app: web }
    spec:
      containers: [{ name: web, image: example.com/web }]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: plain
spec:
  rules: [{ host: www.example.com }]
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
  namespace: agents
spec:
  template:
    spec:
      hostNetwork: true
      containers: [{ name: agent, image: example.com/agent }]
`,
  'k8s/mesh.yaml': `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: default
  namespace: istio-system
spec:
  mtls:
    mode: PERMISSIVE
`,
  'k8s/dns.yaml': `apiVersion: v1
kind: Service
metadata:
  name: kube-dns
  namespace: kube-system
spec:
  type: NodePort
  selector: { k8s-app: kube-dns }
  ports: [{ port: 53, protocol: UDP }]
`,
  'nodes/fw.sh': `#!/bin/sh
iptables -P INPUT ACCEPT
iptables -A INPUT -i lo -j ACCEPT
`,
  'nodes/edge.nft': `table inet filter {
  chain input {
    type filter hook input priority 0; policy drop;
    iif lo accept
  }
}
`,
};

const ALL_RULES = new Set([
  'host-default-allow',
  'host-ipv6-unfiltered',
  'host-port-open-to-world',
  'netpol-default-deny-ingress-missing',
  'netpol-default-deny-egress-missing',
  'cni-no-policy-support',
  'mesh-mtls-strict-missing',
  'mesh-mtls-permissive',
  'mesh-mtls-disabled',
  'mesh-authz-default-deny-missing',
  'mesh-authz-allow-all',
  'edge-ingress-no-tls',
  'dns-coredns-exposed',
  'mesh-jwt-not-required',
  'dns-coredns-rbac-broad',
  'access-wireguard-peer-allows-any',
]);

function model(): ReturnType<typeof loadRepository>['model'] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsl-matrix-'));
  fs.mkdirSync(path.join(dir, '.git'));
  for (const [name, text] of Object.entries(FILES)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return loadRepository({ paths: ['.'], cwd: dir, config: defaultConfig() }).model;
}

function finding(ruleId: string, file: string, line: number, column = 3): Finding {
  return {
    ruleId,
    severity: 'high',
    message: 'synthetic',
    file,
    span: { start: { line, column }, end: { line, column: column + 4 } },
    related: [],
    fingerprint: '',
  };
}

/** `row: layer=mark` for every cell that is not n/a, as a reader of the summary sees it. */
function marks(rows: MatrixRow[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const row of rows)
    for (const [layer, cell] of Object.entries(row.cells) as [MatrixLayer, { status: string; rules: string[] }][])
      if (cell.status !== 'n/a')
        out[`${row.name} ${layer}`] = `${cell.status === 'pass' ? '✓' : '✗'}${cell.status === 'fail' ? ` ${cell.rules.join(',')}` : ''}`;
  return out;
}

describe('defence-in-depth matrix', () => {
  const m = model();

  it('with no finding, every layer that applies holds and the others are n/a', () => {
    expect(marks(defenceMatrix({ model: m, findings: [], ranRules: ALL_RULES }))).toEqual({
      'kube-system cluster-dns': '✓',
      'meshed netpol-ingress': '✓',
      'meshed netpol-egress': '✓',
      'meshed mtls-strict': '✓',
      'meshed authz-default-deny': '✓',
      'plain netpol-ingress': '✓',
      'plain netpol-egress': '✓',
      'plain edge-tls': '✓',
      'nodes/fw.sh host-firewall': '✓',
      'nodes/edge.nft host-firewall': '✓',
    });
  });

  it('rows: namespaces by name (a host-network-only namespace has no layer and no row), then host rulesets', () => {
    const rows = defenceMatrix({ model: m, findings: [], ranRules: ALL_RULES });
    expect(rows.map((r) => `${r.kind}:${r.name}`)).toEqual([
      'namespace:kube-system',
      'namespace:meshed',
      'namespace:plain',
      'host:nodes/edge.nft',
      'host:nodes/fw.sh',
    ]);
  });

  it('maps each finding to the namespace of the object whose source holds its anchor', () => {
    const findings = [
      // The Namespace object "plain" (its metadata.name, line 11) stands for that namespace.
      finding('netpol-default-deny-ingress-missing', 'k8s/namespaces.yaml', 11),
      // Deployment "api" in meshed, its pod template (line 9).
      finding('netpol-default-deny-egress-missing', 'k8s/apps.yaml', 9, 7),
      // The Ingress in plain (line 31).
      finding('edge-ingress-no-tls', 'k8s/apps.yaml', 31),
      // The kube-dns Service's type (line 7).
      finding('dns-coredns-exposed', 'k8s/dns.yaml', 7),
      // The script's policy line.
      finding('host-default-allow', 'nodes/fw.sh', 2, 1),
    ];
    expect(marks(defenceMatrix({ model: m, findings, ranRules: ALL_RULES }))).toEqual({
      'kube-system cluster-dns': '✗ dns-coredns-exposed',
      'meshed netpol-ingress': '✓',
      'meshed netpol-egress': '✗ netpol-default-deny-egress-missing',
      'meshed mtls-strict': '✓',
      'meshed authz-default-deny': '✓',
      'plain netpol-ingress': '✗ netpol-default-deny-ingress-missing',
      'plain netpol-egress': '✓',
      'plain edge-tls': '✗ edge-ingress-no-tls',
      'nodes/fw.sh host-firewall': '✗ host-default-allow',
      'nodes/edge.nft host-firewall': '✓',
    });
  });

  it('a mesh policy in the root namespace binds every namespace in the mesh, and only those', () => {
    const rows = defenceMatrix({ model: m, findings: [finding('mesh-mtls-permissive', 'k8s/mesh.yaml', 8, 11)], ranRules: ALL_RULES });
    const got = marks(rows);
    expect(got['meshed mtls-strict']).toBe('✗ mesh-mtls-permissive');
    expect(got['plain mtls-strict']).toBeUndefined();
  });

  it('a cluster-wide rule fails the layer in every namespace it applies to, wherever it is anchored', () => {
    const rows = defenceMatrix({ model: m, findings: [finding('cni-no-policy-support', 'k8s/dns.yaml', 4)], ranRules: ALL_RULES });
    const got = marks(rows);
    expect(got['meshed netpol-ingress']).toBe('✗ cni-no-policy-support');
    expect(got['plain netpol-egress']).toBe('✗ cni-no-policy-support');
    // kube-system holds no pod-network workload here: isolation does not apply to it.
    expect(got['kube-system netpol-ingress']).toBeUndefined();
  });

  it('a finding outside every object, or of a rule that decides nothing, changes no cell', () => {
    const base = marks(defenceMatrix({ model: m, findings: [], ranRules: ALL_RULES }));
    const findings = [
      finding('netpol-default-deny-ingress-missing', 'k8s/other.yaml', 3),
      finding('secrets-committed', 'k8s/apps.yaml', 4),
    ];
    expect(marks(defenceMatrix({ model: m, findings, ranRules: ALL_RULES }))).toEqual(base);
  });

  it('a layer whose deciding rules did not run is not claimed to hold', () => {
    const ran = new Set([...ALL_RULES].filter((id) => !id.startsWith('mesh-')));
    const got = marks(defenceMatrix({ model: m, findings: [], ranRules: ran }));
    expect(got['meshed mtls-strict']).toBeUndefined();
    expect(got['meshed netpol-ingress']).toBe('✓');
  });
});

describe('defence-in-depth matrix: edge authentication, cluster DNS, VPN and bastion', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsl-matrix-access-'));
  fs.mkdirSync(path.join(dir, '.git'));
  const files: Record<string, string> = {
    'k8s/api.yaml': `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: { name: jwt, namespace: api }
spec:
  jwtRules: [{ issuer: "https://issuer.example.com" }]
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: api, namespace: api }
spec:
  selector: { matchLabels: { app: api } }
  template:
    metadata: { labels: { app: api } }
    spec: { containers: [{ name: api, image: example.com/api }] }
`,
    'k8s/dns.yaml': `apiVersion: v1
kind: Service
metadata: { name: kube-dns, namespace: kube-system }
spec:
  selector: { k8s-app: kube-dns }
  ports: [{ port: 53, protocol: UDP }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: coredns }
rules:
  - { apiGroups: [""], resources: ["secrets"], verbs: ["get"] }
`,
    'vpn/wg0.conf': `[Interface]
ListenPort = 51820

[Peer]
PublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=
AllowedIPs = 10.200.0.2/32
`,
  };
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  const m = loadRepository({ paths: ['.'], cwd: dir, config: defaultConfig() }).model;
  const cells = (findings: Finding[]): Record<string, string> => {
    const all = marks(defenceMatrix({ model: m, findings, ranRules: ALL_RULES }));
    return Object.fromEntries(Object.entries(all).filter(([k]) => /edge-auth|cluster-dns|vpn-bastion/.test(k)));
  };

  it('with no finding: a namespace that validates tokens authenticates, the DNS namespace holds, the VPN configs hold', () => {
    expect(cells([])).toEqual({
      'api edge-auth': '✓',
      'kube-system cluster-dns': '✓',
      'VPN and SSH configs vpn-bastion': '✓',
    });
  });

  it('the resolver role (cluster-scoped) counts for the DNS namespace; a server-side peer fails the VPN row', () => {
    expect(
      cells([
        finding('mesh-jwt-not-required', 'k8s/api.yaml', 3),
        finding('dns-coredns-rbac-broad', 'k8s/dns.yaml', 11),
        finding('access-wireguard-peer-allows-any', 'vpn/wg0.conf', 6, 1),
      ]),
    ).toEqual({
      'api edge-auth': '✗ mesh-jwt-not-required',
      'kube-system cluster-dns': '✗ dns-coredns-rbac-broad',
      'VPN and SSH configs vpn-bastion': '✗ access-wireguard-peer-allows-any',
    });
  });
});
