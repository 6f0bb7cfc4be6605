import { describe, expect, it } from 'vitest';
import {
  ConnSet,
  MAX_PORT,
  MIN_PORT,
  PROTOCOLS,
  parseProtocol,
  resolvePorts,
  type NamedPort,
  type PortSpec,
} from '../../src/analysis/netpol-ports.js';

/**
 * Connection sets: per protocol (TCP, UDP, SCTP) a set of ports 1-65535, plus the
 * port-less protocols (ICMP, …) as one flag. A NetworkPolicy rule without `ports`
 * admits all of it ("All Connections").
 */

const OTHER = 'other protocols (ICMP, …)';
const tcp = (from: number, to = from): ConnSet => ConnSet.ports('TCP', from, to);
const udp = (from: number, to = from): ConnSet => ConnSet.ports('UDP', from, to);
const sctp = (from: number, to = from): ConnSet => ConnSet.ports('SCTP', from, to);
const fullThree = (): ConnSet => ConnSet.protocol('TCP').union(ConnSet.protocol('UDP')).union(ConnSet.protocol('SCTP'));

describe('constants', () => {
  it('ports are 1-65535 for TCP, UDP and SCTP', () => {
    expect(MIN_PORT).toBe(1);
    expect(MAX_PORT).toBe(65535);
    expect(PROTOCOLS).toEqual(['TCP', 'UDP', 'SCTP']);
  });
});

describe('ConnSet construction', () => {
  it('a single port and a range', () => {
    expect(tcp(80).toString()).toBe('TCP 80');
    expect(tcp(8000, 8080).toString()).toBe('TCP 8000-8080');
    expect(udp(53).toString()).toBe('UDP 53');
    expect(sctp(9, 10).toString()).toBe('SCTP 9-10');
  });

  it('accepts the bounds in either order', () => {
    expect(tcp(90, 80).toString()).toBe('TCP 80-90');
    expect(tcp(90, 80).equals(tcp(80, 90))).toBe(true);
  });

  it('clips ranges to 1-65535 and is empty outside', () => {
    expect(tcp(0, 10).toString()).toBe('TCP 1-10');
    expect(udp(65530, 70000).toString()).toBe('UDP 65530-65535');
    expect(tcp(0, 70000).toString()).toBe('TCP');
    expect(tcp(0, 0).isEmpty).toBe(true);
    expect(tcp(70000, 80000).isEmpty).toBe(true);
    expect(tcp(1).toString()).toBe('TCP 1');
    expect(tcp(65535).toString()).toBe('TCP 65535');
  });

  it('a whole protocol prints as its name', () => {
    expect(ConnSet.protocol('UDP').toString()).toBe('UDP');
    expect(ConnSet.protocol('SCTP').equals(sctp(1, 65535))).toBe(true);
    expect(ConnSet.protocol('TCP').has('TCP', 1)).toBe(true);
    expect(ConnSet.protocol('TCP').has('TCP', 65535)).toBe(true);
    expect(ConnSet.protocol('TCP').has('UDP', 1)).toBe(false);
  });

  it('the port-less protocols on their own', () => {
    const o = ConnSet.otherProtocols();
    expect(o.toString()).toBe(OTHER);
    expect(o.other).toBe(true);
    expect(o.isEmpty).toBe(false);
    expect(o.isAll).toBe(false);
    expect(o.has('TCP', 80)).toBe(false);
    expect(o.toJSON()).toEqual({ protocols: [{ protocol: 'OTHER', ports: [] }] });
  });

  it('NONE and ALL', () => {
    expect(ConnSet.NONE.isEmpty).toBe(true);
    expect(ConnSet.NONE.isAll).toBe(false);
    expect(ConnSet.NONE.other).toBe(false);
    expect(ConnSet.NONE.toString()).toBe('No Connections');
    expect(ConnSet.ALL.isAll).toBe(true);
    expect(ConnSet.ALL.isEmpty).toBe(false);
    expect(ConnSet.ALL.other).toBe(true);
    expect(ConnSet.ALL.toString()).toBe('All Connections');
    for (const p of PROTOCOLS) {
      expect(ConnSet.ALL.has(p, 1)).toBe(true);
      expect(ConnSet.ALL.has(p, 65535)).toBe(true);
      expect(ConnSet.NONE.has(p, 80)).toBe(false);
    }
  });

  it('every port of every protocol is not all without the port-less protocols', () => {
    const FULL_THREE = fullThree();
    expect(FULL_THREE.isAll).toBe(false);
    expect(FULL_THREE.toString()).toBe('TCP,UDP,SCTP');
    expect(FULL_THREE.equals(ConnSet.ALL)).toBe(false);
    const all = FULL_THREE.union(ConnSet.otherProtocols());
    expect(all.isAll).toBe(true);
    expect(all.toString()).toBe('All Connections');
    expect(all.equals(ConnSet.ALL)).toBe(true);
    // Nearly every port is not all either.
    expect(ConnSet.ALL.subtract(tcp(65535)).isAll).toBe(false);
    expect(ConnSet.ALL.subtract(sctp(1)).isAll).toBe(false);
  });

  it('has() looks at one protocol and the exact range bounds', () => {
    const s = tcp(80, 90).union(udp(53));
    expect(s.has('TCP', 79)).toBe(false);
    expect(s.has('TCP', 80)).toBe(true);
    expect(s.has('TCP', 90)).toBe(true);
    expect(s.has('TCP', 91)).toBe(false);
    expect(s.has('UDP', 53)).toBe(true);
    expect(s.has('UDP', 80)).toBe(false);
    expect(s.has('TCP', 53)).toBe(false);
    expect(s.has('SCTP', 80)).toBe(false);
  });
});

