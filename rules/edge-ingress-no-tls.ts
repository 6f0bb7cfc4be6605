import { defineRule } from '../src/rule/rule.js';

export default defineRule({
  id: 'edge-ingress-no-tls',
  title: 'Ingress or gateway serves plain HTTP',
  severity: 'high',
  rationale:
    'An Ingress without `spec.tls`, or whose rule hosts no `tls.hosts` entry covers, serves those hosts over plain HTTP: credentials, cookies and data cross the internet readable and modifiable by anyone on the path. The same holds for an Istio `Gateway` server with protocol HTTP that does not redirect to HTTPS, and for a Gateway-API listener with protocol HTTP whose hostname no HTTPS listener of the same Gateway serves.',
  remediation:
    'Add a `tls` entry (with a certificate, for example from cert-manager) covering every rule host; on an Istio Gateway set `tls.httpsRedirect: true` on the HTTP server; on a Gateway-API Gateway add an HTTPS listener for the same hostname and redirect HTTP to it.',
  precision: 'high',
  tags: ['kubernetes', 'edge', 'tls'],
  *check({ edge }) {
    for (const ingress of edge.ingresses) {
      const name = ingress.metadata?.get('name');
      if (!name) continue;
      const what = `Ingress "${ingress.namespace ?? ''}/${ingress.name}"`;
      const uncovered = edge.uncoveredHosts(ingress);
      if (uncovered === 'none')
        yield { at: name.loc, message: `${what} has no \`spec.tls\`: every host it routes is served over plain HTTP.` };
      else if (uncovered.length > 0)
        yield {
          at: name.loc,
          message: `${what} serves ${uncovered.join(', ')} over plain HTTP: no \`tls.hosts\` entry covers ${uncovered.length === 1 ? 'it' : 'them'}.`,
        };
    }
    for (const l of edge.plaintextListeners()) {
      const what = `${l.api} Gateway "${l.gateway.namespace ?? ''}/${l.gateway.name}"`;
      yield {
        at: l.protocol.loc,
        message:
          l.api === 'Istio'
            ? `${what} serves ${l.hosts} over plain HTTP on ${l.what} without \`tls.httpsRedirect: true\`: requests and responses travel unencrypted.`
            : `${what} serves ${l.hosts} over plain HTTP on ${l.what}, and no HTTPS listener of the Gateway serves that hostname: traffic has no encrypted way in.`,
      };
    }
  },
});
