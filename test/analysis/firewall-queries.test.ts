/**
 * The questions rules ask of a ruleset: which traffic a query means (the world: routable
 * sources on public interfaces), which interfaces are private, which chain makes INPUT
 * default-deny, which families are filtered at all, which ports are sensitive, and how
 * packets, chains and ports are named in messages.
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SENSITIVE_PORTS,
  RulesetAnalysis,
  chainAnchor,
  chainLabel,
  defaultDenyChain,
  familyName,
  filteredFamilies,
  portText,
  sensitivePorts,
} from '../../src/analysis/firewall.js';
import { PRIVATE_INTERFACES, ifMatches } from '../../src/analysis/interfaces.js';
import { universeBox } from '../../src/analysis/packets.js';
import { Iv } from '../../src/core/intervals.js';
import { LOOPBACK, ROUTABLE } from '../../src/core/ip.js';
import type { FwRule } from '../../src/parse/netfilter.js';
import {
  addr,
  analyse,
  box,
  chainNamed,
  cidr,
  expectSameSet,
  ifs,
  loadRulesets,
  nft,
  packet,
  points,
  pt,
  range,
  region,
  ruleText,
  save,
  script,
} from './firewall-helpers.js';

const filter = (policy: string, rules: string[], chains: string[] = []): string =>
  ['*filter', `:INPUT ${policy} [0:0]`, ':FORWARD ACCEPT [0:0]', ...chains.map((c) => `:${c} - [0:0]`), ...rules, 'COMMIT', ''].join('\n');

/** A ruleset whose interfaces are lo, docker0, eth0, wg0 (+ the "other" one, ens3). */
const withInterfaces = (): RulesetAnalysis =>
  save(
    filter('DROP', [
      '-A INPUT -i lo -j ACCEPT',
      '-A INPUT -i docker0 -j ACCEPT',
      '-A INPUT -i eth0 -p tcp --dport 22 -j ACCEPT',
      '-A INPUT -i wg0 -j ACCEPT',
    ]),
  );

