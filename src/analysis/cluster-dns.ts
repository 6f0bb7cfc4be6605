import type { Location, Span } from '../core/location.js';
import { ROUTABLE, parseIp } from '../core/ip.js';
import { Iv } from '../core/intervals.js';
import type { Model } from '../model/model.js';
import { resourcesOf } from '../model/model.js';
import type { Resource, Workload } from '../model/k8s.js';
import type { Node } from '../model/node.js';
import {
  forwardDirectives,
  parseCorefile,
  readYamlScalar,
  type Corefile,
  type ForwardDirective,
  type ForwardUpstream,
} from '../parse/corefile.js';
import { YamlLocator } from '../parse/yaml.js';
import { serviceAccountOf, type ServiceAccountRef } from './rbac.js';
import { workloadsSelectedBy } from './services.js';

/**
 * The cluster's DNS: which Services are it, the workloads behind them, the ServiceAccount
 * those run as, and CoreDNS's Corefile. (NetworkPolicy reachability of DNS is `dns.ts`.)
 *
 * A Service is cluster DNS when its selector asks for the DNS pods' labels (config
 * `cluster.dnsSelector`, default `k8s-app: kube-dns`), or when it is `kube-dns`/`coredns`
 * in `kube-system`. The Corefile is key `Corefile` of ConfigMap `kube-system/coredns`.
 */

const DNS_NAMESPACE = 'kube-system';
const DNS_SERVICE_NAMES = new Set(['kube-dns', 'coredns']);

/** The ServiceAccount kubeadm and the CoreDNS manifests give the DNS pods. */
export const DEFAULT_DNS_SERVICE_ACCOUNT: ServiceAccountRef = { namespace: DNS_NAMESPACE, name: 'coredns' };

/** The Corefile of the cluster DNS, parsed, with its place in the manifest. */
export interface CorefileSource {
  configMap: Resource;
  /** The `Corefile` value. */
  node: Node;
  corefile: Corefile;
  forwards: ForwardDirective[];
}

/** The DNS ServiceAccount, and why it is the one. */
export interface DnsServiceAccount extends ServiceAccountRef {
  /** The workloads running as it; empty when it is the default `kube-system/coredns`. */
  workloads: Workload[];
}

export function isClusterDnsService(service: Resource, dnsSelector: Readonly<Record<string, string>>): boolean {
  if (service.namespace === DNS_NAMESPACE && DNS_SERVICE_NAMES.has(service.name)) return true;
  const selector = service.root.get('spec', 'selector')?.stringMap() ?? {};
  const wanted = Object.entries(dnsSelector);
  return wanted.length > 0 && wanted.every(([k, v]) => selector[k] === v);
}

/**
 * Plain-DNS upstreams (`dns://` or no scheme) at a routable address: queries and answers
 * cross networks nobody controls in clear. Files (`/etc/resolv.conf`), host names,
 * placeholders, private addresses and encrypted transports (`tls://`, `https://`) are not judged.
 */
export function plaintextPublicUpstreams(forward: ForwardDirective): ForwardUpstream[] {
  return forward.to.filter((u) => {
    if (u.transport !== 'dns' || u.kind !== 'address') return false;
    const ip = parseIp(u.host);
    return ip !== undefined && Iv.contains(ROUTABLE[ip.family], ip.value);
  });
}

export class ClusterDnsAnalysis {
  private servicesCache: Resource[] | undefined;
  private workloadsCache: Workload[] | undefined;
  private corefilesCache: CorefileSource[] | undefined;
  private readonly locators = new Map<string, YamlLocator>();

  constructor(private readonly model: Model) {}

  /** The cluster DNS Services, in path order. */
  get services(): Resource[] {
    return (this.servicesCache ??= resourcesOf(this.model, 'Service', ['']).filter((s) =>
      isClusterDnsService(s, this.model.config.cluster.dnsSelector),
    ));
  }

