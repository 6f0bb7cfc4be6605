/**
 * `covered(chain)`: a rule is covered when earlier certain rules of the same chain that end
 * its evaluation (accept, drop, reject, return, goto) together select every packet it
 * selects. Same verdict everywhere: redundant; otherwise: shadowed. Jumps (which may come
 * back), rules without a target and rules with unmodelled matches never cover.
 */
import { describe, expect, it } from 'vitest';
import type { Cover } from '../../src/analysis/firewall.js';
import { chainNamed, nft, ruleLabel, save } from './firewall-helpers.js';

const filter = (chains: string[], rules: string[]): string =>
  ['*filter', ':INPUT DROP [0:0]', ...chains.map((c) => `:${c} - [0:0]`), ...rules, 'COMMIT', ''].join('\n');

const words = (covers: Cover[]): { rule: string; covering: string[]; sameVerdict: boolean }[] =>
  covers.map((c) => ({ rule: ruleLabel(c.rule), covering: c.covering.map(ruleLabel), sameVerdict: c.sameVerdict }));

const coveredIn = (text: string, chain = 'INPUT'): ReturnType<typeof words> => {
  const a = save(text);
  return words(a.covered(chainNamed(a, chain)));
};

describe('covered rules', () => {
  it('a later rule inside an earlier one with another verdict is shadowed', () => {
    expect(coveredIn(filter([], ['-A INPUT -p tcp --dport 22 -j ACCEPT', '-A INPUT -p tcp --dport 22 -s 1.2.3.4 -j DROP']))).toEqual([
      { rule: '-A INPUT -p tcp --dport 22 -s 1.2.3.4 -j DROP', covering: ['-A INPUT -p tcp --dport 22 -j ACCEPT'], sameVerdict: false },
    ]);
  });

  it('a later rule inside an earlier one with the same verdict is redundant', () => {
    expect(coveredIn(filter([], ['-A INPUT -p tcp -j ACCEPT', '-A INPUT -p tcp --dport 22 -j ACCEPT']))).toEqual([
      { rule: '-A INPUT -p tcp --dport 22 -j ACCEPT', covering: ['-A INPUT -p tcp -j ACCEPT'], sameVerdict: true },
    ]);
  });

  it('DROP and REJECT are different verdicts', () => {
    expect(coveredIn(filter([], ['-A INPUT -p tcp -j DROP', '-A INPUT -p tcp --dport 22 -j REJECT']))).toEqual([
      { rule: '-A INPUT -p tcp --dport 22 -j REJECT', covering: ['-A INPUT -p tcp -j DROP'], sameVerdict: false },
    ]);
  });

  it('REJECT covers like DROP', () => {
    expect(
      coveredIn(filter([], ['-A INPUT -p tcp -j REJECT', '-A INPUT -p tcp --dport 22 -j DROP', '-A INPUT -p tcp --dport 23 -j REJECT'])),
    ).toEqual([
      { rule: '-A INPUT -p tcp --dport 22 -j DROP', covering: ['-A INPUT -p tcp -j REJECT'], sameVerdict: false },
      { rule: '-A INPUT -p tcp --dport 23 -j REJECT', covering: ['-A INPUT -p tcp -j REJECT'], sameVerdict: true },
    ]);
  });

  it('a partial overlap is not reported', () => {
    expect(coveredIn(filter([], ['-A INPUT -p tcp --dport 22 -j ACCEPT', '-A INPUT -p tcp --dport 20:30 -j DROP']))).toEqual([]);
    expect(coveredIn(filter([], ['-A INPUT -s 10.0.0.0/9 -j ACCEPT', '-A INPUT -s 10.0.0.0/8 -j DROP']))).toEqual([]);
  });

  it('the earlier rule must cover; a wider later rule is not covered by a narrower earlier one', () => {
    expect(coveredIn(filter([], ['-A INPUT -p tcp --dport 22 -j ACCEPT', '-A INPUT -p tcp -j ACCEPT']))).toEqual([]);
  });

  it('several earlier rules cover together; only the rules that contribute are named', () => {
    expect(
      coveredIn(
        filter(
          [],
          [
            '-A INPUT -p tcp --dport 1000:1999 -j ACCEPT',
            '-A INPUT -p udp -j ACCEPT',
            '-A INPUT -p tcp --dport 2000:2999 -j DROP',
            '-A INPUT -p tcp --dport 1500:2500 -j DROP',
          ],
        ),
      ),
    ).toEqual([
      {
        rule: '-A INPUT -p tcp --dport 1500:2500 -j DROP',
        covering: ['-A INPUT -p tcp --dport 1000:1999 -j ACCEPT', '-A INPUT -p tcp --dport 2000:2999 -j DROP'],
        sameVerdict: false,
      },
    ]);
  });

  it('a covering rule whose part is already covered by an earlier one is not named', () => {
    expect(
      coveredIn(
        filter(
          [],
          [
            '-A INPUT -p tcp --dport 2000:2999 -j DROP',
            '-A INPUT -p tcp --dport 2100:2999 -j DROP',
            '-A INPUT -p tcp --dport 2100:2200 -j DROP',
          ],
        ),
      ),
    ).toEqual([
      { rule: '-A INPUT -p tcp --dport 2100:2999 -j DROP', covering: ['-A INPUT -p tcp --dport 2000:2999 -j DROP'], sameVerdict: true },
      { rule: '-A INPUT -p tcp --dport 2100:2200 -j DROP', covering: ['-A INPUT -p tcp --dport 2000:2999 -j DROP'], sameVerdict: true },
    ]);
  });

  it('mixed verdicts among the covering rules: shadowed, even when one of them has the same verdict', () => {
    expect(
      coveredIn(filter([], ['-A INPUT -s 10.0.0.0/8 -j ACCEPT', '-A INPUT ! -s 10.0.0.0/8 -j DROP', '-A INPUT -p tcp -j ACCEPT'])),
    ).toEqual([
      {
        rule: '-A INPUT -p tcp -j ACCEPT',
        covering: ['-A INPUT -s 10.0.0.0/8 -j ACCEPT', '-A INPUT ! -s 10.0.0.0/8 -j DROP'],
        sameVerdict: false,
      },
    ]);
  });

  it('a rule with an unmodelled match never covers', () => {
    expect(
      coveredIn(filter([], ['-A INPUT -p tcp --dport 3000 -m limit --limit 1/s -j ACCEPT', '-A INPUT -p tcp --dport 3000 -j ACCEPT'])),
    ).toEqual([]);
  });

  it("a rule's own unmodelled match is ignored: it can be covered", () => {
    expect(
      coveredIn(filter([], ['-A INPUT -p tcp --dport 3000 -j DROP', '-A INPUT -p tcp --dport 3000 -m limit --limit 1/s -j ACCEPT'])),
    ).toEqual([
      {
        rule: '-A INPUT -p tcp --dport 3000 -m limit --limit 1/s -j ACCEPT',
        covering: ['-A INPUT -p tcp --dport 3000 -j DROP'],
        sameVerdict: false,
      },
    ]);
  });

  it('a jump never covers (the target may come back)', () => {
    expect(coveredIn(filter(['ICMP'], ['-A INPUT -p icmp -j ICMP', '-A INPUT -p icmp -j ACCEPT', '-A ICMP -j DROP']))).toEqual([]);
  });

  it('a rule without a target never covers', () => {
    expect(coveredIn(filter([], ['-A INPUT -p gre', '-A INPUT -p gre -j DROP']))).toEqual([]);
    expect(coveredIn(filter([], ['-A INPUT -p gre -j LOG', '-A INPUT -p gre -j DROP']))).toEqual([]);
  });

  it('RETURN covers: nothing it matches reaches a later rule of the chain', () => {
    expect(coveredIn(filter([], ['-A INPUT -s 10.0.0.0/8 -j RETURN', '-A INPUT -s 10.1.0.0/16 -j ACCEPT']))).toEqual([
      { rule: '-A INPUT -s 10.1.0.0/16 -j ACCEPT', covering: ['-A INPUT -s 10.0.0.0/8 -j RETURN'], sameVerdict: false },
    ]);
  });

  it('goto covers: nothing it matches comes back to this chain', () => {
    expect(
      coveredIn(filter(['U'], ['-A INPUT -p udp -g U', '-A INPUT -p udp --dport 53 -j ACCEPT', '-A INPUT -p udp --dport 53 -g U'])),
    ).toEqual([
      { rule: '-A INPUT -p udp --dport 53 -j ACCEPT', covering: ['-A INPUT -p udp -g U'], sameVerdict: false },
      { rule: '-A INPUT -p udp --dport 53 -g U', covering: ['-A INPUT -p udp -g U'], sameVerdict: true },
    ]);
  });

  it('rules are covered only by rules of the same chain', () => {
    const text = filter(['X'], ['-A INPUT -p tcp -j ACCEPT', '-A X -p tcp -j DROP', '-A X -p tcp --dport 22 -j DROP']);
    expect(coveredIn(text, 'X')).toEqual([
      { rule: '-A X -p tcp --dport 22 -j DROP', covering: ['-A X -p tcp -j DROP'], sameVerdict: true },
    ]);
    expect(coveredIn(text, 'INPUT')).toEqual([]);
  });

  it('covering rules are named in chain order, each with the part it takes first', () => {
    expect(
      coveredIn(
        filter(
          [],
          [
            '-A INPUT -i lo -j ACCEPT',
            '-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT',
            '-A INPUT -m conntrack --ctstate ESTABLISHED -p tcp -j ACCEPT',
            '-A INPUT -m conntrack --ctstate RELATED,NEW -j DROP',
            '-A INPUT -p tcp --dport 22 -j ACCEPT',
          ],
        ),
      ),
    ).toEqual([
      {
        rule: '-A INPUT -m conntrack --ctstate ESTABLISHED -p tcp -j ACCEPT',
        // Established TCP on lo is taken by the first rule, the rest by the second.
        covering: ['-A INPUT -i lo -j ACCEPT', '-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT'],
        sameVerdict: true,
      },
    ]);
  });

  it('IPv6 rules are covered in their own family', () => {
    const a = save(filter([], ['-A INPUT -s 2001:db8::/32 -j DROP', '-A INPUT -s 2001:db8:1::/48 -p tcp -j ACCEPT']), 'rules.v6');
    expect(words(a.covered(chainNamed(a, 'INPUT')))).toEqual([
      { rule: '-A INPUT -s 2001:db8:1::/48 -p tcp -j ACCEPT', covering: ['-A INPUT -s 2001:db8::/32 -j DROP'], sameVerdict: false },
    ]);
  });

  it('nft inet: a rule is covered only when both families are covered', () => {
    const a = nft(
      [
        'table inet fw {', // 1
        '  chain input {', // 2
        '    type filter hook input priority 0; policy drop;', // 3
        '    ip saddr 0.0.0.0/0 tcp dport 22 accept', // 4
        '    tcp dport 22 accept', // 5
        '    ip6 saddr ::/0 tcp dport 22 drop', // 6
        '  }', // 7
        '}', // 8
        '',
      ].join('\n'),
    );
    expect(words(a.covered(chainNamed(a, 'input')))).toEqual([{ rule: 'line 6', covering: ['line 5'], sameVerdict: false }]);
  });

  it('nft inet: the covering rules of both families are named in chain order', () => {
    const a = nft(
      [
        'table inet fw {', // 1
        '  chain input {', // 2
        '    type filter hook input priority 0; policy drop;', // 3
        '    ip6 saddr 2001:db8::1 accept', // 4
        '    ip saddr 0.0.0.0/0 accept', // 5
        '    ip6 saddr != 2001:db8::1 accept', // 6
        '    accept', // 7
        '  }', // 8
        '}', // 9
        '',
      ].join('\n'),
    );
    expect(words(a.covered(chainNamed(a, 'input')))).toEqual([
      { rule: 'line 7', covering: ['line 4', 'line 5', 'line 6'], sameVerdict: true },
    ]);
  });

  it('in a long chain, each rule is compared with the earlier rules it meets', () => {
    // 3,000 rules, one source address each, then a duplicate of rule 1,500 and a rule no earlier one decides.
    const rules = Array.from({ length: 3000 }, (_, k) => `-A INPUT -s 10.1.${k >> 8}.${k & 255}/32 -p tcp --dport ${1000 + k} -j ACCEPT`);
    rules.push('-A INPUT -s 10.1.5.220/32 -p tcp --dport 2500 -j DROP', '-A INPUT -s 10.1.5.220/32 -p tcp --dport 2501 -j DROP');
    expect(coveredIn(filter([], rules))).toEqual([
      {
        rule: '-A INPUT -s 10.1.5.220/32 -p tcp --dport 2500 -j DROP',
        covering: ['-A INPUT -s 10.1.5.220/32 -p tcp --dport 2500 -j ACCEPT'],
        sameVerdict: false,
      },
    ]);
  });
});
