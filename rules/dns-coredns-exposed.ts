import { defineRule } from '../src/rule/rule.js';

/** Service types that open the Service on every node's address or on a load balancer. */
const EXPOSED_TYPES = new Set(['NodePort', 'LoadBalancer']);

export default defineRule({
  id: 'dns-coredns-exposed',
  title: 'Cluster DNS Service reachable from outside the cluster',
  severity: 'high',
  rationale:
    "The cluster DNS answers every pod's queries and knows every Service name. Exposed as a NodePort or LoadBalancer, or on `externalIPs`, it becomes an open resolver for anyone who can reach a node or the load balancer: it leaks the cluster's service names and can be abused for DNS amplification.",
  remediation:
    'Keep the cluster DNS Service `type: ClusterIP` without `externalIPs`. If something outside the cluster must resolve cluster names, publish a separate, restricted resolver (for example an internal load balancer with `loadBalancerSourceRanges`, or ExternalDNS records).',
  precision: 'high',
  tags: ['kubernetes', 'dns'],
  *check({ clusterDns }) {
    for (const service of clusterDns.services) {
      const name = `${service.namespace ?? ''}/${service.name}`;
      const type = service.root.get('spec', 'type');
      const typeName = type?.str();
      if (type && typeName && EXPOSED_TYPES.has(typeName))
        yield {
          at: type.loc,
          message: `Cluster DNS Service "${name}" is of type ${typeName}: the resolver answers anyone who can reach ${typeName === 'NodePort' ? "a node's address" : 'the load balancer'}, leaking service names and serving as a DNS amplifier.`,
        };
      const externalIPs = service.root.get('spec', 'externalIPs');
      const addresses = (externalIPs?.items() ?? []).map((n) => n.str()).filter((s): s is string => !!s);
      if (externalIPs && addresses.length > 0)
        yield {
          at: externalIPs.keyLoc,
          message: `Cluster DNS Service "${name}" listens on external IPs ${addresses.join(', ')}: the resolver answers anyone who can route to them.`,
        };
    }
  },
});