describe('ConnSet algebra', () => {
  it('union merges adjacent and overlapping ranges per protocol', () => {
    expect(tcp(80, 90).union(tcp(91, 100)).toString()).toBe('TCP 80-100');
    expect(tcp(80, 90).union(tcp(85, 95)).toString()).toBe('TCP 80-95');
    expect(tcp(80).union(tcp(82)).toString()).toBe('TCP 80,82');
    expect(udp(53).union(tcp(53)).union(sctp(53)).toString()).toBe('TCP 53,UDP 53,SCTP 53');
  });

  it('union keeps the port-less protocols of either side', () => {
    expect(tcp(80).union(ConnSet.otherProtocols()).toString()).toBe(`TCP 80,${OTHER}`);
    expect(ConnSet.otherProtocols().union(udp(53)).toString()).toBe(`UDP 53,${OTHER}`);
    expect(tcp(80).union(udp(53)).other).toBe(false);
  });

  it('union with NONE or ALL', () => {
    expect(tcp(80).union(ConnSet.NONE).toString()).toBe('TCP 80');
    expect(ConnSet.NONE.union(tcp(80)).toString()).toBe('TCP 80');
    expect(tcp(80).union(ConnSet.ALL).isAll).toBe(true);
    expect(ConnSet.ALL.union(tcp(80)).isAll).toBe(true);
    expect(ConnSet.NONE.union(ConnSet.NONE).isEmpty).toBe(true);
    // Nothing to compute: the operand itself comes back.
    const s = tcp(80);
    expect(s.union(ConnSet.NONE)).toBe(s);
    expect(ConnSet.NONE.union(s)).toBe(s);
    expect(ConnSet.ALL.union(s)).toBe(ConnSet.ALL);
    expect(s.union(ConnSet.ALL)).toBe(ConnSet.ALL);
  });

  it('intersect keeps what both admit', () => {
    const a = tcp(80, 100).union(udp(53));
    expect(a.intersect(tcp(95, 200)).toString()).toBe('TCP 95-100');
    expect(a.intersect(udp(1, 100)).toString()).toBe('UDP 53');
    expect(a.intersect(sctp(53)).isEmpty).toBe(true);
    expect(a.intersect(ConnSet.ALL).equals(a)).toBe(true);
    expect(ConnSet.ALL.intersect(a).equals(a)).toBe(true);
    expect(a.intersect(ConnSet.NONE).isEmpty).toBe(true);
    expect(ConnSet.NONE.intersect(a).isEmpty).toBe(true);
    const s = tcp(80);
    expect(s.intersect(ConnSet.ALL)).toBe(s);
    expect(ConnSet.ALL.intersect(s)).toBe(s);
    expect(ConnSet.NONE.intersect(s)).toBe(ConnSet.NONE);
    expect(s.intersect(ConnSet.NONE)).toBe(ConnSet.NONE);
  });

  it('intersect keeps the port-less protocols only when both sides have them', () => {
    const withOther = tcp(80).union(ConnSet.otherProtocols());
    expect(withOther.intersect(udp(53).union(ConnSet.otherProtocols())).toString()).toBe(OTHER);
    expect(withOther.intersect(ConnSet.protocol('TCP')).toString()).toBe('TCP 80');
    expect(ConnSet.protocol('TCP').intersect(withOther).toString()).toBe('TCP 80');
  });

  it('subtract removes ports and can split ranges', () => {
    const a = tcp(80, 100).union(udp(53));
    expect(a.subtract(tcp(85)).toString()).toBe('TCP 80-84,86-100,UDP 53');
    expect(a.subtract(udp(53)).toString()).toBe('TCP 80-100');
    expect(a.subtract(ConnSet.protocol('TCP')).toString()).toBe('UDP 53');
    expect(a.subtract(ConnSet.ALL).isEmpty).toBe(true);
    expect(ConnSet.ALL.subtract(ConnSet.ALL).isEmpty).toBe(true);
    expect(ConnSet.NONE.subtract(a).isEmpty).toBe(true);
    expect(a.subtract(ConnSet.NONE).equals(a)).toBe(true);
    expect(a.subtract(ConnSet.NONE)).toBe(a);
    expect(ConnSet.NONE.subtract(a)).toBe(ConnSet.NONE);
  });

  it('subtract keeps the port-less protocols unless the other side has them', () => {
    expect(ConnSet.ALL.subtract(ConnSet.protocol('UDP')).toString()).toBe(`TCP,SCTP,${OTHER}`);
    expect(ConnSet.ALL.subtract(ConnSet.otherProtocols()).toString()).toBe('TCP,UDP,SCTP');
    expect(tcp(80).union(ConnSet.otherProtocols()).subtract(tcp(80)).toString()).toBe(OTHER);
    expect(tcp(80).subtract(ConnSet.otherProtocols()).toString()).toBe('TCP 80');
  });

  it('equals compares every protocol and the port-less flag', () => {
    expect(tcp(80).equals(tcp(80))).toBe(true);
    expect(tcp(80).equals(udp(80))).toBe(false);
    expect(udp(80).equals(tcp(80))).toBe(false);
    expect(sctp(80).equals(tcp(80))).toBe(false);
    expect(tcp(80).union(sctp(1)).equals(tcp(80))).toBe(false);
    expect(tcp(80).equals(tcp(80).union(ConnSet.otherProtocols()))).toBe(false);
    expect(tcp(80, 81).equals(tcp(80).union(tcp(81)))).toBe(true);
    expect(ConnSet.NONE.equals(tcp(0))).toBe(true);
  });
});

