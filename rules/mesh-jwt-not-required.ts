import { defineRule } from '../src/rule/rule.js';

export default defineRule({
  id: 'mesh-jwt-not-required',
  title: 'RequestAuthentication without a policy requiring a token',
  severity: 'high',
  rationale:
    'A `RequestAuthentication` only rejects requests whose JWT is invalid; a request with no token at all passes it. Unless an AuthorizationPolicy requires a request principal (ALLOW with `requestPrincipals` or a `when` on `request.auth.*`, or DENY with `notRequestPrincipals: ["*"]`), anonymous callers reach the workload the JWT was meant to protect.',
  remediation:
    'Add an AuthorizationPolicy for the same workloads that requires a token: ALLOW with `from.source.requestPrincipals: ["*"]` (or the issuer/subject you expect), or DENY with `from.source.notRequestPrincipals: ["*"]`.',
  precision: 'high',
  tags: ['kubernetes', 'service-mesh', 'istio', 'authentication'],
  *check({ mesh }) {
    for (const ra of mesh.requestAuthentications) {
      if (!ra.validatesJwt || ra.targeted) continue;
      if (mesh.tokenRequired(ra)) continue;
      const at = ra.resource.metadata?.get('name')?.loc;
      if (!at) continue;
      yield {
        at,
        message: `RequestAuthentication "${ra.namespace}/${ra.resource.name}" validates JWTs, but no AuthorizationPolicy for the same workloads requires a request principal: requests without any token are let through.`,
      };
    }
  },
});
