import { defineRule } from '../src/rule/rule.js';

export default defineRule({
  id: 'mesh-mtls-permissive',
  title: 'PeerAuthentication accepts plaintext (PERMISSIVE)',
  severity: 'high',
  rationale:
    '`PERMISSIVE` makes a sidecar accept both mTLS and plaintext. It exists for migrations, but left in place it lets any client without a mesh identity reach the workload unencrypted, and authorization rules on principals or namespaces cannot match such requests.',
  remediation:
    'Finish the migration and set `mtls.mode: STRICT` (or remove the override so the mesh-wide STRICT policy applies); keep a `portLevelMtls` exception only for a port that must serve plaintext, such as a health check.',
  precision: 'very-high',
  tags: ['kubernetes', 'service-mesh', 'istio', 'mtls'],
  *check({ mesh }) {
    for (const pa of mesh.peerAuthentications)
      for (const setting of pa.settings) {
        if (setting.mode !== 'PERMISSIVE') continue;
        const scope = setting.port === undefined ? '' : ` on port ${setting.port}`;
        yield {
          at: setting.node.loc,
          message: `PeerAuthentication "${pa.namespace}/${pa.resource.name}" sets PERMISSIVE${scope}: the sidecar also accepts plaintext connections, with no peer identity.`,
        };
      }
  },
});
