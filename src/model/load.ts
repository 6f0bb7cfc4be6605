import path from 'node:path';
import type { Config } from '../core/config.js';
import type { PathLocation } from '../core/location.js';
import type { Notice } from '../core/notice.js';
import type { SourceFile } from '../discover/discover.js';
import { parseJsonStream } from '../parse/json.js';
import { parseYamlStream } from '../parse/yaml.js';
import { Node, isPlainObject } from './node.js';
import { emptyHostModel } from './firewall.js';
import { loadHost } from './host-load.js';
import { emptyAccessModel } from './access.js';
import { annotationSuppressions, fileSuppressions } from './suppressions.js';
import { unknownFields, withoutFields } from './unknown-fields.js';
import { KustomizeGraph, applyContext, namesOnTheWay, type KustomizeContext } from './kustomize.js';
import {
  WORKLOAD_KINDS,
  apiGroup,
  makesUnmodelledPods,
  isNamespacedKind,
  podTemplate,
  type NamespaceInfo,
  type Resource,
  type Workload,
} from './k8s.js';
import { copyKey, type Model, type ParseErrorRecord, type RenderedInput, type Suppression } from './model.js';

interface RawObject {
  file: SourceFile;
  node: Node;
  /** A CRD whose `spec` was checked for syntax and not read. */
  schemaLeftOut?: true;
}

/** Build the model from discovered files. Never throws for bad input: it becomes parse errors and notices. */
export function loadModel(root: string, files: SourceFile[], config: Config, notices: Notice[] = [], rendered?: RenderedInput): Model {
  const parseErrors: ParseErrorRecord[] = [];
  const raw: RawObject[] = [];
  const kustomize = new KustomizeGraph(root, files, notices, config.maxFileBytes);
  const reading: ManifestReading = { kustomize, charts: chartDirs(files), raw, parseErrors, notices, templates: [] };
  const directives: Suppression[] = [];
  for (const file of files) {
    // A manifest's text is read here once, and let go after (findings read it again).
    const text = file.text;
    directives.push(...fileSuppressions(file, text));
    if (file.kind === 'manifest') {
      readManifestOnce(file, text, reading, rendered);
      file.release?.();
    }
  }

  // Namespaces the repository does not show completely, and why.
  const incomplete = new Map<string, string>();
  const resources = placeObjects(raw, kustomize, config, incomplete);
  for (const object of rendered?.objects ?? []) {
    resources.push(toResource(object.file, new Node(object.value, object.file, object.doc, object.basePath), config));
  }
  for (const { file, literal } of reading.templates) {
    for (const namespace of templateNamespaces(file, literal, kustomize, config))
      incomplete.set(namespace, `template ${file.path} was skipped`);
  }
  const copies = dropIdenticalCopies(resources);
  for (const r of resources) {
    if (r.namespace !== undefined && makesUnmodelledPods(r))
      incomplete.set(r.namespace, `${r.kind} "${r.name}" creates pods nsl-lint does not model`);
  }
  const model: Model = {
    root,
    config,
    files,
    resources,
    workloads: workloadsOf(resources, notices),
    namespaces: collectNamespaces(resources, config, incomplete),
    parseErrors,
    copies,
    notices,
    host: emptyHostModel(),
    access: emptyAccessModel(),
    suppressions: [...directives, ...annotationSuppressions(resources)],
  };
  for (const [name, why] of incomplete) {
    notices.push({
      level: 'note',
      message: `namespace "${name}" is incomplete in the repository (${why}): checks that judge everything running in it stay quiet there`,
    });
  }
  // Host rulesets and access configs; scripts can also carry WireGuard keys (`wg set … private-key`).
  model.host = loadHost(model);
  return model;
}

/** A manifest's objects, unless a build reads it otherwise or no build deploys it. */
function readManifestOnce(file: SourceFile, text: string, reading: ManifestReading, rendered: RenderedInput | undefined): void {
  const { kustomize, notices } = reading;
  if (rendered?.files.has(file.path)) return;
  // Patches and kustomize's own configuration are inputs to a build, not objects.
  if (kustomize.isInput(file.path)) return;
  if (kustomize.isUnlisted(file.path)) {
    notices.push({
      level: 'note',
      file: file.path,
      message: 'not checked: it sits beside a kustomization that does not list it, so no build deploys it',
    });
    return;
  }
  // One file's failure is a notice for that file; the others are still read.
  try {
    readManifest(file, text, reading);
  } catch (err) {
    notices.push({
      level: 'error',
      file: file.path,
      message: `internal error while reading this file (${(err as Error)?.message ?? String(err)}); it was not checked`,
      internal: true,
    });
  }
}

