/**
 * Whole hooks: every base chain of a hook in priority order, what each accepts, drops and
 * hands to its policy, what reaches each rule, and what later base chains let through.
 * A packet must be accepted by every base chain; accept in one only hands it to the next,
 * a drop anywhere is final.
 */
import { describe, expect, it } from 'vitest';
import { RulesetAnalysis } from '../../src/analysis/firewall.js';
import { PacketSet } from '../../src/analysis/packets.js';
import type { SpanLocation } from '../../src/core/location.js';
import type { Ruleset } from '../../src/model/firewall.js';
import type { FwChain, FwRule, FwTable } from '../../src/parse/netfilter.js';
import { cidr, expectSameSet, judge, nft, pt, region, ruleAtLine, ruleText, save, type Region } from './firewall-helpers.js';

const TCP = 6;
const tcpPort = (p: number): Region => ({ proto: pt(TCP), dport: pt(p) });

/** Lines of an nft file; rule N of the tests is on line N. */
const file = (...lines: string[]): string => lines.join('\n') + '\n';

describe('several base chains on one hook (nft)', () => {
  // Declared in the opposite of their priority order: `early` runs first.
  const text = file(
    'table inet fw {', // 1
    '  chain late {', // 2
    '    type filter hook input priority 10; policy drop;', // 3
    '    tcp dport 22 drop', // 4
    '    tcp dport 80 accept', // 5
    '  }', // 6
    '  chain early {', // 7
    '    type filter hook input priority -10; policy accept;', // 8
    '    tcp dport 22 accept', // 9
    '    tcp dport 23 drop', // 10
    '  }', // 11
    '}', // 12
  );
  const a = nft(text);

  it('base chains run in priority order, not declaration order', () => {
    expect(a.hookChains(4, 'input').map((c) => c.name)).toEqual(['early', 'late']);
    expect(a.hookChains(6, 'input').map((c) => c.name)).toEqual(['early', 'late']);
    expect(a.hookChains(4, 'forward')).toEqual([]);
  });

  it('accept in the first chain still meets the second, which may drop', () => {
    expect(judge(a, { dport: 22 })).toEqual({ verdict: 'drop', by: 'line 4' });
    expect(judge(a, { src: '2600::1', dport: 22 })).toEqual({ verdict: 'drop', by: 'line 4' });
  });

  it('a drop in the first chain is final', () => {
    expect(judge(a, { dport: 23 })).toEqual({ verdict: 'drop', by: 'line 10' });
  });

  it('accepted by the first chain policy and the second chain rule', () => {
    expect(judge(a, { dport: 80 })).toEqual({ verdict: 'accept', by: 'line 5' });
  });

  it('what the second chain does not decide meets its drop policy', () => {
    expect(judge(a, { dport: 443 })).toEqual({ verdict: 'drop', by: 'policy late' });
    expect(judge(a, { proto: 'udp', dport: 80 })).toEqual({ verdict: 'drop', by: 'policy late' });
  });

  it('per-chain sets: input, accept, drop, ret and accepted', () => {
    const run = a.hook(4, 'input');
    const all = region(a, 4, {});
    const t22 = region(a, 4, tcpPort(22));
    const t23 = region(a, 4, tcpPort(23));
    const t80 = region(a, 4, tcpPort(80));
    expect(run.family).toEqual(4);
    expect(run.hook).toEqual('input');
    expect(run.chains.map((c) => c.chain.name)).toEqual(['early', 'late']);
    const [early, late] = run.chains;
    if (!early || !late) throw new Error('two chains expected');
    expectSameSet(early.input, all);
    expectSameSet(early.eval.accept, t22);
    expectSameSet(early.eval.drop, t23);
    expectSameSet(early.eval.ret, all.subtract(t22).subtract(t23));
    expectSameSet(early.accepted, all.subtract(t23));
    expectSameSet(late.input, all.subtract(t23));
    expectSameSet(late.eval.accept, t80);
    expectSameSet(late.eval.drop, t22);
    expectSameSet(late.eval.ret, all.subtract(t22).subtract(t23).subtract(t80));
    expectSameSet(late.accepted, t80);
    expectSameSet(run.accepted, t80);
    expectSameSet(run.dropped, all.subtract(t80));
  });

  it('passLater: what every later base chain accepts (the last chain: everything)', () => {
    const [early, late] = a.hook(4, 'input').chains;
    expectSameSet(early?.passLater ?? PacketSet.EMPTY, region(a, 4, tcpPort(80)));
    expectSameSet(late?.passLater ?? PacketSet.EMPTY, region(a, 4, {}));
  });

  it('reach: what reaches each rule and matches it, per chain and over the hook', () => {
    const run = a.hook(4, 'input');
    expectSameSet(run.reach.get(ruleAtLine(a, 9)) ?? PacketSet.EMPTY, region(a, 4, tcpPort(22)));
    expectSameSet(run.reach.get(ruleAtLine(a, 10)) ?? PacketSet.EMPTY, region(a, 4, tcpPort(23)));
    expectSameSet(run.reach.get(ruleAtLine(a, 4)) ?? PacketSet.EMPTY, region(a, 4, tcpPort(22)));
    expectSameSet(run.reach.get(ruleAtLine(a, 5)) ?? PacketSet.EMPTY, region(a, 4, tcpPort(80)));
    expect([...(run.chains[0]?.reach.keys() ?? [])].map((r) => r.at.span.start.line)).toEqual([9, 10]);
    expect([...(run.chains[1]?.reach.keys() ?? [])].map((r) => r.at.span.start.line)).toEqual([4, 5]);
  });

  it('the IPv6 run is its own (inet tables cover both families)', () => {
    const run = a.hook(6, 'input');
    expect(run.family).toEqual(6);
    expectSameSet(run.accepted, region(a, 6, tcpPort(80)));
    expect(a.hook(6, 'input')).toBe(run);
    expect(a.hook(4, 'input')).not.toBe(run);
  });
});

