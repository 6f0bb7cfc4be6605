/**
 * Compares `nsl-lint connectivity` with the golden connection lists of a local clone of
 * np-guard/netpol-analyzer (nothing of it is copied into this repository):
 *
 *   npm run npguard:compare -- /path/to/netpol-analyzer            # every case, totals
 *   npm run npguard:compare -- /path/to/netpol-analyzer -v         # every difference
 *   npm run npguard:compare -- /path/to/netpol-analyzer anp_demo   # some cases
 *
 * For each directory of `tests/` with a golden `<dir>_connlist_output.txt` (or, for the
 * exposure cases, the connection list that opens `<dir>_exposure_output.txt`), nsl-lint's
 * text output is compared line by line with the golden text as it is: the same workload
 * names (`ns/name[Kind]`), the same pairs, and the same connections on TCP, UDP and SCTP
 * ports (np-guard models no other protocol, so nsl-lint's "other protocols" part is left
 * out). Address ranges are compared as what they mean, not as they are cut: for each
 * workload and direction, which addresses get which connections (np-guard cuts the
 * address space at every ipBlock of the cluster, nsl-lint at those of the workload's own
 * policies and merges neighbours treated alike, and spells a range that is one CIDR as
 * that CIDR).
 *
 * `{ingress-controller}` lines (Ingresses and Routes as sources) are compared like any pair.
 * Left out, with the count printed: nsl-lint's IPv6 address lines
 * (np-guard models IPv4 only), and the cases of np-guard's multi-network analysis
 * (UserDefinedNetwork, NetworkAttachmentDefinition, VirtualMachine).
 */
import fs from 'node:fs';
import path from 'node:path';
import { main } from '../src/cli/main.js';

type Protocol = 'TCP' | 'UDP' | 'SCTP';
const PROTOCOLS: readonly Protocol[] = ['SCTP', 'TCP', 'UDP'];
type Ports = Record<Protocol, [number, number][]>;

interface Parsed {
  pairs: Map<string, string>;
  /** `workload|direction|family` → address segments with their connections. */
  ranges: Map<string, { start: bigint; end: bigint; conns: string }[]>;
  /** IPv6 address lines: np-guard has none. */
  ipv6: number;
  /** Workloads nsl-lint marks `[hostNetwork]`. */
  host: Set<string>;
}

function usage(): never {
  process.stderr.write('usage: npm run npguard:compare -- <netpol-analyzer clone> [-v] [case …]\n');
  process.exit(2);
}

const args = process.argv.slice(2);
const verbose = args.includes('-v') || args.includes('--verbose');
const positional = args.filter((a) => !a.startsWith('-'));
const clone = positional[0];
if (!clone) usage();
const only = new Set(positional.slice(1));
const TESTS = path.join(path.resolve(clone), 'tests');
const GOLDEN = path.join(path.resolve(clone), 'test_outputs', 'connlist');
if (!fs.existsSync(TESTS) || !fs.existsSync(GOLDEN)) {
  process.stderr.write(`npguard-compare: ${clone} has no tests/ and test_outputs/connlist/ (is it a netpol-analyzer clone?)\n`);
  process.exit(2);
}

/** Connections on TCP, UDP and SCTP ports, canonical: `SCTP 1-65535,TCP 80,UDP 53` (empty: none). */
function parseConns(text: string): string {
  const ports: Ports = { TCP: [], UDP: [], SCTP: [] };
  const t = text.trim();
  if (t === 'All Connections') for (const p of PROTOCOLS) ports[p].push([1, 65535]);
  else if (t !== 'No Connections') {
    let current: Protocol | undefined;
    for (const raw of t.split(',')) {
      const token = raw.trim();
      const m = /^(TCP|UDP|SCTP)(?:\s+(.*))?$/.exec(token);
      let range = token;
      if (m) {
        current = m[1] as Protocol;
        range = m[2] ?? '1-65535';
      } else if (!/^\d/.test(token)) {
        // nsl-lint's port-less protocols (ICMP and others): np-guard has none.
        current = undefined;
        continue;
      }
      if (!current) continue;
      const [a, b] = range.split('-').map(Number);
      if (a === undefined || Number.isNaN(a)) continue;
      ports[current].push([a, b ?? a]);
    }
  }
  return PROTOCOLS.map((p) => {
    const merged: [number, number][] = [];
    for (const [a, b] of ports[p].sort((x, y) => x[0] - y[0])) {
      const last = merged[merged.length - 1];
      if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
      else merged.push([a, b]);
    }
    return merged.length ? `${p} ${merged.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',')}` : '';
  })
    .filter(Boolean)
    .join(',');
}

