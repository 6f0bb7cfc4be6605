import { defineRule } from '../src/rule/rule.js';

export default defineRule({
  id: 'host-unresolved',
  title: 'Firewall command cannot be resolved statically',
  severity: 'low',
  rationale:
    'nsl-lint reads firewall scripts without running them. A command whose words depend on something outside the script (an environment variable, a command substitution, input read at run time) cannot be known, so it is left out and the analysis of that ruleset is partial: findings may be missing and others may not hold.',
  remediation:
    'Assign the value in the script (`IPT=/usr/sbin/iptables`, `MGMT_NET=10.0.100.0/24`), or move the rules into an iptables-save or nftables file that nsl-lint can read completely.',
  precision: 'very-high',
  tags: ['firewall'],
  *check({ model }) {
    for (const rs of model.host.rulesets) {
      // One finding per file and cause (`$WAN_IF` unset), at its first command; the others are related.
      const byCause = new Map<string, (typeof rs.unresolved)[number][]>();
      for (const u of rs.unresolved) {
        const key = `${u.at.file}\0${u.message}`;
        const same = byCause.get(key);
        if (same) same.push(u);
        else byCause.set(key, [u]);
      }
      for (const [first, ...more] of byCause.values()) {
        if (!first) continue;
        const also = more.length ? ` (also ${more.length} more command${more.length === 1 ? '' : 's'} with the same cause)` : '';
        yield {
          at: first.at,
          message: `Command left out of the analysis: ${first.message}${also}.`,
          related: more.map((u) => ({ at: u.at, message: 'left out for the same reason' })),
        };
      }
    }
  },
});