describe('base chains across tables and families (nft)', () => {
  it('the last chain decides by rule: the verdict names its rule', () => {
    const a = nft(
      file(
        'table ip b {', // 1
        '  chain in2 {', // 2
        '    type filter hook input priority 5; policy accept;', // 3
        '    tcp dport 25 drop', // 4
        '    tcp dport 22 accept', // 5
        '  }', // 6
        '}', // 7
        'table ip a {', // 8
        '  chain in1 {', // 9
        '    type filter hook input priority 0; policy accept;', // 10
        '    tcp dport 22 accept', // 11
        '  }', // 12
        '}', // 13
      ),
    );
    expect(a.hookChains(4, 'input').map((c) => c.name)).toEqual(['in1', 'in2']);
    expect(judge(a, { dport: 22 })).toEqual({ verdict: 'accept', by: 'line 5' });
    expect(judge(a, { dport: 25 })).toEqual({ verdict: 'drop', by: 'line 4' });
    expect(judge(a, { dport: 80 })).toEqual({ verdict: 'accept', by: 'policy in2' });
  });

  it('accepted by a rule of the first chain, then by the policy of the last', () => {
    const a = nft(
      file(
        'table ip a {', // 1
        '  chain first {', // 2
        '    type filter hook input priority 0; policy drop;', // 3
        '    tcp dport 22 accept', // 4
        '  }', // 5
        '  chain second {', // 6
        '    type filter hook input priority 1; policy accept;', // 7
        '    tcp dport 23 drop', // 8
        '  }', // 9
        '}', // 10
      ),
    );
    expect(judge(a, { dport: 22 })).toEqual({ verdict: 'accept', by: 'policy second' });
    // The first chain's drop policy wins over what the second would accept.
    expect(judge(a, { dport: 80 })).toEqual({ verdict: 'drop', by: 'policy first' });
    expect(judge(a, { dport: 23 })).toEqual({ verdict: 'drop', by: 'policy first' });
  });

  it('a drop policy in the first chain: the second never sees those packets', () => {
    const a = nft(
      file(
        'table ip t {', // 1
        '  chain first {', // 2
        '    type filter hook input priority 0; policy drop;', // 3
        '    tcp dport 22 accept', // 4
        '  }', // 5
        '  chain second {', // 6
        '    type filter hook input priority 1; policy accept;', // 7
        '    tcp dport 22 drop', // 8
        '    tcp dport 80 accept', // 9
        '  }', // 10
        '}', // 11
      ),
    );
    expect(judge(a, { dport: 80 })).toEqual({ verdict: 'drop', by: 'policy first' });
    expect(judge(a, { dport: 22 })).toEqual({ verdict: 'drop', by: 'line 8' });
    const run = a.hook(4, 'input');
    expectSameSet(run.accepted, PacketSet.EMPTY);
    expectSameSet(run.chains[1]?.input ?? PacketSet.EMPTY, region(a, 4, tcpPort(22)));
    expect(run.reach.has(ruleAtLine(a, 9))).toBe(false);
    // passLater of the first chain: the second, run on every packet, accepts all but tcp/22.
    expectSameSet(run.chains[0]?.passLater ?? PacketSet.EMPTY, region(a, 4, {}).subtract(region(a, 4, tcpPort(22))));
  });

  it('ip and ip6 tables filter only their own family; inet both', () => {
    const a = nft(
      file(
        'table ip6 v6 {', // 1
        '  chain i {', // 2
        '    type filter hook input priority 0; policy drop;', // 3
        '  }', // 4
        '}', // 5
        'table ip v4 {', // 6
        '  chain i {', // 7
        '    type filter hook input priority 0; policy accept;', // 8
        '    tcp dport 22 drop', // 9
        '  }', // 10
        '}', // 11
      ),
    );
    expect(judge(a, { dport: 22 })).toEqual({ verdict: 'drop', by: 'line 9' });
    expect(judge(a, { dport: 80 })).toEqual({ verdict: 'accept', by: 'policy i' });
    expect(judge(a, { src: '2600::1', dport: 80 })).toEqual({ verdict: 'drop', by: 'policy i' });
    expect(a.hookChains(6, 'input').map((c) => c.table.name)).toEqual(['v6']);
    expect(a.hookChains(4, 'input').map((c) => c.table.name)).toEqual(['v4']);
  });

  it('a route chain filters the output hook; nat chains are not filter chains', () => {
    const a = nft(
      file(
        'table ip r {', // 1
        '  chain out {', // 2
        '    type route hook output priority 0; policy accept;', // 3
        '    tcp dport 25 drop', // 4
        '  }', // 5
        '}', // 6
      ),
    );
    expect(judge(a, { dport: 25 }, 'output')).toEqual({ verdict: 'drop', by: 'line 4' });
    expect(judge(a, { dport: 26 }, 'output')).toEqual({ verdict: 'accept', by: 'policy out' });
    expect(judge(a, { dport: 25 })).toEqual({ verdict: 'accept' });
    const n = nft(file('table ip nat {', '  chain pre {', '    type nat hook prerouting priority -100; policy accept;', '  }', '}'));
    expect(n.hookChains(4, 'prerouting')).toEqual([]);
  });

  it('a base chain without a policy accepts what it does not decide', () => {
    const a = nft(file('table ip t {', '  chain i {', '    type filter hook input priority 0;', '    tcp dport 22 drop', '  }', '}'));
    expect(judge(a, { dport: 80 })).toEqual({ verdict: 'accept', by: 'policy i' });
    expectSameSet(a.hook(4, 'input').accepted, region(a, 4, {}).subtract(region(a, 4, tcpPort(22))));
  });
});

