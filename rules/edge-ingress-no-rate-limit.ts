import { defineRule } from '../src/rule/rule.js';

export default defineRule({
  id: 'edge-ingress-no-rate-limit',
  title: 'Ingress has no request rate limit',
  severity: 'medium',
  rationale:
    'Without a per-client limit on requests or connections, one client can flood the backends behind an Ingress (credential stuffing, scraping, application-level denial of service). ingress-nginx limits requests with `limit-rps`, `limit-rpm`, `limit-connections` or `global-rate-limit`; `limit-rate` and `limit-rate-after` only cap bandwidth. Traefik limits them with a `Middleware` that has `spec.rateLimit`, attached through `router.middlewares`. Ingresses of other controllers are not judged.',
  remediation:
    'On ingress-nginx add `nginx.ingress.kubernetes.io/limit-rps` (or `limit-rpm`, `limit-connections`); on Traefik create a `Middleware` with `spec.rateLimit` and list it as `<namespace>-<name>@kubernetescrd` in `traefik.ingress.kubernetes.io/router.middlewares`.',
  precision: 'medium',
  tags: ['kubernetes', 'edge', 'rate-limit'],
  *check({ edge }) {
    for (const ingress of edge.ingresses) {
      const name = ingress.metadata?.get('name');
      if (!name) continue;
      const what = `Ingress "${ingress.namespace ?? ''}/${ingress.name}"`;
      const controller = edge.controllerOf(ingress);
      if (controller === 'ingress-nginx' && !edge.nginxRateLimited(ingress))
        yield {
          at: name.loc,
          message: `${what} (ingress-nginx) sets no \`limit-rps\`, \`limit-rpm\`, \`limit-connections\` or \`global-rate-limit\`: one client can send requests without limit.`,
        };
      else if (controller === 'traefik') {
        const refs = edge.traefikMiddlewareRefs(ingress);
        if (refs.some((ref) => edge.traefikRefRateLimits(ref))) continue;
        yield {
          at: name.loc,
          message: `${what} (Traefik) uses no rate-limiting Middleware of the repository${refs.length ? ` (${refs.join(', ')} ha${refs.length === 1 ? 's' : 've'} no \`spec.rateLimit\` here)` : ''}: one client can send requests without limit.`,
        };
      }
    }
  },
});
