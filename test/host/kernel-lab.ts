import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A two-namespace laboratory for asking the kernel what it does with a packet. The server
 * namespace holds the ruleset under test and one veth interface per name the test needs
 * (`eth0`, `wg0`, …); the client namespace holds the other ends. Every probe is sent as a UDP
 * datagram from the client, routed out of the client end whose server end is the probe's
 * input interface (policy routing on the exact 5-tuple), and rewritten on the way out by the
 * client's own nft table into the protocol the probe asks for: the UDP header becomes the
 * first eight bytes of the new transport header, so a TCP probe is a SYN (the payload
 * supplies the rest of the header), an ICMP probe is an echo request (source port 0x0800,
 * ICMPv6: 0x8000) and `th sport`/`th dport` of any protocol are the probe's two ports.
 * The server does not check transport checksums in conntrack, so every probe is the first
 * packet of a new connection (ct state new).
 *
 * The kernel's verdict is read from a counter per probe in a last base chain on the input
 * hook (priority 2147483647, after every chain of any table): a packet that reaches it was
 * accepted by everything on its way in. Per-rule kernel counts come from `iptables-save -c`
 * (iptables rules) and from nft tracing (nft rules, which need no `counter`).
 *
 * Addresses: only 10.250.0.0/16, the documentation ranges and 2001:db8::/32, only inside
 * the namespaces, which `destroy()` deletes (also `destroyAllLabs()` on failure).
 */

export interface LabProbe {
  family: 4 | 6;
  /** IP protocol number: 6, 17, 1 (IPv4), 58 (IPv6) or another one the generic tracker handles (47). */
  proto: number;
  src: string;
  dst: string;
  sport: number;
  dport: number;
  /** The server interface the packet arrives on. */
  iif: string;
}

/** Kernel packet counts per rule. */
export interface RuleHits {
  /** iptables rules: `4 filter INPUT` → packets per rule position. */
  iptables: Map<string, number[]>;
  /** nft rules: `inet fw input 7` (family, table, chain, handle) → packets that matched it. */
  nft: Map<string, number>;
  /** The first traced packet that matched each nft rule, for messages. */
  nftExample: Map<string, string>;
}

export interface ProbeResult {
  accepted: boolean[];
  hits?: RuleHits;
}

export interface Exec {
  status: number;
  out: string;
}

const ALLOWED_IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;
export const isUsableIfname = (n: string): boolean => ALLOWED_IFNAME.test(n) && n !== 'lo' && !/^c\d+$/.test(n);

/**
 * A GRE probe's first two header bytes (its "source port") must not say version 1: PPTP is
 * tracked apart. Version 2 instead (never 0: a probe port is at least 1).
 */
export function greSport(sport: number): number {
  return (sport & 7) === 1 ? sport ^ 3 : sport;
}

/** Gateway addresses of the client's routes: neighbours with the server end's MAC address. */
const GW = { 4: '10.250.255.254', 6: '2001:db8:ffff:ffff::fe' } as const;

let seq = 0;
const live = new Set<Lab>();

