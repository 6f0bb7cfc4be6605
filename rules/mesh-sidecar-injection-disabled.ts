import { defineRule } from '../src/rule/rule.js';

export default defineRule({
  id: 'mesh-sidecar-injection-disabled',
  title: 'Workload or namespace opts out of the mesh',
  severity: 'medium',
  rationale:
    'A pod without a sidecar sends and receives plaintext, has no mesh identity, and is outside every mesh authorization policy. An opt-out (`sidecar.istio.io/inject: "false"` on the pod template, `istio-injection: disabled` on the namespace, Linkerd\'s `linkerd.io/inject: disabled`) in a cluster that runs the mesh leaves a gap that is easy to forget; with STRICT mTLS elsewhere it also breaks the workload\'s calls to meshed services.',
  remediation:
    'Remove the opt-out so the workload joins the mesh. If it truly cannot run a sidecar (a host-network agent, a job that must exit), document why and restrict it with NetworkPolicies instead.',
  precision: 'high',
  tags: ['kubernetes', 'service-mesh', 'istio', 'linkerd'],
  *check({ mesh }) {
    for (const optOut of mesh.injectionOptOuts) {
      const r = optOut.resource;
      const name = r.kind === 'Namespace' ? `Namespace "${r.name}"` : `${r.kind} "${r.namespace ?? ''}/${r.name}"`;
      const meshName = optOut.mesh === 'istio' ? 'Istio' : 'Linkerd';
      yield {
        at: optOut.node.loc,
        message: `${name} opts out of ${meshName} sidecar injection (${optOut.key}: ${String(optOut.node.value)}${optOut.where === 'pod template' ? ' on the pod template' : ''}) while ${meshName} is in use: its pods get no mTLS and no mesh authorization.`,
      };
    }
  },
});
