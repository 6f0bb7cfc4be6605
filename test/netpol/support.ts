import { defaultConfig } from '../../src/core/config.js';
import type { SourceFile } from '../../src/discover/discover.js';
import { loadModel } from '../../src/model/load.js';
import type { Model } from '../../src/model/model.js';
import { NetpolAnalysis, type PodEndpoint } from '../../src/analysis/netpol.js';
import type { Protocol } from '../../src/analysis/netpol-ports.js';
import { parseCidr } from '../../src/core/ip.js';

/** A model from YAML text, through the real loader. */
export function modelOf(...texts: string[]): Model {
  const files: SourceFile[] = texts.map((text, i) => ({ path: `m${i}.yaml`, abs: `/t/m${i}.yaml`, kind: 'manifest', text }));
  return loadModel('/t', files, defaultConfig());
}

export const NAMESPACES = ['x', 'y', 'z'] as const;
export const POD_NAMES = ['a', 'b', 'c'] as const;
export const PODS = NAMESPACES.flatMap((ns) => POD_NAMES.map((p) => `${ns}/${p}`));

/**
 * The cluster of the upstream NetworkPolicy conformance tests: namespaces x, y, z
 * (labelled `ns: <name>`), pods a, b, c in each (labelled `pod: <name>`), each serving
 * TCP and UDP 80 and 81 under named ports `serve-<port>-<proto>`.
 */
export function cluster(): string {
  const docs: string[] = [];
  for (const ns of NAMESPACES) {
    docs.push(`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n  labels: { ns: ${ns} }\n`);
    for (const p of POD_NAMES) {
      docs.push(`apiVersion: v1
kind: Pod
metadata:
  name: ${p}
  namespace: ${ns}
  labels: { pod: ${p} }
spec:
  containers:
    - name: c
      image: example.com/agnhost
      ports:
        - { name: serve-80-tcp, containerPort: 80 }
        - { name: serve-81-tcp, containerPort: 81, protocol: TCP }
        - { name: serve-80-udp, containerPort: 80, protocol: UDP }
        - { name: serve-81-udp, containerPort: 81, protocol: UDP }
        - { name: serve-80-sctp, containerPort: 80, protocol: SCTP }
`);
    }
  }
  return docs.join('---\n');
}

export class Probe {
  readonly a: NetpolAnalysis;
  constructor(readonly model: Model) {
    this.a = new NetpolAnalysis(model);
  }

  pod(id: string): PodEndpoint {
    const [ns, name] = id.split('/');
    const w = this.model.workloads.find((x) => x.namespace === ns && x.name === name);
    if (!w) throw new Error(`no pod ${id}`);
    return this.a.pod(w);
  }

  /** Egress of the source and ingress of the destination must both admit the connection. */
  reach(from: string, to: string, protocol: Protocol, port: number): boolean | 'unknown' {
    const s = this.pod(from);
    const d = this.pod(to);
    const egress = this.a.allowed(s, 'Egress', d);
    const ingress = this.a.allowed(d, 'Ingress', s);
    const upper = egress.upper.intersect(ingress.upper).has(protocol, port);
    const lower = egress.lower.intersect(ingress.lower).has(protocol, port);
    return upper === lower ? upper : 'unknown';
  }

  /** Egress from a pod to an outside address. */
  reachAddress(from: string, address: string, protocol: Protocol, port: number): boolean | 'unknown' {
    const range = parseCidr(address);
    if (!range) throw new Error(`bad address ${address}`);
    const b = this.a.allowed(this.pod(from), 'Egress', { kind: 'ip', range });
    const upper = b.upper.has(protocol, port);
    return upper === b.lower.has(protocol, port) ? upper : 'unknown';
  }

  /**
   * The reachability matrix as rows of `.` (allowed) and `X` (blocked), sources down and
   * destinations across in the order of PODS; the diagonal is `-`.
   */
  matrix(protocol: Protocol, port: number): string[] {
    return PODS.map((from) =>
      PODS.map((to) => {
        if (from === to) return '-';
        const r = this.reach(from, to, protocol, port);
        return r === true ? '.' : r === false ? 'X' : '?';
      }).join(''),
    );
  }
}