function ipToBig(ip: string): { family: 4 | 6; value: bigint } | undefined {
  if (ip.includes(':')) {
    const [head, tail] = ip.split('::') as [string, string | undefined];
    const h = head ? head.split(':') : [];
    const t = tail !== undefined ? (tail ? tail.split(':') : []) : [];
    const groups = tail !== undefined ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
    if (groups.length !== 8) return undefined;
    return { family: 6, value: groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g || '0', 16)), 0n) };
  }
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => Number.isNaN(p))) return undefined;
  return { family: 4, value: parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n) };
}

/** An address endpoint in either spelling: `a-b[External]`, `a-b`, `cidr`. */
function parseAddress(text: string): { family: 4 | 6; start: bigint; end: bigint } | undefined {
  const t = text.replace(/\[External\]$/, '');
  const slash = t.indexOf('/');
  if (slash > 0 && !t.slice(0, slash).includes('[')) {
    const base = ipToBig(t.slice(0, slash));
    const len = Number(t.slice(slash + 1));
    if (!base || Number.isNaN(len)) return undefined;
    const bits = base.family === 4 ? 32n : 128n;
    const size = 1n << (bits - BigInt(len));
    const start = base.value - (base.value % size);
    return { family: base.family, start, end: start + size - 1n };
  }
  const m = /^([0-9a-fA-F.:]+)-([0-9a-fA-F.:]+)$/.exec(t);
  if (!m) return undefined;
  const a = ipToBig(m[1] as string);
  const b = ipToBig(m[2] as string);
  if (!a || !b || a.family !== b.family) return undefined;
  return { family: a.family, start: a.value, end: b.value };
}

function parseLines(lines: readonly string[]): Parsed {
  const out: Parsed = { pairs: new Map(), ranges: new Map(), ipv6: 0, host: new Set() };
  for (const line of lines) {
    const m = /^(\S+) => (\S+) : (.*)$/.exec(line.trim());
    if (!m) continue;
    // nsl-lint marks host-network workloads; np-guard does not.
    for (const e of [m[1], m[2]] as string[]) if (e.endsWith('[hostNetwork]')) out.host.add(e.slice(0, -'[hostNetwork]'.length));
    const [src, dst] = [m[1], m[2]].map((e) => (e as string).replace(/\[hostNetwork\]$/, '')) as [string, string];
    const connText = m[3] as string;
    const conns = parseConns(connText);
    if (!conns) continue;
    const srcIp = parseAddress(src);
    const dstIp = parseAddress(dst);
    const ip = srcIp ?? dstIp;
    if (!ip) {
      out.pairs.set(`${src} => ${dst}`, conns);
      continue;
    }
    // np-guard models IPv4 only (it warns about IPv6 blocks and leaves them out).
    if (ip.family === 6) {
      out.ipv6++;
      continue;
    }
    const key = srcIp ? `${dst}|from|${ip.family}` : `${src}|to|${ip.family}`;
    const list = out.ranges.get(key) ?? [];
    list.push({ start: ip.start, end: ip.end, conns });
    out.ranges.set(key, list);
  }
  return out;
}

/** Segments sorted, neighbours with the same connections merged: a canonical address map. */
function canonical(segments: readonly { start: bigint; end: bigint; conns: string }[]): string {
  const sorted = [...segments].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const merged: { start: bigint; end: bigint; conns: string }[] = [];
  for (const s of sorted) {
    const last = merged[merged.length - 1];
    if (last && last.conns === s.conns && s.start === last.end + 1n) last.end = s.end;
    else merged.push({ ...s });
  }
  return merged.map((s) => `${s.start}-${s.end}:${s.conns}`).join(' ');
}

function diff(golden: Parsed, ours: Parsed): string[] {
  const out: string[] = [];
  for (const [k, v] of golden.pairs) {
    const o = ours.pairs.get(k);
    if (o === undefined) out.push(`only np-guard: ${k} : ${v}`);
    else if (o !== v) out.push(`differs: ${k} : np-guard ${v} / nsl-lint ${o}`);
  }
  for (const [k, v] of ours.pairs) if (!golden.pairs.has(k)) out.push(`only nsl-lint: ${k} : ${v}`);
  for (const k of new Set([...golden.ranges.keys(), ...ours.ranges.keys()])) {
    const g = canonical(golden.ranges.get(k) ?? []);
    const o = canonical(ours.ranges.get(k) ?? []);
    if (g !== o) out.push(`addresses differ for ${k.replace(/\|/g, ' ')}: np-guard [${g}] / nsl-lint [${o}]`);
  }
  return out;
}

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

