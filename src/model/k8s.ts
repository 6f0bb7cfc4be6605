import type { PathLocation } from '../core/location.js';
import type { Node } from './node.js';

/** One Kubernetes object from the repository, with its resolved namespace. */
export interface Resource {
  apiVersion: string;
  /** API group: the part of apiVersion before `/`, empty for the core group. */
  group: string;
  kind: string;
  name: string;
  /** Resolved namespace for namespaced kinds (metadata, kustomization, default); undefined for cluster-scoped ones. */
  namespace: string | undefined;
  file: string;
  root: Node;
  metadata: Node | undefined;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /**
   * Keys, as written, that the schema of a checked kind does not define (`unknown-field`).
   * The API server drops them when it stores the object, so `root` is the object without them.
   */
  droppedFields?: readonly PathLocation[];
  /** A CustomResourceDefinition whose `spec` (its schema, which no check reads) was checked for syntax and left out of `root`. */
  schemaLeftOut?: true;
}

export const WORKLOAD_KINDS = new Set([
  'Pod',
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'ReplicationController',
  'Job',
  'CronJob',
]);

/** A workload and the pods it makes: what policies select. */
export interface Workload {
  resource: Resource;
  kind: string;
  name: string;
  namespace: string;
  podLabels: Record<string, string>;
  /** Pod-template annotations (for a Pod, its own). */
  podAnnotations: Record<string, string>;
  /** NetworkPolicies never apply to pods on the host network. */
  hostNetwork: boolean;
  podSpec: Node | undefined;
}

/** What is known of a namespace's labels. */
export interface NamespaceInfo {
  name: string;
  labels: Record<string, string>;
  /** True when a `Namespace` object or the config defines it: its label set is then complete. */
  labelsComplete: boolean;
  /** The `Namespace` object, when the repository has one. */
  object: Resource | undefined;
  /**
   * Why the repository does not show everything that runs here (operator resources that
   * make pods, a remote kustomize base, a skipped template); undefined when it does.
   */
  incomplete?: string;
}

/**
 * API groups whose custom resources only configure something (policies, routes, monitors,
 * certificates): they make no pods. Any other custom resource may (an operator's
 * `Prometheus`, a `Kafka` cluster, a Knative `Service`).
 */
const CONFIG_ONLY_GROUPS = [
  /(^|\.)k8s\.io$/,
  /^(apps|batch|policy|autoscaling|networking|extensions)$/,
  /^(security|networking|telemetry|extensions|config)\.istio\.io$/,
  /(^|\.)projectcalico\.org$/,
  /^cilium\.io$/,
  /(^|\.)linkerd\.io$/,
  /^cert-manager\.io$|^acme\.cert-manager\.io$/,
  /^traefik\.(io|containo\.us)$/,
  /^kustomize\.config\.k8s\.io$|^config\.kubernetes\.io$/,
  /^(gateway|policy)\.networking\.k8s\.io$/,
  /^external-secrets\.io$|^bitnami\.com$/,
];

/** Pod-making kinds of `monitoring.coreos.com`; its monitors and rules make none. */
const PROMETHEUS_OPERATOR_WORKLOADS = new Set(['Prometheus', 'PrometheusAgent', 'Alertmanager', 'ThanosRuler']);

/** A namespaced object that may make pods nsl-lint cannot see: an operator's custom resource. */
export function makesUnmodelledPods(r: Resource): boolean {
  if (r.group === '' || !r.group.includes('.') || r.kind.endsWith('List')) return false;
  if (r.group === 'monitoring.coreos.com') return PROMETHEUS_OPERATOR_WORKLOADS.has(r.kind);
  return !CONFIG_ONLY_GROUPS.some((g) => g.test(r.group));
}

/** Kinds that live outside namespaces (a namespace set on them is meaningless). */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'Node',
  'PersistentVolume',
  'StorageClass',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleBinding',
  'PriorityClass',
  'IngressClass',
  'GatewayClass',
  'APIService',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'RuntimeClass',
  'CSIDriver',
  'VolumeAttachment',
  'GlobalNetworkPolicy',
  'GlobalNetworkSet',
  'HostEndpoint',
  'IPPool',
  'BGPConfiguration',
  'BGPPeer',
  'FelixConfiguration',
  'CiliumClusterwideNetworkPolicy',
  'CiliumNode',
  'CiliumIdentity',
  'AdminNetworkPolicy',
  'BaselineAdminNetworkPolicy',
  'ClusterIssuer',
  'Kustomization',
  'Component',
  'List',
]);

export function isNamespacedKind(kind: string): boolean {
  return !CLUSTER_SCOPED.has(kind) && !kind.endsWith('List');
}

export function apiGroup(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** The node holding the pod template's metadata and spec for a workload kind. */
export function podTemplate(root: Node, kind: string): { meta: Node | undefined; spec: Node | undefined } {
  if (kind === 'Pod') return { meta: root.get('metadata'), spec: root.get('spec') };
  const template = kind === 'CronJob' ? root.get('spec', 'jobTemplate', 'spec', 'template') : root.get('spec', 'template');
  return { meta: template?.get('metadata'), spec: template?.get('spec') };
}

/**
 * The controller a Pod belongs to: its `ownerReferences` entry marked `controller: true`
 * (a static Pod's Node is not a workload). A ReplicaSet stays itself: the Pod does not
 * say which Deployment made it.
 */
export function podOwner(w: Workload): { kind: string; name: string } | undefined {
  if (w.kind !== 'Pod') return undefined;
  for (const ref of w.resource.metadata?.get('ownerReferences')?.items() ?? []) {
    if (ref.get('controller')?.value !== true) continue;
    // A reference without a kind (the API requires one) names no known kind: the Pod keeps its own.
    const kind = ref.get('kind')?.str() || w.kind;
    const name = ref.get('name')?.str();
    if (!name || kind === 'Node') return undefined;
    return { kind, name };
  }
  return undefined;
}

/** `ns/name[Kind]`: how messages and maps name a workload; a Pod is named after its owner. */
export function workloadId(w: Workload): string {
  const owner = podOwner(w);
  return `${w.namespace}/${owner?.name ?? w.name}[${owner?.kind ?? w.kind}]`;
}
