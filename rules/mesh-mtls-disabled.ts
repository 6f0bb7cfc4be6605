import { defineRule } from '../src/rule/rule.js';
import { resourcesOf } from '../src/model/model.js';
import { destinationRuleTlsModes, ISTIO_NETWORKING } from '../src/analysis/mesh.js';

export default defineRule({
  id: 'mesh-mtls-disabled',
  title: 'Mesh mTLS disabled',
  severity: 'high',
  rationale:
    "`DISABLE` in a `PeerAuthentication` makes the sidecar accept only plaintext; in a `DestinationRule`'s `tls` it makes clients send plaintext to that host. Either way traffic crosses the network unencrypted and without peer identity, and identity-based authorization no longer works for it.",
  remediation:
    'Use `STRICT` in the PeerAuthentication and `ISTIO_MUTUAL` (or remove `tls` so Istio picks mTLS automatically) in the DestinationRule. Limit any exception to the one port or external host that cannot speak TLS.',
  precision: 'very-high',
  tags: ['kubernetes', 'service-mesh', 'istio', 'mtls'],
  *check({ model, mesh }) {
    for (const pa of mesh.peerAuthentications)
      for (const setting of pa.settings) {
        if (setting.mode !== 'DISABLE') continue;
        const scope = setting.port === undefined ? '' : ` on port ${setting.port}`;
        yield {
          at: setting.node.loc,
          message: `PeerAuthentication "${pa.namespace}/${pa.resource.name}" disables mTLS${scope}: the workloads it covers accept only plaintext, with no peer identity.`,
        };
      }
    for (const dr of resourcesOf(model, 'DestinationRule', ISTIO_NETWORKING))
      for (const setting of destinationRuleTlsModes(dr)) {
        if (setting.mode !== 'DISABLE') continue;
        const scope = setting.port === undefined ? '' : ` on port ${setting.port}`;
        yield {
          at: setting.node.loc,
          message: `DestinationRule "${dr.namespace ?? ''}/${dr.name}" sets tls.mode DISABLE${scope}: clients send plaintext to its host.`,
        };
      }
  },
});