describe('interfaces', () => {
  it('ifMatches: exact names, `+` and `*` prefixes', () => {
    expect(ifMatches('eth0', 'eth0')).toBe(true);
    expect(ifMatches('eth0', 'eth01')).toBe(false);
    expect(ifMatches('eth', 'eth0')).toBe(false);
    expect(ifMatches('eth+', 'eth0')).toBe(true);
    expect(ifMatches('eth+', 'eth')).toBe(true);
    expect(ifMatches('eth+', 'veth0')).toBe(false);
    expect(ifMatches('eth*', 'eth12')).toBe(true);
    expect(ifMatches('eth*', 'en0')).toBe(false);
    expect(ifMatches('+', 'anything')).toBe(true);
    // Only a trailing `*` is a wildcard.
    expect(ifMatches('e*h0', 'eth0')).toBe(false);
    expect(ifMatches('a*b*', 'a*bc')).toBe(true);
    expect(ifMatches('a*b*', 'axbc')).toBe(false);
  });

  it('the built-in private interfaces', () => {
    expect(PRIVATE_INTERFACES).toEqual([
      'lo',
      'wg+',
      'tun+',
      'tap+',
      'tailscale+',
      'zt+',
      'docker+',
      'br-+',
      'cni+',
      'cali+',
      'flannel+',
      'cilium+',
      'vxlan+',
      'kube+',
    ]);
    const a = withInterfaces();
    for (const n of [
      'lo',
      'wg0',
      'tun0',
      'tap1',
      'tailscale0',
      'zt7',
      'docker0',
      'br-3f2a',
      'cni0',
      'cali12ab',
      'flannel.1',
      'cilium_host',
      'vxlan.calico',
      'kube-ipvs0',
    ])
      expect([n, a.isPrivate(n)]).toEqual([n, true]);
    for (const n of ['eth0', 'ens3', 'enp1s0', 'bond0', 'wlan0', 'lo0', 'br0', 'veth12']) expect([n, a.isPrivate(n)]).toEqual([n, false]);
  });

  it('configured private interfaces add to the built-in ones; `*` is a wildcard', () => {
    const [rs] = loadRulesets([{ path: 'rules.v4', kind: 'iptables-save', text: filter('DROP', []) }]);
    if (!rs) throw new Error('no ruleset');
    const a = new RulesetAnalysis(rs, ['ens*', 'bond0']);
    expect(a.isPrivate('ens3')).toBe(true);
    expect(a.isPrivate('ens')).toBe(true);
    expect(a.isPrivate('bond0')).toBe(true);
    expect(a.isPrivate('bond01')).toBe(false);
    expect(a.isPrivate('wg0')).toBe(true);
    expect(a.isPrivate('eth0')).toBe(false);
    expect(new RulesetAnalysis(rs).isPrivate('ens3')).toBe(false);
    // Only a trailing `*` is a wildcard in the configured names too.
    expect(new RulesetAnalysis(rs, ['x*y*']).isPrivate('x*yz')).toBe(true);
    expect(new RulesetAnalysis(rs, ['x*y*']).isPrivate('xayz')).toBe(false);
  });

  it('representative interfaces: lo, each name used, one per wildcard, one other', () => {
    const ifaces = (rules: string[]): string[] => save(filter('DROP', rules)).ifaces;
    expect(ifaces([])).toEqual(['lo', 'eth0']);
    expect(ifaces(['-A INPUT -i lo -j ACCEPT'])).toEqual(['lo', 'eth0']);
    expect(ifaces(['-A INPUT -i eth0 -j ACCEPT'])).toEqual(['lo', 'eth0', 'ens3']);
    expect(ifaces(['-A INPUT -i eth+ -j ACCEPT'])).toEqual(['lo', 'eth9', 'ens3']);
    expect(ifaces(['-A INPUT -i eth9 -j ACCEPT', '-A INPUT -i eth+ -j ACCEPT'])).toEqual(['lo', 'eth9', 'eth99', 'ens3']);
    expect(ifaces(['-A INPUT -i eth9 -j ACCEPT', '-A INPUT -i eth99 -j ACCEPT', '-A INPUT -i eth+ -j ACCEPT'])).toEqual([
      'lo',
      'eth9',
      'eth99',
      'ethx',
      'ens3',
    ]);
    expect(ifaces(['-A INPUT -i e+ -j ACCEPT'])).toEqual(['lo', 'e9', 'nic0']);
    expect(
      ifaces(['-A INPUT -i eth0 -j ACCEPT', '-A INPUT -i ens3 -j ACCEPT', '-A INPUT -i enp1s0 -j ACCEPT', '-A INPUT -i nic0 -j ACCEPT']),
    ).toEqual(['lo', 'enp1s0', 'ens3', 'eth0', 'nic0', 'uplink0']);
    expect(
      ifaces(['-A INPUT -i eth9 -j ACCEPT', '-A INPUT -i eth99 -j ACCEPT', '-A INPUT -i ethx -j ACCEPT', '-A INPUT -i eth+ -j ACCEPT']),
    ).toEqual(['lo', 'eth9', 'eth99', 'ethx', 'ethnsl', 'ens3']);
    // Every candidate for "some other interface" already used: only names.
    const crowded = ifaces(['eth0', 'ens3', 'enp1s0', 'nic0', 'uplink0'].map((n) => `-A INPUT -i ${n} -j ACCEPT`));
    expect(crowded.filter((n) => typeof n !== 'string')).toEqual([]);
    expect(crowded.slice(0, 6)).toEqual(['lo', 'enp1s0', 'ens3', 'eth0', 'nic0', 'uplink0']);
    // nft allows a 15-character prefix before `*`; no 15-character candidate exists for it.
    const long = nft('table ip t {\n  chain c {\n    iifname "abcdefghijklmno*" accept\n  }\n}\n').ifaces;
    expect(long.filter((n) => typeof n !== 'string')).toEqual([]);
    // Interface names have at most 15 characters: a 14-character prefix still gets `<prefix>9`.
    expect(ifaces(['-A INPUT -i abcdefghijklmn+ -j ACCEPT'])).toEqual(['lo', 'abcdefghijklmn9', 'eth0']);
    expect(ifaces(['-A INPUT -i abcdefghijklmn9 -j ACCEPT', '-A INPUT -i abcdefghijklmn+ -j ACCEPT'])).toEqual([
      'lo',
      'abcdefghijklmn9',
      'abcdefghijklmnx',
      'eth0',
    ]);
  });

  it('ifSet, publicIfs, ifName over the representatives', () => {
    const a = withInterfaces();
    expect(a.ifaces).toEqual(['lo', 'docker0', 'eth0', 'wg0', 'ens3']);
    expect(a.ifSet(['wg+', 'lo'])).toEqual([
      [0n, 0n],
      [3n, 3n],
    ]);
    expect(a.ifSet(['docker+', 'eth0'])).toEqual([[1n, 2n]]);
    expect(a.ifSet(['e*'])).toEqual([
      [2n, 2n],
      [4n, 4n],
    ]);
    expect(a.ifSet([])).toEqual([]);
    expect(a.publicIfs()).toEqual([
      [2n, 2n],
      [4n, 4n],
    ]);
    expect([a.ifName(0), a.ifName(4), a.ifName(7)]).toEqual(['lo', 'ens3', 'if7']);
  });
});

