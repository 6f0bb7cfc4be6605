/**
 * A dense cluster for the connectivity map: n workloads and n policies in 10 namespaces,
 * with the shapes real policies have: peers through namespace AND pod selectors, set-based
 * matchExpressions, address blocks with exceptions, named and ranged ports, and a default
 * deny in every namespace. Deterministic for a given n.
 */
const NAMESPACES = 10;

export function denseCluster(n: number): string {
  const docs: string[] = [];
  for (let s = 0; s < NAMESPACES; s++) {
    docs.push(
      `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-${s}\n  labels: { tier: t${s % 3}, env: ${s % 2 ? 'prod' : 'dev'} }\n`,
    );
    docs.push(
      `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: default-deny, namespace: ns-${s} }\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n`,
    );
  }
  for (let k = 0; k < n; k++) {
    const ns = `ns-${k % NAMESPACES}`;
    docs.push(`apiVersion: apps/v1
kind: Deployment
metadata: { name: app-${k}, namespace: ${ns} }
spec:
  selector: { matchLabels: { app: app-${k} } }
  template:
    metadata:
      labels: { app: app-${k}, role: r${k % 7}, team: g${k % 13} }
    spec:
      containers:
        - name: main
          image: example.com/app-${k}:1
          ports: [{ name: http, containerPort: ${8000 + (k % 100)} }]
`);
  }
  for (let k = NAMESPACES; k < n; k++) {
    const ns = `ns-${k % NAMESPACES}`;
    docs.push(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: policy-${k}, namespace: ${ns} }
spec:
  podSelector:
    matchExpressions:
      - { key: role, operator: In, values: [r${k % 7}, r${(k + 1) % 7}] }
      - { key: team, operator: NotIn, values: [g${k % 13}] }
  policyTypes: [Ingress, Egress]
  ingress:
    - from:
        - namespaceSelector: { matchLabels: { tier: t${k % 3} } }
          podSelector: { matchExpressions: [{ key: role, operator: Exists }] }
        - podSelector: { matchLabels: { team: g${(k + 3) % 13} } }
      ports: [{ port: http }, { port: 9000, endPort: 9100, protocol: TCP }]
    - from:
        - ipBlock: { cidr: 10.${k % 256}.0.0/16, except: [10.${k % 256}.${k % 200}.0/24] }
  egress:
    - to:
        - namespaceSelector: { matchExpressions: [{ key: env, operator: In, values: [prod] }] }
      ports: [{ port: ${8000 + (k % 100)}, protocol: TCP }]
`);
  }
  return docs.join('---\n');
}

export interface MapTiming {
  workloads: number;
  policies: number;
  /** CPU time until the first line: pod classes, each class's sides, its address ranges. */
  firstLineMs: number;
  /** CPU time for every line after that (pairs resolved per destination's named ports). */
  linesMs: number;
  lines: number;
  /** Bytes of the text format. */
  textBytes: number;
}

/**
 * The map of `denseCluster(n)` in process, loaded through the real loader: CPU time to the
 * first line (the computation over classes, which should grow with workloads and
 * policies) apart from the time to produce and spell every line (which grows with the
 * output: every pair that may connect is a line).
 */
export async function mapInProcess(n: number): Promise<MapTiming> {
  const { defaultConfig } = await import('../src/core/config.js');
  const { loadModel } = await import('../src/model/load.js');
  const { NetpolAnalysis } = await import('../src/analysis/netpol.js');
  const { connectivityLines, connectivityRowStream } = await import('../src/analysis/connectivity.js');
  const { connectivityReportChunks } = await import('../src/report/connectivity.js');
  const model = loadModel(
    '/bench',
    [{ path: 'cluster.yaml', abs: '/bench/cluster.yaml', kind: 'manifest', text: denseCluster(n) }],
    defaultConfig(),
  );
  const cpu = (since?: NodeJS.CpuUsage): number => {
    const u = process.cpuUsage(since);
    return (u.user + u.system) / 1000;
  };
  const start = process.cpuUsage();
  const a = new NetpolAnalysis(model);
  const lines = connectivityLines(a);
  const first = lines.next();
  const firstLineMs = cpu(start);
  const afterFirst = process.cpuUsage();
  let count = 0;
  let textBytes = 0;
  const all = (function* () {
    if (!first.done) yield first.value;
    yield* lines;
  })();
  for (const piece of connectivityReportChunks(connectivityRowStream(all), 'text')) {
    count++;
    textBytes += Buffer.byteLength(piece);
  }
  return {
    workloads: model.workloads.length,
    policies: a.policies.length,
    firstLineMs,
    linesMs: cpu(afterFirst),
    lines: count,
    textBytes,
  };
}
