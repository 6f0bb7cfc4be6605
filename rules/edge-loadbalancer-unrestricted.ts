import { defineRule } from '../src/rule/rule.js';

export default defineRule({
  id: 'edge-loadbalancer-unrestricted',
  title: 'LoadBalancer Service open to every source',
  severity: 'medium',
  rationale:
    'A Service of type LoadBalancer gets a cloud load balancer with a public address; without `loadBalancerSourceRanges` the cloud firewall admits every client on the internet to its ports. Services meant for the VPC only need the internal-load-balancer annotation of their cloud. The load balancers of ingress controllers and gateways (a selector naming ingress, gateway, Traefik, Kong, Contour, Envoy or HAProxy pods) are the public entry point by design and are not reported: the edge rules judge the Ingress and Gateway objects they serve.',
  remediation:
    'Set `spec.loadBalancerSourceRanges` to the client networks that need access, or make the load balancer internal (for example `service.beta.kubernetes.io/aws-load-balancer-scheme: internal`, `networking.gke.io/load-balancer-type: Internal`, `service.beta.kubernetes.io/azure-load-balancer-internal: "true"`), or expose it through an Ingress.',
  precision: 'medium',
  tags: ['kubernetes', 'edge', 'load-balancer'],
  *check({ edge }) {
    for (const { service, type, openRanges } of edge.openLoadBalancers())
      yield {
        at: type.loc,
        message: openRanges.length
          ? `Service "${service.namespace ?? ''}/${service.name}" is a public LoadBalancer whose source ranges include ${openRanges.join(', ')}: every client on the internet can reach its ports.`
          : `Service "${service.namespace ?? ''}/${service.name}" is a public LoadBalancer without \`loadBalancerSourceRanges\`: every client on the internet can reach its ports.`,
      };
  },
});
