import type { Config } from '../core/config.js';
import type { DocPath, Location, PathLocation, Span } from '../core/location.js';
import type { Notice } from '../core/notice.js';
import type { SourceFile } from '../discover/discover.js';
import type { HostModel } from './firewall.js';
import type { AccessModel } from './access.js';
import type { NamespaceInfo, Resource, Workload } from './k8s.js';

/** A file (or document) that could not be parsed; reported by the `parse-error` rule. */
export interface ParseErrorRecord {
  file: string;
  message: string;
  span: Span;
}

/** An object built by the user's own kustomize, traced back to the document it came from. */
export interface RenderedObject {
  /** The built object: the kustomization's namespace, labels and patches already applied. */
  value: Record<string, unknown>;
  /** Repository-relative path and document ordinal of the source the object came from. */
  file: string;
  doc: number;
  /** Where the object sits in that document: empty, or `['items', i]` for a List item. */
  basePath: DocPath;
}

/** The output of rendering: objects to check, and the files whose objects they replace. */
export interface RenderedInput {
  objects: RenderedObject[];
  /** Manifest files reached by a rendered kustomization: not read again on their own. */
  files: ReadonlySet<string>;
}

/** Everything loaded from the repository: what rules read. Built once, never mutated by rules. */
export interface Model {
  root: string;
  config: Config;
  files: SourceFile[];
  /** Kubernetes objects in path order (List items unwrapped). */
  resources: Resource[];
  workloads: Workload[];
  /** Every namespace that holds an object or is defined by a `Namespace` object or the config. */
  namespaces: Map<string, NamespaceInfo>;
  parseErrors: ParseErrorRecord[];
  /**
   * Objects that appear again, identical, in later files (generated install bundles): only
   * the first is in `resources`; its root's location key (`copyKey`) lists the others.
   */
  copies: Map<string, PathLocation[]>;
  notices: Notice[];
  host: HostModel;
  /** WireGuard and sshd configuration (filled with the host model). */
  access: AccessModel;
  /** Suppression directives and annotations as written, in path order. */
  suppressions: Suppression[];
}

/**
 * A comment directive (`# nsl-lint-disable-… <rule-id> -- <reason>`) or an annotation
 * (`ignore-check.nsl-lint.io/<rule-id>: <reason>`), as written. Which findings it silences,
 * and whether it is valid or used, the engine decides after every rule has run.
 */
export interface Suppression {
  /** The comment, or the annotation's key: where a finding about the suppression itself points. */
  at: Location;
  /** How it is written, for messages: `nsl-lint-disable-line`, or the annotation key. */
  form: string;
  ruleIds: string[];
  /** Empty when none is given. */
  reason: string;
  /** One line of a file (undefined: past the end), a whole file, or an object's source range. */
  scope:
    { kind: 'line'; file: string; line: number | undefined } | { kind: 'file'; file: string } | { kind: 'object'; object: PathLocation };
  /** Why it cannot be applied as written (it then silences nothing). */
  problem?: string;
}

/** Why a suppression silences nothing (`suppression-invalid`). */
export type SuppressionProblem =
  | { kind: 'malformed'; detail: string }
  | { kind: 'no-reason' }
  | { kind: 'unknown-rule'; ruleId: string }
  | { kind: 'not-suppressible'; ruleId: string };

/**
 * What the suppressions did in one run, computed by the engine once every other rule has
 * reported; the rules that judge suppressions read it from their context.
 */
export interface SuppressionReview {
  invalid: { suppression: Suppression; problem: SuppressionProblem }[];
  /** A rule a valid suppression names, that ran, and of which it silenced no finding. */
  unused: { suppression: Suppression; ruleId: string }[];
}

/** Resources of a kind, optionally restricted to API groups (`networking.k8s.io`, `security.istio.io`, …). */
export function resourcesOf(model: Model, kind: string, groups?: readonly string[]): Resource[] {
  const ofKind = kindIndex(model.resources).get(kind) ?? [];
  return ofKind.filter((r) => !groups || groups.includes(r.group));
}

/** Resources by kind, in model order, made on first use: analyses ask for a kind again and again. */
const byKind = new WeakMap<readonly Resource[], { size: number; kinds: Map<string, Resource[]> }>();

function kindIndex(resources: readonly Resource[]): Map<string, Resource[]> {
  let index = byKind.get(resources);
  // The list is complete once the model is built; one still growing is indexed again.
  if (!index || index.size !== resources.length) {
    const kinds = new Map<string, Resource[]>();
    for (const r of resources) {
      const list = kinds.get(r.kind);
      if (list) list.push(r);
      else kinds.set(r.kind, [r]);
    }
    index = { size: resources.length, kinds };
    byKind.set(resources, index);
  }
  return index.kinds;
}

/** What is known of a namespace; one the repository never mentions has only its name label. */
export function namespaceInfo(model: Model, name: string): NamespaceInfo {
  return model.namespaces.get(name) ?? { name, labels: { 'kubernetes.io/metadata.name': name }, labelsComplete: false, object: undefined };
}

/** The key of an object's root in `Model.copies`. */
export function copyKey(file: string, doc: number, basePath: DocPath): string {
  return `${file}\0${doc}\0${basePath.join('\0')}`;
}
