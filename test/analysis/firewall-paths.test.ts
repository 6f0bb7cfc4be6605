/**
 * The way in: a packet for the host meets netdev ingress chains (of its own device only),
 * then prerouting and input chains of every table, in that order. Before routing it has no
 * output interface. Queue verdicts end evaluation without accepting or dropping. Expected
 * verdicts are worked out by hand from the kernel's rules.
 */
import { describe, expect, it } from 'vitest';
import { chainNamed, judge, nft, save } from './firewall-helpers.js';

const file = (...lines: string[]): string => lines.join('\n') + '\n';

describe('netdev ingress chains see the packets of their devices', () => {
  const a = nft(
    file(
      'table netdev edge {', // 1
      '  chain in {', // 2
      '    type filter hook ingress device "eth1" priority 0; policy accept;', // 3
      '    tcp dport 22 drop', // 4
      '  }', // 5
      '}', // 6
      'table inet host {', // 7
      '  chain input {', // 8
      '    type filter hook input priority 0; policy accept;', // 9
      '  }', // 10
      '}', // 11
    ),
  );
  it('a packet on that device meets the chain, for both families', () => {
    expect(judge(a, { iif: 'eth1', dport: 22 })).toEqual({ verdict: 'drop', by: 'line 4' });
    expect(judge(a, { iif: 'eth1', src: '2600::1', dport: 22 })).toEqual({ verdict: 'drop', by: 'line 4' });
  });
  it('a packet on another device passes it by', () => {
    expect(judge(a, { iif: 'eth0', dport: 22 })).toEqual({ verdict: 'accept', by: 'policy input' });
  });
  it('the ingress chain comes first on the way in', () => {
    expect(a.hookChains(4, 'input').map((c) => c.name)).toEqual(['in', 'input']);
    expect(a.hookChains(4, 'forward').map((c) => c.name)).toEqual(['in']);
  });
});

describe('output-interface matches before routing', () => {
  const a = nft(
    file(
      'table inet t {', // 1
      '  chain pre {', // 2
      '    type filter hook prerouting priority 0; policy accept;', // 3
      '    oifname "eth1" drop', // 4
      '  }', // 5
      '  chain fwd {', // 6
      '    type filter hook forward priority 0; policy accept;', // 7
      '    oifname "eth2" drop', // 8
      '  }', // 9
      '  chain input {', // 10
      '    type filter hook input priority 0; policy accept;', // 11
      '    oifname != "eth3" tcp dport 25 drop', // 12
      '  }', // 13
      '}', // 14
    ),
  );
  it('in prerouting `oifname` never matches, even for traffic that will be forwarded', () => {
    expect(judge(a, { oif: 'eth1' }, 'forward')).toEqual({ verdict: 'accept', by: 'policy fwd' });
  });
  it('in forward it does', () => {
    expect(judge(a, { oif: 'eth2' }, 'forward')).toEqual({ verdict: 'drop', by: 'line 8' });
  });
  it('on input a negated output-interface match always holds', () => {
    expect(judge(a, { dport: 25 })).toEqual({ verdict: 'drop', by: 'line 12' });
    expect(judge(a, { dport: 26 })).toEqual({ verdict: 'accept', by: 'policy input' });
  });
});

describe('a user chain reached only from input, and one also reached from forward', () => {
  const a = save(
    file(
      '*filter',
      ':INPUT DROP [0:0]',
      ':FORWARD DROP [0:0]',
      ':OUTPUT ACCEPT [0:0]',
      ':in-only - [0:0]',
      ':shared - [0:0]',
      '-A INPUT -j in-only',
      '-A INPUT -g shared',
      '-A FORWARD -j shared',
      '-A in-only -o eth0 -j ACCEPT',
      '-A in-only -o eth0 -p tcp -j DROP',
      '-A shared -o eth0 -j ACCEPT',
      '-A shared -o eth0 -p tcp -j DROP',
      'COMMIT',
    ),
  );
  it('on the way in an `-o` rule matches nothing: it neither covers nor is covered', () => {
    expect(a.covered(chainNamed(a, 'in-only'))).toEqual([]);
  });
  it('where forwarded traffic also arrives, the later rule is covered', () => {
    expect(a.covered(chainNamed(a, 'shared')).map((c) => c.rule.text)).toEqual(['-A shared -o eth0 -p tcp -j DROP']);
  });
  it('a base chain is judged on its own hook', () => {
    const fwd = save(file('*filter', ':FORWARD DROP [0:0]', '-A FORWARD -o eth0 -j ACCEPT', '-A FORWARD -o eth0 -p tcp -j DROP', 'COMMIT'));
    expect(fwd.covered(chainNamed(fwd, 'FORWARD')).map((c) => c.rule.text)).toEqual(['-A FORWARD -o eth0 -p tcp -j DROP']);
    const inp = nft(
      file(
        'table inet t {',
        '  chain input {',
        '    type filter hook input priority 0; policy drop;',
        '    oifname "eth0" accept',
        '    oifname "eth0" meta l4proto tcp drop',
        '  }',
        '}',
      ),
    );
    expect(inp.covered(chainNamed(inp, 'input'))).toEqual([]);
  });
});

describe('queue verdicts', () => {
  const a = nft(
    file(
      'table inet q {', // 1
      '  chain input {', // 2
      '    type filter hook input priority 0; policy accept;', // 3
      '    tcp dport 22 queue num 1', // 4
      '    tcp dport 22 accept', // 5
      '    tcp dport 22 drop', // 6
      '  }', // 7
      '}', // 8
    ),
  );
  it('end evaluation: the packet is neither accepted nor dropped here', () => {
    expect(judge(a, { dport: 22 })).toEqual({ verdict: 'unknown' });
    expect(judge(a, { dport: 23 })).toEqual({ verdict: 'accept', by: 'policy input' });
  });
  it('cover the rules after them', () => {
    expect(a.covered(chainNamed(a, 'input')).map((c) => [c.rule.at.span.start.line, c.sameVerdict])).toEqual([
      [5, false],
      [6, false],
    ]);
  });
});
