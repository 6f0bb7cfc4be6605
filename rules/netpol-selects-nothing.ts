import { defineRule } from '../src/rule/rule.js';
import { namespaceInfo } from '../src/model/model.js';

export default defineRule({
  id: 'netpol-selects-nothing',
  title: 'Policy selects no workload of its namespace',
  severity: 'low',
  rationale:
    "A policy whose selector matches none of its namespace's workloads protects nothing. It is usually a label typo or a label that changed in the workload but not in the policy, and the pods it was meant for are left unrestricted.",
  remediation: "Fix the selector to match the workload's pod template labels (`spec.template.metadata.labels`), or delete the policy.",
  precision: 'high',
  tags: ['kubernetes', 'network-policy'],
  *check({ model, netpol }) {
    const a = netpol;
    // Whether a namespace's pods carry template markup, asked once per namespace.
    const templated = new Map<string, boolean>();
    for (const policy of a.policies) {
      if (policy.namespace === undefined || policy.pods.all || !policy.selectorNode) continue;
      // Pods the repository does not show (operator resources, remote bases, templates) may be the ones it selects.
      if (namespaceInfo(model, policy.namespace).incomplete !== undefined) continue;
      const pods = a.podsIn(policy.namespace);
      if (pods.length === 0) continue;
      // A `{{ }}` label value is decided when a template is rendered: unknown, never a mismatch.
      let podsTemplated = templated.get(policy.namespace);
      if (podsTemplated === undefined) templated.set(policy.namespace, (podsTemplated = pods.some((p) => hasTemplateMarkup(p.labels))));
      if (podsTemplated || hasTemplateMarkup(policy.selectorNode.value)) continue;
      // `unknown` (a selector nsl-lint cannot judge) counts as a possible match.
      if (pods.some((pod) => a.selectsIgnoringHostNetwork(policy, pod) !== false)) continue;
      yield {
        at: policy.selectorNode.keyLoc,
        message: `${policy.resource.kind} "${policy.resource.name}" selects no workload in namespace "${policy.namespace}" (it has ${pods.length}): check the selector against the pod template labels.`,
      };
    }
  },
});

function hasTemplateMarkup(value: unknown): boolean {
  return JSON.stringify(value ?? null).includes('{{');
}
