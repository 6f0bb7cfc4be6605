import type { Model } from '../model/model.js';
import type { Workload } from '../model/k8s.js';
import type { PathLocation } from '../core/location.js';

/** Workloads grouped by namespace, in path order; host-network pods optionally left out. */
export function workloadsByNamespace(model: Model, { podNetworkOnly = false } = {}): Map<string, Workload[]> {
  const out = new Map<string, Workload[]>();
  for (const w of model.workloads) {
    if (podNetworkOnly && w.hostNetwork) continue;
    const list = out.get(w.namespace) ?? [];
    list.push(w);
    out.set(w.namespace, list);
  }
  return out;
}

/**
 * Where a namespace-level finding is anchored: the `Namespace` object's `metadata.name`
 * when the repository has one, else the first workload's `metadata.name` in path order.
 */
export function namespaceAnchor(model: Model, namespace: string, workloads: readonly Workload[]): PathLocation | undefined {
  const object = model.namespaces.get(namespace)?.object;
  const name = (object ?? workloads[0]?.resource)?.metadata?.get('name');
  return name?.loc;
}

/** "a, b and 3 more": short lists of names in messages. */
export function listNames(names: readonly string[], max = 3): string {
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}
