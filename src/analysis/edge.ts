import { isWholeFamily, parseCidr } from '../core/ip.js';
import type { Resource } from '../model/k8s.js';
import type { Model } from '../model/model.js';
import type { Node } from '../model/node.js';

/**
 * Exposure at the cluster's edge: which controller serves an Ingress (its annotations mean
 * nothing to any other), which hosts a TLS certificate covers, which listeners of Istio and
 * Gateway-API gateways speak plain HTTP, and which load balancers accept the whole internet.
 */

/** The controllers whose annotations nsl-lint reads; `other` is any controller it knows to be neither. */
export type IngressController = 'ingress-nginx' | 'traefik' | 'other';

/** Ingress is `networking.k8s.io` (and the legacy `extensions` group); Voyager's `Ingress` is not. */
export const INGRESS_GROUPS = ['networking.k8s.io', 'extensions'] as const;
const INGRESS_CLASS_GROUPS = ['networking.k8s.io'] as const;
/** Traefik's CRDs moved from `traefik.containo.us` to `traefik.io`; both are served by Traefik v2.10+. */
const TRAEFIK_GROUPS = ['traefik.io', 'traefik.containo.us'] as const;

export const NGINX_PREFIX = 'nginx.ingress.kubernetes.io/';
const CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';
const TRAEFIK_MIDDLEWARES = 'traefik.ingress.kubernetes.io/router.middlewares';

/** `IngressClass.spec.controller` values of the two controllers whose annotations are judged. */
const CONTROLLER_IDS: Record<string, IngressController> = {
  'k8s.io/ingress-nginx': 'ingress-nginx',
  'traefik.io/ingress-controller': 'traefik',
};

/**
 * Class names that mean a controller by convention when the repository has no IngressClass
 * of that name: the default class names of the controllers' own install manifests and charts.
 */
const CONVENTIONAL_CLASSES: Record<string, IngressController> = {
  nginx: 'ingress-nginx',
  traefik: 'traefik',
  alb: 'other',
  gce: 'other',
  'gce-internal': 'other',
  haproxy: 'other',
  kong: 'other',
  contour: 'other',
  istio: 'other',
  cilium: 'other',
  'azure-application-gateway': 'other',
  'azure/application-gateway': 'other',
};

/** Any part written as a template expression is unknown until rendering. */
export function isTemplated(value: string): boolean {
  return value.includes('{{');
}

/**
 * Whether a `tls.hosts` entry covers a host an Ingress rule serves: the same name, or one
 * label directly under a `*.` wildcard (a certificate for `*.example.com` is valid for
 * `a.example.com`, neither for `a.b.example.com` nor for `example.com` itself). DNS names
 * compare without regard to case.
 */
export function tlsHostCovers(tlsHost: string, host: string): boolean {
  const cert = tlsHost.toLowerCase();
  const name = host.toLowerCase();
  if (cert === name) return true;
  if (!cert.startsWith('*.')) return false;
  const dot = name.indexOf('.');
  // The label the wildcard stands for must be a real, non-wildcard label.
  return dot > 0 && !name.slice(0, dot).includes('*') && name.slice(dot) === cert.slice(1);
}

/**
 * Annotations with which each cloud's controller provisions a load balancer on a private
 * address only, reachable from the VPC/VNet and not from the internet.
 */
const INTERNAL_LB_ANNOTATIONS: Record<string, string> = {
  'service.beta.kubernetes.io/aws-load-balancer-internal': 'true',
  'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal',
  'networking.gke.io/load-balancer-type': 'internal',
  'cloud.google.com/load-balancer-type': 'internal',
  'service.beta.kubernetes.io/azure-load-balancer-internal': 'true',
  'service.beta.kubernetes.io/oci-load-balancer-internal': 'true',
};

/** The annotation that makes a Service's load balancer internal, if one does. */
export function internalLoadBalancerAnnotation(annotations: Readonly<Record<string, string>>): string | undefined {
  return Object.keys(INTERNAL_LB_ANNOTATIONS).find((key) => annotations[key]?.trim().toLowerCase() === INTERNAL_LB_ANNOTATIONS[key]);
}

/**
 * Whether a list of source CIDRs admits every address of a family (`0.0.0.0/0`, `::/0`, or
 * any prefix of length 0). Entries that are templates or not addresses admit nothing known.
 */
