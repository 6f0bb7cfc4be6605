/**
 * First-match evaluation of one packet through iptables chains, with expectations derived
 * from netfilter semantics: ACCEPT/DROP/REJECT end the chain, RETURN goes back to the
 * caller (for a base chain: the policy), falling off a user chain returns to the rule after
 * the jump, `-g` does not come back, a rule without a target only counts, and a match
 * nsl-lint does not model may or may not match.
 */
import { describe, expect, it } from 'vitest';
import { analyse, judge, save, script } from './firewall-helpers.js';

const filter = (policy: 'ACCEPT' | 'DROP', chains: string[], rules: string[]): string =>
  [
    '*filter',
    `:INPUT ${policy} [0:0]`,
    ':FORWARD ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ...chains.map((c) => `:${c} - [0:0]`),
    ...rules,
    'COMMIT',
    '',
  ].join('\n');

describe('terminal verdicts', () => {
  it('ACCEPT takes the packets it matches; the DROP policy takes the rest', () => {
    const a = save(filter('DROP', [], ['-A INPUT -p tcp --dport 22 -j ACCEPT']));
    expect(judge(a, { dport: 22 })).toEqual({ verdict: 'accept', by: '-A INPUT -p tcp --dport 22 -j ACCEPT' });
    expect(judge(a, { dport: 23 })).toEqual({ verdict: 'drop', by: 'policy INPUT' });
    expect(judge(a, { proto: 'udp', dport: 22 })).toEqual({ verdict: 'drop', by: 'policy INPUT' });
  });

  it('DROP takes the packets it matches; the ACCEPT policy takes the rest', () => {
    const a = save(filter('ACCEPT', [], ['-A INPUT -p tcp --dport 22 -j DROP']));
    expect(judge(a, { dport: 22 })).toEqual({ verdict: 'drop', by: '-A INPUT -p tcp --dport 22 -j DROP' });
    expect(judge(a, { dport: 21 })).toEqual({ verdict: 'accept', by: 'policy INPUT' });
  });

  it('REJECT is a drop, never an accept, and ends the chain like DROP', () => {
    const a = save(
      filter('ACCEPT', [], ['-A INPUT -p tcp --dport 22 -j REJECT --reject-with tcp-reset', '-A INPUT -p tcp --dport 22 -j ACCEPT']),
    );
    expect(judge(a, { dport: 22 })).toEqual({ verdict: 'drop', by: '-A INPUT -p tcp --dport 22 -j REJECT --reject-with tcp-reset' });
    expect(judge(a, { dport: 80 })).toEqual({ verdict: 'accept', by: 'policy INPUT' });
  });

  it('the first matching rule decides, later rules see only what is left', () => {
    const a = save(filter('DROP', [], ['-A INPUT -p tcp --dport 22 -j DROP', '-A INPUT -p tcp -j ACCEPT']));
    expect(judge(a, { dport: 22 })).toEqual({ verdict: 'drop', by: '-A INPUT -p tcp --dport 22 -j DROP' });
    expect(judge(a, { dport: 80 })).toEqual({ verdict: 'accept', by: '-A INPUT -p tcp -j ACCEPT' });
    expect(judge(a, { proto: 'udp', dport: 80 })).toEqual({ verdict: 'drop', by: 'policy INPUT' });
  });

  it('an empty chain applies its policy to everything', () => {
    expect(judge(save(filter('DROP', [], [])), {})).toEqual({ verdict: 'drop', by: 'policy INPUT' });
    expect(judge(save(filter('ACCEPT', [], [])), {})).toEqual({ verdict: 'accept', by: 'policy INPUT' });
  });

  it('an unconditional final rule decides everything the earlier rules left', () => {
    const a = save(filter('ACCEPT', [], ['-A INPUT -p tcp --dport 443 -j ACCEPT', '-A INPUT -j DROP']));
    expect(judge(a, { dport: 443 })).toEqual({ verdict: 'accept', by: '-A INPUT -p tcp --dport 443 -j ACCEPT' });
    expect(judge(a, { dport: 80 })).toEqual({ verdict: 'drop', by: '-A INPUT -j DROP' });
    expect(judge(a, { proto: 'icmp' })).toEqual({ verdict: 'drop', by: '-A INPUT -j DROP' });
  });
});