describe('traffic queries', () => {
  const a = withInterfaces();

  it('the universe of a family is one box over every interface', () => {
    expect(a.universe(4).boxes).toEqual([universeBox(4, 5)]);
    expect(a.universe(6).boxes).toEqual([universeBox(6, 5)]);
    expect(a.traffic(4).boxes).toEqual([universeBox(4, 5)]);
  });

  it('from world: routable sources only', () => {
    const world = a.traffic(4, { from: 'world' });
    expect(world.project('src')).toEqual(ROUTABLE[4]);
    expect(world.project('dst')).toEqual(range(0, 2 ** 32 - 1));
    const has = (src: string): boolean => !world.intersectBox(box(4, 5, { src: pt(addr(src)) })).isEmpty;
    expect(['1.2.3.4', '8.8.8.8', '100.63.255.255', '172.32.0.1'].map(has)).toEqual([true, true, true, true]);
    expect(['10.0.0.1', '127.0.0.1', '192.168.1.1', '172.16.0.1', '169.254.1.1', '100.64.0.1', '224.0.0.1', '0.1.2.3'].map(has)).toEqual(
      Array(8).fill(false),
    );
    const world6 = a.traffic(6, { from: 'world' });
    expect(world6.project('src')).toEqual(ROUTABLE[6]);
    const has6 = (src: string): boolean => !world6.intersectBox(box(6, 5, { src: pt(addr(src)) })).isEmpty;
    expect(['2600::1', '2a00:1450::1'].map(has6)).toEqual([true, true]);
    expect(['::1', 'fd00::1', 'fe80::1', '2001:db8::1', 'ff02::1'].map(has6)).toEqual(Array(5).fill(false));
  });

  it('from loopback: 127/8 and ::1', () => {
    expect(a.traffic(4, { from: 'loopback' }).project('src')).toEqual(cidr('127.0.0.0/8'));
    expect(a.traffic(4, { from: 'loopback' }).project('src')).toEqual(LOOPBACK[4]);
    expect(a.traffic(6, { from: 'loopback' }).project('src')).toEqual(pt(1));
  });

  it('via public interfaces excludes lo, wg*, docker*; via loopback is lo', () => {
    expect(a.traffic(4, { via: 'public' }).project('iif')).toEqual(ifs(a, 'eth0', 'ens3'));
    expect(a.traffic(4, { via: 'loopback' }).project('iif')).toEqual(ifs(a, 'lo'));
  });

  it('states, protocols and destination ports narrow their dimension only', () => {
    const t = a.traffic(4, { state: ['established', 'related'], protocols: [6, 17], dport: [22, 25] });
    expect(t.boxes).toEqual([box(4, 5, { ct: range(1, 2), proto: points(6, 17), dport: range(22, 25) })]);
    expect(a.traffic(4, { state: ['new'] }).project('ct')).toEqual(pt(0));
    expect(a.traffic(4, { dport: [443, 443] }).project('dport')).toEqual(pt(443));
    expect(a.traffic(4, { protocols: [1] }).project('proto')).toEqual(pt(1));
  });

  it('worldNew: new connections from routable sources on public interfaces', () => {
    expect(a.worldNew(4).boxes).toEqual([box(4, 5, { src: ROUTABLE[4], iif: ifs(a, 'eth0', 'ens3'), ct: pt(0) })]);
    expect(a.worldNew(6).boxes).toEqual([box(6, 5, { src: ROUTABLE[6], iif: ifs(a, 'eth0', 'ens3'), ct: pt(0) })]);
  });
});

