import type { Finding } from '../core/finding.js';
import { spanContains, type Position, type Span } from '../core/location.js';
import type { Resource } from '../model/k8s.js';
import type { Model } from '../model/model.js';
import { YamlLocator } from '../parse/yaml.js';
import { MeshAnalysis } from '../analysis/mesh.js';
import { isClusterDnsService } from '../analysis/cluster-dns.js';
import { INGRESS_GROUPS } from '../analysis/edge.js';

/**
 * The defence-in-depth matrix: for each namespace (and each host ruleset), whether each
 * layer of the guidance holds. A cell fails when a rule that decides it fires for that row,
 * passes when the layer applies to the row and none fires, and is "n/a" when the layer
 * does not apply (no mesh in the namespace, no edge object, a host row for a pod layer).
 */

export type MatrixLayer =
  | 'host-firewall'
  | 'netpol-ingress'
  | 'netpol-egress'
  | 'mtls-strict'
  | 'authz-default-deny'
  | 'edge-tls'
  | 'edge-auth'
  | 'cluster-dns'
  | 'vpn-bastion';

export interface MatrixColumn {
  layer: MatrixLayer;
  title: string;
  /** Rules whose findings make the cell fail. */
  deciding: readonly string[];
}

export const MATRIX_COLUMNS: readonly MatrixColumn[] = [
  { layer: 'host-firewall', title: 'Host firewall', deciding: ['host-default-allow', 'host-ipv6-unfiltered', 'host-port-open-to-world'] },
  { layer: 'netpol-ingress', title: 'Policy isolation in', deciding: ['netpol-default-deny-ingress-missing', 'cni-no-policy-support'] },
  { layer: 'netpol-egress', title: 'Policy isolation out', deciding: ['netpol-default-deny-egress-missing', 'cni-no-policy-support'] },
  { layer: 'mtls-strict', title: 'mTLS STRICT', deciding: ['mesh-mtls-strict-missing', 'mesh-mtls-permissive', 'mesh-mtls-disabled'] },
  {
    layer: 'authz-default-deny',
    title: 'Authorization default-deny',
    deciding: ['mesh-authz-default-deny-missing', 'mesh-authz-allow-all', 'mesh-linkerd-unauthenticated'],
  },
  { layer: 'edge-tls', title: 'Edge TLS', deciding: ['edge-ingress-no-tls', 'edge-ingress-ssl-redirect-disabled'] },
  { layer: 'edge-auth', title: 'Edge authentication', deciding: ['mesh-jwt-not-required'] },
  { layer: 'cluster-dns', title: 'Cluster DNS', deciding: ['dns-coredns-exposed', 'dns-coredns-rbac-broad', 'dns-upstream-plaintext'] },
  {
    layer: 'vpn-bastion',
    title: 'VPN and bastion',
    deciding: ['access-wireguard-peer-allows-any', 'access-wireguard-private-key', 'access-ssh-password-auth'],
  },
];

/**
 * Rules that judge the whole cluster, whatever object they are anchored at: a CNI that
 * enforces no policy leaves every namespace unisolated; no mesh-wide STRICT policy leaves
 * every meshed namespace accepting plaintext.
 */
const CLUSTER_WIDE = new Set([
  'cni-no-policy-support',
  'mesh-mtls-strict-missing',
  // The resolver's role is cluster-scoped and its Corefile lives apart from its Service: they
  // count where the cluster DNS runs.
  'dns-coredns-rbac-broad',
  'dns-upstream-plaintext',
]);

/** Mesh layers where an Istio policy in the root namespace (without a selector) binds every namespace. */
const MESH_WIDE_FROM_ROOT = new Set<MatrixLayer>(['mtls-strict', 'authz-default-deny']);

export type CellStatus = 'pass' | 'fail' | 'n/a';

export interface MatrixCell {
  status: CellStatus;
  /** fail: the deciding rules that fired; pass: the deciding rules that ran and stayed quiet; n/a: none. */
  rules: string[];
}

