import type { Model } from '../model/model.js';
import { resourcesOf } from '../model/model.js';
import { podTemplate, type Resource, type Workload } from '../model/k8s.js';
import type { Node } from '../model/node.js';
import { selectorMatches, type LabelSelector } from './selectors.js';
import {
  parseAuthorizationPolicy,
  ruleNeedsRequestPrincipal,
  ruleRejectsTokenless,
  sameSelector,
  workloadSelector,
  type AuthorizationPolicy,
} from './mesh-authz.js';

/**
 * Service-mesh semantics (Istio, with what Linkerd shares): who is in the mesh, the mTLS
 * mode a workload's sidecar accepts on each port, and which Istio policies apply to which
 * workload. Istio kinds are recognised by API group: other projects reuse the kind names.
 */

export const ISTIO_SECURITY = ['security.istio.io'] as const;
export const ISTIO_NETWORKING = ['networking.istio.io'] as const;

/** The modes a sidecar can apply to inbound connections (UNSET is not a mode: it inherits). */
export type MtlsMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE';
const MODES: readonly string[] = ['STRICT', 'PERMISSIVE', 'DISABLE'];

/** Istio's default when no PeerAuthentication decides: both mTLS and plaintext are accepted. */
export const ISTIO_DEFAULT_MODE: MtlsMode = 'PERMISSIVE';

/** A mode written in a manifest, where it was written, and for which port (undefined: every port). */
export interface ModeSetting {
  mode: string;
  node: Node;
  port?: string;
}

export interface PeerAuthentication {
  resource: Resource;
  namespace: string;
  /** `matchLabels` of `spec.selector`; undefined when absent or empty (the policy is namespace-wide). */
  selector: LabelSelector | undefined;
  /** `spec.mtls.mode` unless UNSET or absent. */
  mode: MtlsMode | undefined;
  /** `portLevelMtls`, by port; an UNSET port inherits the workload-level mode. */
  ports: ReadonlyMap<string, MtlsMode | undefined>;
  /** Every mode written in the object, top level and per port. */
  settings: ModeSetting[];
}

export interface RequestAuthentication {
  resource: Resource;
  namespace: string;
  selector: LabelSelector | undefined;
  selectorNode: Node | undefined;
  /** `targetRef(s)` attach it to a gateway or waypoint, not to workloads by label. */
  targeted: boolean;
  /** It has `jwtRules`: it validates tokens. */
  validatesJwt: boolean;
}

/** The mode a workload's sidecar applies, per port, and the PeerAuthentication that decides it. */
export interface EffectiveMtls {
  /** For every port without a port-level setting. */
  mode: MtlsMode;
  /** Ports whose workload-level PeerAuthentication sets a mode of their own. */
  ports: ReadonlyMap<string, MtlsMode>;
  /** The PeerAuthentication whose top-level mode wins; undefined for Istio's default. */
  from: Resource | undefined;
}

/** An opt-out of sidecar injection and where it is written. */
export interface InjectionOptOut {
  mesh: 'istio' | 'linkerd';
  resource: Resource;
  /** The label or annotation value. */
  node: Node;
  key: string;
  where: 'pod template' | 'namespace';
}

/** A label or annotation of a pod template or Namespace, with its value's node. */
export interface MetaEntry {
  resource: Resource;
  key: string;
  value: string;
  node: Node;
  where: 'pod template' | 'namespace';
}

const ISTIO_GROUP = /(^|\.)istio\.io$/;
const LINKERD_GROUP = /(^|\.)linkerd\.io$/;
const ISTIO_INJECT = 'sidecar.istio.io/inject';
const LINKERD_INJECT = 'linkerd.io/inject';

function asMode(value: string | undefined): MtlsMode | undefined {
  return value !== undefined && MODES.includes(value) ? (value as MtlsMode) : undefined;
}

export function parsePeerAuthentication(resource: Resource): PeerAuthentication {
  const spec = resource.root.get('spec');
  const settings: ModeSetting[] = [];
  const modeNode = spec?.get('mtls', 'mode');
  const top = modeNode?.str();
  if (modeNode && top !== undefined) settings.push({ mode: top, node: modeNode });
  const ports = new Map<string, MtlsMode | undefined>();
  for (const [port, entry] of spec?.get('portLevelMtls')?.entries() ?? []) {
    const node = entry.get('mode');
    const mode = node?.str();
    if (node && mode !== undefined) settings.push({ mode, node, port });
    ports.set(port, asMode(mode));
  }
  return {
    resource,
    namespace: resource.namespace ?? '',
    selector: workloadSelector(spec?.get('selector')),
    mode: asMode(top),
    ports,
    settings,
  };
}

