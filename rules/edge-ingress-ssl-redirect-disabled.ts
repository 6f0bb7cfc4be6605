import { defineRule } from '../src/rule/rule.js';
import { nginxFalse } from '../src/analysis/edge.js';

export default defineRule({
  id: 'edge-ingress-ssl-redirect-disabled',
  title: 'ingress-nginx HTTPS redirect turned off',
  severity: 'medium',
  rationale:
    'ingress-nginx redirects HTTP to HTTPS for hosts with TLS unless `nginx.ingress.kubernetes.io/ssl-redirect` is `"false"`; `force-ssl-redirect: "false"` likewise keeps plain HTTP open. Clients that type the bare name or follow an old `http://` link then talk in clear text, and an attacker on the path can strip them down to HTTP.',
  remediation:
    'Remove the annotation (the default redirects) or set it to `"true"`; serve any endpoint that must stay on HTTP (ACME challenges are handled already) from a separate Ingress.',
  precision: 'high',
  tags: ['kubernetes', 'edge', 'tls'],
  *check({ edge }) {
    for (const ingress of edge.ingresses)
      for (const a of edge.nginxAnnotations(ingress))
        if ((a.name === 'ssl-redirect' || a.name === 'force-ssl-redirect') && nginxFalse(a.value))
          yield {
            at: a.node.loc,
            message: `Ingress "${ingress.namespace ?? ''}/${ingress.name}" sets \`${a.name}: "${a.value}"\`: plain HTTP requests are served instead of being redirected to HTTPS.`,
          };
  },
});
