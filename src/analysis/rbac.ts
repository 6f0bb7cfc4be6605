import type { Model } from '../model/model.js';
import { resourcesOf } from '../model/model.js';
import type { Resource, Workload } from '../model/k8s.js';
import type { Node } from '../model/node.js';
import { parseLabelSelector, selectorMatches } from './selectors.js';

/**
 * RBAC as the API server's authorizer resolves it: a binding gives its subjects the rules
 * of the role it refers to. A `ClusterRoleBinding` grants a `ClusterRole` in every
 * namespace; a `RoleBinding` grants a `Role` of its own namespace, or a `ClusterRole`'s
 * rules in its own namespace only. Pods act as their ServiceAccount (`serviceAccountName`,
 * default `default`).
 */

export interface ServiceAccountRef {
  namespace: string;
  name: string;
}

/** One item of a role's `rules`. */
export interface PolicyRule {
  /** The rule item in the repository; undefined for a Kubernetes default role. */
  node: Node | undefined;
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames: string[];
  nonResourceURLs: string[];
}

export interface RoleDef {
  kind: 'Role' | 'ClusterRole';
  name: string;
  /** The Role's namespace; undefined for a ClusterRole. */
  namespace: string | undefined;
  /** The object in the repository; undefined for a default role the API server creates. */
  resource: Resource | undefined;
  rules: PolicyRule[];
  /**
   * An aggregated ClusterRole: the controller fills its rules from the ClusterRoles its
   * selectors match. `rules` then holds those of the repository's matching ClusterRoles; others
   * in the cluster may add more, so what it grants is not fully known.
   */
  aggregated: boolean;
}

export interface Subject {
  kind: string;
  name: string;
  /** As written; a ServiceAccount subject of a RoleBinding without one means the binding's namespace. */
  namespace: string | undefined;
  node: Node;
}

export interface Binding {
  resource: Resource;
  kind: 'RoleBinding' | 'ClusterRoleBinding';
  roleRef: { kind: string; name: string; node: Node | undefined };
  subjects: Subject[];
}

/** What one binding gives a ServiceAccount. */
export interface Grant {
  binding: Binding;
  /** The subject of the binding that names the ServiceAccount (directly or as a group member). */
  subject: Subject;
  /** The role referred to; undefined when neither the repository nor the defaults have it (unknown). */
  role: RoleDef | undefined;
  /** The namespace the rules hold in; undefined for every namespace. */
  scope: string | undefined;
}

const RBAC_GROUPS = ['rbac.authorization.k8s.io'];

/**
 * Default ClusterRoles the API server creates (user-facing ones), as far as a check on
 * breadth needs them: cluster-admin in full, the others by what makes them broad.
 */
const DEFAULT_CLUSTER_ROLES: Record<string, Omit<PolicyRule, 'node'>[]> = {
  'cluster-admin': [
    { apiGroups: ['*'], resources: ['*'], verbs: ['*'], resourceNames: [], nonResourceURLs: [] },
    { apiGroups: [], resources: [], verbs: ['*'], resourceNames: [], nonResourceURLs: ['*'] },
  ],
  admin: [
    {
      apiGroups: [''],
      resources: ['pods', 'pods/exec', 'services', 'configmaps', 'secrets', 'serviceaccounts', 'persistentvolumeclaims'],
      verbs: ['create', 'delete', 'deletecollection', 'patch', 'update', 'get', 'list', 'watch'],
      resourceNames: [],
      nonResourceURLs: [],
    },
    {
      apiGroups: ['rbac.authorization.k8s.io'],
      resources: ['roles', 'rolebindings'],
      verbs: ['create', 'delete', 'deletecollection', 'patch', 'update', 'get', 'list', 'watch'],
      resourceNames: [],
      nonResourceURLs: [],
    },
  ],
  edit: [
    {
      apiGroups: [''],
      resources: ['pods', 'pods/exec', 'services', 'configmaps', 'secrets', 'serviceaccounts', 'persistentvolumeclaims'],
      verbs: ['create', 'delete', 'deletecollection', 'patch', 'update', 'get', 'list', 'watch'],
      resourceNames: [],
      nonResourceURLs: [],
    },
  ],
  view: [
    {
      apiGroups: [''],
      resources: ['pods', 'services', 'endpoints', 'configmaps', 'persistentvolumeclaims', 'namespaces'],
      verbs: ['get', 'list', 'watch'],
      resourceNames: [],
      nonResourceURLs: [],
    },
  ],
};