  /**
   * The DNS workloads: those the cluster DNS Services select; without such a Service in the
   * repository, the workloads labelled like the DNS pods.
   */
  get workloads(): Workload[] {
    if (!this.workloadsCache) {
      const selected = new Set(this.services.flatMap((s) => workloadsSelectedBy(s, this.model.workloads)));
      if (selected.size === 0) {
        const wanted = Object.entries(this.model.config.cluster.dnsSelector);
        for (const w of this.model.workloads) if (wanted.length > 0 && wanted.every(([k, v]) => w.podLabels[k] === v)) selected.add(w);
      }
      this.workloadsCache = this.model.workloads.filter((w) => selected.has(w));
    }
    return this.workloadsCache;
  }

  /** The ServiceAccounts the DNS pods run as; `kube-system/coredns` when the repository has no DNS workload. */
  get serviceAccounts(): DnsServiceAccount[] {
    if (this.workloads.length === 0) return [{ ...DEFAULT_DNS_SERVICE_ACCOUNT, workloads: [] }];
    const out = new Map<string, DnsServiceAccount>();
    for (const w of this.workloads) {
      const sa = serviceAccountOf(w);
      const key = `${sa.namespace}/${sa.name}`;
      const entry = out.get(key) ?? { ...sa, workloads: [] };
      entry.workloads.push(w);
      out.set(key, entry);
    }
    return [...out.values()];
  }

  /** Every Corefile of `kube-system/coredns` (one per copy of the ConfigMap in the repository). */
  get corefiles(): CorefileSource[] {
    if (!this.corefilesCache) {
      this.corefilesCache = [];
      for (const configMap of resourcesOf(this.model, 'ConfigMap', [''])) {
        if (configMap.name !== 'coredns' || configMap.namespace !== DNS_NAMESPACE) continue;
        const node = configMap.root.get('data', 'Corefile');
        const text = node?.value;
        if (!node || typeof text !== 'string') continue;
        const corefile = parseCorefile(text);
        this.corefilesCache.push({ configMap, node, corefile, forwards: forwardDirectives(corefile) });
      }
    }
    return this.corefilesCache;
  }

  /**
   * Where a character of the Corefile (by offset) is in the manifest: the scalar's source is
   * read again with its YAML style, so the place is exact for `|`, `>`, quoted and plain
   * scalars. When the source does not give back the same text (a value built by kustomize),
   * the `Corefile` value itself stands in.
   */
  locate(source: CorefileSource, offset: number, length = 1): Location {
    const { node } = source;
    const text = this.model.files.find((f) => f.path === node.file)?.text;
    if (text === undefined) return node.loc;
    let locator = this.locators.get(node.file);
    if (!locator) {
      locator = new YamlLocator(text);
      this.locators.set(node.file, locator);
    }
    const valueSpan = locator.locate(node.doc, node.path, 'value');
    const keySpan = locator.locate(node.doc, node.path, 'key');
    if (!valueSpan || !keySpan) return node.loc;
    const lineStarts = lineStartsOf(text);
    const start = offsetOf(lineStarts, valueSpan.start);
    const end = offsetOf(lineStarts, valueSpan.end);
    const scalar = readYamlScalar(text.slice(start, end), keySpan.start.column - 1);
    if (scalar.value !== node.value) return node.loc;
    const from = start + (scalar.offsets[offset] ?? 0);
    // The span ends after the word's last character (what follows it may come from another line).
    const last = Math.min(offset + Math.max(length, 1), scalar.value.length) - 1;
    const to = start + (scalar.offsets[Math.max(last, offset)] ?? 0) + 1;
    return { file: node.file, span: spanOf(lineStarts, from, Math.max(from, to)) };
  }
}

/** Offsets where lines start: after every `\n`, as the YAML parser counts lines. */
function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function offsetOf(lineStarts: readonly number[], pos: { line: number; column: number }): number {
  return (lineStarts[pos.line - 1] ?? 0) + pos.column - 1;
}

function positionOf(lineStarts: readonly number[], offset: number): { line: number; column: number } {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((lineStarts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - (lineStarts[lo] ?? 0) + 1 };
}

function spanOf(lineStarts: readonly number[], from: number, to: number): Span {
  return { start: positionOf(lineStarts, from), end: positionOf(lineStarts, to) };
}