describe('RETURN', () => {
  it('RETURN in a user chain goes back to the rule after the jump, not to the policy', () => {
    const a = save(
      filter(
        'DROP',
        ['SSH'],
        [
          '-A INPUT -p tcp -j SSH',
          '-A INPUT -p tcp --dport 22 -j ACCEPT',
          '-A SSH -s 10.0.0.0/8 -j RETURN',
          '-A SSH -p tcp --dport 22 -j DROP',
        ],
      ),
    );
    // 10/8 returns to INPUT and meets the ACCEPT after the jump.
    expect(judge(a, { src: '10.1.1.1', dport: 22 })).toEqual({ verdict: 'accept', by: '-A INPUT -p tcp --dport 22 -j ACCEPT' });
    // Anyone else meets the DROP of SSH (RETURN is not "continue in SSH" for them).
    expect(judge(a, { src: '1.2.3.4', dport: 22 })).toEqual({ verdict: 'drop', by: '-A SSH -p tcp --dport 22 -j DROP' });
    // Returned packets the caller does not decide meet the INPUT policy.
    expect(judge(a, { src: '10.1.1.1', dport: 80 })).toEqual({ verdict: 'drop', by: 'policy INPUT' });
  });

  it('RETURN in a base chain applies the policy (DROP)', () => {
    const a = save(filter('DROP', [], ['-A INPUT -s 10.0.0.0/8 -j RETURN', '-A INPUT -j ACCEPT']));
    expect(judge(a, { src: '10.9.9.9' })).toEqual({ verdict: 'drop', by: 'policy INPUT' });
    expect(judge(a, { src: '1.2.3.4' })).toEqual({ verdict: 'accept', by: '-A INPUT -j ACCEPT' });
  });

  it('RETURN in a base chain applies the policy (ACCEPT)', () => {
    const a = save(filter('ACCEPT', [], ['-A INPUT -s 10.0.0.0/8 -j RETURN', '-A INPUT -j DROP']));
    expect(judge(a, { src: '10.9.9.9' })).toEqual({ verdict: 'accept', by: 'policy INPUT' });
    expect(judge(a, { src: '1.2.3.4' })).toEqual({ verdict: 'drop', by: '-A INPUT -j DROP' });
  });

  it('a jump to a chain that RETURNs some packets and drops the others', () => {
    const a = save(
      filter(
        'ACCEPT',
        ['BLOCK'],
        ['-A INPUT -j BLOCK', '-A INPUT -p tcp --dport 22 -j DROP', '-A BLOCK -s 10.0.0.0/8 -j RETURN', '-A BLOCK -j DROP'],
      ),
    );
    expect(judge(a, { src: '10.1.2.3', dport: 80 })).toEqual({ verdict: 'accept', by: 'policy INPUT' });
    expect(judge(a, { src: '10.1.2.3', dport: 22 })).toEqual({ verdict: 'drop', by: '-A INPUT -p tcp --dport 22 -j DROP' });
    expect(judge(a, { src: '1.2.3.4', dport: 80 })).toEqual({ verdict: 'drop', by: '-A BLOCK -j DROP' });
  });
});

