import { defineRule } from '../src/rule/rule.js';

export default defineRule({
  id: 'unknown-field',
  title: 'Field the resource schema does not define',
  severity: 'medium',
  rationale: `The API server drops a field that the schema of a kind does not define (or rejects the object,
with server-side field validation set to \`Strict\`), so the resource it enforces is not the one written: a
NetworkPolicy whose \`podSelector\` is spelt \`podSelecter\` has no selector, and a selector holding
\`matchLabel\` is empty and selects every pod of the namespace. nsl-lint analyses these objects as the API
server stores them, without the unknown fields.

Checked kinds and the schemas they are checked against: NetworkPolicy and Ingress
(\`networking.k8s.io/v1\`) and Service (\`v1\`) against the Kubernetes OpenAPI shipped by
\`kubernetes-models\` 4.5.1; Istio PeerAuthentication, AuthorizationPolicy, DestinationRule and Gateway
(\`v1\`, \`v1beta1\`, \`v1alpha3\`) against the Istio 1.29.2 CRDs (from \`@kubernetes-models/istio\` 3.0.1);
Gateway API Gateway and HTTPRoute (\`v1\`, \`v1beta1\`) against the Gateway API types of
\`@kubernetes-models/gateway-api\` 2.0.0 (Gateway API 1.4 or later); Calico NetworkPolicy and GlobalNetworkPolicy
(\`projectcalico.org/v3\`, \`crd.projectcalico.org/v1\`) against the Calico v3.32.1 CRDs; Cilium
CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy (\`cilium.io/v2\`) against the Cilium 1.18 CRDs
(layer-7 rules, TLS contexts and service references are not checked). Fields added upstream after those
versions are reported as unknown.`,
  remediation:
    'Fix the spelling or the nesting of the field (compare with `kubectl explain <kind>.<path>`), or remove it; `kubectl apply --dry-run=server --validate=strict` rejects what the schema does not define.',
  // The packaged schemas trail the newest upstream releases: a field added since is reported too.
  precision: 'medium',
  tags: ['kubernetes', 'schema'],
  *check({ model }) {
    const seen = new Set<string>();
    for (const resource of model.resources) {
      for (const at of resource.droppedFields ?? []) {
        // An object placed by several kustomize builds is one place in the source.
        const id = `${at.file}\0${at.doc}\0${at.path.join('\0')}`;
        if (seen.has(id)) continue;
        seen.add(id);
        const key = String(at.path[at.path.length - 1]);
        const parent = fieldPath(at.path.slice(resource.root.path.length, -1));
        yield {
          at,
          message: `${resource.kind} "${resource.name}" has field "${key}" ${parent ? `under ${parent} ` : 'at the top level '}that its schema does not define; the API server drops it, so the object is enforced without it.`,
        };
      }
    }
  },
});

/** `spec.ingress[0].ports[1]`: a path as `kubectl explain` and the docs write it. */
function fieldPath(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}
