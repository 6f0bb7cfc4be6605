import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { Service } from 'kubernetes-models/v1/Service';
import { validate as validateObjectMeta } from '@kubernetes-models/apimachinery/_schemas/IoK8sApimachineryPkgApisMetaV1ObjectMeta';
import { PeerAuthentication } from '@kubernetes-models/istio/security.istio.io/v1/PeerAuthentication';
import { PeerAuthentication as PeerAuthenticationV1beta1 } from '@kubernetes-models/istio/security.istio.io/v1beta1/PeerAuthentication';
import { AuthorizationPolicy } from '@kubernetes-models/istio/security.istio.io/v1/AuthorizationPolicy';
import { AuthorizationPolicy as AuthorizationPolicyV1beta1 } from '@kubernetes-models/istio/security.istio.io/v1beta1/AuthorizationPolicy';
import { DestinationRule } from '@kubernetes-models/istio/networking.istio.io/v1/DestinationRule';
import { DestinationRule as DestinationRuleV1beta1 } from '@kubernetes-models/istio/networking.istio.io/v1beta1/DestinationRule';
import { DestinationRule as DestinationRuleV1alpha3 } from '@kubernetes-models/istio/networking.istio.io/v1alpha3/DestinationRule';
import { Gateway as IstioGateway } from '@kubernetes-models/istio/networking.istio.io/v1/Gateway';
import { Gateway as IstioGatewayV1beta1 } from '@kubernetes-models/istio/networking.istio.io/v1beta1/Gateway';
import { Gateway as IstioGatewayV1alpha3 } from '@kubernetes-models/istio/networking.istio.io/v1alpha3/Gateway';
import { Gateway } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/Gateway';
import { Gateway as GatewayV1beta1 } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1beta1/Gateway';
import { HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import { HTTPRoute as HTTPRouteV1beta1 } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1beta1/HTTPRoute';
import { isPlainObject } from './node.js';
import { unknownFieldsIn, type FieldPath, type Shape } from './schemas/shape.js';
import { CALICO_GLOBAL_NETWORK_POLICY_SPEC, CALICO_NETWORK_POLICY_SPEC } from './schemas/calico.js';
import { CILIUM_RULE } from './schemas/cilium.js';

/**
 * Unknown fields of the security kinds: keys their published schema does not define. The API
 * server drops them when it stores the object (structural schemas prune unknown fields), so
 * the policy it enforces is the object without them.
 */

type Finder = (value: Record<string, unknown>) => FieldPath[];

/**
 * A model of the `kubernetes-models` packages: its `validate` runs the validator compiled from
 * the published schema (the Kubernetes OpenAPI, Istio's and Gateway API's CRDs).
 */
interface CompiledModel {
  prototype: { validate(): void };
}

/** A compiled schema validator, called on the object. */
type Validate = (value: unknown) => unknown;

const ofModel =
  (model: CompiledModel): Validate =>
  (value) =>
    model.prototype.validate.call(value as never);

/**
 * Fields a compiled validator never looks at. Generated validators read every field their
 * schema declares (to check it when present) and every key of a map (to check its value),
 * and nothing else; a key of an object it read from but not this key is a field the schema
 * does not define. An object it reads nothing from is free-form, or not reached.
 */
function unreadBy(validate: Validate): Finder {
  return (value) => {
    const reads = new WeakMap<object, Set<string>>();
    const proxies = new WeakMap<object, object>();
    const watch = (v: unknown): unknown => {
      if (typeof v !== 'object' || v === null) return v;
      let proxy = proxies.get(v);
      if (!proxy) {
        const seen = new Set<string>();
        reads.set(v, seen);
        proxy = new Proxy(v, {
          get(target, key, receiver) {
            if (typeof key !== 'string') return Reflect.get(target, key, receiver) as unknown;
            seen.add(key);
            return watch(Reflect.get(target, key, receiver));
          },
        });
        proxies.set(v, proxy);
      }
      return proxy;
    };
    try {
      validate(watch(value));
    } catch {
      // Invalid values (a missing required field, a wrong type) are another matter; only reads count.
    }
    const out: FieldPath[] = [];
    const walk = (v: unknown, path: FieldPath): void => {
      if (Array.isArray(v)) {
        v.forEach((item, i) => walk(item, [...path, i]));
        return;
      }
      if (!isPlainObject(v)) return;
      const seen = reads.get(v);
      if (!seen || seen.size === 0) return;
      for (const [key, child] of Object.entries(v)) {
        if (seen.has(key)) walk(child, [...path, key]);
        else out.push([...path, key]);
      }
    };
    walk(value, []);
    return out;
  };
}

/**
 * A custom resource checked against a schema written in the project's form (for APIs no
 * package covers), with `metadata` checked by the compiled ObjectMeta validator.
 */
function customResource(spec: Record<string, Shape>): Finder {
  const shape: Shape = { apiVersion: '*', kind: '*', metadata: '*', status: '*', ...spec };
  const meta = unreadBy((value) => validateObjectMeta(value));
  return (value) => [
    ...meta(isPlainObject(value['metadata']) ? value['metadata'] : {}).map((path) => ['metadata', ...path]),
    ...unknownFieldsIn(shape, value),
  ];
}

/**
 * The kinds checked, by `apiVersion kind`, with the schema versions the packages follow:
 * Kubernetes from `kubernetes-models`, Istio 1.29 CRDs from `@kubernetes-models/istio` 3,
 * Gateway API from `@kubernetes-models/gateway-api` 2, Calico v3.32 and Cilium 1.18 CRDs
 * written down in `schemas/`.
 */
const KINDS: Record<string, () => Finder> = {
  'networking.k8s.io/v1 NetworkPolicy': () => unreadBy(ofModel(NetworkPolicy)),
  'networking.k8s.io/v1 Ingress': () => unreadBy(ofModel(Ingress)),
  'v1 Service': () => unreadBy(ofModel(Service)),
  'security.istio.io/v1 PeerAuthentication': () => unreadBy(ofModel(PeerAuthentication)),
  'security.istio.io/v1beta1 PeerAuthentication': () => unreadBy(ofModel(PeerAuthenticationV1beta1)),
  'security.istio.io/v1 AuthorizationPolicy': () => unreadBy(ofModel(AuthorizationPolicy)),
  'security.istio.io/v1beta1 AuthorizationPolicy': () => unreadBy(ofModel(AuthorizationPolicyV1beta1)),
  'networking.istio.io/v1 DestinationRule': () => unreadBy(ofModel(DestinationRule)),
  'networking.istio.io/v1beta1 DestinationRule': () => unreadBy(ofModel(DestinationRuleV1beta1)),
  'networking.istio.io/v1alpha3 DestinationRule': () => unreadBy(ofModel(DestinationRuleV1alpha3)),
  'networking.istio.io/v1 Gateway': () => unreadBy(ofModel(IstioGateway)),
  'networking.istio.io/v1beta1 Gateway': () => unreadBy(ofModel(IstioGatewayV1beta1)),
  'networking.istio.io/v1alpha3 Gateway': () => unreadBy(ofModel(IstioGatewayV1alpha3)),
  'gateway.networking.k8s.io/v1 Gateway': () => unreadBy(ofModel(Gateway)),
  'gateway.networking.k8s.io/v1beta1 Gateway': () => unreadBy(ofModel(GatewayV1beta1)),
  'gateway.networking.k8s.io/v1 HTTPRoute': () => unreadBy(ofModel(HTTPRoute)),
  'gateway.networking.k8s.io/v1beta1 HTTPRoute': () => unreadBy(ofModel(HTTPRouteV1beta1)),
  'projectcalico.org/v3 NetworkPolicy': () => customResource({ spec: CALICO_NETWORK_POLICY_SPEC }),
  'crd.projectcalico.org/v1 NetworkPolicy': () => customResource({ spec: CALICO_NETWORK_POLICY_SPEC }),
  'projectcalico.org/v3 GlobalNetworkPolicy': () => customResource({ spec: CALICO_GLOBAL_NETWORK_POLICY_SPEC }),
  'crd.projectcalico.org/v1 GlobalNetworkPolicy': () => customResource({ spec: CALICO_GLOBAL_NETWORK_POLICY_SPEC }),
  'cilium.io/v2 CiliumNetworkPolicy': () => customResource({ spec: CILIUM_RULE, specs: [CILIUM_RULE] }),
  'cilium.io/v2 CiliumClusterwideNetworkPolicy': () => customResource({ spec: CILIUM_RULE, specs: [CILIUM_RULE] }),
};

/** Finders built so far: each kind's schema is compiled on first use and only for kinds that occur. */
const finders = new Map<string, Finder>();

/** Whether objects of this apiVersion and kind are checked against a schema. */
export function hasSchema(apiVersion: string, kind: string): boolean {
  return Object.hasOwn(KINDS, `${apiVersion} ${kind}`);
}

/**
 * Paths (from the object's root) of the fields its schema does not define, outermost first in
 * document order; empty for kinds without a schema.
 */
export function unknownFields(value: unknown): FieldPath[] {
  if (!isPlainObject(value)) return [];
  const id = `${String(value['apiVersion'])} ${String(value['kind'])}`;
  let finder = finders.get(id);
  if (!finder) {
    const make = Object.hasOwn(KINDS, id) ? KINDS[id] : undefined;
    if (!make) return [];
    finder = make();
    finders.set(id, finder);
  }
  return finder(value);
}

/** The object without the given fields (what the API server stores); untouched parts are shared. */
export function withoutFields(value: unknown, paths: readonly FieldPath[]): unknown {
  if (paths.length === 0) return value;
  const byHead = new Map<string | number, FieldPath[]>();
  const drop = new Set<string | number>();
  for (const path of paths) {
    const [head, ...rest] = path;
    if (head === undefined) continue;
    if (rest.length === 0) drop.add(head);
    else {
      let list = byHead.get(head);
      if (!list) byHead.set(head, (list = []));
      list.push(rest);
    }
  }
  if (Array.isArray(value)) return value.map((item, i) => (byHead.has(i) ? withoutFields(item, byHead.get(i) ?? []) : item));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (drop.has(key)) continue;
    const below = byHead.get(key);
    out[key] = below ? withoutFields(child, below) : child;
  }
  return out;
}