describe('jump, goto and falling off a user chain', () => {
  it('falling off a user chain resumes the caller at the rule after the jump', () => {
    const a = save(
      filter('DROP', ['WEB'], ['-A INPUT -j WEB', '-A INPUT -p tcp --dport 22 -j ACCEPT', '-A WEB -p tcp --dport 80 -j ACCEPT']),
    );
    expect(judge(a, { dport: 80 })).toEqual({ verdict: 'accept', by: '-A WEB -p tcp --dport 80 -j ACCEPT' });
    expect(judge(a, { dport: 22 })).toEqual({ verdict: 'accept', by: '-A INPUT -p tcp --dport 22 -j ACCEPT' });
    expect(judge(a, { dport: 23 })).toEqual({ verdict: 'drop', by: 'policy INPUT' });
  });

  const jumpOrGoto = (flag: '-j' | '-g'): string =>
    filter('ACCEPT', ['CHECK'], [`-A INPUT -p tcp ${flag} CHECK`, '-A INPUT -p tcp -j DROP', '-A CHECK -p tcp --dport 443 -j ACCEPT']);

  it('-j: what falls off the target comes back to the next rule of the base chain', () => {
    const a = save(jumpOrGoto('-j'));
    expect(judge(a, { dport: 443 })).toEqual({ verdict: 'accept', by: '-A CHECK -p tcp --dport 443 -j ACCEPT' });
    expect(judge(a, { dport: 80 })).toEqual({ verdict: 'drop', by: '-A INPUT -p tcp -j DROP' });
  });

  it('-g: what falls off the target does not come back; the base chain policy applies', () => {
    const a = save(jumpOrGoto('-g'));
    expect(judge(a, { dport: 443 })).toEqual({ verdict: 'accept', by: '-A CHECK -p tcp --dport 443 -j ACCEPT' });
    expect(judge(a, { dport: 80 })).toEqual({ verdict: 'accept', by: 'policy INPUT' });
    // Packets the goto does not match still go on to the next rule.
    expect(judge(a, { proto: 'udp', dport: 80 })).toEqual({ verdict: 'accept', by: 'policy INPUT' });
  });

  it('-g from a user chain returns to the caller of that chain, past the goto chain', () => {
    const a = save(
      filter(
        'ACCEPT',
        ['A', 'B'],
        [
          '-A INPUT -p tcp -j A',
          '-A INPUT -p tcp --dport 22 -j DROP',
          '-A A -p tcp -g B',
          '-A A -p tcp -j ACCEPT',
          '-A B -p tcp --dport 80 -j ACCEPT',
        ],
      ),
    );
    expect(judge(a, { dport: 80 })).toEqual({ verdict: 'accept', by: '-A B -p tcp --dport 80 -j ACCEPT' });
    // B falls off: back to INPUT after `-j A` (not to A's next rule, which would accept).
    expect(judge(a, { dport: 22 })).toEqual({ verdict: 'drop', by: '-A INPUT -p tcp --dport 22 -j DROP' });
    expect(judge(a, { dport: 8080 })).toEqual({ verdict: 'accept', by: 'policy INPUT' });
  });

  it('RETURN in a goto target returns to the caller of the chain that did the goto', () => {
    const a = save(
      filter(
        'DROP',
        ['A', 'B'],
        [
          '-A INPUT -j A',
          '-A INPUT -p tcp --dport 25 -j ACCEPT',
          '-A A -g B',
          '-A A -j ACCEPT',
          '-A B -p tcp --dport 25 -j RETURN',
          '-A B -j DROP',
        ],
      ),
    );
    expect(judge(a, { dport: 25 })).toEqual({ verdict: 'accept', by: '-A INPUT -p tcp --dport 25 -j ACCEPT' });
    expect(judge(a, { dport: 26 })).toEqual({ verdict: 'drop', by: '-A B -j DROP' });
  });

  it('nested jumps unwind one level at a time', () => {
    const a = save(
      filter(
        'DROP',
        ['L1', 'L2'],
        [
          '-A INPUT -p tcp -j L1',
          '-A INPUT -p tcp --dport 22 -j ACCEPT',
          '-A L1 -j L2',
          '-A L1 -p tcp --dport 80 -j ACCEPT',
          '-A L2 -s 192.0.2.0/24 -j DROP',
          '-A L2 -p tcp --dport 443 -j ACCEPT',
        ],
      ),
    );
    expect(judge(a, { dport: 443 })).toEqual({ verdict: 'accept', by: '-A L2 -p tcp --dport 443 -j ACCEPT' });
    expect(judge(a, { dport: 80 })).toEqual({ verdict: 'accept', by: '-A L1 -p tcp --dport 80 -j ACCEPT' });
    expect(judge(a, { dport: 22 })).toEqual({ verdict: 'accept', by: '-A INPUT -p tcp --dport 22 -j ACCEPT' });
    expect(judge(a, { src: '192.0.2.7', dport: 22 })).toEqual({ verdict: 'drop', by: '-A L2 -s 192.0.2.0/24 -j DROP' });
    expect(judge(a, { dport: 25 })).toEqual({ verdict: 'drop', by: 'policy INPUT' });
    expect(judge(a, { proto: 'udp', dport: 443 })).toEqual({ verdict: 'drop', by: 'policy INPUT' });
  });

  it('a chain reached twice through different jumps is evaluated on each path', () => {
    const a = save(
      filter(
        'DROP',
        ['COMMON'],
        [
          '-A INPUT -p tcp -j COMMON',
          '-A INPUT -p tcp --dport 22 -j ACCEPT',
          '-A INPUT -p udp -j COMMON',
          '-A INPUT -p udp --dport 53 -j ACCEPT',
          '-A COMMON -s 198.51.100.0/24 -j DROP',
        ],
      ),
    );
    expect(judge(a, { dport: 22 })).toEqual({ verdict: 'accept', by: '-A INPUT -p tcp --dport 22 -j ACCEPT' });
    expect(judge(a, { proto: 'udp', dport: 53 })).toEqual({ verdict: 'accept', by: '-A INPUT -p udp --dport 53 -j ACCEPT' });
    expect(judge(a, { src: '198.51.100.1', proto: 'udp', dport: 53 })).toEqual({
      verdict: 'drop',
      by: '-A COMMON -s 198.51.100.0/24 -j DROP',
    });
  });
});

