import { defineRule } from '../src/rule/rule.js';
import type { PathLocation } from '../src/core/location.js';
import { broadAccess } from '../src/analysis/rbac.js';

export default defineRule({
  id: 'dns-coredns-rbac-broad',
  title: 'Cluster DNS ServiceAccount has broad RBAC rights',
  severity: 'medium',
  rationale:
    'CoreDNS needs only to read (`get`, `list`, `watch`) Endpoints, EndpointSlices, Services, Pods and Namespaces. Every pod can reach the resolver, so it is an exposed target; a role that also grants Secrets, write verbs or wildcards turns its compromise into stolen credentials or a changed cluster.',
  remediation:
    'Bind the DNS ServiceAccount only to a role like `system:coredns`: `list`/`watch` on `endpoints`, `services`, `pods`, `namespaces` and `discovery.k8s.io` `endpointslices`. Remove its other bindings.',
  precision: 'high',
  tags: ['kubernetes', 'dns', 'rbac'],
  *check({ clusterDns, rbac }) {
    // One finding per rule item; a default role (not in the repository) is one finding at the binding's `roleRef.name`.
    const found = new Map<string, { at: PathLocation; what: string; scope: string; subject: PathLocation; broad: string[] }>();
    for (const sa of clusterDns.serviceAccounts) {
      for (const grant of rbac.grantsTo(sa)) {
        const role = grant.role;
        if (!role) continue;
        const scope = grant.scope === undefined ? 'in every namespace' : `in namespace ${grant.scope}`;
        const roleName = `${role.kind} "${role.namespace ? `${role.namespace}/` : ''}${role.name}"`;
        const via = grant.subject.kind === 'Group' ? ` (as a member of group ${grant.subject.name})` : '';
        const what = `${roleName}, bound to the cluster DNS ServiceAccount ${sa.namespace}/${sa.name}${via} by ${grant.binding.kind} "${grant.binding.resource.name}", grants`;
        for (const rule of role.rules) {
          const broad = broadAccess(rule);
          if (broad.length === 0) continue;
          const at = rule.node?.loc ?? grant.binding.roleRef.node?.loc ?? grant.binding.resource.root.loc;
          const key = `${at.file}\0${at.doc}\0${at.path.join('\0')}`;
          const entry = found.get(key) ?? { at, what, scope, subject: grant.subject.node.loc, broad: [] };
          entry.broad.push(...broad.filter((b) => !entry.broad.includes(b)));
          found.set(key, entry);
        }
      }
    }
    for (const { at, what, scope, subject, broad } of found.values())
      yield {
        at,
        message: `${what} ${broad.join(', ')} ${scope}: a compromised resolver, which every pod can reach, inherits these rights.`,
        related: [{ at: subject, message: 'the subject that gives the DNS ServiceAccount this role' }],
      };
  },
});