export interface MatrixRow {
  kind: 'namespace' | 'host' | 'access';
  /** The namespace, the file a host ruleset is named after, or `VPN and SSH configs`. */
  name: string;
  cells: Record<MatrixLayer, MatrixCell>;
}

export interface MatrixInput {
  model: Model;
  /** The findings that count: suppressed ones are the caller's to leave out. */
  findings: readonly Finding[];
  /** Ids of the rules that ran: a layer none of whose deciding rules ran is not judged. */
  ranRules: ReadonlySet<string>;
}

/** One row per namespace that at least one layer applies to, by name, then one per host ruleset, in path order. */
export function defenceMatrix({ model, findings, ranRules }: MatrixInput): MatrixRow[] {
  const mesh = new MeshAnalysis(model);
  const owners = new ObjectIndex(model);
  const scope = namespaceScope(model, mesh);

  // Which deciding rules fired for which namespace (or for all of them).
  const fired = new Map<string, Set<string>>();
  const firedEverywhere = new Set<string>();
  const firedInRoot = new Set<string>();
  const deciding = new Set(MATRIX_COLUMNS.flatMap((c) => c.deciding));
  for (const f of findings) {
    if (!deciding.has(f.ruleId)) continue;
    if (CLUSTER_WIDE.has(f.ruleId)) {
      firedEverywhere.add(f.ruleId);
      continue;
    }
    for (const ns of owners.namespacesAt(f.file, f.span.start)) {
      if (ns === mesh.rootNamespace) firedInRoot.add(f.ruleId);
      const set = fired.get(ns) ?? new Set<string>();
      set.add(f.ruleId);
      fired.set(ns, set);
    }
  }

  const rows: MatrixRow[] = [];
  for (const ns of [...model.namespaces.keys()].sort()) {
    const cells = {} as Record<MatrixLayer, MatrixCell>;
    for (const column of MATRIX_COLUMNS) {
      const inScope = scope(ns, column.layer);
      const hits = column.deciding.filter(
        (id) =>
          fired.get(ns)?.has(id) ||
          (inScope && firedEverywhere.has(id)) ||
          (inScope && MESH_WIDE_FROM_ROOT.has(column.layer) && firedInRoot.has(id)),
      );
      cells[column.layer] = judge(hits, inScope, column, ranRules);
    }
    if (Object.values(cells).some((c) => c.status !== 'n/a')) rows.push({ kind: 'namespace', name: ns, cells });
  }

  for (const ruleset of model.host.rulesets) {
    const files = new Set([ruleset.file, ...ruleset.files]);
    const cells = {} as Record<MatrixLayer, MatrixCell>;
    for (const column of MATRIX_COLUMNS) {
      const inScope = column.layer === 'host-firewall';
      const hits = inScope ? column.deciding.filter((id) => findings.some((f) => f.ruleId === id && files.has(f.file))) : [];
      cells[column.layer] = judge(hits, inScope, column, ranRules);
    }
    rows.push({ kind: 'host', name: ruleset.file, cells });
  }

  // WireGuard and sshd configs (and `wg set` scripts) are one row: the way in for people.
  const { access } = model;
  const accessFiles = new Set([
    ...access.wireguardKeys.map((k) => k.at.file),
    ...access.sshd.map((e) => e.file),
    ...access.wireguardPeers.flatMap((p) => p.allowedIps.map((a) => a.at.file)),
  ]);
  if (accessFiles.size > 0) {
    const cells = {} as Record<MatrixLayer, MatrixCell>;
    for (const column of MATRIX_COLUMNS) {
      const inScope = column.layer === 'vpn-bastion';
      const hits = inScope ? column.deciding.filter((id) => findings.some((f) => f.ruleId === id && accessFiles.has(f.file))) : [];
      cells[column.layer] = judge(hits, inScope, column, ranRules);
    }
    rows.push({ kind: 'access', name: 'VPN and SSH configs', cells });
  }
  return rows;
}

