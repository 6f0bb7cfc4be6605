import path from 'node:path';
import type { Notice } from '../core/notice.js';
import type { SourceFile } from '../discover/discover.js';
import { RepositoryReader } from '../discover/repository.js';
import { parseYamlStream } from '../parse/yaml.js';
import { isPlainObject } from './node.js';

const KUSTOMIZATION_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** Fields whose entries bring resources into the build (a file, or a directory with its own kustomization). */
const RESOURCE_FIELDS = ['resources', 'bases', 'components'];

/**
 * Fields whose local files are inputs to kustomize itself, never objects of the cluster:
 * patches, replacement and transformer configuration, CRD schemas.
 */
const INPUT_FIELDS = [
  'patches',
  'patchesStrategicMerge',
  'patchesJson6902',
  'replacements',
  'configurations',
  'crds',
  'transformers',
  'generators',
  'validators',
];

/** More contexts than this for one kustomization means a generated maze; the rest are dropped. */
const MAX_CONTEXTS = 64;

/** A remote resource: a URL or a git reference, content kustomize fetches at build time. */
const REMOTE = /^[a-z][a-z0-9+.-]*:\/\/|^(github\.com|gitlab\.com|bitbucket\.org)\/|^git@|^ssh:|\?ref=/i;

interface Kustomization {
  dir: string;
  namespace: string | undefined;
  /** `namePrefix` / `nameSuffix`. */
  rename: Rename | undefined;
  /** `commonLabels` and `labels` with `includeSelectors`: metadata, selectors and pod templates. */
  selectorLabels: Record<string, string>;
  /** `labels` with `includeTemplates` (and not `includeSelectors`): metadata and pod templates. */
  templateLabels: Record<string, string>;
  /** `labels` without either flag: object metadata only. */
  metadataLabels: Record<string, string>;
  /** Local entries of `resources`/`bases`/`components`, repository-relative. */
  entries: string[];
  /** Local files listed as patches or other kustomize inputs. */
  inputs: string[];
  /** Some resource is remote: content the repository does not hold. */
  remote: boolean;
  /** `Kind/name` of the objects its `$patch: delete` patches remove. */
  deletes: string[];
  /** Local strategic-merge patch files (read for `$patch: delete`). */
  patchFiles: string[];
}

/** What `namePrefix` and `nameSuffix` add to object names (a `Namespace` keeps its name). */
export interface Rename {
  prefix: string;
  suffix: string;
}

/** How one build places an object: what the kustomizations on the way to it add. */
export interface KustomizeContext {
  /** The outermost `namespace:` on the way, when any kustomization sets one. */
  namespace: string | undefined;
  selectorLabels: Record<string, string>;
  templateLabels: Record<string, string>;
  metadataLabels: Record<string, string>;
  /** A kustomization on the way has remote resources: its namespaces are not fully known. */
  remote: boolean;
  /** `Kind/name` of objects a kustomization on the way deletes (`$patch: delete`). */
  deletes: string[];
  /**
   * Every `namespace:` on the way, innermost first: the names a `Namespace` object takes
   * from build to build, which is what a delete patch at that level names.
   */
  namespaces: string[];
  /** `namePrefix`/`nameSuffix` on the way, innermost first. */
  renames: Rename[];
}

/**
 * Every kustomization of the repository and what it does to the files it reaches, read
 * without the kustomize binary. A file reached by several builds exists once per build
 * context (an overlay in a sibling directory renames its base's namespace, adds labels).
 */
export class KustomizeGraph {
  private readonly byDir = new Map<string, Kustomization | null>();
  /** Kustomizations listing a directory that has its own kustomization: child dir → parents. */
  private readonly parents = new Map<string, Kustomization[]>();
  /** Kustomizations listing a file, or a directory without kustomization holding files. */
  private readonly listedBy = new Map<string, Kustomization[]>();
  private readonly inputFiles = new Set<string>();
  private readonly resourceFiles = new Set<string>();
  private readonly contextCache = new Map<string, KustomizeContext[]>();
  private readonly repository: RepositoryReader;

