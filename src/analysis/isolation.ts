import type { Model } from '../model/model.js';
import type { Resource } from '../model/k8s.js';
import { resourcesOf } from '../model/model.js';
import { parseLabelSelector } from './selectors.js';

export type Direction = 'Ingress' | 'Egress';

/**
 * Effective `policyTypes` of a Kubernetes NetworkPolicy: as written when present; else
 * `Ingress` always, plus `Egress` when the spec has an `egress` field.
 */
export function effectivePolicyTypes(policy: Resource): Set<Direction> {
  const spec = policy.root.get('spec');
  const written = spec?.get('policyTypes');
  if (written?.isSeq) {
    const types = new Set<Direction>();
    for (const t of written.items()) {
      const s = t.str();
      if (s === 'Ingress' || s === 'Egress') types.add(s);
    }
    return types;
  }
  const types = new Set<Direction>(['Ingress']);
  if (spec?.get('egress') !== undefined) types.add('Egress');
  return types;
}

/** Kubernetes' own NetworkPolicy (not Calico's or Cilium's kind of the same name). */
export function kubernetesNetworkPolicies(model: Model): Resource[] {
  return resourcesOf(model, 'NetworkPolicy', ['networking.k8s.io']);
}

/** Policies that select every pod of their namespace and isolate it in `direction`. */
export function namespaceWidePolicies(model: Model, namespace: string, direction: Direction): Resource[] {
  return kubernetesNetworkPolicies(model).filter(
    (p) => p.namespace === namespace && parseLabelSelector(p.root.get('spec', 'podSelector')).isEmpty && effectivePolicyTypes(p).has(direction),
  );
}