function parseRequestAuthentication(resource: Resource): RequestAuthentication {
  const spec = resource.root.get('spec');
  const selectorNode = spec?.get('selector');
  return {
    resource,
    namespace: resource.namespace ?? '',
    selector: workloadSelector(selectorNode),
    selectorNode,
    targeted: spec?.get('targetRef') !== undefined || (spec?.get('targetRefs')?.items().length ?? 0) > 0,
    validatesJwt: (spec?.get('jwtRules')?.items().length ?? 0) > 0,
  };
}

/** Every `tls.mode` of a DestinationRule: traffic policy, its port-level settings, and the same per subset. */
export function destinationRuleTlsModes(resource: Resource): ModeSetting[] {
  const out: ModeSetting[] = [];
  const add = (node: Node | undefined, port?: string): void => {
    const mode = node?.str();
    if (!node || mode === undefined) return;
    out.push(port === undefined ? { mode, node } : { mode, node, port });
  };
  const spec = resource.root.get('spec');
  const policies = [spec?.get('trafficPolicy'), ...(spec?.get('subsets')?.items() ?? []).map((s) => s.get('trafficPolicy'))];
  for (const policy of policies) {
    add(policy?.get('tls', 'mode'));
    for (const setting of policy?.get('portLevelSettings')?.items() ?? [])
      add(setting.get('tls', 'mode'), setting.get('port', 'number')?.str());
  }
  return out;
}

/** The labels and annotations of a workload's pod template (where injectors read them). */
export function podTemplateEntries(w: Workload): MetaEntry[] {
  const meta = podTemplate(w.resource.root, w.kind).meta;
  return [
    ...metaEntries(w.resource, meta?.get('labels'), 'pod template'),
    ...metaEntries(w.resource, meta?.get('annotations'), 'pod template'),
  ];
}

function metaEntries(resource: Resource, map: Node | undefined, where: MetaEntry['where']): MetaEntry[] {
  const out: MetaEntry[] = [];
  for (const [key, node] of map?.entries() ?? []) {
    const value = node.str();
    if (value !== undefined) out.push({ resource, key, value, node, where });
  }
  return out;
}

/** Labels of a workload's pod template win over its annotations, as Istio's injector reads them. */
function podInjectValue(w: Workload): string | undefined {
  return w.podLabels[ISTIO_INJECT] ?? w.podAnnotations[ISTIO_INJECT];
}

/** The pod template asks Istio for a sidecar. */
export function podOptsIn(w: Workload): boolean {
  return podInjectValue(w) === 'true';
}

/** Namespace labels that turn Istio injection on (`istio-injection: disabled` wins over a revision label). */
export function namespaceLabelsInject(labels: Readonly<Record<string, string>>): boolean {
  const injection = labels['istio-injection'];
  if (injection === 'disabled') return false;
  return injection === 'enabled' || Object.hasOwn(labels, 'istio.io/rev');
}

/** Namespaces of Kubernetes itself: the sidecar injector never injects there. */
const SYSTEM_NAMESPACES = new Set(['kube-system', 'kube-public', 'kube-node-lease']);

export class MeshAnalysis {
  readonly rootNamespace: string;
  readonly peerAuthentications: readonly PeerAuthentication[];
  readonly authorizationPolicies: readonly AuthorizationPolicy[];
  readonly requestAuthentications: readonly RequestAuthentication[];
  /** Istio is in use: an `*.istio.io` object, an injecting namespace, or a pod template that opts in. */
  readonly istioInUse: boolean;
  /** The first object in path order that puts Istio in use. */
  readonly firstMeshObject: Resource | undefined;
  /** Linkerd is in use: a `*.linkerd.io` object or a `linkerd.io/inject: enabled` annotation. */
  readonly linkerdInUse: boolean;
  private readonly meshNamespaces: ReadonlySet<string>;

