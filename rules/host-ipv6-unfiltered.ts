import { defineRule } from '../src/rule/rule.js';

export default defineRule({
  id: 'host-ipv6-unfiltered',
  title: 'IPv4 is filtered but IPv6 is not',
  severity: 'high',
  rationale:
    'iptables rules and nft tables of family `ip` apply to IPv4 only. A host with an IPv6 address (most clouds assign one, and link-local addresses always exist) keeps every IPv6 port open when nothing filters IPv6: no ip6tables rules, no `ip6` or `inet` table.',
  remediation:
    'Add the same policy for IPv6 (`ip6tables -P INPUT DROP` and its rules, or `ip6tables-restore` with `rules.v6`), or move the nft rules into an `inet` table that covers both families.',
  precision: 'high',
  tags: ['firewall', 'ipv6'],
  *check({ wholeFirewalls }) {
    // Whatever the IPv4 rules decide (even when they accept everything, beside host-default-allow).
    for (const { ruleset } of wholeFirewalls) {
      const at = ruleset.filters[4];
      if (!at || ruleset.filters[6]) continue;
      yield { at, message: `This ruleset filters IPv4 input but nothing filters IPv6: every IPv6 port of the host stays open.` };
    }
  },
});
