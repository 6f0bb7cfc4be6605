import fs from 'node:fs';
import path from 'node:path';

/**
 * A synthetic manifest corpus shaped like real ones: workloads, services, config maps,
 * network policies and, by volume, CRDs with deep OpenAPI schemas (as in the calico and
 * istio distributions). Deterministic for a given size.
 */
export function writeCorpus(dir: string, targetBytes: number): { files: number; bytes: number } {
  fs.rmSync(dir, { recursive: true, force: true });
  let bytes = 0;
  let files = 0;
  let i = 0;
  while (bytes < targetBytes) {
    const ns = `team-${i % 40}`;
    const docs = [deployment(i, ns), service(i, ns), configMap(i, ns), policy(i, ns)];
    if (i % 5 === 0) docs.push(crd(i));
    const text = docs.join('---\n');
    const file = path.join(dir, ns, `app-${i}.yaml`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    bytes += Buffer.byteLength(text);
    files++;
    i++;
  }
  return { files, bytes };
}

const deployment = (i: number, ns: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-${i}
  namespace: ${ns}
  labels: { app: app-${i}, tier: "${i % 3 === 0 ? 'web' : 'backend'}" }
  annotations:
    example.com/owner: "team-${i % 40}"
spec:
  replicas: ${1 + (i % 4)}
  selector:
    matchLabels: { app: app-${i} }
  template:
    metadata:
      labels: { app: app-${i}, tier: "${i % 3 === 0 ? 'web' : 'backend'}" }
    spec:
      containers:
        - name: main
          image: "registry.example.com/app-${i}:1.${i % 50}.0"
          args: ["--port=8080", "--log-level=info", "--metrics"]
          ports:
            - { name: http, containerPort: 8080 }
            - { name: metrics, containerPort: 9090 }
          env:
${Array.from({ length: 8 }, (_, k) => `            - name: VAR_${k}\n              value: "value-${i}-${k}"`).join('\n')}
          resources:
            requests: { cpu: 100m, memory: 128Mi }
            limits: { cpu: "1", memory: 512Mi }
          readinessProbe:
            httpGet: { path: /healthz, port: http }
`;

const service = (i: number, ns: string) => `apiVersion: v1
kind: Service
metadata:
  name: app-${i}
  namespace: ${ns}
spec:
  selector: { app: app-${i} }
  ports:
    - { name: http, port: 80, targetPort: http }
`;

const configMap = (i: number, ns: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: app-${i}-config
  namespace: ${ns}
data:
  app.properties: |
${Array.from({ length: 20 }, (_, k) => `    setting.${k}=value-${i}-${k}`).join('\n')}
`;

const policy = (i: number, ns: string) => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: app-${i}-ingress
  namespace: ${ns}
spec:
  podSelector:
    matchLabels: { app: app-${i} }
  policyTypes: [Ingress]
  ingress:
    - from:
        - podSelector:
            matchExpressions:
              - { key: tier, operator: In, values: [web] }
      ports:
        - { protocol: TCP, port: 8080 }
`;

function schema(depth: number, width: number, indent: number): string {
  const pad = ' '.repeat(indent);
  if (depth === 0) return `${pad}type: string\n${pad}description: A leaf field of the custom resource.\n`;
  const props = Array.from({ length: width }, (_, k) => `${pad}  field${k}:\n${schema(depth - 1, width, indent + 4)}`).join('');
  return `${pad}type: object\n${pad}description: Nested settings at depth ${depth}.\n${pad}properties:\n${props}`;
}

const crd = (i: number) => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets${i}.example.com
spec:
  group: example.com
  names: { kind: Widget${i}, plural: widgets${i} }
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
${schema(4, 4, 10)}`;