describe('rules that only count', () => {
  it('a rule without -j does not decide: the packet goes on to the next rule', () => {
    const a = save(filter('DROP', [], ['-A INPUT -p tcp --dport 22', '-A INPUT -p tcp --dport 22 -j ACCEPT']));
    expect(judge(a, { dport: 22 })).toEqual({ verdict: 'accept', by: '-A INPUT -p tcp --dport 22 -j ACCEPT' });
  });

  it('a LOG rule does not decide either', () => {
    const a = save(filter('ACCEPT', [], ['-A INPUT -p tcp -j LOG --log-prefix dropped:', '-A INPUT -p tcp -j DROP']));
    expect(judge(a, { dport: 22 })).toEqual({ verdict: 'drop', by: '-A INPUT -p tcp -j DROP' });
    expect(judge(a, { proto: 'udp' })).toEqual({ verdict: 'accept', by: 'policy INPUT' });
  });
});

describe('matches nsl-lint does not model ("may match")', () => {
  it('a rate-limited ACCEPT before a DROP policy: accept or drop, so unknown', () => {
    const a = save(filter('DROP', [], ['-A INPUT -p tcp --dport 22 -m limit --limit 5/min -j ACCEPT']));
    expect(judge(a, { dport: 22 })).toEqual({ verdict: 'unknown' });
    // The modelled part of the rule still narrows it.
    expect(judge(a, { dport: 23 })).toEqual({ verdict: 'drop', by: 'policy INPUT' });
  });

  it('a rate-limited ACCEPT before an ACCEPT policy: both paths accept', () => {
    const a = save(filter('ACCEPT', [], ['-A INPUT -p tcp --dport 22 -m limit --limit 5/min -j ACCEPT']));
    expect(judge(a, { dport: 22 }).verdict).toEqual('accept');
  });

  it('a rate-limited ACCEPT followed by a certain ACCEPT: both paths accept', () => {
    const a = save(
      filter('DROP', [], ['-A INPUT -p tcp --dport 22 -m limit --limit 5/min -j ACCEPT', '-A INPUT -p tcp --dport 22 -j ACCEPT']),
    );
    expect(judge(a, { dport: 22 }).verdict).toEqual('accept');
  });

  it('a `recent` DROP before an ACCEPT: unknown', () => {
    const a = save(
      filter(
        'DROP',
        [],
        [
          '-A INPUT -p tcp --dport 22 -m recent --name ssh --rcheck --seconds 60 --hitcount 4 -j DROP',
          '-A INPUT -p tcp --dport 22 -j ACCEPT',
        ],
      ),
    );
    expect(judge(a, { dport: 22 })).toEqual({ verdict: 'unknown' });
  });

  it('a `recent` DROP before a DROP: both paths drop', () => {
    const a = save(
      filter(
        'ACCEPT',
        [],
        [
          '-A INPUT -p tcp --dport 22 -m recent --name ssh --rcheck --seconds 60 --hitcount 4 -j DROP',
          '-A INPUT -p tcp --dport 22 -j DROP',
        ],
      ),
    );
    expect(judge(a, { dport: 22 }).verdict).toEqual('drop');
    expect(judge(a, { dport: 80 })).toEqual({ verdict: 'accept', by: 'policy INPUT' });
  });

  it('an uncertain jump to a dropping chain: unknown where the rest accepts', () => {
    const a = save(
      filter(
        'ACCEPT',
        ['BAN'],
        ['-A INPUT -p tcp -m recent --name bad --rcheck -j BAN', '-A INPUT -p tcp --dport 22 -j ACCEPT', '-A BAN -j DROP'],
      ),
    );
    expect(judge(a, { dport: 22 })).toEqual({ verdict: 'unknown' });
    expect(judge(a, { proto: 'udp' })).toEqual({ verdict: 'accept', by: 'policy INPUT' });
  });

  it('an uncertain RETURN in a base chain: the policy or the next rule, so unknown', () => {
    const a = save(filter('DROP', [], ['-A INPUT -m limit --limit 1/s -j RETURN', '-A INPUT -j ACCEPT']));
    expect(judge(a, {})).toEqual({ verdict: 'unknown' });
  });

  it('an uncertain goto whose target falls off: policy or next rule, so unknown', () => {
    const a = save(filter('ACCEPT', ['G'], ['-A INPUT -m limit --limit 1/s -g G', '-A INPUT -j DROP', '-A G -p udp -j DROP']));
    expect(judge(a, { proto: 'tcp' })).toEqual({ verdict: 'unknown' });
    // Both paths drop UDP: through G, or through the next rule.
    expect(judge(a, { proto: 'udp' }).verdict).toEqual('drop');
  });
});