interface ManifestReading {
  kustomize: KustomizeGraph;
  /** Directories holding a `Chart.yaml`. */
  charts: Set<string>;
  raw: RawObject[];
  parseErrors: ParseErrorRecord[];
  notices: Notice[];
  /** Files skipped as templates (their objects are unknown), with the namespaces they name. */
  templates: { file: SourceFile; literal: string[] }[];
}

function readManifest(file: SourceFile, text: string, reading: ManifestReading): void {
  const { notices } = reading;
  const isJson = file.path.toLowerCase().endsWith('.json');
  const skipTemplate = (why: string): void => {
    reading.templates.push({ file, literal: literalNamespaces(text) });
    notices.push({ level: 'note', file: file.path, message: `skipped template: ${why}` });
  };
  const template = !isJson && text.includes('{{');
  if (template && inChartTemplates(file.path, reading.charts)) {
    skipTemplate('a Helm chart template (render it with `helm template` to check it)');
    return;
  }
  const parsed = isJson ? parseJsonStream(text) : parseYamlStream(text, { crdSchemas: 'check-only', template });
  const partial = new Set(parsed.ok ? parsed.partial : []);
  if (!parsed.ok) {
    if (template) {
      skipTemplate('`{{ }}` markup that is not YAML');
      return;
    }
    // Syntax errors count only where a manifest was meant: other YAML/JSON (mkdocs, CI files, tsconfig) is not ours.
    if (!looksLikeManifest(text, isJson) && !reading.kustomize.isInKustomizeTree(file.path)) {
      notices.push({
        level: 'note',
        file: file.path,
        message: `not read: ${parsed.errors[0]?.message ?? 'syntax error'} (not a Kubernetes manifest)`,
      });
      return;
    }
    for (const error of parsed.errors) reading.parseErrors.push({ file: file.path, message: error.message, span: error.span });
  }
  // JSON too: `{{ }}` there may stand for keys or whole values.
  if (text.includes('{{') && parsed.docs.some(templateShapesStructure)) {
    skipTemplate('`{{ }}` stands for keys or whole values');
    return;
  }
  parsed.docs.forEach((value, doc) => {
    if (value === undefined) return;
    const node = new Node(value, file.path, doc, []);
    if (!isObject(node)) return;
    // `$patch: delete` and its kin are instructions to kustomize, not objects.
    if (node.get('$patch') !== undefined) return;
    const kind = node.get('kind')?.str() ?? '';
    const items = node.get('items');
    if (kind.endsWith('List') && items?.isSeq) {
      for (const item of items.items()) {
        const typed = typedListItem(node, kind, items, item);
        if (isObject(typed)) reading.raw.push({ file, node: typed });
      }
    } else {
      reading.raw.push(partial.has(doc) ? { file, node, schemaLeftOut: true } : { file, node });
    }
  });
}

/** A top-level `apiVersion:` and `kind:` in the text: a manifest was meant, even if it does not parse. */
function looksLikeManifest(text: string, isJson: boolean): boolean {
  if (isJson) return text.includes('"apiVersion"') && text.includes('"kind"');
  return /^apiVersion:/m.test(text) && /^kind:/m.test(text);
}

/**
 * `{{ }}` outside a string changes what YAML reads: `key: {{ .x }}` is a flow mapping with
 * an object key, `{{ .k }}: v` a templated key. Inside string values it is only unknown text.
 */