export function openSourceRanges(ranges: readonly string[]): string[] {
  return ranges.filter((r) => {
    const range = parseCidr(r.trim());
    return range !== undefined && isWholeFamily(range);
  });
}

/** ingress-nginx reads boolean annotations with Go's `strconv.ParseBool`. */
export function nginxFalse(value: string): boolean {
  return ['0', 'f', 'false'].includes(value.trim().toLowerCase());
}

/** One `nginx.ingress.kubernetes.io/…` annotation, with its located key and value. */
export interface NginxAnnotation {
  /** The name after the prefix: `ssl-redirect`, `limit-rps`, … */
  name: string;
  value: string;
  node: Node;
}

/** A plain-HTTP server or listener of a gateway, anchored at its `protocol` value. */
export interface PlaintextListener {
  gateway: Resource;
  /** `Istio` or `Gateway API`, for messages. */
  api: string;
  protocol: Node;
  /** How the listener is named in messages: `port 80`, `listener "http"`. */
  what: string;
  /** The hostnames it answers for, for messages. */
  hosts: string;
}

/** A LoadBalancer Service open to every source, anchored at its `type` value. */
export interface OpenLoadBalancer {
  service: Resource;
  type: Node;
  /** Source ranges that admit every address, when ranges are set but include one. */
  openRanges: string[];
}

/** Edge semantics over the model, computed once per run. */
export class EdgeAnalysis {
  /** Kubernetes Ingresses in path order. */
  readonly ingresses: readonly Resource[];
  private readonly classes = new Map<string, Resource>();
  private readonly defaultController: IngressController | undefined;
  private readonly middlewares: readonly Resource[];
  private readonly controllers = new Map<Resource, IngressController | undefined>();

  constructor(private readonly model: Model) {
    this.ingresses = model.resources.filter((r) => r.kind === 'Ingress' && (INGRESS_GROUPS as readonly string[]).includes(r.group));
    const defaults = new Set<IngressController | undefined>();
    for (const r of model.resources) {
      if (r.kind !== 'IngressClass' || !(INGRESS_CLASS_GROUPS as readonly string[]).includes(r.group)) continue;
      if (!this.classes.has(r.name)) this.classes.set(r.name, r);
      if (r.annotations[DEFAULT_CLASS_ANNOTATION]?.trim().toLowerCase() === 'true') defaults.add(classController(r));
    }
    // Several default classes of different controllers: which one admits a class-less
    // Ingress depends on creation order, so it is unknown.
    this.defaultController = defaults.size === 1 ? [...defaults][0] : undefined;
    this.middlewares = model.resources.filter((r) => r.kind === 'Middleware' && (TRAEFIK_GROUPS as readonly string[]).includes(r.group));
  }

  /**
   * The class an Ingress asks for: `spec.ingressClassName`, else the legacy annotation.
   * Undefined when it names none (the default class then applies) or names it by template.
   */
  className(ingress: Resource): string | undefined {
    const field = ingress.root.get('spec', 'ingressClassName')?.str();
    const name = field !== undefined && field !== '' ? field : ingress.annotations[CLASS_ANNOTATION];
    return name === undefined || name === '' ? undefined : name;
  }

  /**
   * The controller that serves an Ingress: its class resolved through an `IngressClass` of
   * the repository, else by the conventional class names; with no class, the default
   * IngressClass of the repository. Undefined when that cannot be told.
   */
  controllerOf(ingress: Resource): IngressController | undefined {
    if (this.controllers.has(ingress)) return this.controllers.get(ingress);
    const name = this.className(ingress);
    let controller: IngressController | undefined;
    if (name === undefined) controller = this.defaultController;
    else if (!isTemplated(name)) {
      const cls = this.classes.get(name);
      controller = cls ? classController(cls) : CONVENTIONAL_CLASSES[name];
    }
    this.controllers.set(ingress, controller);
    return controller;
  }

  /**
   * ingress-nginx annotations of an Ingress that ingress-nginx may serve: when the
   * controller is known to be another one, they configure nothing and none are returned.
   */
  nginxAnnotations(ingress: Resource): NginxAnnotation[] {
    const controller = this.controllerOf(ingress);
    if (controller !== undefined && controller !== 'ingress-nginx') return [];
    const out: NginxAnnotation[] = [];
    for (const [key, node] of ingress.metadata?.get('annotations')?.entries() ?? []) {
      const value = node.str();
      if (!key.startsWith(NGINX_PREFIX) || value === undefined) continue;
      out.push({ name: key.slice(NGINX_PREFIX.length), value, node });
    }
    return out;
  }