describe('rule matches', () => {
  it('an iptables rule selects one box of its family', () => {
    const a = save(filter('DROP', ['-A INPUT -s 10.0.0.0/8 -p tcp --dport 22 -i eth0 -m conntrack --ctstate NEW -j ACCEPT']));
    const r = ruleText(a, '-A INPUT -s 10.0.0.0/8 -p tcp --dport 22 -i eth0 -m conntrack --ctstate NEW -j ACCEPT');
    expect(a.match(r).boxes).toEqual([box(4, 3, { src: cidr('10.0.0.0/8'), proto: pt(6), dport: pt(22), iif: ifs(a, 'eth0'), ct: pt(0) })]);
    expect(a.match(r)).toBe(a.match(r));
    expect(a.certain(r)).toBe(true);
    expect(a.chainOf(r)?.name).toEqual('INPUT');
  });

  it('negations take the complement within the dimension', () => {
    const a = save(
      filter('DROP', ['-A FORWARD ! -i lo ! -s 10.0.0.0/8 -p udp ! --sport 53 -m conntrack ! --ctstate INVALID -o eth0 -j DROP']),
    );
    const r = ruleText(a, '-A FORWARD ! -i lo ! -s 10.0.0.0/8 -p udp ! --sport 53 -m conntrack ! --ctstate INVALID -o eth0 -j DROP');
    expect(a.ifaces).toEqual(['lo', 'eth0', 'ens3']);
    expect(a.match(r).boxes).toEqual([
      box(4, 3, {
        src: Iv.subtract(range(0, 2 ** 32 - 1), cidr('10.0.0.0/8')),
        proto: pt(17),
        sport: Iv.from([
          [0n, 52n],
          [54n, 65535n],
        ]),
        iif: range(1, 2),
        oif: pt(1),
        ct: Iv.from([
          [0n, 2n],
          [4n, 4n],
        ]),
      }),
    ]);
  });

  it('an uncertain rule is not certain; its match ignores the unmodelled part', () => {
    const a = save(filter('DROP', ['-A INPUT -p tcp --dport 22 -m limit --limit 5/min -j ACCEPT']));
    const r = ruleText(a, '-A INPUT -p tcp --dport 22 -m limit --limit 5/min -j ACCEPT');
    expect(a.certain(r)).toBe(false);
    expect(a.match(r).boxes).toEqual([box(4, 2, { proto: pt(6), dport: pt(22) })]);
  });

  it('nft inet rules select a box per family; address and family matches keep one', () => {
    const a = nft(
      [
        'table inet fw {', // 1
        '  chain input {', // 2
        '    type filter hook input priority 0; policy drop;', // 3
        '    tcp dport 22 accept', // 4
        '    ip saddr 192.0.2.0/24 accept', // 5
        '    meta nfproto ipv6 accept', // 6
        '    ip6 saddr 2001:db8::/32 ip saddr 192.0.2.1 accept', // 7
        '  }', // 8
        '}', // 9
        '',
      ].join('\n'),
    );
    const rules = chainNamed(a, 'input').rules;
    expect(rules.map((r) => a.match(r).boxes)).toEqual([
      [box(4, 2, { proto: pt(6), dport: pt(22) }), box(6, 2, { proto: pt(6), dport: pt(22) })],
      [box(4, 2, { src: cidr('192.0.2.0/24') })],
      [box(6, 2)],
      [],
    ]);
  });

  it('a rule from outside the ruleset is matched for both families', () => {
    const a = save(filter('DROP', []));
    const stray: FwRule = {
      at: { file: 'x', span: { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } } },
      text: 'x',
      conds: [],
      verdict: { kind: 'accept' },
      uncertain: [],
    };
    expect(a.match(stray).boxes).toEqual([universeBox(4, 2), universeBox(6, 2)]);
    expect(a.chainOf(stray)).toBeUndefined();
  });
});

