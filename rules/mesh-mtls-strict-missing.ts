import { defineRule } from '../src/rule/rule.js';

export default defineRule({
  id: 'mesh-mtls-strict-missing',
  title: 'Mesh has no mesh-wide STRICT mTLS',
  severity: 'high',
  rationale:
    "Istio's default mTLS mode is `PERMISSIVE`: sidecars accept plaintext as well as mTLS, so any pod outside the mesh, or an attacker on the pod network, can talk to meshed workloads without an identity and read their traffic. Only a mesh-wide `PeerAuthentication` (root namespace, no selector) with mode `STRICT` makes encryption and peer identity the rule rather than an option each namespace must remember.",
  remediation:
    'Add a `PeerAuthentication` named `default` in the root namespace (`istio-system`) with no selector and `mtls.mode: STRICT`; grant narrow, workload-level exceptions only where a plaintext client truly remains.',
  precision: 'high',
  tags: ['kubernetes', 'service-mesh', 'istio', 'mtls'],
  *check({ mesh }) {
    if (!mesh.istioInUse || mesh.meshWideStrict) return;
    const first = mesh.firstMeshObject;
    const at = first?.metadata?.get('name')?.loc;
    if (!first || !at) return;
    yield {
      at,
      message: `Istio is in use (first seen in ${first.kind} "${first.name}") but no PeerAuthentication in "${mesh.rootNamespace}" without a selector sets mtls.mode STRICT: sidecars accept plaintext from anyone by default.`,
    };
  },
});