describe('the modelled matches', () => {
  it('conntrack state: ESTABLISHED,RELATED accepted, NEW meets the policy', () => {
    const a = save(filter('DROP', [], ['-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT']));
    expect(judge(a, { ct: 'established' })).toEqual({
      verdict: 'accept',
      by: '-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT',
    });
    expect(judge(a, { ct: 'related' }).verdict).toEqual('accept');
    expect(judge(a, { ct: 'new' })).toEqual({ verdict: 'drop', by: 'policy INPUT' });
    expect(judge(a, { ct: 'invalid' })).toEqual({ verdict: 'drop', by: 'policy INPUT' });
  });

  it('a negated state matches every other state', () => {
    const a = save(filter('DROP', [], ['-A INPUT -m conntrack ! --ctstate NEW -j ACCEPT']));
    expect(judge(a, { ct: 'new' }).verdict).toEqual('drop');
    expect(judge(a, { ct: 'established' }).verdict).toEqual('accept');
    expect(judge(a, { ct: 'invalid' }).verdict).toEqual('accept');
    expect(judge(a, { ct: 'untracked' }).verdict).toEqual('accept');
  });

  it('negated source and port ranges', () => {
    const a = save(
      filter('ACCEPT', [], ['-A INPUT ! -s 10.0.0.0/8 -p tcp --dport 1000:2000 -j DROP', '-A INPUT -p udp ! --dport 53 -j DROP']),
    );
    expect(judge(a, { dport: 1000 }).verdict).toEqual('drop');
    expect(judge(a, { dport: 2000 }).verdict).toEqual('drop');
    expect(judge(a, { dport: 999 }).verdict).toEqual('accept');
    expect(judge(a, { dport: 2001 }).verdict).toEqual('accept');
    expect(judge(a, { src: '10.255.255.255', dport: 1500 }).verdict).toEqual('accept');
    expect(judge(a, { src: '11.0.0.0', dport: 1500 }).verdict).toEqual('drop');
    expect(judge(a, { proto: 'udp', dport: 53 }).verdict).toEqual('accept');
    expect(judge(a, { proto: 'udp', dport: 54 })).toEqual({ verdict: 'drop', by: '-A INPUT -p udp ! --dport 53 -j DROP' });
  });

  it('multiport lists, source ports and destination addresses', () => {
    const a = save(
      filter(
        'DROP',
        [],
        ['-A INPUT -p tcp -m multiport --dports 80,443,8000:8080 -j ACCEPT', '-A INPUT -p udp --sport 123 -d 10.0.0.1 -j ACCEPT'],
      ),
    );
    for (const dport of [80, 443, 8000, 8080]) expect(judge(a, { dport }).verdict).toEqual('accept');
    for (const dport of [81, 442, 7999, 8081]) expect(judge(a, { dport }).verdict).toEqual('drop');
    expect(judge(a, { proto: 'udp', sport: 123, dport: 5000 }).verdict).toEqual('accept');
    expect(judge(a, { proto: 'udp', sport: 124, dport: 5000 }).verdict).toEqual('drop');
    expect(judge(a, { proto: 'udp', sport: 123, dst: '10.0.0.2' }).verdict).toEqual('drop');
  });

  it('input interfaces: exact names, `+` wildcards by prefix, negation', () => {
    const a = save(
      filter(
        'DROP',
        [],
        ['-A INPUT -i lo -j ACCEPT', '-A INPUT -i wg+ -p udp -j ACCEPT', '-A INPUT ! -i eth0 -p tcp --dport 22 -j ACCEPT'],
      ),
    );
    expect(a.ifaces).toEqual(['lo', 'eth0', 'wg9', 'ens3']);
    expect(judge(a, { iif: 'lo', proto: 'gre' }).verdict).toEqual('accept');
    expect(judge(a, { iif: 'wg9', proto: 'udp' }).verdict).toEqual('accept');
    expect(judge(a, { iif: 'ens3', proto: 'udp' }).verdict).toEqual('drop');
    expect(judge(a, { iif: 'eth0', dport: 22 }).verdict).toEqual('drop');
    expect(judge(a, { iif: 'ens3', dport: 22 })).toEqual({ verdict: 'accept', by: '-A INPUT ! -i eth0 -p tcp --dport 22 -j ACCEPT' });
  });
});

