import type { Model } from '../model/model.js';
import type { Resource, Workload } from '../model/k8s.js';
import type { Node } from '../model/node.js';

/**
 * Services and what routes to them: which workloads a Service selects, which pod ports a
 * Service port leads to, and the Services that Ingresses and OpenShift Routes send to.
 */

/** Workloads of the Service's namespace whose pod labels carry every pair of its selector. */
export function workloadsSelectedBy(service: Resource, workloads: readonly Workload[]): Workload[] {
  const selector = Object.entries(service.root.get('spec', 'selector')?.stringMap() ?? {});
  // A Service without a selector has its endpoints managed by hand: it selects no pods.
  if (selector.length === 0) return [];
  return workloads.filter((w) => w.namespace === service.namespace && selector.every(([k, v]) => w.podLabels[k] === v));
}

/** A Service port as an Ingress backend or a Route names it: a number or a port name; undefined names none. */
export type ServicePortRef = string | number | undefined;

/** Where an Ingress or a Route sends traffic: a Service of its namespace and the port it names. */
export interface EdgeRoute {
  from: Resource;
  service: Resource;
  port: ServicePortRef;
}

/**
 * Every Service an Ingress (default backend and rule paths) or an OpenShift Route (`to`
 * and `alternateBackends`) sends to, as far as the Service is in the repository.
 */
export function edgeRoutes(model: Model): EdgeRoute[] {
  const services = new Map<string, Resource>();
  for (const r of model.resources) if (r.kind === 'Service' && r.group === '') services.set(`${r.namespace}/${r.name}`, r);
  const out: EdgeRoute[] = [];
  for (const from of model.resources) {
    const backends =
      from.kind === 'Ingress' && from.group === 'networking.k8s.io'
        ? ingressBackends(from.root)
        : from.kind === 'Route' && from.group === 'route.openshift.io'
          ? routeBackends(from.root)
          : [];
    for (const b of backends) {
      const service = services.get(`${from.namespace ?? 'default'}/${b.name}`);
      if (service) out.push({ from, service, port: b.port });
    }
  }
  return out;
}

function ingressBackends(ingress: Node): { name: string; port: ServicePortRef }[] {
  const backends = [ingress.get('spec', 'defaultBackend')];
  for (const rule of ingress.get('spec', 'rules')?.items() ?? [])
    for (const path of rule.get('http', 'paths')?.items() ?? []) backends.push(path.get('backend'));
  const out: { name: string; port: ServicePortRef }[] = [];
  for (const b of backends) {
    const name = b?.get('service', 'name')?.str();
    // `port.name` and `port.number` exclude each other.
    const port = b?.get('service', 'port');
    if (name !== undefined) out.push({ name, port: port?.get('name')?.str() ?? portNumber(port?.get('number')) });
  }
  return out;
}

function routeBackends(route: Node): { name: string; port: ServicePortRef }[] {
  const target = route.get('spec', 'port', 'targetPort');
  const port = typeof target?.value === 'number' ? target.value : target?.str();
  const out: { name: string; port: ServicePortRef }[] = [];
  for (const to of [route.get('spec', 'to'), ...(route.get('spec', 'alternateBackends')?.items() ?? [])]) {
    const name = to?.get('name')?.str();
    // Only Services may be a Route's target.
    if (name !== undefined && (to?.get('kind')?.str() ?? 'Service') === 'Service') out.push({ name, port });
  }
  return out;
}

function portNumber(node: Node | undefined): number | undefined {
  return typeof node?.value === 'number' ? node.value : undefined;
}

/**
 * The TCP pod ports a Service port leads to: its `targetPort` (a number or a container port
 * name), else its `port`; for a reference that names no port, those of every TCP Service port.
 */
export function targetPorts(service: Resource, wanted: ServicePortRef): (string | number)[] {
  const out: (string | number)[] = [];
  for (const p of service.root.get('spec', 'ports')?.items() ?? []) {
    if ((p.get('protocol')?.str() ?? 'TCP') !== 'TCP') continue;
    const name = p.get('name')?.str();
    const number = portNumber(p.get('port'));
    const target = p.get('targetPort');
    const access = typeof target?.value === 'number' ? target.value : (target?.str() ?? number);
    if (access === undefined) continue;
    const pod = typeof access === 'string' && /^\d+$/.test(access) ? Number(access) : access;
    if (wanted === undefined) out.push(pod);
    else if (name === wanted || number === wanted || access === wanted) return [pod];
  }
  return out;
}
