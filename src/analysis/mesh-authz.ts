import type { Resource } from '../model/k8s.js';
import type { Node } from '../model/node.js';
import type { LabelSelector } from './selectors.js';

/**
 * Istio AuthorizationPolicy (`security.istio.io`). A rule matches a request when every
 * field it sets matches (`from` sources OR-ed, `to` operations OR-ed, `when` conditions
 * AND-ed); an absent or empty field matches everything. An ALLOW policy without rules
 * matches nothing, so it denies every request to the workloads it selects (allow-nothing).
 */

/** Workload selectors of Istio objects: `matchLabels` only; empty means the whole namespace. */
export function workloadSelector(node: Node | undefined): LabelSelector | undefined {
  const labels = node?.get('matchLabels')?.stringMap() ?? {};
  const requirements = Object.entries(labels).map(([key, value]) => ({ key, operator: 'In' as const, values: [value] }));
  if (requirements.length === 0) return undefined;
  return node ? { requirements, isEmpty: false, node } : { requirements, isEmpty: false };
}

/** The same `matchLabels` (or both absent). */
export function sameSelector(a: LabelSelector | undefined, b: LabelSelector | undefined): boolean {
  const key = (s: LabelSelector | undefined): string =>
    JSON.stringify((s?.requirements ?? []).map((r) => [r.key, r.values[0] ?? '']).sort(([x], [y]) => ((x ?? '') < (y ?? '') ? -1 : 1)));
  return key(a) === key(b);
}

export interface AuthorizationPolicy {
  resource: Resource;
  namespace: string;
  /** `ALLOW` when absent; also `DENY`, `AUDIT`, `CUSTOM`. */
  action: string;
  /** The `spec.selector` key, when written. */
  selectorNode: Node | undefined;
  /** Its `matchLabels`; undefined when absent or empty: every workload of the namespace. */
  selector: LabelSelector | undefined;
  /** `targetRef(s)` attach it to a gateway or waypoint, not to workloads by label. */
  targeted: boolean;
  /** The `rules` items (empty when absent). */
  rules: Node[];
}

export function parseAuthorizationPolicy(resource: Resource): AuthorizationPolicy {
  const spec = resource.root.get('spec');
  const selectorNode = spec?.get('selector');
  return {
    resource,
    namespace: resource.namespace ?? '',
    action: spec?.get('action')?.str() ?? 'ALLOW',
    selectorNode,
    selector: workloadSelector(selectorNode),
    targeted: spec?.get('targetRef') !== undefined || (spec?.get('targetRefs')?.items().length ?? 0) > 0,
    rules: spec?.get('rules')?.items() ?? [],
  };
}

/** ALLOW with no rules: the namespace- or mesh-wide default deny when it has no selector. */
export function isAllowNothing(policy: AuthorizationPolicy): boolean {
  return policy.action === 'ALLOW' && policy.rules.length === 0;
}

/** An allow-nothing policy for every workload of its namespace (or, in the root namespace, of the mesh). */
export function isDefaultDeny(policy: AuthorizationPolicy): boolean {
  return isAllowNothing(policy) && !policy.selector && !policy.targeted;
}

function nonEmptySeq(node: Node | undefined): boolean {
  return (node?.items().length ?? 0) > 0;
}

/** A rule with neither `from` nor `when` admits every caller (a `to` only narrows the operation). */
export function ruleAdmitsAnyCaller(rule: Node): boolean {
  return !nonEmptySeq(rule.get('from')) && !nonEmptySeq(rule.get('when'));
}

function sources(rule: Node): Node[] {
  return (rule.get('from')?.items() ?? []).map((f) => f.get('source')).filter((s): s is Node => s !== undefined);
}

function strings(node: Node | undefined): string[] {
  return (node?.items() ?? []).map((n) => n.str()).filter((s): s is string => s !== undefined);
}

/**
 * The rule matches only requests carrying a validated JWT: a source lists
 * `requestPrincipals`, or a condition reads `request.auth.*` (claims, principal, audiences,
 * presenter), which a request without a token does not have.
 */
export function ruleNeedsRequestPrincipal(rule: Node): boolean {
  if (sources(rule).some((s) => strings(s.get('requestPrincipals')).length > 0)) return true;
  return (rule.get('when')?.items() ?? []).some((c) => c.get('key')?.str()?.startsWith('request.auth.') === true);
}

/** A DENY rule with `notRequestPrincipals: ["*"]` rejects every request that carries no valid token. */
export function ruleRejectsTokenless(rule: Node): boolean {
  return sources(rule).some((s) => strings(s.get('notRequestPrincipals')).includes('*'));
}

/**
 * The `principals` and `namespaces` keys of a rule's sources: both are read from the peer's
 * mTLS certificate, so a plaintext request has neither and never matches them.
 */
export function peerIdentityKeys(rule: Node): Node[] {
  const out: Node[] = [];
  for (const source of sources(rule))
    for (const key of ['principals', 'namespaces']) {
      const node = source.get(key);
      if (node && nonEmptySeq(node)) out.push(node);
    }
  return out;
}

/**
 * The ports a rule is limited to: every `to` operation lists `ports` and none uses
 * `notPorts`. Undefined when the rule may match on any port.
 */
export function rulePorts(rule: Node): string[] | undefined {
  const operations = (rule.get('to')?.items() ?? []).map((t) => t.get('operation'));
  if (operations.length === 0) return undefined;
  const ports: string[] = [];
  for (const op of operations) {
    const listed = strings(op?.get('ports'));
    if (listed.length === 0 || nonEmptySeq(op?.get('notPorts'))) return undefined;
    ports.push(...listed);
  }
  return [...new Set(ports)];
}