/** The ServiceAccount a workload's pods run as. */
export function serviceAccountOf(w: Workload): ServiceAccountRef {
  // `serviceAccount` is the deprecated spelling, still honoured when the new one is absent.
  const name = w.podSpec?.get('serviceAccountName')?.str() || w.podSpec?.get('serviceAccount')?.str() || 'default';
  return { namespace: w.namespace, name };
}

/** Whether a binding's subject covers a ServiceAccount: by name, as its user name, or through its groups. */
export function subjectCovers(subject: Subject, binding: Binding, sa: ServiceAccountRef): boolean {
  switch (subject.kind) {
    case 'ServiceAccount': {
      const ns = subject.namespace ?? (binding.kind === 'RoleBinding' ? binding.resource.namespace : undefined);
      return subject.name === sa.name && ns === sa.namespace;
    }
    case 'User':
      return subject.name === `system:serviceaccount:${sa.namespace}:${sa.name}`;
    case 'Group':
      return (
        subject.name === 'system:serviceaccounts' ||
        subject.name === `system:serviceaccounts:${sa.namespace}` ||
        subject.name === 'system:authenticated'
      );
    default:
      return false;
  }
}

/** Roles, bindings, and what they grant, over the repository's RBAC objects. */
export class RbacAnalysis {
  readonly roles: RoleDef[];
  readonly bindings: Binding[];

  constructor(private readonly model: Model) {
    const clusterRoles = resourcesOf(model, 'ClusterRole', RBAC_GROUPS);
    this.roles = [
      ...resourcesOf(model, 'Role', RBAC_GROUPS).map((r) => roleOf(r, 'Role', [])),
      ...clusterRoles.map((r) => roleOf(r, 'ClusterRole', clusterRoles)),
    ];
    this.bindings = [...resourcesOf(model, 'RoleBinding', RBAC_GROUPS), ...resourcesOf(model, 'ClusterRoleBinding', RBAC_GROUPS)]
      .map(bindingOf)
      .sort((a, b) => model.resources.indexOf(a.resource) - model.resources.indexOf(b.resource));
  }

  /** A role by reference: a Role of a namespace, or a ClusterRole (the repository's, else a default one). */
  role(kind: string, name: string, namespace: string | undefined): RoleDef | undefined {
    if (kind === 'Role') return this.roles.find((r) => r.kind === 'Role' && r.name === name && r.namespace === namespace);
    if (kind !== 'ClusterRole') return undefined;
    const own = this.roles.find((r) => r.kind === 'ClusterRole' && r.name === name);
    if (own) return own;
    const defaults = DEFAULT_CLUSTER_ROLES[name];
    if (!defaults) return undefined;
    return {
      kind: 'ClusterRole',
      name,
      namespace: undefined,
      resource: undefined,
      rules: defaults.map((r) => ({ ...r, node: undefined })),
      aggregated: false,
    };
  }

  /** Every binding that gives the ServiceAccount a role, in path order. */
  grantsTo(sa: ServiceAccountRef): Grant[] {
    const out: Grant[] = [];
    for (const binding of this.bindings) {
      const subject = binding.subjects.find((s) => subjectCovers(s, binding, sa));
      if (!subject) continue;
      const { kind, name } = binding.roleRef;
      // A ClusterRoleBinding can only refer to a ClusterRole; the API server refuses a Role.
      if (binding.kind === 'ClusterRoleBinding' && kind !== 'ClusterRole') continue;
      const scope = binding.kind === 'RoleBinding' ? binding.resource.namespace : undefined;
      out.push({ binding, subject, role: this.role(kind, name, binding.resource.namespace), scope });
    }
    return out;
  }