describe('ConnSet output', () => {
  it('text: protocols in TCP, UDP, SCTP order, ranges comma-separated, port-less last', () => {
    const s = sctp(9).union(ConnSet.otherProtocols()).union(udp(53)).union(tcp(8080, 8090)).union(tcp(53)).union(tcp(443));
    expect(s.toString()).toBe(`TCP 53,443,8080-8090,UDP 53,SCTP 9,${OTHER}`);
    expect(ConnSet.protocol('TCP').union(udp(53)).toString()).toBe('TCP,UDP 53');
  });

  it('JSON: all, or protocols with numeric port ranges', () => {
    expect(ConnSet.ALL.toJSON()).toEqual({ all: true });
    expect(ConnSet.NONE.toJSON()).toEqual({ protocols: [] });
    expect(tcp(80, 90).union(tcp(443)).union(sctp(7)).toJSON()).toEqual({
      protocols: [
        {
          protocol: 'TCP',
          ports: [
            { from: 80, to: 90 },
            { from: 443, to: 443 },
          ],
        },
        { protocol: 'SCTP', ports: [{ from: 7, to: 7 }] },
      ],
    });
    expect(ConnSet.protocol('UDP').union(ConnSet.otherProtocols()).toJSON()).toEqual({
      protocols: [
        { protocol: 'UDP', ports: [{ from: 1, to: 65535 }] },
        { protocol: 'OTHER', ports: [] },
      ],
    });
    expect(JSON.stringify(tcp(22))).toBe('{"protocols":[{"protocol":"TCP","ports":[{"from":22,"to":22}]}]}');
    expect(JSON.stringify(ConnSet.ALL)).toBe('{"all":true}');
  });
});