function templateShapesStructure(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(templateShapesStructure);
  if (!isPlainObject(value)) return false;
  for (const [key, child] of Object.entries(value)) {
    // A collection used as a key comes back stringified (`{ .x }`, `[object Object]`).
    if (key.includes('{{') || /^[{[]|^\[object Object\]$/.test(key) || templateShapesStructure(child)) return true;
  }
  return false;
}

function chartDirs(files: SourceFile[]): Set<string> {
  return new Set(files.filter((f) => path.posix.basename(f.path) === 'Chart.yaml').map((f) => path.posix.dirname(f.path)));
}

/** Inside a `templates/` folder of a chart (a directory with `Chart.yaml` above it). */
function inChartTemplates(file: string, charts: Set<string>): boolean {
  const parts = file.split('/');
  for (let i = parts.length - 2; i >= 1; i--) {
    if (parts[i] === 'templates' && charts.has(parts.slice(0, i).join('/') || '.')) return true;
  }
  return false;
}

/** Namespaces a skipped template may put objects in: its kustomize namespaces, a literal `namespace:`, else the default one. */
function templateNamespaces(file: SourceFile, literal: string[], kustomize: KustomizeGraph, config: Config): string[] {
  const fromBuild = kustomize.contexts(file.path).map((c) => c.namespace);
  if (fromBuild.length > 0 && fromBuild.every((n) => n !== undefined)) return fromBuild as string[];
  return literal.length > 0 ? [...new Set(literal)] : [config.defaultNamespace];
}

/** The namespaces a text names literally (`namespace: x`, indented). */
function literalNamespaces(text: string): string[] {
  return [...text.matchAll(/^\s+namespace:\s*["']?([a-z0-9][a-z0-9-]*)["']?\s*$/gm)].map((m) => m[1] as string);
}

/**
 * Every object as the builds that reach it make it: once per kustomize build context (an
 * overlay's namespace, labels and names), left out of the builds that delete it; as it
 * stands when no kustomization reaches it.
 */
function placeObjects(raw: RawObject[], kustomize: KustomizeGraph, config: Config, incomplete: Map<string, string>): Resource[] {
  const resources: Resource[] = [];
  for (const { file, node, schemaLeftOut } of raw) {
    const contexts = kustomize.contexts(file.path);
    const mark = (r: Resource): Resource => (schemaLeftOut ? { ...r, schemaLeftOut } : r);
    if (contexts.length === 0) {
      resources.push(mark(toResource(file.path, node, config)));
      continue;
    }
    const value = node.value as Record<string, unknown>;
    const metadata = value['metadata'];
    const kind = String(value['kind']);
    const name = isPlainObject(metadata) ? String(metadata['name']) : '';
    for (const context of contexts) {
      // A delete patch names the object as its own level sees it (a Namespace takes each level's namespace).
      const names = kind === 'Namespace' ? [name, ...context.namespaces] : namesOnTheWay(name, context);
      if (names.some((n) => context.deletes.includes(`${kind}/${n}`))) continue;
      const resource = mark(toResource(file.path, inContext(node, context), config));
      resources.push(resource);
      if (context.remote && resource.namespace !== undefined) {
        incomplete.set(resource.namespace, 'a kustomization feeding it has remote resources');
      }
    }
  }
  return resources;
}

/**
 * The same object (kind, namespace, name and content) in several files is one object of the
 * cluster: keep the first in path order, remove the others and remember where they are.
 */
function dropIdenticalCopies(resources: Resource[]): Map<string, PathLocation[]> {
  const copies = new Map<string, PathLocation[]>();
  const byIdentity = new Map<string, Resource[]>();
  for (const r of resources) {
    // Two CRDs that differ only in the schema nobody read are not copies.
    if (!r.name || r.schemaLeftOut) continue;
    const id = `${r.group}\0${r.kind}\0${r.namespace ?? ''}\0${r.name}`;
    const same = byIdentity.get(id);
    if (same) same.push(r);
    else byIdentity.set(id, [r]);
  }
  const removed = new Set<Resource>();
  for (const group of byIdentity.values()) {
    if (group.length < 2) continue;
    const kept: { resource: Resource }[] = [];
    for (const r of group) {
      // The same object placed by several builds of one file is never a copy.
      const first = kept.find((k) => k.resource.file !== r.file && sameJson(k.resource.root.value, r.root.value));
      if (!first) {
        kept.push({ resource: r });
        continue;
      }
      removed.add(r);
      const key = copyKey(first.resource.file, first.resource.root.doc, first.resource.root.path);
      let list = copies.get(key);
      if (!list) copies.set(key, (list = []));
      list.push(r.root.loc);
    }
  }
  if (removed.size > 0) {
    const rest = resources.filter((r) => !removed.has(r));
    resources.splice(0, resources.length, ...rest);
  }
  return copies;
}

/**
 * Whether two parsed values have the same JSON text (`JSON.stringify(a) === JSON.stringify(b)`:
 * key order counts, non-finite numbers are null, undefined properties are left out), found
 * without writing the text: parts shared between two builds of an object are not walked.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const x = typeof a === 'number' && !Number.isFinite(a) ? null : a;
  const y = typeof b === 'number' && !Number.isFinite(b) ? null : b;
  if (x === y) return true;
  if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
  if (Array.isArray(x) || Array.isArray(y)) {
    if (!Array.isArray(x) || !Array.isArray(y) || x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!sameJson(x[i] ?? null, y[i] ?? null)) return false;
    return true;
  }
  const xs = x as Record<string, unknown>;
  const ys = y as Record<string, unknown>;
  const kx = Object.keys(xs).filter((k) => xs[k] !== undefined);
  const ky = Object.keys(ys).filter((k) => ys[k] !== undefined);
  if (kx.length !== ky.length) return false;
  for (let i = 0; i < kx.length; i++) {
    const key = kx[i] as string;
    if (key !== ky[i] || !sameJson(xs[key], ys[key])) return false;
  }
  return true;
}

function inContext(node: Node, context: KustomizeContext): Node {
  const value = node.value as Record<string, unknown>;
  const kind = typeof value['kind'] === 'string' ? value['kind'] : '';
  const group = apiGroup(typeof value['apiVersion'] === 'string' ? value['apiVersion'] : '');
  return node.withValue(applyContext(value, group, isNamespacedKind(kind), context));
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

function toResource(file: string, written: Node, config: Config): Resource {
  // What the API server stores: a checked kind without the fields its schema does not define.
  const dropped = unknownFields(written.value);
  const root = dropped.length > 0 ? written.withValue(withoutFields(written.value, dropped)) : written;
  const apiVersion = root.get('apiVersion')?.str() ?? '';
  const kind = root.get('kind')?.str() ?? '';
  const metadata = root.get('metadata');
  let namespace: string | undefined;
  if (isNamespacedKind(kind)) {
    namespace = metadata?.get('namespace')?.str() || config.defaultNamespace;
  }
  return {
    apiVersion,
    group: apiGroup(apiVersion),
    kind,
    name: metadata?.get('name')?.str() ?? '',
    namespace,
    file,
    root,
    metadata,
    labels: metadata?.get('labels')?.stringMap() ?? {},
    annotations: metadata?.get('annotations')?.stringMap() ?? {},
    droppedFields: dropped.map((path) => ({ file: written.file, doc: written.doc, path: [...written.path, ...path], part: 'key' })),
  };
}

/**
 * Workloads the API server would accept. A pod template without containers, or a Pod whose
 * containers name no image (the API requires one for Pods), is a patch or a partial
 * document (a kubeadm patch, a kustomize patch nobody lists): it makes no pods.
 */
function workloadsOf(resources: Resource[], notices: Notice[]): Workload[] {
  const out: Workload[] = [];
  for (const r of resources) {
    if (!WORKLOAD_KINDS.has(r.kind) || r.group === 'kustomize.config.k8s.io') continue;
    const workload = toWorkload(r);
    const containers = workload.podSpec?.get('containers')?.items() ?? [];
    // A Pod a controller made (it names its owner) was read from a cluster, images or not: never a patch.
    const owned = r.metadata?.get('ownerReferences')?.isSeq === true;
    const complete = containers.length > 0 && (r.kind !== 'Pod' || owned || containers.every((c) => c.get('image') !== undefined));
    if (complete) out.push(workload);
    else
      notices.push({
        level: 'note',
        file: r.file,
        message: `${r.kind} "${r.name}" is not a complete workload (no containers, or a Pod container without an image): read as a patch, it makes no pods`,
      });
  }
  return out;
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
function collectNamespaces(resources: Resource[], config: Config, incomplete: Map<string, string>): Map<string, NamespaceInfo> {
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
  for (const [name, why] of incomplete) entry(name).incomplete = why;
  return map;
}