  /**
   * Whether an ingress-nginx Ingress limits requests or connections per client:
   * `limit-rps`, `limit-rpm`, `limit-connections` or the `global-rate-limit*` family.
   * `limit-rate` and `limit-rate-after` cap bandwidth per connection, not requests; a
   * limit of 0 is ingress-nginx's way of saying "no limit".
   */
  nginxRateLimited(ingress: Resource): boolean {
    return this.nginxAnnotations(ingress).some(
      ({ name, value }) =>
        (['limit-rps', 'limit-rpm', 'limit-connections'].includes(name) || name.startsWith('global-rate-limit')) &&
        !/^\s*0+\s*$/.test(value),
    );
  }

  /**
   * The Traefik middlewares an Ingress's router uses, as written
   * (`<namespace>-<name>@kubernetescrd`, `name@file`, …).
   */
  traefikMiddlewareRefs(ingress: Resource): string[] {
    return (ingress.annotations[TRAEFIK_MIDDLEWARES] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }

  /**
   * Whether a Traefik router reference names a `Middleware` of the repository that limits
   * the request rate (`spec.rateLimit`), directly or as a member of a `chain`. A template
   * reference is unknown and counts as limiting.
   */
  traefikRefRateLimits(ref: string): boolean {
    if (isTemplated(ref)) return true;
    // `a-b/c` and `a/b-c` share one name; either may be the one Traefik picks.
    return this.middlewares.some((m) => `${m.namespace ?? ''}-${m.name}@kubernetescrd` === ref && this.middlewareRateLimits(m, 0));
  }

  private middlewareRateLimits(mw: Resource, depth: number): boolean {
    const spec = mw.root.get('spec');
    if (spec?.get('rateLimit')?.isMap) return true;
    if (depth > 8) return false;
    // Chain members are CRD middlewares named plainly, in the chain's namespace unless given.
    for (const member of spec?.get('chain', 'middlewares')?.items() ?? []) {
      const name = member.get('name')?.str();
      const namespace = member.get('namespace')?.str() ?? mw.namespace;
      const target = this.middlewares.find((m) => m.name === name && m.namespace === namespace);
      if (target && target !== mw && this.middlewareRateLimits(target, depth + 1)) return true;
    }
    return false;
  }

  /**
   * How an Ingress falls short of TLS: `none` without any `spec.tls` entry, else the rule
   * hosts no `tls.hosts` entry covers (empty when all are covered). A `tls` entry without
   * `hosts` takes the controller's wildcard host and covers every host; template hosts are
   * unknown and never reported.
   */
  uncoveredHosts(ingress: Resource): 'none' | string[] {
    const tls = ingress.root.get('spec', 'tls')?.items() ?? [];
    if (tls.length === 0) return 'none';
    const certHosts: string[] = [];
    for (const entry of tls) {
      const hosts = (entry.get('hosts')?.items() ?? []).map((h) => h.str()).filter((h): h is string => h !== undefined);
      if (hosts.length === 0 || hosts.some(isTemplated)) return [];
      certHosts.push(...hosts);
    }
    const uncovered: string[] = [];
    for (const rule of ingress.root.get('spec', 'rules')?.items() ?? []) {
      const host = rule.get('host')?.str();
      if (host === undefined || host === '' || isTemplated(host) || uncovered.includes(host)) continue;
      if (!certHosts.some((c) => tlsHostCovers(c, host))) uncovered.push(host);
    }
    return uncovered;
  }

  /**
   * Gateway servers and listeners that serve plain HTTP with no HTTPS beside them:
   * an Istio (`networking.istio.io`) server with protocol HTTP that does not redirect to
   * HTTPS (`tls.httpsRedirect: true`), and a Gateway-API (`gateway.networking.k8s.io`)
   * listener with protocol HTTP whose hostname no HTTPS listener of the same Gateway serves.
   */
  plaintextListeners(): PlaintextListener[] {
    const out: PlaintextListener[] = [];
    for (const gw of this.model.resources) {
      if (gw.kind !== 'Gateway') continue;
      if (gw.group === 'networking.istio.io') out.push(...istioPlaintext(gw));
      else if (gw.group === 'gateway.networking.k8s.io') out.push(...gatewayApiPlaintext(gw));
    }
    return out;
  }

  /**
   * LoadBalancer Services reachable from any address: no source ranges (the field or the
   * older `service.beta.kubernetes.io/load-balancer-source-ranges` annotation, which
   * Kubernetes honours when the field is empty) or ranges that include a whole address
   * family, and no annotation that keeps the load balancer internal.
   */
  openLoadBalancers(): OpenLoadBalancer[] {
    const out: OpenLoadBalancer[] = [];
    for (const svc of this.model.resources) {
      if (svc.kind !== 'Service' || svc.group !== '') continue;
      const type = svc.root.get('spec', 'type');
      if (type?.str() !== 'LoadBalancer' || internalLoadBalancerAnnotation(svc.annotations) !== undefined) continue;
      if (frontsEntryPoint(svc)) continue;
      const field = (svc.root.get('spec', 'loadBalancerSourceRanges')?.items() ?? [])
        .map((n) => n.str())
        .filter((s): s is string => s !== undefined);
      const ranges = field.length
        ? field
        : (svc.annotations['service.beta.kubernetes.io/load-balancer-source-ranges'] ?? '')
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean);
      const openRanges = openSourceRanges(ranges);
      if (ranges.length === 0 || openRanges.length > 0) out.push({ service: svc, type, openRanges });
    }
    return out;
  }
}

