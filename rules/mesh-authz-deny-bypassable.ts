import { defineRule } from '../src/rule/rule.js';
import { workloadId } from '../src/model/k8s.js';
import { peerIdentityKeys, rulePorts } from '../src/analysis/mesh-authz.js';
import { listNames } from '../src/analysis/namespaces.js';

export default defineRule({
  id: 'mesh-authz-deny-bypassable',
  title: 'DENY on peer identity bypassable without STRICT mTLS',
  severity: 'high',
  rationale:
    "`principals` and `namespaces` are read from the caller's mTLS certificate. Where a workload also accepts plaintext (mode `PERMISSIVE` or `DISABLE`, Istio's default being PERMISSIVE), a plaintext request has no identity, so it matches no DENY rule on those fields and is let through: the caller the rule meant to block just skips TLS.",
  remediation:
    'Make mTLS STRICT for the workloads the policy selects (mesh-wide, namespace or workload PeerAuthentication), or express the DENY with `notPrincipals`/`notNamespaces`, which also match requests without an identity.',
  precision: 'high',
  tags: ['kubernetes', 'service-mesh', 'istio', 'authorization', 'mtls'],
  *check({ mesh }) {
    for (const policy of mesh.authorizationPolicies) {
      if (policy.action !== 'DENY') continue;
      const selected = mesh.selected(policy);
      for (const rule of policy.rules) {
        const keys = peerIdentityKeys(rule);
        if (keys.length === 0) continue;
        const ports = rulePorts(rule);
        const weak = selected.flatMap((w) => {
          const plaintext = mesh.plaintext(w, ports);
          return plaintext === undefined ? [] : [`${workloadId(w)} (${plaintext})`];
        });
        if (weak.length === 0) continue;
        const names = listNames(weak);
        for (const key of keys) {
          const field = key.path[key.path.length - 1];
          yield {
            at: key.keyLoc,
            message: `DENY AuthorizationPolicy "${policy.namespace}/${policy.resource.name}" matches on ${String(field)}, but ${names} ${weak.length === 1 ? 'accepts' : 'accept'} plaintext: a request without mTLS carries no identity and is not denied.`,
          };
        }
      }
    }
  },
});
