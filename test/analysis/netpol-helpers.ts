import { defaultConfig, type Config } from '../../src/core/config.js';
import type { SourceFile } from '../../src/discover/discover.js';
import { loadModel } from '../../src/model/load.js';
import type { Model } from '../../src/model/model.js';
import { NetpolAnalysis, type Bounds, type Endpoint, type PodEndpoint } from '../../src/analysis/netpol.js';
import type { Direction } from '../../src/analysis/netpol-types.js';
import { parseCidr } from '../../src/core/ip.js';

/**
 * Builders for the NetworkPolicy analysis tests in this folder. Manifests are written as
 * plain objects and serialised as JSON (valid YAML), so the real loader reads them.
 */

export type Obj = Record<string, unknown>;

/** A model from objects (or already-written YAML text), one file per argument, through the real loader. */
export function model(docs: readonly (Obj | string)[], configure?: (c: Config) => void): Model {
  const config = defaultConfig();
  configure?.(config);
  const files: SourceFile[] = docs.map((d, i) => ({
    path: `f${String(i).padStart(3, '0')}.yaml`,
    abs: `/t/f${String(i).padStart(3, '0')}.yaml`,
    kind: 'manifest',
    text: typeof d === 'string' ? d : JSON.stringify(d),
  }));
  return loadModel('/t', files, config);
}

export function namespace(name: string, labels: Record<string, string> = {}): Obj {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

export interface PodOptions {
  ports?: Obj[];
  hostNetwork?: boolean;
  initPorts?: Obj[];
}

/** `ns/name` with labels; containers serve the given ports. */
export function pod(id: string, labels: Record<string, string> = {}, opts: PodOptions = {}): Obj {
  const [ns, name] = id.split('/');
  const spec: Obj = { containers: [{ name: 'c', image: 'example.com/c', ports: opts.ports ?? [] }] };
  if (opts.initPorts) spec['initContainers'] = [{ name: 'i', image: 'example.com/i', ports: opts.initPorts }];
  if (opts.hostNetwork !== undefined) spec['hostNetwork'] = opts.hostNetwork;
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, labels }, spec };
}

export function np(id: string, spec: Obj): Obj {
  const [ns, name] = id.split('/');
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: ns }, spec };
}

export function calico(id: string, spec: Obj, apiVersion = 'projectcalico.org/v3'): Obj {
  const [ns, name] = id.split('/');
  return { apiVersion, kind: 'NetworkPolicy', metadata: { name, namespace: ns }, spec };
}

export function globalCalico(name: string, spec: Obj, apiVersion = 'projectcalico.org/v3'): Obj {
  return { apiVersion, kind: 'GlobalNetworkPolicy', metadata: { name }, spec };
}

export function cilium(id: string, spec: Obj | undefined, extra: Obj = {}): Obj {
  const [ns, name] = id.split('/');
  const out: Obj = { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name, namespace: ns }, ...extra };
  if (spec) out['spec'] = spec;
  return out;
}

export function ciliumClusterwide(name: string, spec: Obj): Obj {
  return { apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy', metadata: { name }, spec };
}

/** A harness over one model: endpoints by id and bounds as text. */
export class Net {
  readonly a: NetpolAnalysis;
  constructor(readonly model: Model) {
    this.a = new NetpolAnalysis(model);
  }

  static of(docs: readonly (Obj | string)[], configure?: (c: Config) => void): Net {
    return new Net(model(docs, configure));
  }

  pod(id: string): PodEndpoint {
    const [ns, name] = id.split('/');
    const w = this.model.workloads.find((x) => x.namespace === ns && x.name === name);
    if (!w) throw new Error(`no workload ${id}`);
    return this.a.pod(w);
  }

  /** `ns/name` for a pod, anything with a `/` and a dot or colon for an address range. */
  endpoint(id: string): Endpoint {
    if (id === 'dns-address') return { kind: 'dns-address' };
    if (/^[\d.]+(\/\d+)?$/.test(id) || id.includes(':')) {
      const range = parseCidr(id);
      if (!range) throw new Error(`bad address ${id}`);
      return { kind: 'ip', range };
    }
    return this.pod(id);
  }

  policy(name: string): NonNullable<NetpolAnalysis['policies'][number]> {
    const p = this.a.policies.find((x) => x.resource.name === name);
    if (!p) throw new Error(`no policy ${name}`);
    return p;
  }

  /** Lower and upper bounds of what `pod`'s policies allow with `other` in `direction`, as text. */
  allowed(pod: string, direction: Direction, other: string): { lower: string; upper: string } {
    return text(this.a.allowed(this.pod(pod), direction, this.endpoint(other)));
  }

  /** Shortcut when both bounds agree: the one answer; otherwise `lower .. upper`. */
  in(pod: string, from: string): string {
    return collapse(this.allowed(pod, 'Ingress', from));
  }

  out(pod: string, to: string): string {
    return collapse(this.allowed(pod, 'Egress', to));
  }
}

export function text(b: Bounds): { lower: string; upper: string } {
  return { lower: b.lower.toString(), upper: b.upper.toString() };
}

export function collapse(b: { lower: string; upper: string }): string {
  return b.lower === b.upper ? b.lower : `${b.lower} .. ${b.upper}`;
}

export const ALL = 'All Connections';
export const NONE = 'No Connections';
export const UNKNOWN = `${NONE} .. ${ALL}`;
