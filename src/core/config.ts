import type { Severity } from './finding.js';

export type RuleSetting = 'off' | 'on' | Severity | { enabled?: boolean; severity?: Severity };

/** A port range a host must not expose to the world (config `host.sensitivePorts`). */
export interface SensitivePort {
  proto: 6 | 17;
  lo: number;
  hi: number;
  label: string;
}

/**
 * One side of a connectivity assertion: a workload (`ns/name`, the workload or the owner of
 * its pods), the workloads of namespaces (by name or labels) with optional pod labels, or
 * an address range (CIDR).
 */
export type AssertionEndpoint =
  | { kind: 'workload'; namespace: string; name: string }
  | { kind: 'pods'; namespace?: string; namespaceLabels: Record<string, string>; podLabels: Record<string, string> }
  | { kind: 'cidr'; cidr: string };

/** An expected connection (config `connectivity.assertions`), checked on every run. */
export interface ConnectivityAssertion {
  /** Position in `connectivity.assertions`: the finding's anchor. */
  index: number;
  from: AssertionEndpoint;
  to: AssertionEndpoint;
  /** Absent: any connection. */
  port?: { protocol: 'TCP' | 'UDP' | 'SCTP'; from: number; to: number };
  expect: 'allow' | 'deny';
  /** The assertion as written, for messages: `shop/web → payments/db tcp/5432: deny`. */
  text: string;
}

/** The validated configuration, as every layer reads it (loading lives in the engine). */
export interface Config {
  rules: Record<string, RuleSetting>;
  ignore: string[];
  /** Test-data directories (`testdata`, `__fixtures__`, `__snapshots__`) to read anyway (gitignore syntax). */
  include: string[];
  defaultNamespace: string;
  /** Files larger than this are skipped with a notice (config `maxFileSize`, in MiB). */
  maxFileBytes: number;
  failOn?: Severity | 'none';
  /** `kustomize`: build top-level kustomizations with the user's kustomize (or kubectl) and check the output. */
  render: 'none' | 'kustomize';
  cluster: {
    cni?: string;
    namespaceLabels: Record<string, Record<string, string>>;
    dnsSelector: Record<string, string>;
  };
  mesh: { rootNamespace: string };
  host: {
    privateInterfaces: string[];
    /** Empty means the built-in list. */
    sensitivePorts: SensitivePort[];
  };
  connectivity: { assertions: ConnectivityAssertion[] };
  /** Where the config came from, for messages and for findings anchored in it. */
  source?: { file: string; text: string };
}

export function defaultConfig(): Config {
  return {
    rules: {},
    ignore: [],
    include: [],
    defaultNamespace: 'default',
    maxFileBytes: 20 * 1024 * 1024,
    render: 'none',
    cluster: { namespaceLabels: {}, dnsSelector: { 'k8s-app': 'kube-dns' } },
    mesh: { rootNamespace: 'istio-system' },
    host: { privateInterfaces: [], sensitivePorts: [] },
    connectivity: { assertions: [] },
  };
}