  constructor(root: string, files: readonly SourceFile[], notices: Notice[], maxFileBytes: number) {
    this.repository = new RepositoryReader(root, files, notices, maxFileBytes);
    const start = files.filter((f) => KUSTOMIZATION_NAMES.includes(path.posix.basename(f.path))).map((f) => path.posix.dirname(f.path));
    // Walk the graph from every kustomization found, following directory entries.
    const queue = [...new Set(start)];
    const visited = new Set<string>();
    for (let i = 0; i < queue.length; i++) {
      const dir = queue[i] as string;
      if (visited.has(dir)) continue;
      visited.add(dir);
      const k = this.load(dir);
      if (!k) continue;
      for (const entry of k.entries) {
        if (this.load(entry)) {
          let list = this.parents.get(entry);
          if (!list) this.parents.set(entry, (list = []));
          list.push(k);
          queue.push(entry);
        } else {
          let list = this.listedBy.get(entry);
          if (!list) this.listedBy.set(entry, (list = []));
          list.push(k);
          this.resourceFiles.add(entry);
        }
      }
      for (const input of k.inputs) this.inputFiles.add(input);
    }
  }

  /** Directories of the kustomizations no other kustomization of the repository reaches: what `kustomize build` is run on. */
  roots(): string[] {
    return this.kustomizations()
      .filter((k) => !this.parents.has(k.dir))
      .map((k) => k.dir)
      .sort();
  }

  /** A file a kustomization uses as a patch or configuration, and none lists as a resource. */
  isInput(file: string): boolean {
    return this.inputFiles.has(file) && !this.resourceFiles.has(file);
  }

  /**
   * A manifest in a kustomization's own directory that no kustomization reaches: a patch
   * left commented out, a scaffold file. No build deploys it.
   */
  isUnlisted(file: string): boolean {
    const dir = path.posix.dirname(file);
    if (KUSTOMIZATION_NAMES.includes(path.posix.basename(file)) || !this.load(dir)) return false;
    return this.reachingListings(file).length === 0;
  }

  /** A file inside a directory some kustomization lists (or in a kustomization's own directory). */
  isInKustomizeTree(file: string): boolean {
    return this.reachingListings(file).length > 0 || this.load(path.posix.dirname(file)) !== undefined;
  }

  /**
   * The build contexts that place this file, one per distinct outcome; empty when no
   * kustomization reaches it (it is then read as it stands).
   */
  contexts(file: string): KustomizeContext[] {
    const out = new Map<string, KustomizeContext>();
    for (const k of this.reachingListings(file)) {
      for (const c of this.contextsOf(k, new Set())) out.set(contextKey(c), c);
    }
    return [...out.values()];
  }

  private kustomizations(): Kustomization[] {
    return [...this.byDir.values()].filter((k): k is Kustomization => k !== null);
  }

  /** Kustomizations that list the file itself, or a directory without kustomization above it. */
  private reachingListings(file: string): Kustomization[] {
    const found = new Set(this.listedBy.get(file) ?? []);
    for (let dir = path.posix.dirname(file); dir !== '.' && dir !== ''; dir = path.posix.dirname(dir)) {
      if (this.byDir.get(dir)) break;
      for (const k of this.listedBy.get(dir) ?? []) found.add(k);
    }
    return [...found];
  }

