import { defineRule } from '../src/rule/rule.js';
import { namespaceInfo } from '../src/model/model.js';

export default defineRule({
  id: 'mesh-authz-selects-nothing',
  title: 'AuthorizationPolicy selects no workload',
  severity: 'low',
  rationale:
    "An AuthorizationPolicy whose `selector` matches none of its namespace's workloads enforces nothing. It is usually a label typo or a label renamed in the workload, and the workload it was written for runs without the restriction.",
  remediation: "Fix `selector.matchLabels` to match the workload's pod template labels, or delete the policy.",
  precision: 'high',
  tags: ['kubernetes', 'service-mesh', 'istio', 'authorization'],
  *check({ model, mesh }) {
    for (const policy of mesh.authorizationPolicies) {
      if (!policy.selector || !policy.selectorNode || policy.targeted) continue;
      // A policy of the root namespace selects workloads of every namespace.
      const root = policy.namespace === mesh.rootNamespace;
      const candidates = model.workloads.filter((w) => root || w.namespace === policy.namespace);
      if (candidates.length === 0) continue;
      // Pods the repository does not show (operator resources, remote bases, templates) may be the ones it selects.
      if (!root && namespaceInfo(model, policy.namespace).incomplete !== undefined) continue;
      // A `{{ }}` label value is decided when a template is rendered: unknown, never a mismatch.
      if (JSON.stringify(policy.selectorNode.value ?? null).includes('{{')) continue;
      if (mesh.selected(policy).length > 0) continue;
      yield {
        at: policy.selectorNode.keyLoc,
        message: `AuthorizationPolicy "${policy.namespace}/${policy.resource.name}" selects no workload ${root ? 'of the repository' : `in namespace "${policy.namespace}" (it has ${candidates.length})`}: it enforces nothing; check the selector against the pod template labels.`,
      };
    }
  },
});