describe('families and hooks', () => {
  it('an IPv4 ruleset leaves IPv6 unfiltered and the other hooks empty', () => {
    const a = save(filter('DROP', [], []));
    expect(judge(a, { family: 6, src: '2600::1' })).toEqual({ verdict: 'accept' });
    expect(a.hookChains(6, 'input')).toEqual([]);
    // FORWARD has its own chain and policy.
    expect(judge(a, {}, 'forward')).toEqual({ verdict: 'accept', by: 'policy FORWARD' });
    expect(judge(a, {}, 'prerouting')).toEqual({ verdict: 'accept' });
  });

  it('a jump resolves to the chain of the same family: rules.v4 and rules.v6 each have a chain X', () => {
    const v4 = filter('ACCEPT', ['X'], ['-A INPUT -j X', '-A X -p tcp --dport 22 -j DROP']);
    const v6 = filter('ACCEPT', ['X'], ['-A INPUT -j X', '-A X -p tcp --dport 23 -j DROP']);
    const a = analyse([
      { path: 'rules.v4', kind: 'iptables-save', text: v4 },
      { path: 'rules.v6', kind: 'iptables-save', text: v6 },
    ]);
    expect(judge(a, { dport: 22 }).verdict).toEqual('drop');
    expect(judge(a, { dport: 23 }).verdict).toEqual('accept');
    expect(judge(a, { src: '2600::1', dport: 22 }).verdict).toEqual('accept');
    expect(judge(a, { src: '2600::1', dport: 23 })).toEqual({ verdict: 'drop', by: '-A X -p tcp --dport 23 -j DROP' });
  });

  it('scripts: iptables and ip6tables commands build the two families', () => {
    const a = script(
      [
        'iptables -P INPUT DROP',
        'iptables -A INPUT -p tcp --dport 22 -j ACCEPT',
        'ip6tables -P INPUT DROP',
        'ip6tables -A INPUT -p tcp --dport 443 -j ACCEPT',
        'iptables -I INPUT 1 -s 192.0.2.0/24 -j REJECT',
      ].join('\n'),
    );
    expect(judge(a, { dport: 22 })).toEqual({ verdict: 'accept', by: 'iptables -A INPUT -p tcp --dport 22 -j ACCEPT' });
    expect(judge(a, { src: '192.0.2.9', dport: 22 })).toEqual({ verdict: 'drop', by: 'iptables -I INPUT 1 -s 192.0.2.0/24 -j REJECT' });
    expect(judge(a, { dport: 443 })).toEqual({ verdict: 'drop', by: 'policy INPUT' });
    expect(judge(a, { src: '2600::1', dport: 443 }).verdict).toEqual('accept');
    expect(judge(a, { src: '2600::1', dport: 22 })).toEqual({ verdict: 'drop', by: 'policy INPUT' });
  });
});