  /** Contexts in which a kustomization is built: alone when it is a root, else once per parent context. */
  private contextsOf(k: Kustomization, visiting: Set<string>): KustomizeContext[] {
    const cached = this.contextCache.get(k.dir);
    if (cached) return cached;
    const own: KustomizeContext = {
      namespace: k.namespace,
      selectorLabels: k.selectorLabels,
      templateLabels: k.templateLabels,
      metadataLabels: k.metadataLabels,
      remote: k.remote,
      deletes: k.deletes,
      namespaces: k.namespace ? [k.namespace] : [],
      renames: k.rename ? [k.rename] : [],
    };
    const parents = this.parents.get(k.dir) ?? [];
    if (parents.length === 0 || visiting.has(k.dir)) return [own];
    visiting.add(k.dir);
    const out = new Map<string, KustomizeContext>();
    for (const parent of parents) {
      for (const outer of this.contextsOf(parent, visiting)) {
        // The outer build transforms what the inner one produced: its namespace and labels win.
        const c: KustomizeContext = {
          namespace: outer.namespace ?? k.namespace,
          selectorLabels: { ...k.selectorLabels, ...outer.selectorLabels },
          templateLabels: { ...k.templateLabels, ...outer.templateLabels },
          metadataLabels: { ...k.metadataLabels, ...outer.metadataLabels },
          remote: outer.remote || k.remote,
          deletes: [...new Set([...k.deletes, ...outer.deletes])].sort(),
          namespaces: [...(k.namespace ? [k.namespace] : []), ...outer.namespaces],
          renames: [...(k.rename ? [k.rename] : []), ...outer.renames],
        };
        if (out.size < MAX_CONTEXTS) out.set(contextKey(c), c);
      }
    }
    visiting.delete(k.dir);
    const result = [...out.values()];
    this.contextCache.set(k.dir, result);
    return result;
  }

  private load(dir: string): Kustomization | undefined {
    const cached = this.byDir.get(dir);
    if (cached !== undefined) return cached ?? undefined;
    let found: Kustomization | null = null;
    for (const name of KUSTOMIZATION_NAMES) {
      const rel = dir === '.' ? name : `${dir}/${name}`;
      const text = this.repository.read(rel);
      if (text === undefined) continue;
      found = parseKustomization(dir, text);
      if (found) for (const patch of found.patchFiles) found.deletes.push(...deletionsIn(this.repository.read(patch) ?? ''));
      found?.deletes.sort();
      break;
    }
    this.byDir.set(dir, found);
    return found ?? undefined;
  }
}

function contextKey(c: KustomizeContext): string {
  return JSON.stringify([
    c.namespace ?? null,
    c.selectorLabels,
    c.templateLabels,
    c.metadataLabels,
    c.remote,
    c.deletes,
    c.namespaces,
    c.renames,
  ]);
}

function parseKustomization(dir: string, text: string): Kustomization | null {
  const parsed = parseYamlStream(text);
  const doc = parsed.docs[0];
  if (!parsed.ok || !isPlainObject(doc)) return null;
  const local = (item: string): string => path.posix.normalize(path.posix.join(dir, item)).replace(/\/$/, '');
  const k: Kustomization = {
    dir,
    namespace: typeof doc['namespace'] === 'string' && doc['namespace'] ? doc['namespace'] : undefined,
    rename:
      typeof doc['namePrefix'] === 'string' || typeof doc['nameSuffix'] === 'string'
        ? { prefix: String(doc['namePrefix'] ?? ''), suffix: String(doc['nameSuffix'] ?? '') }
        : undefined,
    selectorLabels: stringMap(doc['commonLabels']),
    templateLabels: {},
    metadataLabels: {},
    entries: [],
    inputs: [],
    remote: false,
    deletes: [],
    patchFiles: [],
  };
  for (const field of RESOURCE_FIELDS) {
    for (const item of listOf(doc[field])) {
      if (typeof item !== 'string') continue;
      if (REMOTE.test(item)) k.remote = true;
      else k.entries.push(local(item));
    }
  }
  for (const field of INPUT_FIELDS) {
    for (const item of listOf(doc[field])) {
      // `patchesStrategicMerge` takes paths or inline patches; the others take `{ path }` or `{ patch }` text.
      const ref = typeof item === 'string' ? item : isPlainObject(item) ? item['path'] : undefined;
      const inline =
        typeof item === 'string' && item.includes('\n')
          ? item
          : isPlainObject(item) && typeof item['patch'] === 'string'
            ? item['patch']
            : undefined;
      if (inline !== undefined && (field === 'patches' || field === 'patchesStrategicMerge')) k.deletes.push(...deletionsIn(inline));
      if (typeof ref !== 'string' || ref.includes('\n') || REMOTE.test(ref)) continue;
      k.inputs.push(local(ref));
      if (field === 'patches' || field === 'patchesStrategicMerge') k.patchFiles.push(local(ref));
    }
  }
  for (const entry of listOf(doc['labels'])) {
    if (!isPlainObject(entry)) continue;
    const pairs = stringMap(entry['pairs']);
    // As `kustomize build`: selectors imply templates; templates alone leave selectors alone.
    const target =
      entry['includeSelectors'] === true ? k.selectorLabels : entry['includeTemplates'] === true ? k.templateLabels : k.metadataLabels;
    Object.assign(target, pairs);
  }
  return k;
}

