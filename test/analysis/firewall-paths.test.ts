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

describe('a queue behind a rule that only may match', () => {
  // `-f` (a later fragment) is not modelled: the accept may or may not take a packet.
  const a = save(
    [
      '*filter',
      ':INPUT DROP [0:0]',
      '-A INPUT -p tcp --dport 22 -f -j ACCEPT',
      '-A INPUT -p tcp --dport 22 -j NFQUEUE --queue-num 1',
      'COMMIT',
      '',
    ].join('\n'),
  );
  it('gives no firm verdict: either the accept took it or user space decides', () => {
    expect(judge(a, { dport: 22 })).toEqual({ verdict: 'unknown' });
    expect(judge(a, { dport: 80 })).toEqual({ verdict: 'drop', by: 'policy INPUT' });
  });
});

describe('conntrack state before conntrack runs', () => {
  // raw PREROUTING (priority -300) runs before conntrack (-200): every packet is "invalid" there.
  const a = save(
    [
      '*raw',
      ':PREROUTING ACCEPT [0:0]',
      '-A PREROUTING -p tcp --dport 22 -m conntrack --ctstate NEW -j DROP', // 3
      '-A PREROUTING -p tcp --dport 23 -m conntrack --ctstate INVALID -j DROP', // 4
      '-A PREROUTING -p tcp --dport 24 -m conntrack ! --ctstate ESTABLISHED -j DROP', // 5
      '-A PREROUTING -p tcp --dport 25 -m state --state INVALID -j ACCEPT', // 6
      '-A PREROUTING -p tcp --dport 25 -j DROP', // 7
      'COMMIT',
      '*mangle',
      ':PREROUTING ACCEPT [0:0]',
      '-A PREROUTING -p tcp --dport 26 -m conntrack --ctstate INVALID -j DROP', // 11
      'COMMIT',
      '',
    ].join('\n'),
  );
  it('a state match sees "invalid" for new, established and invalid packets alike', () => {
    for (const ct of ['new', 'established', 'invalid'] as const) {
      expect(judge(a, { dport: 22, ct })).toEqual({ verdict: 'accept', by: 'policy INPUT' });
      expect(judge(a, { dport: 23, ct })).toEqual({
        verdict: 'drop',
        by: '-A PREROUTING -p tcp --dport 23 -m conntrack --ctstate INVALID -j DROP',
      });
      expect(judge(a, { dport: 24, ct })).toEqual({
        verdict: 'drop',
        by: '-A PREROUTING -p tcp --dport 24 -m conntrack ! --ctstate ESTABLISHED -j DROP',
      });
    }
  });
  it('after conntrack (mangle, priority -150) the packet has its own state', () => {
    expect(judge(a, { dport: 26, ct: 'new' })).toEqual({ verdict: 'accept', by: 'policy INPUT' });
    expect(judge(a, { dport: 26, ct: 'invalid' })).toEqual({
      verdict: 'drop',
      by: '-A PREROUTING -p tcp --dport 26 -m conntrack --ctstate INVALID -j DROP',
    });
  });
  it('rules that match every packet there cover the rules after them; rules that match none cover nothing', () => {
    expect(a.covered(chainNamed(a, 'PREROUTING', 'raw')).map((c) => c.rule.at.span.start.line)).toEqual([7]);
  });
});

