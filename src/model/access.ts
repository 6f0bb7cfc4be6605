import type { SpanLocation } from '../core/location.js';
import type { SourceFile } from '../discover/discover.js';
import { familyMax, parseCidr, type Family } from '../core/ip.js';
import { Iv, type Intervals } from '../core/intervals.js';
import { parseSshd, parseWireGuard, type ConfEntry } from '../parse/conf.js';
import type { ShellCommand } from '../parse/shell-run.js';

/** VPN and bastion access configuration found in the repository. */
export interface AccessModel {
  /** Committed WireGuard private keys: `PrivateKey = …` lines and `wg set … private-key` literals. */
  wireguardKeys: { at: SpanLocation; source: 'config' | 'script' }[];
  /** sshd directives in effect, per file and Match block (the first value of a keyword wins, as in sshd). */
  sshd: { file: string; section: string; key: string; value: string; at: SpanLocation }[];
  /** WireGuard peers: `[Peer]` sections of configs and peers set up by `wg set` in scripts. */
  wireguardPeers: WireGuardPeer[];
}

/** One peer as this end sees it. */
export interface WireGuardPeer {
  source: 'config' | 'script';
  /** This end listens for peers that roam (config: `[Interface]` has `ListenPort`); scripts: unknown. */
  listens: boolean | undefined;
  /** The peer has a fixed `Endpoint`: this end dials it (a client's view of its server, or site to site). */
  endpoint: boolean;
  /** `AllowedIPs` values, each where it is written (config: its line; script: the command). */
  allowedIps: { cidr: string; at: SpanLocation }[];
}

export function emptyAccessModel(): AccessModel {
  return { wireguardKeys: [], sshd: [], wireguardPeers: [] };
}

/**
 * The `AllowedIPs` entry with which a peer's list comes to admit every address of a family:
 * `0.0.0.0/0`, `::/0`, or halves that add up to it (`0.0.0.0/1, 128.0.0.0/1`).
 */
export function firstAllowingAny(allowed: readonly { cidr: string; at: SpanLocation }[]): { cidr: string; at: SpanLocation } | undefined {
  const covered: Record<Family, Intervals> = { 4: [], 6: [] };
  for (const a of allowed) {
    const range = parseCidr(a.cidr);
    if (!range) continue;
    const all = Iv.of(0n, familyMax(range.family));
    covered[range.family] = Iv.union(covered[range.family], Iv.of(range.start, range.end));
    if (Iv.equal(covered[range.family], all)) return a;
  }
  return undefined;
}

/** A WireGuard key: 32 bytes in base64. Placeholders (`<key>`, `${KEY}`, `{{ … }}`) are not keys. */
export const WG_KEY = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;
const WG_KEY_IN_TEXT = /(?:^|[^A-Za-z0-9+/])([A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=)(?![A-Za-z0-9+/=])/;

export function loadAccess(access: AccessModel, files: SourceFile[]): void {
  for (const f of files) {
    if (f.kind === 'wireguard') {
      const entries = parseWireGuard(f.path, f.text);
      for (const e of entries)
        if (e.section.toLowerCase() === 'interface' && e.key.toLowerCase() === 'privatekey' && WG_KEY.test(e.value))
          access.wireguardKeys.push({ at: e.at, source: 'config' });
      access.wireguardPeers.push(...configPeers(entries));
    } else if (f.kind === 'sshd') {
      const seen = new Set<string>();
      for (const e of parseSshd(f.path, f.text)) {
        const key = `${e.section}\0${e.key}`;
        if (seen.has(key)) continue;
        seen.add(key);
        access.sshd.push({ file: f.path, section: e.section, key: e.key, value: e.value, at: e.at });
      }
    }
  }
}

/** `wg set IFACE private-key <(echo KEY)` and the like: a key literal on the command line. */
export function wgSetPrivateKey(cmd: ShellCommand): { at: SpanLocation; source: 'script' } | undefined {
  const words = cmd.args.map((a) => a.text);
  const i = words.indexOf('private-key');
  if (words[0] !== 'set' || i < 0) return undefined;
  const value = cmd.args[i + 1];
  if (!value) return undefined;
  return WG_KEY_IN_TEXT.test(value.text) ? { at: cmd.at, source: 'script' } : undefined;
}

/** The `[Peer]` sections of one config. */
function configPeers(entries: ConfEntry[]): WireGuardPeer[] {
  const listens = entries.some((e) => e.section.toLowerCase() === 'interface' && e.key.toLowerCase() === 'listenport');
  const peers = new Map<number, WireGuardPeer>();
  for (const e of entries) {
    if (e.section.toLowerCase() !== 'peer') continue;
    const no = e.sectionNo ?? 0;
    let peer = peers.get(no);
    if (!peer) peers.set(no, (peer = { source: 'config', listens, endpoint: false, allowedIps: [] }));
    const key = e.key.toLowerCase();
    if (key === 'endpoint' && e.value !== '') peer.endpoint = true;
    // Several `AllowedIPs` lines add up.
    if (key === 'allowedips') for (const cidr of e.value.split(',')) if (cidr.trim()) peer.allowedIps.push({ cidr: cidr.trim(), at: e.at });
  }
  return [...peers.values()];
}

/**
 * `wg set IFACE … peer KEY [endpoint H:P] [allowed-ips A,B] … peer KEY2 …`: one peer per
 * `peer` word, with the options up to the next one.
 */
export function wgSetPeers(cmd: ShellCommand): WireGuardPeer[] {
  const words = cmd.args.map((a) => a.text);
  if (words[0] !== 'set') return [];
  const peers: WireGuardPeer[] = [];
  let current: WireGuardPeer | undefined;
  for (let i = 2; i < words.length; i++) {
    const w = words[i];
    if (w === 'peer') {
      current = { source: 'script', listens: undefined, endpoint: false, allowedIps: [] };
      peers.push(current);
      i++;
    } else if (current && w === 'endpoint') {
      current.endpoint = true;
      i++;
    } else if (current && w === 'allowed-ips') {
      for (const cidr of (words[i + 1] ?? '').split(',')) if (cidr.trim()) current.allowedIps.push({ cidr: cidr.trim(), at: cmd.at });
      i++;
    }
  }
  return peers;
}
