import { defineRule } from '../src/rule/rule.js';
import { checkAssertion, describeDecision, spellConnections } from '../src/analysis/connectivity.js';

export default defineRule({
  id: 'netpol-assertion-failed',
  title: 'Expected connection does not hold',
  severity: 'high',
  rationale:
    'Config `connectivity.assertions` states which connections must be allowed or denied (`{from: shop/web, to: payments/db, port: tcp/5432, expect: deny}`). Each is checked against what the policies (NetworkPolicy, Calico, Cilium, AdminNetworkPolicy tiers) allow, on every run and without a cluster, so a change that opens or breaks a path fails review instead of production. A `deny` fails when a selected pair surely connects on the asserted port; an `allow` fails when a pair surely cannot; answers that depend on labels nobody defined do not fail. A side that selects no workload fails too: it would check nothing.',
  remediation:
    'Change the policies the message names (its related locations point at the deciding rules), or correct the assertion if the expectation was wrong; `nsl-lint connectivity --explain "SRC=>DST"` shows every deciding rule.',
  precision: 'high',
  tags: ['kubernetes', 'network-policy', 'connectivity'],
  *check({ model, netpol }) {
    const source = model.config.source;
    if (!source) return;
    for (const assertion of model.config.connectivity.assertions) {
      const at = { file: source.file, doc: 0, path: ['connectivity', 'assertions', assertion.index], part: 'value' as const };
      const outcome = checkAssertion(netpol, assertion);
      if (outcome.holds) continue;
      const name = `Assertion "${assertion.text}"`;
      if ('empty' in outcome) {
        const sides = outcome.empty.map((s) => `"${s}"`).join(' and ');
        yield {
          at,
          message: `${name} checks nothing: ${sides} ${outcome.empty.length === 1 ? 'selects' : 'select'} no workload in the repository.`,
        };
        continue;
      }
      const [first, ...rest] = outcome.breaches;
      if (!first) continue;
      const pair = `${first.source.id} => ${first.destination.id}`;
      const asked = assertion.port
        ? ` on ${assertion.port.protocol} ${assertion.port.from}${assertion.port.to === assertion.port.from ? '' : `-${assertion.port.to}`}`
        : ' at all';
      const what =
        assertion.expect === 'deny'
          ? `${pair} connects on ${spellConnections(first.actual)}`
          : first.actual.isEmpty
            ? `${pair} cannot connect${asked}`
            : `${pair} connects only on ${spellConnections(first.actual)} of${asked.replace(/^ on/, '')}`;
      const reasons = first.because.map((b) => ({ ...describeDecision(b.decision, b.direction), b }));
      const said = reasons.map((r) => {
        if (r.b.decision.kind === 'open') return `${r.b.endpoint.id}: ${r.text}`;
        if (r.b.decision.kind === 'isolated') return r.text;
        return `${r.verdict === 'passes' ? 'passed on by' : r.verdict === 'allows' ? 'allowed by' : 'denied by'} ${r.text}`;
      });
      const why = said.length ? ` (${said.join('; ')})` : '';
      const more = rest.length ? ` (${rest.length} more of ${outcome.pairs} pairs also fail)` : '';
      yield {
        at,
        message: `${name} fails: ${what}${why}${more}.`,
        related: reasons.flatMap((r) =>
          r.at ? [{ at: r.at, message: `${r.verdict} ${spellConnections(r.connections)}: ${r.text}` }] : [],
        ),
      };
    }
  },
});