/**
 * Ingress controllers and gateways, by the labels their Services select: they are the
 * public entry point by design, and the edge rules judge what they serve (TLS, rate limits)
 * on the Ingress and Gateway objects instead.
 */
const ENTRY_POINT_SELECTOR = /ingress|gateway|traefik|kong|contour|envoy|haproxy/i;

function frontsEntryPoint(svc: Resource): boolean {
  const selector = svc.root.get('spec', 'selector')?.entries() ?? [];
  return selector.some(([key, node]) => ENTRY_POINT_SELECTOR.test(`${key}=${node.str() ?? ''}`));
}

function classController(cls: Resource): IngressController | undefined {
  const id = cls.root.get('spec', 'controller')?.str();
  if (id === undefined || isTemplated(id)) return undefined;
  return CONTROLLER_IDS[id] ?? 'other';
}

function istioPlaintext(gw: Resource): PlaintextListener[] {
  const out: PlaintextListener[] = [];
  for (const server of gw.root.get('spec', 'servers')?.items() ?? []) {
    const protocol = server.get('port', 'protocol');
    // Istio reads the protocol name without regard to case.
    if (protocol?.str()?.toUpperCase() !== 'HTTP') continue;
    const redirect = server.get('tls', 'httpsRedirect')?.str();
    if (redirect === 'true' || (redirect !== undefined && isTemplated(redirect))) continue;
    const hosts = (server.get('hosts')?.items() ?? []).map((h) => h.str()).filter((h): h is string => h !== undefined);
    const port = server.get('port', 'number')?.str();
    out.push({ gateway: gw, api: 'Istio', protocol, what: port ? `port ${port}` : 'server', hosts: hosts.join(', ') || 'every host' });
  }
  return out;
}

function gatewayApiPlaintext(gw: Resource): PlaintextListener[] {
  const listeners = gw.root.get('spec', 'listeners')?.items() ?? [];
  // Gateway API protocol names are case-sensitive: `HTTP`, `HTTPS`, `TLS`, …
  const https = listeners.filter((l) => l.get('protocol')?.str() === 'HTTPS').map((l) => l.get('hostname')?.str());
  const out: PlaintextListener[] = [];
  for (const listener of listeners) {
    const protocol = listener.get('protocol');
    if (protocol?.str() !== 'HTTP') continue;
    const hostname = listener.get('hostname')?.str();
    if (hostname !== undefined && isTemplated(hostname)) continue;
    // An HTTPS listener without hostname answers every name; one with a wildcard hostname
    // answers the names one label under it.
    const served = https.some((h) =>
      h === undefined || isTemplated(h) ? true : hostname === undefined ? false : tlsHostCovers(h, hostname),
    );
    if (served) continue;
    const name = listener.get('name')?.str();
    out.push({
      gateway: gw,
      api: 'Gateway API',
      protocol,
      what: name ? `listener "${name}"` : 'listener',
      hosts: hostname ?? 'every hostname',
    });
  }
  return out;
}