describe('defaultDenyChain', () => {
  const dd = (policy: string, rules: string[]): string | undefined => {
    const a = save(filter(policy, rules));
    return defaultDenyChain(a, 4)?.name;
  };

  it('a DROP policy makes INPUT default-deny, whatever the rules accept', () => {
    expect(dd('DROP', [])).toEqual('INPUT');
    expect(dd('DROP', ['-A INPUT -j ACCEPT'])).toEqual('INPUT');
  });

  it('ACCEPT policy with a final unconditional DROP or REJECT is default-deny', () => {
    expect(dd('ACCEPT', ['-A INPUT -i lo -j ACCEPT', '-A INPUT -j DROP'])).toEqual('INPUT');
    expect(dd('ACCEPT', ['-A INPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT', '-A INPUT -j REJECT'])).toEqual('INPUT');
  });

  it('dropping everything the world can send is enough; other traffic may still fall through', () => {
    expect(dd('ACCEPT', ['-A INPUT ! -s 10.0.0.0/8 -j DROP'])).toEqual('INPUT');
    expect(dd('ACCEPT', ['-A INPUT -m conntrack --ctstate NEW -j DROP'])).toEqual('INPUT');
  });

  it('not default-deny: nothing dropped, or some world traffic reaches the ACCEPT policy', () => {
    expect(dd('ACCEPT', [])).toBeUndefined();
    expect(dd('ACCEPT', ['-A INPUT -j ACCEPT'])).toBeUndefined();
    expect(dd('ACCEPT', ['-A INPUT -i eth0 -j DROP'])).toBeUndefined();
    expect(dd('ACCEPT', ['-A INPUT -s 10.0.0.0/8 -j DROP'])).toBeUndefined();
    expect(dd('ACCEPT', ['-A INPUT -m conntrack --ctstate ESTABLISHED -j DROP'])).toBeUndefined();
    expect(dd('ACCEPT', ['-A INPUT -i lo -j DROP'])).toBeUndefined();
    expect(dd('ACCEPT', ['-A INPUT -p tcp -j DROP'])).toBeUndefined();
  });

  it('a family with no chains is not default-deny', () => {
    expect(defaultDenyChain(save(filter('DROP', [])), 6)).toBeUndefined();
  });

  it('several nft base chains: the first that denies by default, in priority order', () => {
    const two = (earlyTail: string, earlyPolicy: string): string | undefined =>
      defaultDenyChain(
        nft(
          [
            'table inet fw {',
            '  chain late {',
            '    type filter hook input priority 10; policy drop;',
            '  }',
            '  chain early {',
            `    type filter hook input priority -10; policy ${earlyPolicy};`,
            '    iifname "lo" accept',
            `    ${earlyTail}`,
            '  }',
            '}',
            '',
          ].join('\n'),
        ),
        6,
      )?.name;
    expect(two('tcp dport 22 accept', 'accept')).toEqual('late');
    expect(two('drop', 'accept')).toEqual('early');
    expect(two('tcp dport 22 accept', 'drop')).toEqual('early');
  });
});

