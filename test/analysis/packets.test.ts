/**
 * The packet-set algebra on small hand-made boxes: every expected box is written out.
 * Boxes are over IPv4 with two interfaces; only the dimensions a case narrows are named.
 */
import { describe, expect, it } from 'vitest';
import {
  D,
  DIMS,
  PacketSet,
  boxContains,
  boxIntersect,
  boxIsEmpty,
  boxSubtract,
  describePacket,
  packetBox,
  universeBox,
  witness,
  type Box,
  type Packet,
} from '../../src/analysis/packets.js';
import { Iv } from '../../src/core/intervals.js';
import { addr, box as fullBox, cidr, points, pt, range, type Region } from './firewall-helpers.js';

const b = (r: Region = {}): Box => fullBox(4, 2, r);
const set = (...boxes: Box[]): PacketSet => PacketSet.of(boxes);
const ALL32 = range(0, 2 ** 32 - 1);

describe('boxes', () => {
  it('the universe box of a family', () => {
    expect(universeBox(4, 3)).toEqual([
      pt(4),
      ALL32,
      ALL32,
      range(0, 255),
      range(0, 65535),
      range(0, 65535),
      range(0, 2),
      range(0, 2),
      range(0, 4),
    ]);
    expect(universeBox(6, 1)).toEqual([
      pt(6),
      range(0, (1n << 128n) - 1n),
      range(0, (1n << 128n) - 1n),
      range(0, 255),
      range(0, 65535),
      range(0, 65535),
      pt(0),
      pt(0),
      range(0, 4),
    ]);
  });

  it('dimension order', () => {
    expect(DIMS).toEqual(['family', 'src', 'dst', 'proto', 'sport', 'dport', 'iif', 'oif', 'ct']);
    expect(DIMS.map((d) => D[d])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('a box with any empty dimension is empty', () => {
    expect(boxIsEmpty(b())).toBe(false);
    expect(boxIsEmpty(b({ dport: [] }))).toBe(true);
    expect(boxIsEmpty(b({ ct: [] }))).toBe(true);
  });

  it('boxIntersect: per-dimension intersection, undefined when disjoint in any dimension', () => {
    expect(boxIntersect(b({ dport: range(0, 100), proto: points(6, 17) }), b({ dport: range(50, 200), src: cidr('10.0.0.0/8') }))).toEqual(
      b({ dport: range(50, 100), proto: points(6, 17), src: cidr('10.0.0.0/8') }),
    );
    expect(boxIntersect(b({ dport: range(0, 100) }), b({ dport: range(101, 200) }))).toBeUndefined();
    expect(boxIntersect(b({ ct: pt(4), dport: pt(1) }), b({ ct: pt(3), dport: pt(1) }))).toBeUndefined();
  });

  it('boxSubtract peels one dimension at a time into disjoint pieces', () => {
    const a = b({ proto: points(6, 17), dport: range(0, 100) });
    const cut = b({ proto: pt(6), dport: range(50, 60) });
    expect(boxSubtract(a, cut)).toEqual([
      // First the part outside the cut's protocols…
      b({ proto: pt(17), dport: range(0, 100) }),
      // …then, inside them, the part outside its ports.
      b({
        proto: pt(6),
        dport: Iv.from([
          [0n, 49n],
          [61n, 100n],
        ]),
      }),
    ]);
  });

  it('boxSubtract: disjoint boxes leave the box whole; a covering box leaves nothing', () => {
    const a = b({ dport: range(0, 100) });
    expect(boxSubtract(a, b({ dport: range(200, 300) }))).toEqual([a]);
    expect(boxSubtract(a, b())).toEqual([]);
    expect(boxSubtract(a, a)).toEqual([]);
  });

  it('boxSubtract: boxes that overlap in some dimensions but not all leave the box whole, in one piece', () => {
    const a = b({ src: range(0, 9), dport: range(0, 100) });
    expect(boxSubtract(a, b({ src: range(5, 20), dport: range(200, 300) }))).toEqual([a]);
  });

  it('boxSubtract of a box in the middle of another yields pieces in every narrowed dimension', () => {
    const whole = b({ src: range(0, 9), sport: range(0, 9) });
    const middle = b({ src: range(3, 5), sport: range(3, 5) });
    expect(boxSubtract(whole, middle)).toEqual([
      b({
        src: Iv.from([
          [0n, 2n],
          [6n, 9n],
        ]),
        sport: range(0, 9),
      }),
      b({
        src: range(3, 5),
        sport: Iv.from([
          [0n, 2n],
          [6n, 9n],
        ]),
      }),
    ]);
  });

  it('packetBox and boxContains', () => {
    const p: Packet = {
      family: 4,
      src: addr('1.2.3.4'),
      dst: addr('10.0.0.1'),
      proto: 6,
      sport: 40000,
      dport: 22,
      iif: 1,
      oif: 0,
      ct: 'established',
    };
    expect(packetBox(p)).toEqual([pt(4), pt(addr('1.2.3.4')), pt(addr('10.0.0.1')), pt(6), pt(40000), pt(22), pt(1), pt(0), pt(1)]);
    expect(boxContains(b({ dport: pt(22) }), p)).toBe(true);
    expect(boxContains(b({ dport: pt(23) }), p)).toBe(false);
    expect(boxContains(b({ ct: pt(0) }), p)).toBe(false);
    expect(boxContains(fullBox(6, 2), p)).toBe(false);
  });
});

describe('PacketSet', () => {
  const tcp = b({ proto: pt(6) });
  const udp = b({ proto: pt(17) });
  const ssh = b({ proto: pt(6), dport: pt(22) });

  it('of drops empty boxes; EMPTY is empty', () => {
    expect(set(tcp, b({ dport: [] })).boxes).toEqual([tcp]);
    expect(set(b({ src: [] })).isEmpty).toBe(true);
    expect(PacketSet.EMPTY.isEmpty).toBe(true);
    expect(PacketSet.EMPTY.boxes).toEqual([]);
    expect(set(tcp).isEmpty).toBe(false);
  });

  it('union keeps disjoint boxes and drops a box already contained in one it has', () => {
    expect(set(tcp).union(set(udp)).boxes).toEqual([tcp, udp]);
    expect(set(tcp).union(set(ssh)).boxes).toEqual([tcp]);
    expect(set(tcp).union(set(ssh, udp)).boxes).toEqual([tcp, udp]);
    // Contained in any one box is enough.
    expect(set(udp, tcp).union(set(ssh)).boxes).toEqual([udp, tcp]);
    // Contained the other way round: both stay, the set is still the union.
    const u = set(ssh).union(set(tcp));
    expect(u.subsetOf(set(tcp)) && set(tcp).subsetOf(u)).toBe(true);
  });

  it('union with the empty set is the set itself', () => {
    const s = set(tcp);
    expect(s.union(PacketSet.EMPTY)).toBe(s);
    expect(PacketSet.EMPTY.union(s)).toBe(s);
  });

  it('intersect: box by box, empty pieces left out', () => {
    const left = set(b({ dport: range(0, 100) }), b({ dport: range(200, 300) }));
    const right = set(b({ dport: range(50, 250), proto: pt(6) }));
    expect(left.intersect(right).boxes).toEqual([b({ dport: range(50, 100), proto: pt(6) }), b({ dport: range(200, 250), proto: pt(6) })]);
    expect(set(tcp).intersect(set(udp)).isEmpty).toBe(true);
    expect(set(tcp).intersect(PacketSet.EMPTY).isEmpty).toBe(true);
    expect(set(tcp).intersectBox(ssh).boxes).toEqual([ssh]);
  });

  it('subtract: every box of the other set is taken out in turn', () => {
    const ports = set(b({ proto: pt(6), dport: range(0, 100) }));
    const out = ports.subtract(set(b({ dport: range(10, 19) }), b({ dport: range(50, 59) })));
    // A box holds interval sets: cutting holes in one dimension leaves one box.
    expect(out.boxes).toEqual([
      b({
        proto: pt(6),
        dport: Iv.from([
          [0n, 9n],
          [20n, 49n],
          [60n, 100n],
        ]),
      }),
    ]);
    // Cutting in two dimensions gives disjoint pieces.
    expect(ports.subtract(set(b({ dport: range(10, 19), ct: pt(0) }))).boxes).toEqual([
      b({
        proto: pt(6),
        dport: Iv.from([
          [0n, 9n],
          [20n, 100n],
        ]),
      }),
      b({ proto: pt(6), dport: range(10, 19), ct: range(1, 4) }),
    ]);
    expect(ports.subtract(set(tcp)).isEmpty).toBe(true);
    expect(ports.subtract(PacketSet.EMPTY).boxes).toEqual(ports.boxes);
    expect(PacketSet.EMPTY.subtract(ports).isEmpty).toBe(true);
  });

  it('subtract leaves pieces that are pairwise disjoint and cover exactly the difference', () => {
    const all = set(b());
    const diff = all.subtract(set(b({ src: cidr('10.0.0.0/8'), dport: pt(22) })));
    for (let i = 0; i < diff.boxes.length; i++)
      for (let j = i + 1; j < diff.boxes.length; j++) expect(boxIntersect(diff.boxes[i] ?? [], diff.boxes[j] ?? [])).toBeUndefined();
    expect(diff.boxes).toEqual([
      b({ src: Iv.subtract(ALL32, cidr('10.0.0.0/8')) }),
      b({
        src: cidr('10.0.0.0/8'),
        dport: Iv.from([
          [0n, 21n],
          [23n, 65535n],
        ]),
      }),
    ]);
  });

  it('restrict narrows one dimension and drops boxes left empty', () => {
    const s = set(b({ dport: range(0, 100) }), b({ dport: range(200, 300) }));
    expect(s.restrict('dport', range(50, 250)).boxes).toEqual([b({ dport: range(50, 100) }), b({ dport: range(200, 250) })]);
    expect(s.restrict('dport', range(150, 160)).isEmpty).toBe(true);
    expect(s.restrict('ct', pt(1)).boxes).toEqual([b({ dport: range(0, 100), ct: pt(1) }), b({ dport: range(200, 300), ct: pt(1) })]);
  });

  it('subsetOf', () => {
    expect(set(ssh).subsetOf(set(tcp))).toBe(true);
    expect(set(tcp).subsetOf(set(ssh))).toBe(false);
    expect(set(b({ dport: range(0, 9) }), b({ dport: range(10, 19) })).subsetOf(set(b({ dport: range(0, 19) })))).toBe(true);
    expect(set(b({ dport: range(0, 19) })).subsetOf(set(b({ dport: range(0, 9) }), b({ dport: range(10, 19) })))).toBe(true);
    expect(set(b({ dport: range(0, 20) })).subsetOf(set(b({ dport: range(0, 9) }), b({ dport: range(11, 20) })))).toBe(false);
    expect(PacketSet.EMPTY.subsetOf(set(ssh))).toBe(true);
    expect(set(ssh).subsetOf(PacketSet.EMPTY)).toBe(false);
  });

  it('project: the values a dimension takes over all boxes, merged', () => {
    const s = set(
      b({ dport: range(0, 10), proto: pt(6) }),
      b({ dport: range(11, 20), proto: pt(17) }),
      b({ dport: range(30, 40), proto: pt(6) }),
    );
    expect(s.project('dport')).toEqual(
      Iv.from([
        [0n, 20n],
        [30n, 40n],
      ]),
    );
    expect(s.project('proto')).toEqual(points(6, 17));
    expect(s.project('family')).toEqual(pt(4));
    expect(PacketSet.EMPTY.project('dport')).toEqual([]);
  });
});

describe('witness', () => {
  it('prefers the first box holding TCP, then TCP, an ephemeral source port and state new', () => {
    const w = witness(set(b({ proto: pt(17), dport: pt(53) }), b({ proto: points(1, 6), dport: pt(22) })));
    expect(w).toEqual({ family: 4, src: 1n, dst: 1n, proto: 6, sport: 40000, dport: 22, iif: 1, oif: 1, ct: 'new' });
  });

  it('without TCP: the first box, UDP before ICMP', () => {
    expect(witness(set(b({ proto: points(1, 17) }), b({ proto: pt(58) })))?.proto).toEqual(17);
    expect(witness(set(b({ proto: points(1, 58) })))?.proto).toEqual(1);
    expect(witness(set(b({ proto: pt(58) })))?.proto).toEqual(58);
    expect(witness(set(b({ proto: range(50, 51) })))?.proto).toEqual(50);
  });

  it('source port preferences: 40000, 50000, 1024, else the lowest', () => {
    const sport = (r: Region['sport']): number | undefined => witness(set(b({ sport: r ?? [] })))?.sport;
    expect(sport(range(30000, 45000))).toEqual(40000);
    expect(sport(range(45000, 60000))).toEqual(50000);
    expect(sport(range(1024, 2000))).toEqual(1024);
    expect(sport(range(2000, 3000))).toEqual(2000);
    expect(sport(range(0, 1023))).toEqual(1);
    expect(sport(pt(0))).toEqual(0);
  });

  it('state new when allowed, else the first state of the set', () => {
    expect(witness(set(b({ ct: range(1, 2) })))?.ct).toEqual('established');
    expect(witness(set(b({ ct: points(2, 3) })))?.ct).toEqual('related');
    expect(witness(set(b({ ct: pt(4) })))?.ct).toEqual('untracked');
  });

  it('caller preferences come first, and only when the set allows them', () => {
    const prefer = { src: [addr('9.9.9.9'), addr('10.1.1.1')], dport: [443n] };
    expect(witness(set(b({ src: cidr('10.0.0.0/8') })), prefer)).toMatchObject({ src: addr('10.1.1.1'), dport: 443 });
    expect(witness(set(b()), prefer)).toMatchObject({ src: addr('9.9.9.9') });
    expect(witness(set(b({ dport: pt(80) })), prefer)).toMatchObject({ dport: 80 });
    expect(witness(set(b({ proto: points(6, 17) })), { proto: [17n] })?.proto).toEqual(17);
  });

  it('an IPv6 box gives an IPv6 packet; an empty set none', () => {
    expect(witness(set(fullBox(6, 1, { src: cidr('2001:db8::/32') })))).toEqual({
      family: 6,
      src: addr('2001:db8::'),
      dst: 1n,
      proto: 6,
      sport: 40000,
      dport: 1,
      iif: 0,
      oif: 0,
      ct: 'new',
    });
    expect(witness(PacketSet.EMPTY)).toBeUndefined();
  });
});

describe('describePacket', () => {
  const names = (i: number): string => ['lo', 'eth0'][i] ?? `if${i}`;
  const p = (over: Partial<Packet>): Packet => ({
    family: 4,
    src: addr('1.2.3.4'),
    dst: addr('10.0.0.1'),
    proto: 6,
    sport: 40000,
    dport: 22,
    iif: 1,
    oif: 0,
    ct: 'new',
    ...over,
  });

  it('TCP, UDP and SCTP show the destination port', () => {
    expect(describePacket(p({}), names)).toEqual('tcp from 1.2.3.4 to 10.0.0.1 port 22 on eth0');
    expect(describePacket(p({ proto: 17, dport: 53 }), names)).toEqual('udp from 1.2.3.4 to 10.0.0.1 port 53 on eth0');
    expect(describePacket(p({ proto: 132, dport: 3868 }), names)).toEqual('sctp from 1.2.3.4 to 10.0.0.1 port 3868 on eth0');
  });

  it('ICMP and unnamed protocols have no port', () => {
    expect(describePacket(p({ proto: 1 }), names)).toEqual('icmp from 1.2.3.4 to 10.0.0.1 on eth0');
    expect(describePacket(p({ proto: 4 }), names)).toEqual('ipip from 1.2.3.4 to 10.0.0.1 on eth0');
    expect(describePacket(p({ proto: 99 }), names)).toEqual('protocol 99 from 1.2.3.4 to 10.0.0.1 on eth0');
  });

  it('a state other than new is named', () => {
    expect(describePacket(p({ ct: 'established' }), names)).toEqual('tcp from 1.2.3.4 to 10.0.0.1 port 22 on eth0 (established)');
    expect(describePacket(p({ ct: 'invalid', iif: 0 }), names)).toEqual('tcp from 1.2.3.4 to 10.0.0.1 port 22 on lo (invalid)');
  });

  it('any destination: the address is left out, the port kept', () => {
    expect(describePacket(p({}), names, { dst: true, sport: true })).toEqual('tcp from 1.2.3.4 to port 22 on eth0');
    expect(describePacket(p({ proto: 1 }), names, { dst: true, sport: true })).toEqual('icmp from 1.2.3.4 on eth0');
  });

  it('a source port that matters is named after the source address', () => {
    expect(describePacket(p({ sport: 1000 }), names, { dst: true, sport: false })).toEqual('tcp from 1.2.3.4 port 1000 to port 22 on eth0');
    // ICMP has no ports to name.
    expect(describePacket(p({ proto: 1 }), names, { sport: false })).toEqual('icmp from 1.2.3.4 to 10.0.0.1 on eth0');
  });

  it('IPv6 addresses are written compressed', () => {
    const v6 = p({ family: 6, src: addr('2600::1'), dst: addr('2001:db8::1'), dport: 443 });
    expect(describePacket(v6, names)).toEqual('tcp from 2600::1 to 2001:db8::1 port 443 on eth0');
    expect(describePacket({ ...v6, proto: 58, iif: 3 }, names)).toEqual('icmpv6 from 2600::1 to 2001:db8::1 on if3');
  });
});
