import { defineRule } from '../src/rule/rule.js';

/** Annotations whose text ingress-nginx pastes verbatim into its nginx configuration. */
const SNIPPETS = new Set(['configuration-snippet', 'server-snippet', 'auth-snippet', 'stream-snippet']);

export default defineRule({
  id: 'edge-ingress-snippet',
  title: 'ingress-nginx snippet annotation injects raw configuration',
  severity: 'high',
  rationale:
    'Snippet annotations paste raw text into the configuration of the shared ingress-nginx controller. Whoever can write an Ingress can then read files the controller can (including the service account token that sees every Secret of the cluster) or change routing for other tenants (CVE-2021-25742); snippets also made the admission controller exploitable (CVE-2025-1974). Recent versions refuse them unless `allow-snippet-annotations` is enabled.',
  remediation:
    "Express the need with the controller's dedicated annotations (headers, redirects, auth) or in the controller's ConfigMap, which only cluster administrators edit, and keep `allow-snippet-annotations` off.",
  precision: 'high',
  tags: ['kubernetes', 'edge', 'injection'],
  *check({ edge }) {
    for (const ingress of edge.ingresses)
      for (const a of edge.nginxAnnotations(ingress))
        if (SNIPPETS.has(a.name))
          yield {
            at: a.node.keyLoc,
            message: `Ingress "${ingress.namespace ?? ''}/${ingress.name}" uses \`${a.name}\`: raw nginx configuration from an Ingress runs in the shared controller with its privileges.`,
          };
  },
});
