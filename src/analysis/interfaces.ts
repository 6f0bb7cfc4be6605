/**
 * Interface names as netfilter matches them: an exact name, or a prefix wildcard (iptables
 * `eth+`, nft `"eth*"`) that matches every name starting with the prefix, the bare prefix
 * included. Names are at most 15 characters (IFNAMSIZ - 1).
 */

const MAX_NAME = 15;

/** Interfaces private to the host or the cluster (never "the world"). */
export const PRIVATE_INTERFACES = [
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
];

export function ifMatches(pattern: string, name: string): boolean {
  const p = pattern.replace(/\*$/, '+');
  return p.endsWith('+') ? name.startsWith(p.slice(0, -1)) : p === name;
}

/** Suffixes tried after a prefix, the readable ones first. */
const SUFFIXES = ['9', '99', 'x', 'nsl', ...'0123456789abcdefghijklmnopqrstuvwyz'];

/** Names for the interfaces no pattern matches, the usual public NIC names first. */
const OTHER_NAMES = ['eth0', 'ens3', 'enp1s0', 'nic0', 'uplink0', ...[...'abcdefghijklmnopqrstuvwxyz'].map((c) => `${c}nsl0`)];

/**
 * One representative name per class of interfaces the patterns tell apart, so that a rule
 * set evaluated over these names alone decides every real interface the same way: each
 * exact name; for each wildcard a name it matches but no longer wildcard and no exact name
 * does (with `eth9+` beside `eth+`, `ethx` stands for "eth+ but not eth9+"); `lo`; and one
 * name no pattern matches at all, when such a name exists.
 */
export function interfaceClasses(patterns: readonly string[]): string[] {
  const normal = patterns.map((p) => p.replace(/\*$/, '+'));
  const exact = new Set(normal.filter((p) => !p.endsWith('+')));
  const prefixes = [...new Set(normal.filter((p) => p.endsWith('+')).map((p) => p.slice(0, -1)))];
  const reps = new Set<string>(['lo', ...exact]);
  const usable = (name: string, own: string): boolean =>
    name.length > 0 &&
    name.length <= MAX_NAME &&
    !exact.has(name) &&
    !prefixes.some((q) => q.length > own.length && q.startsWith(own) && name.startsWith(q));
  for (const p of prefixes) {
    const rep = [...SUFFIXES.map((s) => `${p}${s}`), p].find((name) => usable(name, p));
    if (rep) reps.add(rep);
  }
  const other = OTHER_NAMES.find((name) => !exact.has(name) && !prefixes.some((q) => name.startsWith(q)));
  if (other) reps.add(other);
  return [...reps];
}