function judge(hits: string[], inScope: boolean, column: MatrixColumn, ranRules: ReadonlySet<string>): MatrixCell {
  if (hits.length) return { status: 'fail', rules: hits };
  const ran = column.deciding.filter((id) => ranRules.has(id));
  // A layer that applies but that no rule checked (rules turned off) is not claimed to hold.
  if (!inScope || ran.length === 0) return { status: 'n/a', rules: [] };
  return { status: 'pass', rules: ran };
}

/** Whether a layer applies to a namespace, from what the repository deploys in it. */
function namespaceScope(model: Model, mesh: MeshAnalysis): (ns: string, layer: MatrixLayer) => boolean {
  // Policies never apply to pods on the host network: only pod-network workloads need isolation.
  const podNetwork = new Set(model.workloads.filter((w) => !w.hostNetwork).map((w) => w.namespace));
  const edge = new Set(model.resources.filter(isEdgeObject).map((r) => r.namespace));
  const dns = new Set(
    model.resources
      .filter((r) => r.kind === 'Service' && r.group === '' && isClusterDnsService(r, model.config.cluster.dnsSelector))
      .map((r) => r.namespace),
  );
  // Where a RequestAuthentication validates tokens, the edge authenticates callers.
  const tokens = new Set(mesh.requestAuthentications.map((ra) => ra.namespace));
  return (ns, layer) => {
    switch (layer) {
      case 'host-firewall':
      case 'vpn-bastion':
        return false;
      case 'netpol-ingress':
      case 'netpol-egress':
        return podNetwork.has(ns);
      case 'mtls-strict':
      case 'authz-default-deny':
        return mesh.inMesh(ns);
      case 'edge-tls':
        return edge.has(ns);
      case 'edge-auth':
        return tokens.has(ns);
      case 'cluster-dns':
        return dns.has(ns);
    }
  };
}

/** Objects that terminate traffic from outside the cluster: Ingress, Istio and Gateway-API Gateways. */
function isEdgeObject(r: Resource): boolean {
  if (r.kind === 'Ingress') return (INGRESS_GROUPS as readonly string[]).includes(r.group);
  if (r.kind === 'Gateway') return r.group === 'networking.istio.io' || r.group === 'gateway.networking.k8s.io';
  return false;
}

/** Finds the objects whose source range holds a position, and their namespaces. */
class ObjectIndex {
  private readonly byFile = new Map<string, Resource[]>();
  private readonly ranges = new Map<string, { resource: Resource; span: Span }[]>();
  /** Files by path: a text is read only for the files asked about (the model keeps none). */
  private readonly files = new Map<string, { text: string }>();

  constructor(model: Model) {
    for (const r of model.resources) {
      const list = this.byFile.get(r.file) ?? [];
      list.push(r);
      this.byFile.set(r.file, list);
    }
    for (const f of model.files) this.files.set(f.path, f);
  }

  /**
   * The namespaces of the innermost objects holding the position: a `Namespace` object
   * stands for itself, a namespaced object for its namespace (an object that overlays place
   * in several namespaces appears once per namespace), a cluster-scoped one for none.
   */
  namespacesAt(file: string, at: Position): string[] {
    const holding = this.rangesOf(file).filter(({ span }) => spanContains(span, at));
    if (holding.length === 0) return [];
    const size = (s: Span): number => (s.end.line - s.start.line) * 1e6 + (s.end.column - s.start.column);
    const smallest = Math.min(...holding.map((h) => size(h.span)));
    const names = holding
      .filter((h) => size(h.span) === smallest)
      .map(({ resource: r }) => (r.kind === 'Namespace' && r.group === '' ? r.name : r.namespace))
      .filter((ns): ns is string => ns !== undefined);
    return [...new Set(names)];
  }

  private rangesOf(file: string): { resource: Resource; span: Span }[] {
    let list = this.ranges.get(file);
    if (list) return list;
    const locator = new YamlLocator(this.files.get(file)?.text ?? '');
    list = [];
    for (const resource of this.byFile.get(file) ?? []) {
      const span = locator.locate(resource.root.doc, resource.root.path, 'value');
      if (span) list.push({ resource, span });
    }
    this.ranges.set(file, list);
    return list;
  }
}