  constructor(private readonly model: Model) {
    this.rootNamespace = model.config.mesh.rootNamespace;
    this.peerAuthentications = resourcesOf(model, 'PeerAuthentication', ISTIO_SECURITY).map(parsePeerAuthentication);
    this.authorizationPolicies = resourcesOf(model, 'AuthorizationPolicy', ISTIO_SECURITY).map(parseAuthorizationPolicy);
    this.requestAuthentications = resourcesOf(model, 'RequestAuthentication', ISTIO_SECURITY).map(parseRequestAuthentication);

    const optedIn = new Set(model.workloads.filter(podOptsIn).map((w) => w.resource));
    const isMeshObject = (r: Resource): boolean =>
      ISTIO_GROUP.test(r.group) || (r.kind === 'Namespace' && r.group === '' && namespaceLabelsInject(r.labels)) || optedIn.has(r);
    this.firstMeshObject = model.resources.find(isMeshObject);

    const meshNamespaces = new Set<string>();
    for (const [name, info] of model.namespaces) if (namespaceLabelsInject(info.labels)) meshNamespaces.add(name);
    for (const w of model.workloads) {
      if (!podOptsIn(w)) continue;
      // `istio-injection: disabled` keeps the injector away from the namespace whatever the pod asks.
      if (model.namespaces.get(w.namespace)?.labels['istio-injection'] === 'disabled') continue;
      meshNamespaces.add(w.namespace);
    }
    this.istioInUse = this.firstMeshObject !== undefined || meshNamespaces.size > 0;
    // The root namespace holds mesh-wide configuration; it is not itself a namespace of meshed apps.
    meshNamespaces.delete(this.rootNamespace);
    this.meshNamespaces = meshNamespaces;

    this.linkerdInUse =
      model.resources.some((r) => LINKERD_GROUP.test(r.group) || r.annotations[LINKERD_INJECT] === 'enabled') ||
      model.workloads.some((w) => w.podAnnotations[LINKERD_INJECT] === 'enabled') ||
      [...model.namespaces.values()].some((n) => n.object?.annotations[LINKERD_INJECT] === 'enabled');
  }

  /** Namespaces in the Istio mesh, sorted by name. */
  get namespacesInMesh(): string[] {
    return [...this.meshNamespaces].sort();
  }

  inMesh(namespace: string): boolean {
    return this.meshNamespaces.has(namespace);
  }

  /** A PeerAuthentication in the root namespace without a selector sets `STRICT`. */
  get meshWideStrict(): boolean {
    return this.peerAuthentications.some((p) => p.namespace === this.rootNamespace && !p.selector && p.mode === 'STRICT');
  }

  /**
   * The mTLS mode of a workload: its own PeerAuthentication (its namespace, selector
   * matching), else the namespace-wide one, else the mesh-wide one, else PERMISSIVE.
   * UNSET defers to the next level; `portLevelMtls` of the workload's own policy refines
   * single ports. Among several at one level Istio takes the oldest: here the first in path order.
   */
  mtls(w: Workload): EffectiveMtls {
    const inNamespace = this.peerAuthentications.filter((p) => p.namespace === w.namespace);
    const own = inNamespace.find((p) => p.selector !== undefined && selectorMatches(p.selector, w.podLabels));
    const namespaceWide = inNamespace.find((p) => !p.selector);
    const meshWide = this.peerAuthentications.find((p) => p.namespace === this.rootNamespace && !p.selector);
    const decider = [own, namespaceWide, meshWide].find((p) => p?.mode !== undefined);
    const mode = decider?.mode ?? ISTIO_DEFAULT_MODE;
    const ports = new Map<string, MtlsMode>();
    for (const [port, portMode] of own?.ports ?? []) ports.set(port, portMode ?? mode);
    return { mode, ports, from: decider?.resource };
  }

  /** Every connection to the workload (or to the given ports) must be mTLS. */
  isStrict(w: Workload, ports?: readonly string[]): boolean {
    return this.plaintext(w, ports) === undefined;
  }

  /**
   * Where the workload (or the given ports of it) accepts plaintext, in words: `PERMISSIVE`,
   * `DISABLE on port 9000`; undefined when every connection must be mTLS.
   */
  plaintext(w: Workload, ports?: readonly string[]): string | undefined {
    const m = this.mtls(w);
    const weak = (mode: MtlsMode): boolean => mode !== 'STRICT';
    if (ports) {
      const open = ports.filter((p) => weak(m.ports.get(p) ?? m.mode));
      if (open.length === 0) return undefined;
      const modes = [...new Set(open.map((p) => m.ports.get(p) ?? m.mode))].join('/');
      return `${modes} on port${open.length === 1 ? '' : 's'} ${open.join(', ')}`;
    }
    if (weak(m.mode)) return m.mode;
    const open = [...m.ports].filter(([, mode]) => weak(mode));
    if (open.length === 0) return undefined;
    return open.map(([port, mode]) => `${mode} on port ${port}`).join(', ');
  }

  /**
   * An Istio policy applies to a workload when it sits in the workload's namespace or the
   * root namespace and its selector (none: every workload) matches the pod labels.
   * Policies attached by `targetRef(s)` apply to gateways and waypoints instead.
   */
  applies(policy: { namespace: string; selector: LabelSelector | undefined; targeted: boolean }, w: Workload): boolean {
    if (policy.targeted) return false;
    if (policy.namespace !== this.rootNamespace && policy.namespace !== w.namespace) return false;
    return !policy.selector || selectorMatches(policy.selector, w.podLabels);
  }