describe('whole-hook sets of iptables chains', () => {
  const filter = (policy: string, chains: string[], rules: string[]): string =>
    ['*filter', `:INPUT ${policy} [0:0]`, ...chains.map((c) => `:${c} - [0:0]`), ...rules, 'COMMIT', ''].join('\n');

  it('a chain that RETURNs some sources and drops the rest', () => {
    const a = save(
      filter(
        'ACCEPT',
        ['BLOCK'],
        ['-A INPUT -j BLOCK', '-A INPUT -p tcp --dport 22 -j DROP', '-A BLOCK -s 10.0.0.0/8 -j RETURN', '-A BLOCK -j DROP'],
      ),
    );
    const all = region(a, 4, {});
    const ten = region(a, 4, { src: cidr('10.0.0.0/8') });
    const ten22 = region(a, 4, { src: cidr('10.0.0.0/8'), ...tcpPort(22) });
    const run = a.hook(4, 'input');
    expectSameSet(run.accepted, ten.subtract(ten22));
    expectSameSet(run.dropped, all.subtract(ten.subtract(ten22)));
    const [input] = run.chains;
    expectSameSet(input?.eval.accept ?? all, PacketSet.EMPTY);
    expectSameSet(input?.eval.drop ?? PacketSet.EMPTY, all.subtract(ten).union(ten22));
    expectSameSet(input?.eval.ret ?? PacketSet.EMPTY, ten.subtract(ten22));
    expectSameSet(run.reach.get(ruleText(a, '-A INPUT -j BLOCK')) ?? PacketSet.EMPTY, all);
    expectSameSet(run.reach.get(ruleText(a, '-A BLOCK -s 10.0.0.0/8 -j RETURN')) ?? PacketSet.EMPTY, ten);
    expectSameSet(run.reach.get(ruleText(a, '-A BLOCK -j DROP')) ?? PacketSet.EMPTY, all.subtract(ten));
    expectSameSet(run.reach.get(ruleText(a, '-A INPUT -p tcp --dport 22 -j DROP')) ?? PacketSet.EMPTY, ten22);
  });

  it('goto versus jump over whole sets', () => {
    const rules = (flag: string): string[] => [
      `-A INPUT -p tcp ${flag} CHECK`,
      '-A INPUT -p tcp -j DROP',
      '-A CHECK -p tcp --dport 443 -j ACCEPT',
    ];
    const all = (a: ReturnType<typeof save>): PacketSet => region(a, 4, {});
    const viaGoto = save(filter('ACCEPT', ['CHECK'], rules('-g')));
    expectSameSet(viaGoto.hook(4, 'input').accepted, all(viaGoto));
    expectSameSet(viaGoto.hook(4, 'input').dropped, PacketSet.EMPTY);
    expect(viaGoto.hook(4, 'input').reach.has(ruleText(viaGoto, '-A INPUT -p tcp -j DROP'))).toBe(false);
    const viaJump = save(filter('ACCEPT', ['CHECK'], rules('-j')));
    const tcp = region(viaJump, 4, { proto: pt(TCP) });
    const t443 = region(viaJump, 4, tcpPort(443));
    expectSameSet(viaJump.hook(4, 'input').dropped, tcp.subtract(t443));
    expectSameSet(viaJump.hook(4, 'input').accepted, all(viaJump).subtract(tcp).union(t443));
    expectSameSet(viaJump.hook(4, 'input').reach.get(ruleText(viaJump, '-A INPUT -p tcp -j DROP')) ?? PacketSet.EMPTY, tcp.subtract(t443));
  });

  it('an uncertain ACCEPT: its packets are possibly accepted and possibly dropped', () => {
    const a = save(
      filter('DROP', [], ['-A INPUT -p tcp --dport 22 -m limit --limit 5/min -j ACCEPT', '-A INPUT -p tcp --dport 22 -j DROP']),
    );
    const run = a.hook(4, 'input');
    const t22 = region(a, 4, tcpPort(22));
    expectSameSet(run.accepted, t22);
    expectSameSet(run.dropped, region(a, 4, {}));
    expectSameSet(run.chains[0]?.eval.accept ?? PacketSet.EMPTY, t22);
    expectSameSet(run.chains[0]?.eval.drop ?? PacketSet.EMPTY, t22);
    expectSameSet(run.chains[0]?.eval.ret ?? PacketSet.EMPTY, region(a, 4, {}).subtract(t22));
    // The uncertain rule lets its packets through to the next rule.
    expectSameSet(run.reach.get(ruleText(a, '-A INPUT -p tcp --dport 22 -j DROP')) ?? PacketSet.EMPTY, t22);
  });

  it('a rule without a target passes every packet on: later rules see them all', () => {
    const a = save(filter('DROP', [], ['-A INPUT -p tcp', '-A INPUT -p tcp --dport 22 -j ACCEPT']));
    const run = a.hook(4, 'input');
    expectSameSet(run.reach.get(ruleText(a, '-A INPUT -p tcp')) ?? PacketSet.EMPTY, region(a, 4, { proto: pt(TCP) }));
    expectSameSet(run.reach.get(ruleText(a, '-A INPUT -p tcp --dport 22 -j ACCEPT')) ?? PacketSet.EMPTY, region(a, 4, tcpPort(22)));
    expectSameSet(run.accepted, region(a, 4, tcpPort(22)));
  });

  it('a rule nothing reaches has no reach entry', () => {
    const a = save(filter('DROP', [], ['-A INPUT -p tcp -j ACCEPT', '-A INPUT -p tcp --dport 22 -j DROP']));
    expect(a.hook(4, 'input').reach.has(ruleText(a, '-A INPUT -p tcp --dport 22 -j DROP'))).toBe(false);
    expect(a.hook(4, 'input').reach.has(ruleText(a, '-A INPUT -p tcp -j ACCEPT'))).toBe(true);
  });

  it('the evaluation of a hook is computed once and shared', () => {
    const a = save(filter('DROP', [], ['-A INPUT -p tcp --dport 22 -j ACCEPT']));
    expect(a.hook(4, 'input')).toBe(a.hook(4, 'input'));
    expect(a.hook(4, 'forward')).not.toBe(a.hook(4, 'input'));
    expect(a.hook(4, 'forward').chains.map((c) => c.chain.name)).toEqual(['FORWARD']);
    expect(a.hook(4, 'output').chains.map((c) => c.chain.name)).toEqual(['OUTPUT']);
    expectSameSet(a.hook(4, 'forward').accepted, region(a, 4, {}));
  });

  it('a jump loop (which the kernel would refuse) does not hang the evaluation', () => {
    const a = save(filter('ACCEPT', ['LOOP'], ['-A INPUT -j LOOP', '-A LOOP -p udp -j DROP', '-A LOOP -j LOOP']));
    expect(judge(a, { proto: 'udp' })).toEqual({ verdict: 'drop', by: '-A LOOP -p udp -j DROP' });
    // Over every packet: UDP is dropped on the first pass; the rest goes round until the depth limit.
    expectSameSet(a.hook(4, 'input').dropped, region(a, 4, { proto: pt(17) }));
  });
});

