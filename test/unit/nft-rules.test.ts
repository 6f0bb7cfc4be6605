import { describe, expect, it } from 'vitest';
import { NftReader } from '../../src/parse/nft.js';
import type { Cond, FwRule } from '../../src/parse/netfilter.js';

/** The rules of the chain `input` of a ruleset, after the whole text is read. */
function rules(text: string): FwRule[] {
  const reader = new NftReader({ read: () => undefined, list: () => [] });
  reader.readFile('t.nft', text);
  const err = reader.validate();
  if (err) throw err;
  return reader.tablesOut().flatMap((t) => t.chains.filter((c) => c.name === 'input').flatMap((c) => c.rules));
}

const chain = (body: string, sets = ''): string =>
  `table inet t {\n${sets}\n  chain input {\n    type filter hook input priority 0; policy drop;\n${body}\n  }\n}\n`;

/** A condition as text: `dport 22-23`, `!iif eth+,lo`, … */
function show(c: Cond): string {
  const not = 'negate' in c && c.negate ? '!' : '';
  switch (c.dim) {
    case 'iif':
    case 'oif':
      return `${not}${c.dim} ${c.names.join(',')}`;
    case 'ct':
      return `${not}ct ${c.states.join(',')}`;
    case 'family':
      return `family ${c.family}`;
    default:
      return `${not}${c.dim} ${c.values.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',')}`;
  }
}
const conds = (r: FwRule | undefined): string[] => (r ? r.conds.map(show) : []);

describe('nft th: any transport header', () => {
  it('`th dport` implies no protocol, and may match packets without ports', () => {
    const [r] = rules(chain('    th dport != 2379-2380 return'));
    expect(conds(r)).toEqual(['!dport 2379-2380']);
    expect(r?.uncertain).toEqual(['th dport (bytes of any transport header)']);
  });
  it('is certain when other matches already restrict the protocol to ones with ports', () => {
    const [a, b, c] = rules(
      chain(
        '    meta l4proto { tcp, udp } th dport 53 accept\n    th sport 53 meta l4proto udp accept\n    ip protocol sctp th dport 9 drop',
      ),
    );
    expect(a?.uncertain).toEqual([]);
    expect(conds(a)).toEqual(['proto 6,17', 'dport 53']);
    expect(b?.uncertain).toEqual([]);
    expect(c?.uncertain).toEqual([]);
  });
  it('also when a named set restricts the protocol', () => {
    const [r] = rules(chain('    meta l4proto @p th dport 53 accept', '  set p { type inet_proto; elements = { tcp, udp } }'));
    expect(r?.uncertain).toEqual([]);
    const [u] = rules(chain('    meta l4proto @p th dport 53 accept', '  set p { type inet_proto; elements = { tcp, icmp } }'));
    expect(u?.uncertain).toEqual(['th dport (bytes of any transport header)']);
  });
  it('stays uncertain when the protocol may be one without ports', () => {
    const [a, b] = rules(chain('    meta l4proto != tcp th dport 22 accept\n    meta l4proto { tcp, icmp } th dport 22 accept'));
    expect(a?.uncertain.length).toBe(1);
    expect(b?.uncertain.length).toBe(1);
  });
  it('a th verdict map is uncertain for each key', () => {
    const rs = rules(chain('    th dport vmap { 22 : accept, 53 : drop }'));
    expect(rs.map((r) => [conds(r), r.verdict.kind, r.uncertain.length])).toEqual([
      [['dport 22'], 'accept', 1],
      [['dport 53'], 'drop', 1],
    ]);
  });
  it('`tcp dport` still implies tcp', () => {
    const [r] = rules(chain('    tcp dport 22 accept'));
    expect(conds(r)).toEqual(['proto 6', 'dport 22']);
    expect(r?.uncertain).toEqual([]);
  });
});

