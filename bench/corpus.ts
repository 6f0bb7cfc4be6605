import fs from 'node:fs';
import path from 'node:path';

/**
 * A synthetic manifest corpus shaped like real repositories (argo-cd, kubeflow, calico,
 * istio): about a third of the bytes in large multi-document install bundles (CRDs with
 * deep schemas and CEL validation rules whose text spells `? :` and `{…}: `, RBAC, a
 * controller, and a NetworkPolicy that allows everything, so each bundle has findings);
 * kustomize trees (a base and two overlays that set namespaces and patch); and one file per
 * application (workload, service, config map, policy, sometimes a CRD). Deterministic for a
 * given size; `scale` copies of the same corpus differ only in names.
 */
export function writeCorpus(dir: string, targetBytes: number): { files: number; bytes: number } {
  fs.rmSync(dir, { recursive: true, force: true });
  let bytes = 0;
  let files = 0;
  const write = (rel: string, text: string): void => {
    const file = path.join(dir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    bytes += Buffer.byteLength(text);
    files++;
  };
  let i = 0;
  while (bytes < targetBytes) {
    const ns = `team-${i % 40}`;
    if (i % 400 === 0) write(`install/bundle-${i}/install.yaml`, bundle(i, Math.min(1 << 20, Math.max(64 << 10, targetBytes / 8))));
    if (i % 25 === 0) for (const [rel, text] of kustomizeTree(i)) write(`deploy/app-${i}/${rel}`, text);
    const docs = [deployment(i, ns), service(i, ns), configMap(i, ns), policy(i, ns)];
    if (i % 5 === 0) docs.push(crd(i));
    write(`${ns}/app-${i}.yaml`, docs.join('---\n'));
    i++;
  }
  return { files, bytes };
}

/** A release bundle of about `size` characters: CRDs with validation rules, RBAC, a controller, an allow-all policy. */
function bundle(i: number, size: number): string {
  const ns = `system-${i}`;
  const docs = [`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n`];
  let length = docs[0]?.length ?? 0;
  for (let k = 0; length < size; k++) {
    const doc = k % 4 === 3 ? role(i, k, ns) : validatedCrd(i, k);
    docs.push(doc);
    length += doc.length;
  }
  docs.push(deployment(i, ns), service(i, ns), allowAll(i, ns));
  return docs.join('---\n');
}

const role = (i: number, k: number, ns: string) => `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: controller-${i}-${k}
  namespace: ${ns}
rules:
${['pods', 'services', 'configmaps', 'secrets', 'events'].map((r) => `  - apiGroups: [""]\n    resources: [${r}]\n    verbs: [get, list, watch]`).join('\n')}
`;

/** A CRD whose schema carries CEL rules, quoted over several lines as generators write them. */
const validatedCrd = (i: number, k: number) => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets${i}x${k}.example.com
spec:
  group: example.com
  names: { kind: Gadget${i}x${k}, plural: gadgets${i}x${k} }
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          x-kubernetes-validations:
            - message: "ports and selector: both or neither; {spec}: see the docs"
              rule: "has(self.spec.ports) == has(self.spec.selector)
                ? true
                : false"
${schema(3, 4, 10)}`;

const allowAll = (i: number, ns: string) => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-all-${i}
  namespace: ${ns}
spec:
  podSelector: {}
  ingress:
    - {}
`;

/** A kustomize base and two overlays that put it in their namespaces and patch it. */
function kustomizeTree(i: number): [string, string][] {
  const files: [string, string][] = [
    ['base/kustomization.yaml', 'resources:\n  - deployment.yaml\n  - service.yaml\n  - policy.yaml\n'],
    ['base/deployment.yaml', deployment(i, 'default')],
    ['base/service.yaml', service(i, 'default')],
    ['base/policy.yaml', policy(i, 'default')],
  ];
  for (const env of ['staging', 'production']) {
    files.push([
      `overlays/${env}/kustomization.yaml`,
      `namespace: app-${i}-${env}\nresources:\n  - ../../base\npatches:\n  - path: replicas.yaml\n`,
    ]);
    files.push([
      `overlays/${env}/replicas.yaml`,
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-${i}\nspec:\n  replicas: ${env === 'production' ? 3 : 1}\n`,
    ]);
  }
  return files;
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