describe('a ruleset built by hand', () => {
  const at: SpanLocation = { file: 'hand', span: { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } } };
  const dropPort = (port: number): FwRule => ({
    at,
    text: `drop tcp/${port}`,
    conds: [
      { dim: 'proto', values: pt(TCP), negate: false },
      { dim: 'dport', values: pt(port), negate: false },
    ],
    verdict: { kind: 'drop' },
    uncertain: [],
  });
  const table: FwTable = { kind: 'nft', family: 'ip', name: 't', at: undefined, chains: [] };
  const chain = (name: string, type: string | undefined, port: number): FwChain => {
    const c: FwChain = { name, table, hook: 'input', priority: port, policy: 'accept', rules: [dropPort(port)] };
    if (type !== undefined) c.type = type;
    return c;
  };
  table.chains.push(chain('untyped', undefined, 1), chain('nat', 'nat', 2), chain('route', 'route', 3), chain('filter', 'filter', 4));
  const rs: Ruleset = {
    file: 'hand',
    files: ['hand'],
    source: 'nft',
    tables: [table],
    unresolved: [],
    filters: { 4: at, 6: undefined },
    interfaces: [],
    rendered: {},
  };
  const a = new RulesetAnalysis(rs);

  it('a base chain without a type is a filter chain; nat chains are left out', () => {
    expect(a.hookChains(4, 'input').map((c) => c.name)).toEqual(['untyped', 'route', 'filter']);
    expect(judge(a, { dport: 1 })).toEqual({ verdict: 'drop', by: 'drop tcp/1' });
    expect(judge(a, { dport: 2 })).toEqual({ verdict: 'accept', by: 'policy filter' });
    expect(judge(a, { dport: 4 })).toEqual({ verdict: 'drop', by: 'drop tcp/4' });
  });
});