describe('nft named sets expand to their elements', () => {
  const SETS = [
    '  set ifs { type ifname; flags interval; elements = { "eth*", "lo" } }',
    '  set allowed { type ipv4_addr; flags interval; elements = { 192.0.2.0/24, 198.51.100.7 } }',
    '  set ports { type inet_service; flags interval; elements = { 22, 8000-8080 } }',
    '  set protos { type inet_proto; elements = { tcp, udp } }',
    '  set states { type ct_state; elements = { established, related } }',
  ].join('\n');

  it('interfaces, with wildcards', () => {
    const [r] = rules(chain('    iifname @ifs accept', SETS));
    expect(conds(r)).toEqual(['iif eth+,lo']);
    expect(r?.uncertain).toEqual([]);
  });
  it('addresses, ports, protocols and conntrack states', () => {
    const rs = rules(
      chain(
        '    ip saddr @allowed accept\n    tcp dport != @ports drop\n    meta l4proto @protos accept\n    ct state @states accept',
        SETS,
      ),
    );
    expect(rs.map(conds)).toEqual([
      ['src 3221225984-3221226239,3325256711'],
      ['proto 6', '!dport 22,8000-8080'],
      ['proto 6,17'],
      ['ct established,related'],
    ]);
    expect(rs.every((r) => r.uncertain.length === 0)).toBe(true);
  });
  it('elements added after the rule count too', () => {
    const text = `${chain('    ip saddr @late drop', '  set late { type ipv4_addr; }')}add element inet t late { 203.0.113.5 }\n`;
    const [r] = rules(text);
    expect(conds(r)).toEqual(['src 3405803781']);
    expect(r?.uncertain).toEqual([]);
  });
  it('a set whose elements are only known at run time may match', () => {
    const rs = rules(
      chain(
        '    ip saddr @blocklist drop\n    ip saddr != @blocklist drop\n    tcp dport @dyn accept\n    iifname @timed accept',
        [
          '  set blocklist { type ipv4_addr; }',
          '  set dyn { type inet_service; flags dynamic; elements = { 22 } }',
          '  set timed { type ifname; timeout 1h; elements = { "eth0" } }',
        ].join('\n'),
      ),
    );
    for (const r of rs) expect(r.uncertain).toHaveLength(1);
    expect(rs.map(conds)).toEqual([['family 4'], ['family 4'], ['proto 6'], []]);
  });
  it('`@ifs` is never an interface named "@ifs"', () => {
    const [r] = rules(chain('    iifname != @ifs drop', SETS));
    expect(conds(r)).toEqual(['!iif eth+,lo']);
  });
  it('a named verdict map gives one rule per element', () => {
    const rs = rules(chain('    tcp dport vmap @m', '  map m { type inet_service : verdict; elements = { 22 : accept, 23 : drop } }'));
    expect(rs.map((r) => [conds(r), r.verdict.kind])).toEqual([
      [['proto 6', 'dport 22'], 'accept'],
      [['proto 6', 'dport 23'], 'drop'],
    ]);
  });
});

describe('nft queue ends evaluation with a verdict of its own', () => {
  for (const stmt of ['queue', 'queue num 3 bypass', 'queue flags bypass,fanout to 1-3', 'tcp dport 22 counter queue num 2'])
    it(stmt, () => {
      const [r] = rules(chain(`    ${stmt}`));
      expect(r?.verdict).toEqual({ kind: 'queue' });
      expect(r?.uncertain).toEqual([]);
    });
});

describe('nft ct state', () => {
  it('a list, a set and a negated single state are read as states', () => {
    const [a, b, c] = rules(chain('    ct state established,related accept\n    ct state { new, invalid } drop\n    ct state != new drop'));
    expect(conds(a)).toEqual(['ct established,related']);
    expect(conds(b)).toEqual(['ct new,invalid']);
    expect(conds(c)).toEqual(['!ct new']);
    expect([a, b, c].map((r) => r?.uncertain)).toEqual([[], [], []]);
  });
  it('`!= a,b` without braces only may match: its meaning depends on the nft version that loads it', () => {
    // nft 1.0.6 compiles it to `state != a|b` (true for every packet); later versions to "neither a nor b".
    const [r] = rules(chain('    ct state != established,related drop'));
    expect(conds(r)).toEqual([]);
    expect(r?.uncertain).toEqual(['ct state != list (meaning depends on the nft version)']);
  });
});