  /** The workloads whose pods run as the ServiceAccount. */
  workloadsUsing(sa: ServiceAccountRef): Workload[] {
    return this.model.workloads.filter((w) => {
      const own = serviceAccountOf(w);
      return own.namespace === sa.namespace && own.name === sa.name;
    });
  }
}

function strings(node: Node | undefined): string[] {
  return (node?.items() ?? []).map((n) => n.str()).filter((s): s is string => s !== undefined);
}

function rulesOf(resource: Resource): PolicyRule[] {
  return (resource.root.get('rules')?.items() ?? []).map((node) => ({
    node,
    apiGroups: strings(node.get('apiGroups')),
    resources: strings(node.get('resources')),
    verbs: strings(node.get('verbs')),
    resourceNames: strings(node.get('resourceNames')),
    nonResourceURLs: strings(node.get('nonResourceURLs')),
  }));
}

function roleOf(resource: Resource, kind: 'Role' | 'ClusterRole', clusterRoles: readonly Resource[]): RoleDef {
  const aggregation = kind === 'ClusterRole' ? resource.root.get('aggregationRule', 'clusterRoleSelectors') : undefined;
  if (aggregation?.isSeq) {
    const selectors = aggregation.items().map(parseLabelSelector);
    const members = clusterRoles.filter(
      (c) => c !== resource && selectors.some((s) => !s.invalid && !s.isEmpty && selectorMatches(s, c.labels)),
    );
    return { kind, name: resource.name, namespace: undefined, resource, rules: members.flatMap(rulesOf), aggregated: true };
  }
  return {
    kind,
    name: resource.name,
    namespace: kind === 'Role' ? resource.namespace : undefined,
    resource,
    rules: rulesOf(resource),
    aggregated: false,
  };
}

function bindingOf(resource: Resource): Binding {
  const ref = resource.root.get('roleRef');
  return {
    resource,
    kind: resource.kind === 'RoleBinding' ? 'RoleBinding' : 'ClusterRoleBinding',
    roleRef: { kind: ref?.get('kind')?.str() ?? '', name: ref?.get('name')?.str() ?? '', node: ref?.get('name') },
    subjects: (resource.root.get('subjects')?.items() ?? []).map((node) => ({
      kind: node.get('kind')?.str() ?? '',
      name: node.get('name')?.str() ?? '',
      namespace: node.get('namespace')?.str() || undefined,
      node,
    })),
  };
}

/** Verbs that change the cluster or widen someone's rights (`escalate`, `bind`, `impersonate`). */
export const WRITE_VERBS = new Set([
  'create',
  'update',
  'patch',
  'delete',
  'deletecollection',
  'escalate',
  'bind',
  'impersonate',
  'approve',
  'sign',
]);

/** Whether a rule applies to a resource of the core API group (where Secrets live). */
function coversCoreGroup(rule: PolicyRule): boolean {
  return rule.apiGroups.includes('') || rule.apiGroups.includes('*');
}

/**
 * What makes a rule broader than reading: a wildcard verb or resource, access to Secrets,
 * or a write verb. Empty when the rule only reads named kinds of objects.
 */
export function broadAccess(rule: PolicyRule): string[] {
  const out: string[] = [];
  if (rule.verbs.includes('*')) out.push('every verb (`*`)');
  if (rule.resources.some((r) => r === '*' || r.startsWith('*/'))) out.push('every resource (`*`)');
  if (rule.nonResourceURLs.some((u) => u === '*') && !rule.verbs.includes('*')) out.push('every non-resource URL');
  if (coversCoreGroup(rule) && rule.resources.some((r) => r === 'secrets' || r.startsWith('secrets/'))) out.push('Secrets');
  const writes = rule.verbs.filter((v) => WRITE_VERBS.has(v));
  if (writes.length) out.push(`write verbs (${writes.join(', ')})`);
  return out;
}
