import { defineRule } from '../src/rule/rule.js';
import { isDefaultDeny } from '../src/analysis/mesh-authz.js';
import { listNames, namespaceAnchor } from '../src/analysis/namespaces.js';

export default defineRule({
  id: 'mesh-authz-default-deny-missing',
  title: 'Mesh namespace has no allow-nothing AuthorizationPolicy',
  severity: 'medium',
  rationale:
    'Istio admits every request to a workload that no ALLOW policy selects. An allow-nothing `AuthorizationPolicy` (action ALLOW, no rules, no selector) in the namespace or the root namespace turns that into a default deny, so every service-to-service call must be allowed on purpose.',
  remediation:
    'Add an `AuthorizationPolicy` with `spec: {}` (named e.g. `allow-nothing`) to the namespace, or once to the root namespace for the whole mesh, then allow the calls each workload needs.',
  precision: 'high',
  tags: ['kubernetes', 'service-mesh', 'istio', 'authorization'],
  *check({ model, mesh }) {
    const denied = new Set(mesh.authorizationPolicies.filter(isDefaultDeny).map((p) => p.namespace));
    if (denied.has(mesh.rootNamespace)) return;
    for (const namespace of mesh.namespacesInMesh) {
      if (denied.has(namespace)) continue;
      const workloads = model.workloads.filter((w) => w.namespace === namespace);
      const at = namespaceAnchor(model, namespace, workloads);
      if (!at) continue;
      const what = workloads.length
        ? `: ${listNames(workloads.map((w) => w.name))} accept${workloads.length === 1 ? 's' : ''}`
        : ': its workloads accept';
      yield {
        at,
        message: `Namespace "${namespace}" is in the mesh but has no allow-nothing AuthorizationPolicy, here or in "${mesh.rootNamespace}"${what} any request no ALLOW policy restricts.`,
      };
    }
  },
});