  /** The workloads of the repository a policy applies to, in path order. */
  selected(policy: { namespace: string; selector: LabelSelector | undefined; targeted: boolean }): Workload[] {
    return this.model.workloads.filter((w) => this.applies(policy, w));
  }

  /**
   * The AuthorizationPolicies that cover what a RequestAuthentication validates: in its
   * namespace or the root namespace, applying to every workload it selects; when it selects
   * no workload of the repository, those with the same selector or none.
   */
  covering(ra: RequestAuthentication): AuthorizationPolicy[] {
    const validated = this.selected(ra);
    const candidates = this.authorizationPolicies.filter(
      (p) => !p.targeted && (p.namespace === ra.namespace || p.namespace === this.rootNamespace),
    );
    if (validated.length === 0) return candidates.filter((p) => !p.selector || sameSelector(p.selector, ra.selector));
    return candidates.filter((p) => validated.every((w) => this.applies(p, w)));
  }

  /**
   * A request without a token is refused for what the RequestAuthentication validates: an
   * ALLOW policy covering it has a rule that needs a request principal, or a DENY policy
   * rejects requests without one. Otherwise Istio only rejects invalid tokens.
   */
  tokenRequired(ra: RequestAuthentication): boolean {
    return this.covering(ra).some(
      (p) =>
        (p.action === 'ALLOW' && p.rules.some(ruleNeedsRequestPrincipal)) || (p.action === 'DENY' && p.rules.some(ruleRejectsTokenless)),
    );
  }

  /** Injection opt-outs of the meshes in use, read where the injectors read them (pod template, Namespace). */
  get injectionOptOuts(): InjectionOptOut[] {
    const out: InjectionOptOut[] = [];
    const entries: MetaEntry[] = [];
    for (const r of this.model.resources)
      if (r.kind === 'Namespace' && r.group === '')
        entries.push(
          ...metaEntries(r, r.metadata?.get('labels'), 'namespace'),
          ...metaEntries(r, r.metadata?.get('annotations'), 'namespace'),
        );
    for (const w of this.model.workloads) entries.push(...podTemplateEntries(w));
    const reported = new Set<string>();
    for (const e of entries) {
      const namespace = e.resource.kind === 'Namespace' ? e.resource.name : (e.resource.namespace ?? '');
      const istio =
        e.where === 'pod template' ? e.key === ISTIO_INJECT && e.value === 'false' : e.key === 'istio-injection' && e.value === 'disabled';
      const meshes: InjectionOptOut['mesh'][] = [];
      if (istio && this.istioInUse && this.istioMayInject(namespace, e.where)) meshes.push('istio');
      if (e.key === LINKERD_INJECT && e.value === 'disabled' && this.linkerdInUse) meshes.push('linkerd');
      for (const m of meshes) {
        // One finding per object and mesh, where a template both labels and annotates the opt-out.
        const key = `${m} ${e.resource.kind} ${namespace} ${e.resource.name}`;
        if (reported.has(key)) continue;
        reported.add(key);
        out.push({ mesh: m, resource: e.resource, node: e.node, key: e.key, where: e.where });
      }
    }
    return out;
  }

  /**
   * Whether Istio would inject sidecars there but for the opt-out: never in the root namespace
   * (the control plane and gateways run without sidecars) or in Kubernetes' own namespaces,
   * which the injector leaves alone; a pod's opt-out matters where its namespace injects, or
   * where the repository does not show the namespace's labels.
   */
  private istioMayInject(namespace: string, where: MetaEntry['where']): boolean {
    if (namespace === this.rootNamespace || SYSTEM_NAMESPACES.has(namespace)) return false;
    if (where === 'namespace') return true;
    const info = this.model.namespaces.get(namespace);
    return this.inMesh(namespace) || !info?.labelsComplete;
  }

  /**
   * Annotations of pod templates and Namespaces (Linkerd copies a namespace's
   * `config.linkerd.io/*` annotations to its pods; Istio reads `traffic.sidecar.istio.io/*`
   * only on the pod), filtered by key.
   */
  annotations(keys: readonly string[], { namespaces }: { namespaces: boolean }): MetaEntry[] {
    const out: MetaEntry[] = [];
    for (const r of this.model.resources)
      if (namespaces && r.kind === 'Namespace' && r.group === '') out.push(...metaEntries(r, r.metadata?.get('annotations'), 'namespace'));
    for (const w of this.model.workloads)
      out.push(...metaEntries(w.resource, podTemplate(w.resource.root, w.kind).meta?.get('annotations'), 'pod template'));
    return out.filter((e) => keys.includes(e.key));
  }
}
