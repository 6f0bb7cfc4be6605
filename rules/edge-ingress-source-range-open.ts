import { defineRule } from '../src/rule/rule.js';
import { openSourceRanges } from '../src/analysis/edge.js';

export default defineRule({
  id: 'edge-ingress-source-range-open',
  title: 'ingress-nginx source allowlist admits everyone',
  severity: 'medium',
  rationale:
    'ingress-nginx `whitelist-source-range` / `allowlist-source-range` restricts who may reach an Ingress. A list that contains `0.0.0.0/0` or `::/0` admits every address of that family, so the restriction the annotation suggests to a reviewer does not exist.',
  remediation: 'List only the client networks that need access (office, VPN, partner ranges), and drop the catch-all entry.',
  precision: 'high',
  tags: ['kubernetes', 'edge', 'access-control'],
  *check({ edge }) {
    for (const ingress of edge.ingresses)
      for (const a of edge.nginxAnnotations(ingress)) {
        if (a.name !== 'whitelist-source-range' && a.name !== 'allowlist-source-range') continue;
        const open = openSourceRanges(a.value.split(','));
        if (open.length)
          yield {
            at: a.node.loc,
            message: `Ingress "${ingress.namespace ?? ''}/${ingress.name}" lists ${open.map((r) => r.trim()).join(', ')} in \`${a.name}\`: every ${open.length === 1 ? 'address of that family' : 'address'} may reach it.`,
          };
      }
  },
});