type Category = 'kubernetes' | 'anp' | 'exposure' | 'multi-network';

function categorise(dir: string, exposure: boolean): Category {
  const text = filesUnder(dir)
    .filter((f) => /\.(ya?ml|json)$/i.test(f))
    .map((f) => fs.readFileSync(f, 'utf8'))
    .join('\n');
  if (/UserDefinedNetwork|NetworkAttachmentDefinition|VirtualMachine/.test(text)) return 'multi-network';
  if (exposure) return 'exposure';
  return /kind"?\s*:\s*"?(Baseline)?AdminNetworkPolicy\b/.test(text) ? 'anp' : 'kubernetes';
}

function goldenLines(name: string): { lines: string[]; exposure: boolean } | undefined {
  const connlist = path.join(GOLDEN, `${name}_connlist_output.txt`);
  if (fs.existsSync(connlist)) return { lines: fs.readFileSync(connlist, 'utf8').split('\n'), exposure: false };
  const exposure = path.join(GOLDEN, `${name}_exposure_output.txt`);
  if (!fs.existsSync(exposure)) return undefined;
  const all = fs.readFileSync(exposure, 'utf8').split('\n');
  const end = all.findIndex((l) => l.startsWith('Exposure Analysis Result'));
  return { lines: end < 0 ? all : all.slice(0, end), exposure: true };
}

function runNslLint(dir: string): { text: string; error?: string } {
  let stdout = '';
  let stderr = '';
  const code = main(['connectivity', '--namespace', 'default', '.'], {
    cwd: dir,
    env: {},
    stdout: { write: (s: string) => (stdout += s), isTTY: false },
    stderr: { write: (s: string) => (stderr += s), isTTY: false },
    readStdin: () => '',
  });
  return code === 0 ? { text: stdout } : { text: stdout, error: stderr.trim() || `exit ${code}` };
}

const totals = new Map<Category, { agree: number; disagree: number }>();
let ipv6Lines = 0;
const hostCases: string[] = [];
const names = fs
  .readdirSync(TESTS, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();
for (const name of names) {
  if (only.size && !only.has(name)) continue;
  const golden = goldenLines(name);
  if (!golden) continue;
  const dir = path.join(TESTS, name);
  const category = categorise(dir, golden.exposure);
  const t = totals.get(category) ?? { agree: 0, disagree: 0 };
  totals.set(category, t);
  if (category === 'multi-network') {
    t.disagree++;
    if (verbose || only.size) process.stdout.write(`skip      ${name} (multi-network analysis, not modelled)\n`);
    continue;
  }
  const ours = runNslLint(dir);
  const g = parseLines(golden.lines);
  const mine = parseLines(ours.text.split('\n'));
  ipv6Lines += mine.ipv6;
  const differences = ours.error ? [`nsl-lint failed: ${ours.error}`] : diff(g, mine);
  if (differences.length === 0) {
    t.agree++;
    process.stdout.write(`agree     ${category.padEnd(10)} ${name}\n`);
  } else {
    t.disagree++;
    // np-guard applies policies to host-network pods like any other; nsl-lint does not (see the legend).
    const hostOnly = differences.every((d) => [...mine.host].some((h) => d.includes(h)));
    if (hostOnly) hostCases.push(name);
    const why = hostOnly ? ' (all involve host-network pods)' : '';
    process.stdout.write(
      `disagree  ${category.padEnd(10)} ${name}: ${differences.length} difference${differences.length === 1 ? '' : 's'}${why}\n`,
    );
    for (const d of verbose ? differences : differences.slice(0, 5)) process.stdout.write(`          ${d}\n`);
    if (!verbose && differences.length > 5) process.stdout.write(`          … ${differences.length - 5} more (-v)\n`);
  }
}
process.stdout.write('\n');
for (const [category, t] of [...totals].sort()) {
  const label = category === 'multi-network' ? `${t.disagree} cases not modelled` : `${t.agree}/${t.agree + t.disagree} agree`;
  process.stdout.write(`${category.padEnd(14)} ${label}\n`);
}
if (hostCases.length)
  process.stdout.write(
    `(${hostCases.length} disagreeing cases differ only in pairs with host-network pods, whose policy nsl-lint does not apply)\n`,
  );
if (ipv6Lines) process.stdout.write(`(${ipv6Lines} nsl-lint IPv6 address lines left out of the comparison)\n`);