/** `Kind/name` of each `$patch: delete` document of a strategic-merge patch. */
function deletionsIn(text: string): string[] {
  if (!text.includes('$patch')) return [];
  const out: string[] = [];
  for (const doc of parseYamlStream(text).docs) {
    if (!isPlainObject(doc) || doc['$patch'] !== 'delete') continue;
    const metadata = doc['metadata'];
    const name = isPlainObject(metadata) ? metadata['name'] : undefined;
    if (typeof doc['kind'] === 'string' && typeof name === 'string') out.push(`${doc['kind']}/${name}`);
  }
  return out;
}

function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isPlainObject(value)) return out;
  for (const [key, v] of Object.entries(value)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[key] = String(v);
  }
  return out;
}

/** Where `kustomize build` puts selector labels (`commonLabels`), by kind; `create` adds a missing map. */
const SELECTOR_PATHS: Record<string, { path: string[]; create: boolean }[]> = {
  Service: [{ path: ['spec', 'selector'], create: true }],
  ReplicationController: [{ path: ['spec', 'selector'], create: true }],
  Deployment: [{ path: ['spec', 'selector', 'matchLabels'], create: true }],
  ReplicaSet: [{ path: ['spec', 'selector', 'matchLabels'], create: true }],
  DaemonSet: [{ path: ['spec', 'selector', 'matchLabels'], create: true }],
  StatefulSet: [{ path: ['spec', 'selector', 'matchLabels'], create: true }],
  Job: [{ path: ['spec', 'selector', 'matchLabels'], create: false }],
  CronJob: [{ path: ['spec', 'jobTemplate', 'spec', 'selector', 'matchLabels'], create: false }],
  PodDisruptionBudget: [{ path: ['spec', 'selector', 'matchLabels'], create: false }],
  NetworkPolicy: [{ path: ['spec', 'podSelector', 'matchLabels'], create: false }],
};

/** Pod templates, where `commonLabels` and `labels` with `includeTemplates` land. */
const TEMPLATE_PATHS: Record<string, string[][]> = {
  ReplicationController: [['spec', 'template', 'metadata', 'labels']],
  Deployment: [['spec', 'template', 'metadata', 'labels']],
  ReplicaSet: [['spec', 'template', 'metadata', 'labels']],
  DaemonSet: [['spec', 'template', 'metadata', 'labels']],
  StatefulSet: [['spec', 'template', 'metadata', 'labels']],
  Job: [['spec', 'template', 'metadata', 'labels']],
  CronJob: [
    ['spec', 'jobTemplate', 'metadata', 'labels'],
    ['spec', 'jobTemplate', 'spec', 'template', 'metadata', 'labels'],
  ],
};

/**
 * The object as one build context makes it: namespace set (a `Namespace` object renamed),
 * labels added to metadata, pod templates and selectors. The input is never changed.
 */
