import type { Labels, Matcher, Policy } from './netpol-types.js';

/**
 * What tells pods apart for the policies of a model: the pod label keys any selector reads.
 * Pods of one namespace, both on the pod network or both not, whose labels agree on those
 * keys are selected by the same policies and matched by the same peers.
 */

/** The parts of a pod endpoint that selectors see. */
export interface PodLike {
  namespace: string;
  labels: Labels;
  labelsComplete: boolean;
  hostNetwork: boolean;
}

/** Matchers over pod labels that a policy holds: its own selector and its rules' pod peers. */
function podMatchers(p: Policy): Matcher[] {
  const out = [p.pods];
  for (const d of ['Ingress', 'Egress'] as const)
    for (const rule of [...(p[d]?.rules ?? []), ...(p[d]?.denies ?? [])])
      for (const peer of rule.peers) if (peer.kind === 'pods') out.push(peer.pods);
  return out;
}

/** The pod label keys any policy reads; undefined when some selector does not say which (every key counts then). */
export function labelKeysRead(policies: readonly Policy[]): Set<string> | undefined {
  const keys = new Set<string>();
  for (const p of policies)
    for (const m of podMatchers(p)) {
      if (m.keys === undefined) return undefined;
      for (const k of m.keys) keys.add(k);
    }
  return keys;
}

/** What tells a pod's class: namespace, host network, and its labels as far as the keys read go (absence included). */
export function classKey(pod: PodLike, keys: ReadonlySet<string> | undefined): string {
  const read = keys ? [...keys].sort() : Object.keys(pod.labels).sort();
  const parts = read.map((k) => (Object.hasOwn(pod.labels, k) ? `${k}=${pod.labels[k]}` : `${k}!`));
  return JSON.stringify([pod.namespace, pod.hostNetwork, pod.labelsComplete, parts]);
}
