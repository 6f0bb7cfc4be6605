import type { Config } from '../core/config.js';
import type { Notice } from '../core/notice.js';
import type { SourceFile } from '../discover/discover.js';
import { parseJsonStream, parseYamlStream } from '../parse/yaml.js';
import { isHelmTemplate } from '../parse/helm.js';
import { Node, isPlainObject } from './node.js';
import { emptyHostModel } from './firewall.js';
import { loadHost } from './host-load.js';
import { emptyAccessModel } from './access.js';
import { KustomizationIndex } from './kustomize.js';
import { WORKLOAD_KINDS, apiGroup, isNamespacedKind, podTemplate, type NamespaceInfo, type Resource, type Workload } from './k8s.js';
import type { Model, ParseErrorRecord } from './model.js';

interface RawObject {
  file: SourceFile;
  node: Node;
}

/** Build the model from discovered files. Never throws for bad input: it becomes parse errors and notices. */
export function loadModel(root: string, files: SourceFile[], config: Config, notices: Notice[] = []): Model {
  const parseErrors: ParseErrorRecord[] = [];
  const raw: RawObject[] = [];
  for (const file of files) {
    if (file.kind !== 'manifest') continue;
    // One file's failure is a notice for that file; the others are still read.
    try {
      readManifest(file, raw, parseErrors, notices);
    } catch (err) {
      notices.push({
        level: 'error',
        file: file.path,
        message: `internal error while reading this file (${(err as Error)?.message ?? String(err)}); it was not checked`,
        internal: true,
      });
    }
  }

  const kustomize = new KustomizationIndex(root, files, notices, config.maxFileBytes);
  const resources = raw.map(({ file, node }) => toResource(file, node, config, kustomize));
  const model: Model = {
    root,
    config,
    files,
    resources,
    workloads: resources.filter((r) => WORKLOAD_KINDS.has(r.kind) && r.group !== 'kustomize.config.k8s.io').map(toWorkload),
    namespaces: collectNamespaces(resources, config),
    parseErrors,
    notices,
    host: emptyHostModel(),
    access: emptyAccessModel(),
  };
  // Host rulesets and access configs; scripts can also carry WireGuard keys (`wg set … private-key`).
  model.host = loadHost(model);
  return model;
}

function readManifest(file: SourceFile, out: RawObject[], errors: ParseErrorRecord[], notices: Notice[]): void {
  const isJson = file.path.toLowerCase().endsWith('.json');
  if (!isJson && isHelmTemplate(file.path, file.text)) {
    notices.push({ level: 'note', file: file.path, message: 'skipped Helm template (render it with `helm template` to check it)' });
    return;
  }
  const parsed = isJson ? parseJsonStream(file.text) : parseYamlStream(file.text);
  if (!parsed.ok) {
    if (!isJson && file.text.includes('{{')) {
      notices.push({ level: 'note', file: file.path, message: 'skipped template: `{{ }}` markup that is not YAML' });
      return;
    }
    // JSON files are reported only when they look like manifests (tsconfig-style JSONC is not ours).
    if (isJson && !file.text.includes('"apiVersion"')) return;
    for (const error of parsed.errors) errors.push({ file: file.path, message: error.message, span: error.span });
  }
  parsed.docs.forEach((value, doc) => {
    if (value === undefined) return;
    const node = new Node(value, file.path, doc, []);
    if (!isObject(node)) return;
    const kind = node.get('kind')?.str() ?? '';
    const items = node.get('items');
    if (kind.endsWith('List') && items?.isSeq) {
      for (const item of items.items()) {
        const typed = typedListItem(node, kind, items, item);
        if (isObject(typed)) out.push({ file, node: typed });
      }
    } else {
      out.push({ file, node });
    }
  });
}

/**
 * Items of a typed list (`NetworkPolicyList`, `PodList`, …, what `kubectl get -o yaml`
 * returns) may omit `apiVersion` and `kind`: they take the list's item kind and API version.
 */
function typedListItem(list: Node, listKind: string, items: Node, item: Node): Node {
  const value = item.value;
  if (!isPlainObject(value) || listKind === 'List') return item;
  if (typeof value['apiVersion'] === 'string' && typeof value['kind'] === 'string') return item;
  const filled = { apiVersion: list.get('apiVersion')?.str(), kind: listKind.slice(0, -'List'.length), ...value };
  return new Node(filled, item.file, item.doc, [], items, item.path[item.path.length - 1]);
}

/** A Kubernetes object has string `apiVersion` and `kind`; anything else is not ours. */
function isObject(node: Node): boolean {
  if (!isPlainObject(node.value)) return false;
  return typeof node.value['apiVersion'] === 'string' && typeof node.value['kind'] === 'string';
}

function toResource(file: SourceFile, root: Node, config: Config, kustomize: KustomizationIndex): Resource {
  const apiVersion = root.get('apiVersion')?.str() ?? '';
  const kind = root.get('kind')?.str() ?? '';
  const metadata = root.get('metadata');
  let namespace: string | undefined;
  if (isNamespacedKind(kind)) {
    namespace = metadata?.get('namespace')?.str() || kustomize.namespaceFor(file.path) || config.defaultNamespace;
  }
  return {
    apiVersion,
    group: apiGroup(apiVersion),
    kind,
    name: metadata?.get('name')?.str() ?? '',
    namespace,
    file: file.path,
    root,
    metadata,
    labels: metadata?.get('labels')?.stringMap() ?? {},
    annotations: metadata?.get('annotations')?.stringMap() ?? {},
  };
}

function toWorkload(resource: Resource): Workload {
  const { meta, spec } = podTemplate(resource.root, resource.kind);
  return {
    resource,
    kind: resource.kind,
    name: resource.name,
    namespace: resource.namespace ?? 'default',
    podLabels: meta?.get('labels')?.stringMap() ?? {},
    podAnnotations: meta?.get('annotations')?.stringMap() ?? {},
    hostNetwork: spec?.get('hostNetwork')?.value === true,
    podSpec: spec,
  };
}

/**
 * Namespaces with what is known of their labels: every namespace has
 * `kubernetes.io/metadata.name`; `Namespace` objects and the config add labels and make
 * the set complete.
 */
function collectNamespaces(resources: Resource[], config: Config): Map<string, NamespaceInfo> {
  const map = new Map<string, NamespaceInfo>();
  const entry = (name: string): NamespaceInfo => {
    let info = map.get(name);
    if (!info) {
      info = { name, labels: { 'kubernetes.io/metadata.name': name }, labelsComplete: false, object: undefined };
      map.set(name, info);
    }
    return info;
  };
  for (const r of resources) {
    if (r.kind === 'Namespace' && r.group === '' && r.name) {
      const info = entry(r.name);
      info.object ??= r;
      info.labelsComplete = true;
      Object.assign(info.labels, r.labels, { 'kubernetes.io/metadata.name': r.name });
    } else if (r.namespace !== undefined) {
      entry(r.namespace);
    }
  }
  for (const [name, labels] of Object.entries(config.cluster.namespaceLabels)) {
    const info = entry(name);
    info.labelsComplete = true;
    Object.assign(info.labels, labels, { 'kubernetes.io/metadata.name': name });
  }
  return map;
}