describe('stages of a user chain and of the output hook', () => {
  it('a queue in a jumped-to chain, behind a rule that only may accept, leaves the verdict open', () => {
    const a = save(
      [
        '*filter',
        ':INPUT DROP [0:0]',
        ':to-queue - [0:0]',
        '-A INPUT -p tcp --dport 22 -f -j ACCEPT',
        '-A INPUT -p tcp --dport 22 -j to-queue',
        '-A to-queue -j NFQUEUE --queue-num 1',
        'COMMIT',
        '',
      ].join('\n'),
    );
    expect(judge(a, { dport: 22 })).toEqual({ verdict: 'unknown' });
  });

  it('a chain reached both before and after conntrack is judged with real states', () => {
    const a = save(
      [
        '*raw',
        ':PREROUTING ACCEPT [0:0]',
        ':shared - [0:0]',
        '-A PREROUTING -p tcp --dport 22 -j shared',
        '-A shared -m conntrack --ctstate INVALID -j ACCEPT',
        '-A shared -j DROP',
        'COMMIT',
        '*filter',
        ':INPUT ACCEPT [0:0]',
        'COMMIT',
        '',
      ].join('\n'),
    );
    // Reached only from raw PREROUTING: every packet is "invalid" there, so the DROP is covered.
    expect(a.covered(chainNamed(a, 'shared', 'raw')).map((c) => c.rule.text)).toEqual(['-A shared -j DROP']);
    expect(judge(a, { dport: 22, ct: 'new' })).toEqual({ verdict: 'accept', by: 'policy INPUT' });
    const b = nft(
      file(
        'table inet t {',
        '  chain early {',
        '    type filter hook prerouting priority -300; policy accept;',
        '    tcp dport 22 jump shared',
        '  }',
        '  chain late {',
        '    type filter hook input priority 0; policy accept;',
        '    tcp dport 22 jump shared',
        '  }',
        '  chain shared {',
        '    ct state invalid accept',
        '    drop',
        '  }',
        '}',
      ),
    );
    // Also reached after conntrack: there a new packet is not invalid, so the drop still decides.
    expect(b.covered(chainNamed(b, 'shared'))).toEqual([]);
    expect(judge(b, { dport: 22, ct: 'new' }).verdict).toEqual('drop');
  });

  it('raw OUTPUT runs before conntrack too', () => {
    const a = save(
      [
        '*raw',
        ':OUTPUT ACCEPT [0:0]',
        '-A OUTPUT -p tcp --dport 22 -m conntrack --ctstate NEW -j DROP',
        '-A OUTPUT -p tcp --dport 23 -m conntrack --ctstate INVALID -j DROP',
        'COMMIT',
        '',
      ].join('\n'),
    );
    expect(judge(a, { dport: 22 }, 'output')).toEqual({ verdict: 'accept', by: 'policy OUTPUT' });
    expect(judge(a, { dport: 23 }, 'output').verdict).toEqual('drop');
  });
});

describe('which chains run before conntrack', () => {
  it('an input chain runs after conntrack whatever its priority: a new packet is new there', () => {
    const a = nft(
      file(
        'table inet t {',
        '  chain early-input {',
        '    type filter hook input priority -300; policy drop;',
        '    ct state new accept',
        '  }',
        '}',
      ),
    );
    expect(judge(a, { dport: 22, ct: 'new' })).toEqual({ verdict: 'accept', by: 'line 4' });
    expect(judge(a, { dport: 22, ct: 'established' })).toEqual({ verdict: 'drop', by: 'policy early-input' });
  });

  it('a netdev ingress chain runs before routing: an output-interface match never holds there', () => {
    const a = nft(
      file(
        'table netdev t {',
        '  chain in {',
        '    type filter hook ingress device "eth0" priority 0; policy accept;',
        '    oifname "eth1" drop',
        '  }',
        '}',
      ),
    );
    expect(judge(a, { dport: 22, iif: 'eth0' })).toEqual({ verdict: 'accept', by: 'policy in' });
  });

  it('the stages of a shared chain do not depend on the order its callers are declared in', () => {
    const a = nft(
      file(
        'table inet t {',
        '  chain late {',
        '    type filter hook input priority 0; policy accept;',
        '    tcp dport 22 jump shared',
        '  }',
        '  chain early {',
        '    type filter hook prerouting priority -300; policy accept;',
        '    tcp dport 22 jump shared',
        '  }',
        '  chain shared {',
        '    ct state invalid accept',
        '    drop',
        '  }',
        '}',
      ),
    );
    expect(a.covered(chainNamed(a, 'shared'))).toEqual([]);
  });

  it('a chain reached only by goto from before conntrack sees "invalid" too', () => {
    const a = save(
      [
        '*raw',
        ':PREROUTING ACCEPT [0:0]',
        ':early - [0:0]',
        '-A PREROUTING -p tcp --dport 22 -g early',
        '-A early -m conntrack --ctstate INVALID -j ACCEPT',
        '-A early -j DROP',
        'COMMIT',
        '',
      ].join('\n'),
    );
    expect(a.covered(chainNamed(a, 'early', 'raw')).map((c) => c.rule.text)).toEqual(['-A early -j DROP']);
  });
});