export function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function run(cmd: string[], input?: string, cwd?: string): Exec {
  const [file, ...args] = cmd;
  const r = spawnSync(file as string, args, { input: input ?? '', cwd, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status ?? -1, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

function must(cmd: string[], input?: string): string {
  const r = run(cmd, input);
  if (r.status !== 0) throw new Error(`${cmd.join(' ')}: ${r.out.trim()}`);
  return r.out;
}

export class Lab {
  readonly server: string;
  readonly client: string;
  readonly ifaces: readonly string[];
  private readonly clientEnd = new Map<string, string>();
  private readonly serverAddrs = new Set<string>();
  private readonly clientAddrs = new Set<string>();
  private probed = false;
  private endMonitor: (() => void) | undefined;

  constructor(ifaces: readonly string[]) {
    const names = [...new Set(ifaces)];
    for (const n of names) if (!isUsableIfname(n)) throw new Error(`interface name ${JSON.stringify(n)} cannot be created`);
    this.ifaces = names;
    const id = `nslk${process.pid}x${seq++}`;
    this.server = `${id}s`;
    this.client = `${id}c`;
    must(['ip', 'netns', 'add', this.server]);
    live.add(this);
    must(['ip', 'netns', 'add', this.client]);
    // Source validation would drop probes whose source has no route back; it is not what is tested.
    this.sysctl(this.server, 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0');
    const server: string[] = ['link set lo up'];
    const client: string[] = ['link set lo up'];
    names.forEach((name, k) => {
      const end = `c${k}`;
      this.clientEnd.set(name, end);
      must(['ip', '-n', this.server, 'link', 'add', 'name', name, 'type', 'veth', 'peer', 'name', end, 'netns', this.client]);
      server.push(`link set ${name} up`);
      client.push(`link set ${end} up`);
    });
    must(['ip', '-n', this.server, '-batch', '-'], server.join('\n') + '\n');
    must(['ip', '-n', this.client, '-batch', '-'], client.join('\n') + '\n');
    const routes: string[] = [];
    names.forEach((name, k) => {
      const mac = /link\/ether (\S+)/.exec(must(['ip', '-n', this.server, 'link', 'show', name]))?.[1];
      if (!mac) throw new Error(`no MAC address on ${name}`);
      const end = `c${k}`;
      routes.push(
        `route add 0.0.0.0/0 via ${GW[4]} dev ${end} onlink table ${100 + k}`,
        `route add ::/0 via ${GW[6]} dev ${end} onlink table ${100 + k}`,
        `neigh replace ${GW[4]} lladdr ${mac} dev ${end} nud permanent`,
        `neigh replace ${GW[6]} lladdr ${mac} dev ${end} nud permanent`,
      );
    });
    if (routes.length) must(['ip', '-n', this.client, '-batch', '-'], routes.join('\n') + '\n');
  }

  private sysctl(ns: string, ...settings: string[]): Exec {
    return run(['ip', 'netns', 'exec', ns, 'sysctl', '-qw', ...settings]);
  }

  /** Run a command inside the server namespace (argument vector, no shell). */
  exec(cmd: string[], input?: string, cwd?: string): Exec {
    return run(['ip', 'netns', 'exec', this.server, ...cmd], input, cwd);
  }

  /**
   * Send the probes once (a lab probes only once: a second round would meet the first
   * round's conntrack entries) and read the kernel's verdict for each; with `hits`, also
   * how many packets each rule of the ruleset matched.
   */
  probe(probes: readonly LabProbe[], opts: { hits?: boolean } = {}): ProbeResult {
    if (this.probed) throw new Error('a lab probes once');
    this.probed = true;
    const tuples = new Set<string>();
    for (const p of probes) {
      const key = `${p.family} ${p.src} ${p.dst} ${p.sport} ${p.dport}`;
      if (tuples.has(key)) throw new Error(`two probes share the tuple ${key}`);
      tuples.add(key);
      if (!this.clientEnd.has(p.iif)) throw new Error(`no interface ${p.iif} in the lab`);
      if (p.sport < 1 || p.sport > 65535 || p.dport < 1 || p.dport > 65535) throw new Error(`probe port out of range: ${key}`);
      // The first two bytes of a GRE header hold its version: version 1 (PPTP) has its own conntrack rules.
      if (p.proto === 47 && (p.sport & 7) === 1) throw new Error(`GRE probe with version 1 (source port ${p.sport}): use greSport()`);
    }
    const wire = wirePorts(probes);
    this.addresses(probes);
    this.routeProbes(probes, wire);
    this.rewriteProbes(probes, wire);
    // After the ruleset: the oracle table is the last thing loaded.
    const oracle = probes.map((p, i) => {
      const ip = p.family === 4 ? 'ip' : 'ip6';
      return `    meta l4proto ${p.proto} ${ip} saddr ${p.src} ${ip} daddr ${p.dst} th sport ${p.sport} th dport ${p.dport} counter comment "p${i}"`;
    });
    const table = [
      'table inet nsloracle {',
      '  chain count {',
      '    type filter hook input priority 2147483647; policy accept;',
      ...oracle,
      '  }',
      '}',
      ...(opts.hits ? this.traceTable() : []),
      '',
    ].join('\n');
    const o = this.exec(['nft', '-f', '-'], table);
    if (o.status !== 0) throw new Error(`oracle table: ${o.out}`);
    // Checksums are not what is tested: a rewritten probe is a valid new connection for conntrack.
    this.sysctl(this.server, 'net.netfilter.nf_conntrack_checksum=0');
    const monitor = opts.hits ? this.startMonitor() : undefined;
    const list = probes.map((p, i) => ({
      family: p.family,
      src: p.src,
      dst: p.dst,
      sport: wire[i]?.sport,
      dport: wire[i]?.dport,
      syn: p.proto === 6,
      // Distinct lengths keep ICMP echo identifiers (the UDP length field) apart.
      extra: i,
    }));
    const sent = run(
      ['ip', 'netns', 'exec', this.client, process.execPath, path.join(import.meta.dirname, 'probe-client.mjs')],
      JSON.stringify(list),
    );
    if (sent.status !== 0) throw new Error(`probe client: ${sent.out}`);
    sleepMs(20);
    const trace = monitor?.stop();
    const json = JSON.parse(this.exec(['nft', '-j', 'list', 'table', 'inet', 'nsloracle']).out) as {
      nftables: { rule?: { comment?: string; expr: { counter?: { packets: number } }[] } }[];
    };
    const counts = new Map<string, number>();
    for (const item of json.nftables)
      if (item.rule?.comment) counts.set(item.rule.comment, item.rule.expr.find((e) => e.counter)?.counter?.packets ?? 0);
    const accepted = probes.map((_, i) => (counts.get(`p${i}`) ?? 0) > 0);
    if (!opts.hits) return { accepted };
    return { accepted, hits: { iptables: this.iptablesCounters(), ...parseTrace(trace ?? '') } };
  }

  private addresses(probes: readonly LabProbe[]): void {
    const server: string[] = [];
    const client: string[] = [];
    for (const p of probes) {
      const bits = p.family === 4 ? 32 : 128;
      const nodad = p.family === 6 ? ' nodad' : '';
      if (!this.serverAddrs.has(p.dst)) {
        this.serverAddrs.add(p.dst);
        server.push(`addr add ${p.dst}/${bits} dev lo${nodad}`);
      }
      if (!this.clientAddrs.has(p.src)) {
        this.clientAddrs.add(p.src);
        client.push(`addr add ${p.src}/${bits} dev lo${nodad}`);
      }
    }
    if (server.length) must(['ip', '-n', this.server, '-batch', '-'], server.join('\n') + '\n');
    if (client.length) must(['ip', '-n', this.client, '-batch', '-'], client.join('\n') + '\n');
  }

  /** Each probe leaves through the client end of its input interface: a policy rule on its exact tuple. */
  private routeProbes(probes: readonly LabProbe[], wire: readonly Wire[]): void {
    for (const family of [4, 6] as const) {
      const lines = probes.flatMap((p, i) =>
        p.family === family
          ? [
              `rule add from ${p.src} to ${p.dst} ipproto udp sport ${wire[i]?.sport} dport ${wire[i]?.dport} table ${100 + this.ifaces.indexOf(p.iif)} prio ${1000 + i}`,
            ]
          : [],
      );
      if (lines.length) must(['ip', '-n', this.client, `-${family}`, '-batch', '-'], lines.join('\n') + '\n');
    }
  }

  private rewriteProbes(probes: readonly LabProbe[], wire: readonly Wire[]): void {
    const rules = probes.flatMap((p, i) => {
      const w = wire[i] as Wire;
      const set: string[] = [];
      if (w.sport !== p.sport) set.push(`udp sport set ${p.sport}`);
      if (w.dport !== p.dport) set.push(`udp dport set ${p.dport}`);
      if (p.proto !== 17) set.push(p.family === 4 ? `ip protocol set ${p.proto}` : `ip6 nexthdr set ${p.proto}`);
      if (!set.length) return [];
      const ip = p.family === 4 ? 'ip' : 'ip6';
      return [`    ${ip} saddr ${p.src} ${ip} daddr ${p.dst} udp sport ${w.sport} udp dport ${w.dport} ${set.join(' ')}`];
    });
    const text = [
      'table inet nslrewrite {',
      '  chain out {',
      '    type filter hook postrouting priority 0; policy accept;',
      ...rules,
      '  }',
      '}',
      '',
    ];
    const r = run(['ip', 'netns', 'exec', this.client, 'nft', '-f', '-'], text.join('\n'));
    if (r.status !== 0) throw new Error(`rewrite table: ${r.out}`);
  }

  /** Trace every packet from its first hook on: a netdev chain before any other on each interface. */
  private traceTable(): string[] {
    return [
      'table netdev nsltrace {',
      ...this.ifaces.map((n, k) => `  chain t${k} { type filter hook ingress device "${n}" priority -2147483648; meta nftrace set 1; }`),
      '}',
    ];
  }

  private startMonitor(): { stop(): string } {
    const file = path.join(os.tmpdir(), `${this.server}-monitor.txt`);
    // Started in the background by a shell that exits at once: the monitor is not this process's
    // child (a long synchronous run would otherwise collect zombies), and `destroy()` ends it by pid.
    const started = run(['sh', '-c', 'ip netns exec "$1" nft -a monitor >"$2" 2>&1 & echo $!', 'sh', this.server, file]);
    const pid = Number(started.out.trim());
    if (started.status !== 0 || !Number.isInteger(pid) || pid <= 0) throw new Error(`nft monitor did not start: ${started.out}`);
    this.endMonitor = (): void => {
      try {
        process.kill(pid);
      } catch {
        // already gone
      }
      fs.rmSync(file, { force: true });
      this.endMonitor = undefined;
    };
    const read = (): string => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '');
    /** Make changes until the monitor reports one: then it has seen everything before that change. */
    const sync = (what: string): void => {
      for (let i = 0; i < 100; i++) {
        this.exec(['nft', 'add', 'table', 'inet', `nsl${what}${i}`]);
        for (let j = 0; j < 5; j++) {
          if (read().includes(`add table inet nsl${what}`)) {
            for (let k = 0; k <= i; k++) this.exec(['nft', 'delete', 'table', 'inet', `nsl${what}${k}`]);
            return;
          }
          sleepMs(10);
        }
      }
      const text = read().slice(0, 500);
      this.endMonitor?.();
      throw new Error(`nft monitor reports nothing: ${text}`);
    };
    sync('ready');
    return {
      stop: (): string => {
        sync('done');
        const text = read();
        this.endMonitor?.();
        return text;
      },
    };
  }

  /** Packet counts of every iptables rule, per family, table and chain, in kernel order. */
  private iptablesCounters(): Map<string, number[]> {
    const out = new Map<string, number[]>();
    for (const [family, tool] of [
      [4, 'iptables-save'],
      [6, 'ip6tables-save'],
    ] as const) {
      const r = this.exec([tool, '-c']);
      if (r.status !== 0) continue;
      let table = '';
      for (const line of r.out.split('\n')) {
        const t = /^\*(\S+)/.exec(line);
        if (t) table = t[1] as string;
        const m = /^\[(\d+):\d+\] -A (\S+)/.exec(line);
        if (!m) continue;
        const key = `${family} ${table} ${m[2]}`;
        out.set(key, [...(out.get(key) ?? []), Number(m[1])]);
      }
    }
    return out;
  }

  /** Handles of the nft rules of each chain (`inet fw input`), in kernel order. */
  nftHandles(): Map<string, number[]> {
    const out = new Map<string, number[]>();
    const r = this.exec(['nft', '-a', '-j', 'list', 'ruleset']);
    if (r.status !== 0) return out;
    const json = JSON.parse(r.out) as { nftables: { rule?: { family: string; table: string; chain: string; handle: number } }[] };
    for (const item of json.nftables) {
      const rule = item.rule;
      if (!rule) continue;
      const key = `${rule.family} ${rule.table} ${rule.chain}`;
      out.set(key, [...(out.get(key) ?? []), rule.handle]);
    }
    return out;
  }

  destroy(): void {
    this.endMonitor?.();
    run(['ip', 'netns', 'del', this.server]);
    run(['ip', 'netns', 'del', this.client]);
    live.delete(this);
  }
}

interface Wire {
  sport: number;
  dport: number;
}

/**
 * The ports a probe leaves the client with. Policy routing cannot select port 65535 (the
 * kernel's rule port ranges end below it), so such a probe is sent from or to a free port
 * and the client's rewrite table puts 65535 back.
 */
function wirePorts(probes: readonly LabProbe[]): Wire[] {
  const taken = new Set(probes.map((p) => `${p.family} ${p.src} ${p.dst} ${p.sport} ${p.dport}`));
  let alias = 64999;
  const free = (p: LabProbe, sport: number, dport: number): boolean => !taken.has(`${p.family} ${p.src} ${p.dst} ${sport} ${dport}`);
  return probes.map((p) => {
    let { sport, dport } = p;
    while (sport === 65535 || dport === 65535) {
      const s = sport === 65535 ? alias-- : sport;
      const d = dport === 65535 ? alias-- : dport;
      if (free(p, s, d)) {
        sport = s;
        dport = d;
        taken.add(`${p.family} ${p.src} ${p.dst} ${sport} ${dport}`);
      }
    }
    return { sport, dport };
  });
}

/** Delete the namespaces of every lab still alive (after a failure). */
export function destroyAllLabs(): void {
  for (const lab of [...live]) lab.destroy();
}

/** Count trace lines of the form `trace id X <family> <table> <chain> rule … # handle N (verdict …)`. */
function parseTrace(text: string): Pick<RuleHits, 'nft' | 'nftExample'> {
  const nft = new Map<string, number>();
  const nftExample = new Map<string, string>();
  const packets = new Map<string, string>();
  for (const line of text.split('\n')) {
    const p = /^trace id (\S+) \S+ \S+ \S+ packet: (.*)$/.exec(line);
    if (p) {
      if (!packets.has(p[1] as string)) packets.set(p[1] as string, (p[2] as string).replace(/ ether \S+ \S+/g, ''));
      continue;
    }
    const m = /^trace id (\S+) (\S+) (\S+) (\S+) rule .* # handle (\d+) \(verdict/.exec(line);
    if (!m) continue;
    const key = `${m[2]} ${m[3]} ${m[4]} ${m[5]}`;
    nft.set(key, (nft.get(key) ?? 0) + 1);
    if (!nftExample.has(key)) nftExample.set(key, packets.get(m[1] as string) ?? '');
  }
  return { nft, nftExample };
}
