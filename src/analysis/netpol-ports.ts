/**
 * Connection sets: which protocols and ports a policy lets through. Ports are 1-65535;
 * `OTHER` stands for every protocol without ports (ICMP, ESP, …), which only rules that
 * name no protocol at all (Kubernetes `ports` absent, Calico without `protocol`) admit.
 */

import { Iv, type Intervals } from '../core/intervals.js';

export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];
export const MIN_PORT = 1;
export const MAX_PORT = 65535;

const FULL: Intervals = Iv.of(BigInt(MIN_PORT), BigInt(MAX_PORT));

export class ConnSet {
  private constructor(
    /** Port intervals per protocol. */
    private readonly ranges: Readonly<Record<Protocol, Intervals>>,
    /** Port-less protocols (ICMP and others). */
    readonly other: boolean,
  ) {}

  static readonly NONE = new ConnSet({ TCP: [], UDP: [], SCTP: [] }, false);
  static readonly ALL = new ConnSet({ TCP: FULL, UDP: FULL, SCTP: FULL }, true);

  static ports(protocol: Protocol, from: number, to: number): ConnSet {
    const lo = Math.max(MIN_PORT, Math.min(from, to));
    const hi = Math.min(MAX_PORT, Math.max(from, to));
    if (lo > hi) return ConnSet.NONE;
    const r: Record<Protocol, Intervals> = { TCP: [], UDP: [], SCTP: [] };
    r[protocol] = Iv.of(BigInt(lo), BigInt(hi));
    return new ConnSet(r, false);
  }

  static protocol(protocol: Protocol): ConnSet {
    return ConnSet.ports(protocol, MIN_PORT, MAX_PORT);
  }

  static otherProtocols(): ConnSet {
    return new ConnSet({ TCP: [], UDP: [], SCTP: [] }, true);
  }

  get isEmpty(): boolean {
    return !this.other && PROTOCOLS.every((p) => this.ranges[p].length === 0);
  }

  get isAll(): boolean {
    return this.other && PROTOCOLS.every((p) => Iv.equal(this.ranges[p], FULL));
  }

  has(protocol: Protocol, port: number): boolean {
    return Iv.contains(this.ranges[protocol], BigInt(port));
  }

  union(o: ConnSet): ConnSet {
    if (o.isEmpty || this.isAll) return this;
    if (this.isEmpty || o.isAll) return o;
    return this.combine(o, Iv.union, this.other || o.other);
  }

  intersect(o: ConnSet): ConnSet {
    if (o.isAll || this.isEmpty) return this;
    if (this.isAll || o.isEmpty) return o;
    return this.combine(o, Iv.intersect, this.other && o.other);
  }

  subtract(o: ConnSet): ConnSet {
    if (o.isEmpty || this.isEmpty) return this;
    if (o.isAll) return ConnSet.NONE;
    return this.combine(o, Iv.subtract, this.other && !o.other);
  }

  equals(o: ConnSet): boolean {
    return this.other === o.other && PROTOCOLS.every((p) => Iv.equal(this.ranges[p], o.ranges[p]));
  }

  /** `All Connections`, or e.g. `TCP 53,8080-8090,UDP 53` (`TCP` alone = every TCP port). */
  toString(): string {
    if (this.isAll) return 'All Connections';
    if (this.isEmpty) return 'No Connections';
    const parts: string[] = [];
    for (const p of PROTOCOLS) {
      const r = this.ranges[p];
      if (r.length === 0) continue;
      parts.push(Iv.equal(r, FULL) ? p : `${p} ${r.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',')}`);
    }
    if (this.other) parts.push('other protocols (ICMP, …)');
    return parts.join(',');
  }

  /**
   * The connectivity map's spelling: `All Connections` only for every protocol and port
   * (ICMP and the other port-less protocols included); otherwise the port-carrying
   * protocols in alphabetical order with their ranges, `SCTP 1-65535,TCP 80,UDP 53`, then
   * the port-less ones if admitted.
   */
  toMapString(): string {
    if (this.isAll) return 'All Connections';
    if (this.isEmpty) return 'No Connections';
    const parts: string[] = [];
    for (const p of [...PROTOCOLS].sort()) {
      const r = this.ranges[p];
      if (r.length) parts.push(`${p} ${r.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',')}`);
    }
    if (this.other) parts.push('ICMP and other protocols');
    return parts.join(',');
  }

  toJSON(): { all: true } | { protocols: { protocol: Protocol | 'OTHER'; ports: { from: number; to: number }[] }[] } {
    if (this.isAll) return { all: true };
    const protocols: { protocol: Protocol | 'OTHER'; ports: { from: number; to: number }[] }[] = [];
    for (const p of PROTOCOLS) {
      const r = this.ranges[p];
      if (r.length) protocols.push({ protocol: p, ports: r.map(([from, to]) => ({ from: Number(from), to: Number(to) })) });
    }
    if (this.other) protocols.push({ protocol: 'OTHER', ports: [] });
    return { protocols };
  }

  private combine(o: ConnSet, op: (a: Intervals, b: Intervals) => Intervals, other: boolean): ConnSet {
    return new ConnSet(
      { TCP: op(this.ranges.TCP, o.ranges.TCP), UDP: op(this.ranges.UDP, o.ranges.UDP), SCTP: op(this.ranges.SCTP, o.ranges.SCTP) },
      other,
    );
  }
}

/** A port entry as a policy writes it, before named ports are resolved. */
export type PortSpec =
  | { protocol: Protocol | 'ANY'; from: number; to: number }
  | { protocol: Protocol | 'ANY'; name: string }
  /** Port-less protocols (Calico `protocol: ICMP`). */
  | { protocol: 'OTHER' };

/** A container port a named port can resolve to. */
export interface NamedPort {
  name: string;
  protocol: Protocol;
  port: number;
}

function protocolsOf(p: Protocol | 'ANY'): readonly Protocol[] {
  return p === 'ANY' ? PROTOCOLS : [p];
}

/**
 * The connections a rule's ports admit towards a destination whose container ports are
 * `dstPorts`. A named port resolves only against a container port of the same name and
 * protocol; towards an address outside the cluster it resolves to nothing.
 */
export function resolvePorts(specs: readonly PortSpec[] | 'all', dstPorts: readonly NamedPort[]): ConnSet {
  if (specs === 'all') return ConnSet.ALL;
  let out = ConnSet.NONE;
  for (const spec of specs) {
    if (spec.protocol === 'OTHER') {
      out = out.union(ConnSet.otherProtocols());
      continue;
    }
    for (const protocol of protocolsOf(spec.protocol)) {
      if ('name' in spec) {
        for (const cp of dstPorts)
          if (cp.name === spec.name && cp.protocol === protocol) out = out.union(ConnSet.ports(protocol, cp.port, cp.port));
      } else {
        out = out.union(ConnSet.ports(protocol, spec.from, spec.to));
      }
    }
  }
  return out;
}

/** Parse a protocol name as Kubernetes, Calico or Cilium write it (numbers too). */
export function parseProtocol(value: string | undefined): Protocol | 'ANY' | 'OTHER' | undefined {
  if (value === undefined) return undefined;
  const v = value.toUpperCase();
  if (v === 'TCP' || v === '6') return 'TCP';
  if (v === 'UDP' || v === '17') return 'UDP';
  if (v === 'SCTP' || v === '132') return 'SCTP';
  if (v === 'ANY') return 'ANY';
  return 'OTHER';
}
