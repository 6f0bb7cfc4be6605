/**
 * Connection sets: which protocols and ports a policy lets through. Ports are 1-65535;
 * `OTHER` stands for every protocol without ports (ICMP, ESP, …), which only rules that
 * name no protocol at all (Kubernetes `ports` absent, Calico without `protocol`) admit.
 */

export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];
export const MIN_PORT = 1;
export const MAX_PORT = 65535;

/** Inclusive port range. */
export type PortRange = readonly [number, number];
type Ranges = readonly PortRange[];

const FULL: Ranges = [[MIN_PORT, MAX_PORT]];

export class ConnSet {
  private constructor(
    private readonly ranges: Readonly<Record<Protocol, Ranges>>,
    /** Port-less protocols (ICMP and others). */
    readonly other: boolean,
  ) {}

  static readonly NONE = new ConnSet({ TCP: [], UDP: [], SCTP: [] }, false);
  static readonly ALL = new ConnSet({ TCP: FULL, UDP: FULL, SCTP: FULL }, true);

  static ports(protocol: Protocol, from: number, to: number): ConnSet {
    const lo = Math.max(MIN_PORT, Math.min(from, to));
    const hi = Math.min(MAX_PORT, Math.max(from, to));
    if (lo > hi) return ConnSet.NONE;
    const r: Record<Protocol, Ranges> = { TCP: [], UDP: [], SCTP: [] };
    r[protocol] = [[lo, hi]];
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
    return this.other && PROTOCOLS.every((p) => isFull(this.ranges[p]));
  }

  has(protocol: Protocol, port: number): boolean {
    return this.ranges[protocol].some(([a, b]) => a <= port && port <= b);
  }

  rangesOf(protocol: Protocol): Ranges {
    return this.ranges[protocol];
  }

  union(o: ConnSet): ConnSet {
    if (o.isEmpty || this.isAll) return this;
    if (this.isEmpty || o.isAll) return o;
    return this.combine(o, unionRanges, this.other || o.other);
  }

  intersect(o: ConnSet): ConnSet {
    if (o.isAll || this.isEmpty) return this;
    if (this.isAll || o.isEmpty) return o;
    return this.combine(o, intersectRanges, this.other && o.other);
  }

  subtract(o: ConnSet): ConnSet {
    if (o.isEmpty || this.isEmpty) return this;
    if (o.isAll) return ConnSet.NONE;
    return this.combine(o, subtractRanges, this.other && !o.other);
  }

  equals(o: ConnSet): boolean {
    return this.other === o.other && PROTOCOLS.every((p) => sameRanges(this.ranges[p], o.ranges[p]));
  }

  /** `All Connections`, or e.g. `TCP 53,8080-8090,UDP 53` (`TCP` alone = every TCP port). */
  toString(): string {
    if (this.isAll) return 'All Connections';
    if (this.isEmpty) return 'No Connections';
    const parts: string[] = [];
    for (const p of PROTOCOLS) {
      const r = this.ranges[p];
      if (r.length === 0) continue;
      parts.push(isFull(r) ? p : `${p} ${r.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',')}`);
    }
    if (this.other) parts.push('other protocols (ICMP, …)');
    return parts.join(',');
  }

  toJSON(): { all: true } | { protocols: { protocol: Protocol | 'OTHER'; ports: { from: number; to: number }[] }[] } {
    if (this.isAll) return { all: true };
    const protocols: { protocol: Protocol | 'OTHER'; ports: { from: number; to: number }[] }[] = [];
    for (const p of PROTOCOLS) {
      const r = this.ranges[p];
      if (r.length) protocols.push({ protocol: p, ports: r.map(([from, to]) => ({ from, to })) });
    }
    if (this.other) protocols.push({ protocol: 'OTHER', ports: [] });
    return { protocols };
  }

  private combine(o: ConnSet, op: (a: Ranges, b: Ranges) => Ranges, other: boolean): ConnSet {
    return new ConnSet(
      { TCP: op(this.ranges.TCP, o.ranges.TCP), UDP: op(this.ranges.UDP, o.ranges.UDP), SCTP: op(this.ranges.SCTP, o.ranges.SCTP) },
      other,
    );
  }
}

function isFull(r: Ranges): boolean {
  return r.length === 1 && r[0]?.[0] === MIN_PORT && r[0]?.[1] === MAX_PORT;
}

function sameRanges(a: Ranges, b: Ranges): boolean {
  return a.length === b.length && a.every((r, i) => r[0] === b[i]?.[0] && r[1] === b[i]?.[1]);
}

function unionRanges(a: Ranges, b: Ranges): Ranges {
  const all = [...a, ...b].sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const [lo, hi] of all) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

function intersectRanges(a: Ranges, b: Ranges): Ranges {
  const out: [number, number][] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as PortRange;
    const y = b[j] as PortRange;
    const lo = Math.max(x[0], y[0]);
    const hi = Math.min(x[1], y[1]);
    if (lo <= hi) out.push([lo, hi]);
    if (x[1] < y[1]) i++;
    else j++;
  }
  return out;
}

function subtractRanges(a: Ranges, b: Ranges): Ranges {
  const out: [number, number][] = [];
  for (const [lo0, hi] of a) {
    let lo = lo0;
    for (const [blo, bhi] of b) {
      if (bhi < lo || blo > hi) continue;
      if (blo > lo) out.push([lo, blo - 1]);
      lo = bhi + 1;
      if (lo > hi) break;
    }
    if (lo <= hi) out.push([lo, hi]);
  }
  return out;
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