describe('resolvePorts', () => {
  const ports: NamedPort[] = [
    { name: 'http', protocol: 'TCP', port: 8080 },
    { name: 'dns', protocol: 'UDP', port: 53 },
    { name: 'dns-tcp', protocol: 'TCP', port: 53 },
    { name: 'both', protocol: 'TCP', port: 7000 },
    { name: 'both', protocol: 'UDP', port: 7001 },
  ];
  const r = (specs: PortSpec[] | 'all', dst: NamedPort[] = ports): string => resolvePorts(specs, dst).toString();

  it('no port list admits all connections; an empty list admits none', () => {
    expect(resolvePorts('all', []).isAll).toBe(true);
    expect(r([])).toBe('No Connections');
  });

  it('numbered ports and ranges, per protocol', () => {
    expect(r([{ protocol: 'TCP', from: 80, to: 80 }])).toBe('TCP 80');
    expect(r([{ protocol: 'UDP', from: 5000, to: 5010 }])).toBe('UDP 5000-5010');
    expect(
      r([
        { protocol: 'TCP', from: 80, to: 80 },
        { protocol: 'TCP', from: 81, to: 81 },
        { protocol: 'SCTP', from: 9, to: 9 },
      ]),
    ).toBe('TCP 80-81,SCTP 9');
  });

  it('ANY stands for TCP, UDP and SCTP', () => {
    expect(r([{ protocol: 'ANY', from: 53, to: 53 }])).toBe('TCP 53,UDP 53,SCTP 53');
    expect(r([{ protocol: 'ANY', from: 1, to: 65535 }])).toBe('TCP,UDP,SCTP');
  });

  it('OTHER admits the port-less protocols', () => {
    expect(r([{ protocol: 'OTHER' }])).toBe(OTHER);
    expect(r([{ protocol: 'OTHER' }, { protocol: 'TCP', from: 22, to: 22 }])).toBe(`TCP 22,${OTHER}`);
  });

  it('a named port resolves only against a destination port of that name and protocol', () => {
    expect(r([{ protocol: 'TCP', name: 'http' }])).toBe('TCP 8080');
    expect(r([{ protocol: 'UDP', name: 'http' }])).toBe('No Connections');
    expect(r([{ protocol: 'TCP', name: 'dns' }])).toBe('No Connections');
    expect(r([{ protocol: 'UDP', name: 'dns' }])).toBe('UDP 53');
    expect(r([{ protocol: 'TCP', name: 'dns-tcp' }])).toBe('TCP 53');
    expect(r([{ protocol: 'TCP', name: 'nope' }])).toBe('No Connections');
    expect(r([{ protocol: 'TCP', name: 'both' }])).toBe('TCP 7000');
    expect(r([{ protocol: 'UDP', name: 'both' }])).toBe('UDP 7001');
    expect(r([{ protocol: 'ANY', name: 'both' }])).toBe('TCP 7000,UDP 7001');
    expect(r([{ protocol: 'ANY', name: 'dns' }])).toBe('UDP 53');
    // Towards an address outside the cluster a name resolves to nothing.
    expect(r([{ protocol: 'TCP', name: 'http' }], [])).toBe('No Connections');
  });

  it('named and numbered ports add up', () => {
    expect(
      r([
        { protocol: 'TCP', name: 'http' },
        { protocol: 'UDP', name: 'dns' },
        { protocol: 'TCP', from: 443, to: 443 },
      ]),
    ).toBe('TCP 443,8080,UDP 53');
  });
});

describe('parseProtocol', () => {
  it.each<[string | undefined, string | undefined]>([
    [undefined, undefined],
    ['TCP', 'TCP'],
    ['tcp', 'TCP'],
    ['6', 'TCP'],
    ['UDP', 'UDP'],
    ['Udp', 'UDP'],
    ['17', 'UDP'],
    ['SCTP', 'SCTP'],
    ['sctp', 'SCTP'],
    ['132', 'SCTP'],
    ['ANY', 'ANY'],
    ['any', 'ANY'],
    ['ICMP', 'OTHER'],
    ['ICMPv6', 'OTHER'],
    ['1', 'OTHER'],
    ['', 'OTHER'],
  ])('%s', (input, expected) => {
    expect(parseProtocol(input)).toBe(expected);
  });
});