describe('families, ports and labels', () => {
  it('filteredFamilies: the families some statement filters', () => {
    expect(filteredFamilies(save(filter('DROP', [])).ruleset)).toEqual([4]);
    expect(filteredFamilies(save(filter('DROP', []), 'rules.v6').ruleset)).toEqual([6]);
    const pair = analyse([
      { path: 'rules.v6', kind: 'iptables-save', text: filter('DROP', []) },
      { path: 'rules.v4', kind: 'iptables-save', text: filter('DROP', []) },
    ]);
    expect(filteredFamilies(pair.ruleset)).toEqual([4, 6]);
    expect(filteredFamilies(nft('table inet t {\n}\n').ruleset)).toEqual([4, 6]);
    expect(filteredFamilies(nft('table ip6 t {\n}\n').ruleset)).toEqual([6]);
    expect(filteredFamilies(script('ip6tables -A INPUT -p tcp --dport 22 -j ACCEPT').ruleset)).toEqual([6]);
    expect(filteredFamilies(script('iptables -t nat -A POSTROUTING -o eth0 -j MASQUERADE').ruleset)).toEqual([]);
  });

  it('familyName', () => {
    expect([familyName(4), familyName(6)]).toEqual(['IPv4', 'IPv6']);
  });

  it('sensitivePorts: the documented defaults unless configured, a configured list replaces them', () => {
    const defaults = [
      { proto: 6, lo: 22, hi: 22, label: 'SSH' },
      { proto: 6, lo: 6443, hi: 6443, label: 'Kubernetes API server' },
      { proto: 6, lo: 2379, hi: 2380, label: 'etcd' },
      { proto: 6, lo: 10250, hi: 10250, label: 'kubelet' },
      { proto: 6, lo: 10255, hi: 10255, label: 'kubelet read-only' },
      { proto: 6, lo: 10257, hi: 10257, label: 'kube-controller-manager' },
      { proto: 6, lo: 10259, hi: 10259, label: 'kube-scheduler' },
    ];
    expect(sensitivePorts([])).toEqual(defaults);
    expect(DEFAULT_SENSITIVE_PORTS).toEqual(defaults);
    const configured = [{ proto: 17 as const, lo: 51820, hi: 51820, label: 'WireGuard' }];
    expect(sensitivePorts(configured)).toEqual([{ proto: 17, lo: 51820, hi: 51820, label: 'WireGuard' }]);
  });

  it('portText: protocol and port or range', () => {
    expect(portText({ proto: 6, lo: 22, hi: 22, label: 'SSH' })).toEqual('tcp/22');
    expect(portText({ proto: 17, lo: 8472, hi: 8472, label: 'VXLAN' })).toEqual('udp/8472');
    expect(portText({ proto: 6, lo: 2379, hi: 2380, label: 'etcd' })).toEqual('tcp/2379-2380');
  });

  it('chainLabel: iptables / ip6tables chain, table when not filter; nft chain path with family', () => {
    const v4 = save(['*mangle', ':PREROUTING ACCEPT [0:0]', 'COMMIT', ...filter('DROP', []).split('\n')].join('\n'));
    expect(chainLabel(chainNamed(v4, 'INPUT', 'filter'))).toEqual('iptables INPUT');
    expect(chainLabel(chainNamed(v4, 'INPUT', 'filter'), 4)).toEqual('iptables INPUT');
    expect(chainLabel(chainNamed(v4, 'PREROUTING', 'mangle'))).toEqual('iptables PREROUTING (table mangle)');
    const v6 = save(filter('DROP', []), 'rules.v6');
    expect(chainLabel(chainNamed(v6, 'INPUT'), 6)).toEqual('ip6tables INPUT');
    const n = nft('table inet fw {\n  chain input {\n    type filter hook input priority 0; policy drop;\n  }\n}\n');
    expect(chainLabel(chainNamed(n, 'input'))).toEqual('nft chain inet fw input');
    expect(chainLabel(chainNamed(n, 'input'), 4)).toEqual('nft chain inet fw input (IPv4)');
    expect(chainLabel(chainNamed(n, 'input'), 6)).toEqual('nft chain inet fw input (IPv6)');
  });

  it('chainAnchor: the policy statement, else the declaration, else the first rule', () => {
    const line = (l: { span: { start: { line: number } } } | undefined): number | undefined => l?.span.start.line;
    const a = save(['*filter', ':INPUT DROP [0:0]', ':USER - [0:0]', '-A INPUT -j USER', '-A USER -j ACCEPT', 'COMMIT', ''].join('\n'));
    expect(line(chainAnchor(chainNamed(a, 'INPUT')))).toEqual(2);
    expect(line(chainAnchor(chainNamed(a, 'USER')))).toEqual(3);
    // OUTPUT was never declared nor given rules.
    expect(chainAnchor(chainNamed(a, 'OUTPUT'))).toBeUndefined();
    const s = script(
      ['iptables -A INPUT -p tcp --dport 22 -j ACCEPT', 'iptables -A INPUT -j DROP', 'iptables -N X', 'iptables -P FORWARD DROP'].join(
        '\n',
      ),
    );
    // The script's first line is the shebang.
    expect(line(chainAnchor(chainNamed(s, 'INPUT')))).toEqual(2);
    expect(line(chainAnchor(chainNamed(s, 'X')))).toEqual(4);
    expect(line(chainAnchor(chainNamed(s, 'FORWARD')))).toEqual(5);
    const n = nft(
      [
        'table ip t {',
        '  chain a {',
        '    type filter hook input priority 0;',
        '    policy drop;',
        '  }',
        '  chain b {',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    expect(line(chainAnchor(chainNamed(n, 'a')))).toEqual(4);
    expect(line(chainAnchor(chainNamed(n, 'b')))).toEqual(6);
  });
});

describe('witness and describe', () => {
  const a = withInterfaces();
  const eth0 = a.ifaces.indexOf('eth0');

  it('a witness of every packet reads naturally: 1.2.3.4, TCP, ephemeral port, a public interface, new', () => {
    expect(a.witness(a.universe(4))).toEqual({
      family: 4,
      src: addr('1.2.3.4'),
      dst: 1n,
      proto: 6,
      sport: 40000,
      dport: 1,
      iif: eth0,
      oif: 1,
      ct: 'new',
    });
    expect(a.witness(a.universe(6))).toEqual({
      family: 6,
      src: addr('2600::1'),
      dst: 1n,
      proto: 6,
      sport: 40000,
      dport: 1,
      iif: eth0,
      oif: 1,
      ct: 'new',
    });
  });

  it('loopback sources: 127.0.0.1 and ::1; a loopback-only set has lo', () => {
    expect(a.witness(a.traffic(4, { from: 'loopback', via: 'loopback' }))).toMatchObject({ src: addr('127.0.0.1'), iif: 0 });
    expect(a.witness(a.traffic(6, { from: 'loopback' }))).toMatchObject({ family: 6, src: 1n, iif: eth0 });
  });

  it('without a preferred value the lowest value of the set (x.x.x.1 when it starts at 0)', () => {
    const w = a.witness(
      region(a, 4, { src: cidr('10.0.0.0/8'), proto: pt(17), sport: range(1, 1023), iif: ifs(a, 'ens3'), ct: range(1, 2) }),
    );
    expect(w).toEqual({ family: 4, src: addr('10.0.0.0'), dst: 1n, proto: 17, sport: 1, dport: 1, iif: 4, oif: 1, ct: 'established' });
  });

  it('no witness for the empty set', () => {
    expect(a.witness(region(a, 4, {}))).toBeDefined();
    expect(a.witness(region(a, 4))).toBeUndefined();
    expect(a.witness(a.universe(4).subtract(a.universe(4)))).toBeUndefined();
  });

  it('describe: the destination is left out only when the set allows any destination', () => {
    const p = packet(a, { dport: 22 });
    expect(a.describe(p)).toEqual('tcp from 1.2.3.4 to 10.0.0.1 port 22 on eth0');
    expect(a.describe(p, a.universe(4))).toEqual('tcp from 1.2.3.4 to port 22 on eth0');
    expect(a.describe(p, region(a, 4, { dst: cidr('10.0.0.0/8') }))).toEqual('tcp from 1.2.3.4 to 10.0.0.1 port 22 on eth0');
    expect(a.describe(packet(a, { proto: 'icmp', iif: 'wg0', ct: 'related' }), a.universe(4))).toEqual(
      'icmp from 1.2.3.4 on wg0 (related)',
    );
    const p6 = packet(a, { src: '2600::1', dst: '2001:db8::1', dport: 443 });
    expect(a.describe(p6)).toEqual('tcp from 2600::1 to 2001:db8::1 port 443 on eth0');
    expect(a.describe(p6, a.universe(6))).toEqual('tcp from 2600::1 to port 443 on eth0');
  });

  it('describe: a destination the set needs jointly with the source is named', () => {
    // Every destination occurs in the set, but only 10.0.0.0/8 together with 1.2.3.4.
    const set = region(a, 4, { src: cidr('1.2.3.4/32'), dst: cidr('10.0.0.0/8') }, { src: cidr('5.6.7.8/32') });
    expect(a.describe(packet(a, { dport: 22 }), set)).toEqual('tcp from 1.2.3.4 to 10.0.0.1 port 22 on eth0');
    expect(a.describe(packet(a, { src: '5.6.7.8', dport: 22 }), set)).toEqual('tcp from 5.6.7.8 to port 22 on eth0');
  });

  it('describe: the source port is named only when the set needs it', () => {
    const p = packet(a, { dport: 22 });
    expect(a.describe({ ...p, sport: 1000 }, region(a, 4, { sport: range(1000, 2000) }))).toEqual(
      'tcp from 1.2.3.4 port 1000 to port 22 on eth0',
    );
    expect(a.describe(p, a.universe(4))).not.toContain('port 40000');
  });
});

describe('what the analysis of a hook says about the world', () => {
  it('a port open to the world: the accepted set meets worldNew on that port', () => {
    const a = save(
      filter('DROP', [
        '-A INPUT -i lo -j ACCEPT',
        '-A INPUT -s 10.0.0.0/8 -p tcp --dport 22 -j ACCEPT',
        '-A INPUT -p tcp --dport 6443 -j ACCEPT',
      ]),
    );
    const open = (port: number): boolean =>
      !a
        .hook(4, 'input')
        .accepted.intersect(a.worldNew(4))
        .intersect(a.traffic(4, { protocols: [6], dport: [port, port] })).isEmpty;
    expect([open(22), open(6443), open(80)]).toEqual([false, true, false]);
    expectSameSet(
      a.hook(4, 'input').accepted.intersect(a.worldNew(4)),
      region(a, 4, { src: ROUTABLE[4], proto: pt(6), dport: pt(6443), iif: ifs(a, 'eth0'), ct: pt(0) }),
    );
  });
});
