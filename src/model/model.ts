import type { Config } from '../core/config.js';
import type { Span } from '../core/location.js';
import type { Notice } from '../core/notice.js';
import type { SourceFile } from '../discover/discover.js';
import type { HostModel } from './firewall.js';
import type { AccessModel } from './access.js';
import type { NamespaceInfo, Resource, Workload } from './k8s.js';

/** A file (or document) that could not be parsed; reported by the `parse-error` rule. */
export interface ParseErrorRecord {
  file: string;
  message: string;
  span: Span;
}

/** Everything loaded from the repository: what rules read. Built once, never mutated by rules. */
export interface Model {
  root: string;
  config: Config;
  files: SourceFile[];
  /** Kubernetes objects in path order (List items unwrapped). */
  resources: Resource[];
  workloads: Workload[];
  /** Every namespace that holds an object or is defined by a `Namespace` object or the config. */
  namespaces: Map<string, NamespaceInfo>;
  parseErrors: ParseErrorRecord[];
  notices: Notice[];
  host: HostModel;
  /** WireGuard and sshd configuration (filled with the host model). */
  access: AccessModel;
}

/** Resources of a kind, optionally restricted to API groups (`networking.k8s.io`, `security.istio.io`, …). */
export function resourcesOf(model: Model, kind: string, groups?: readonly string[]): Resource[] {
  return model.resources.filter((r) => r.kind === kind && (!groups || groups.includes(r.group)));
}

/** What is known of a namespace; one the repository never mentions has only its name label. */
export function namespaceInfo(model: Model, name: string): NamespaceInfo {
  return model.namespaces.get(name) ?? { name, labels: { 'kubernetes.io/metadata.name': name }, labelsComplete: false, object: undefined };
}
