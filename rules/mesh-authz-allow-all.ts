import { defineRule } from '../src/rule/rule.js';
import { ruleAdmitsAnyCaller } from '../src/analysis/mesh-authz.js';

export default defineRule({
  id: 'mesh-authz-allow-all',
  title: 'AuthorizationPolicy ALLOW rule admits every caller',
  severity: 'high',
  rationale:
    'ALLOW rules add up: a request is admitted when any rule of any ALLOW policy of the workload matches it. A rule with neither `from` nor `when` (for example `- {}`, or only `to`) matches requests from every source, with or without an identity, so it cancels the default deny and every narrower rule beside it.',
  remediation:
    'Say who may call: add `from.source.principals` (service accounts) or `namespaces`, or a `when` condition, to the rule; use an allow-nothing policy (`spec: {}`) as the default.',
  precision: 'high',
  tags: ['kubernetes', 'service-mesh', 'istio', 'authorization'],
  *check({ mesh }) {
    for (const policy of mesh.authorizationPolicies) {
      if (policy.action !== 'ALLOW') continue;
      for (const rule of policy.rules) {
        if (!ruleAdmitsAnyCaller(rule)) continue;
        const narrowed = rule.get('to') !== undefined;
        yield {
          at: rule.loc,
          message: `AuthorizationPolicy "${policy.namespace}/${policy.resource.name}" has an ALLOW rule with neither from nor when: it admits ${narrowed ? 'the listed operations' : 'every request'} from any caller, authenticated or not.`,
        };
      }
    }
  },
});