export function applyContext(
  object: Record<string, unknown>,
  group: string,
  namespaced: boolean,
  context: KustomizeContext,
): Record<string, unknown> {
  const kind = String(object['kind']);
  // Only the maps on the way to what changes are copied; the rest (a CRD's schema, a pod
  // spec) is shared with the source document. Policy peers are changed deep inside lists.
  const out = kind === 'NetworkPolicy' ? structuredClone(object) : { ...object };
  const owned = new Set<object>([out]);
  const ensureMap = (start: Record<string, unknown>, keys: string[], create: boolean): Record<string, unknown> | undefined =>
    ownMap(start, keys, create, owned);
  const builtIn = group === '' || group === 'apps' || group === 'batch' || group === 'policy' || group === 'networking.k8s.io';
  const metadata = ensureMap(out, ['metadata'], true) as Record<string, unknown>;
  if (context.namespace !== undefined) {
    if (kind === 'Namespace' && group === '') metadata['name'] = context.namespace;
    else if (namespaced) metadata['namespace'] = context.namespace;
  }
  if (kind !== 'Namespace' && typeof metadata['name'] === 'string') metadata['name'] = namesOnTheWay(metadata['name'], context).at(-1);
  const all = { ...context.metadataLabels, ...context.templateLabels, ...context.selectorLabels };
  if (Object.keys(all).length > 0) Object.assign(ensureMap(metadata, ['labels'], true) ?? {}, all);
  if (!builtIn) return out;
  const podLabels = { ...context.templateLabels, ...context.selectorLabels };
  if (Object.keys(podLabels).length > 0) {
    for (const p of TEMPLATE_PATHS[kind] ?? []) Object.assign(ensureMap(out, p, true) ?? {}, podLabels);
  }
  if (Object.keys(context.selectorLabels).length > 0) {
    for (const { path: p, create } of SELECTOR_PATHS[kind] ?? []) {
      const map = ensureMap(out, p, create);
      if (map) Object.assign(map, context.selectorLabels);
    }
    // NetworkPolicy peers: pod selectors that already list labels get the common ones too.
    if (kind === 'NetworkPolicy') {
      const spec = out['spec'];
      for (const [rules, peers] of [
        ['ingress', 'from'],
        ['egress', 'to'],
      ] as const) {
        const list = isPlainObject(spec) ? spec[rules] : undefined;
        for (const rule of listOf(list)) {
          for (const peer of isPlainObject(rule) ? listOf(rule[peers]) : []) {
            const map = isPlainObject(peer) ? ensureMap(peer, ['podSelector', 'matchLabels'], false) : undefined;
            if (map) Object.assign(map, context.selectorLabels);
          }
        }
      }
    }
  }
  return out;
}

/** An object's name in each build on the way, innermost first: the source name, then after each `namePrefix`/`nameSuffix`. */
export function namesOnTheWay(name: string, context: KustomizeContext): string[] {
  const names = [name];
  for (const { prefix, suffix } of context.renames) names.push(`${prefix}${names[names.length - 1]}${suffix}`);
  return names;
}

/**
 * The mapping at `path`, created on the way when `create` (else undefined where something is
 * missing). Maps on the way that are not `owned` yet are replaced by copies, which are.
 */
function ownMap(start: Record<string, unknown>, keys: string[], create: boolean, owned: Set<object>): Record<string, unknown> | undefined {
  let at: Record<string, unknown> = start;
  for (const key of keys) {
    const next = at[key];
    if (isPlainObject(next)) {
      let mine = next;
      if (!owned.has(next)) {
        mine = { ...next };
        owned.add(mine);
        at[key] = mine;
      }
      at = mine;
      continue;
    }
    if (!create || (next !== undefined && next !== null)) return undefined;
    const made: Record<string, unknown> = {};
    owned.add(made);
    at[key] = made;
    at = made;
  }
  return at;
}

/** Directories of the top-level kustomizations: what a user runs `kustomize build` on. */
export function kustomizationRoots(root: string, files: readonly SourceFile[], notices: Notice[], maxFileBytes: number): string[] {
  return new KustomizeGraph(root, files, notices, maxFileBytes).roots();
}
