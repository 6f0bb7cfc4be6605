import type { Model } from '../model/model.js';
import type { Resource } from '../model/k8s.js';
import { resourcesOf } from '../model/model.js';
import type { NetpolAnalysis } from './netpol.js';
import type { Direction } from './netpol-types.js';

/** Kubernetes' own NetworkPolicy (not Calico's or Cilium's kind of the same name). */
export function kubernetesNetworkPolicies(model: Model): Resource[] {
  return resourcesOf(model, 'NetworkPolicy', ['networking.k8s.io']);
}

/**
 * Policies that select every pod of the namespace and isolate it in `direction`:
 * Kubernetes `podSelector: {}`, Calico `all()` or no selector, Cilium `endpointSelector: {}`,
 * cluster-wide Calico/Cilium policies that select every pod of every namespace they cover, and
 * AdminNetworkPolicies or the BaselineAdminNetworkPolicy whose Deny covers every peer.
 */
export function namespaceWidePolicies(netpol: NetpolAnalysis, namespace: string, direction: Direction): Resource[] {
  return [...new Set(netpol.namespaceWide(namespace, direction).map((p) => p.resource))];
}
