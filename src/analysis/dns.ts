import type { Model } from '../model/model.js';
import { namespaceInfo } from '../model/model.js';
import { ConnSet } from './netpol-ports.js';
import { podName, type Bounds, type DnsAddressEndpoint, type Endpoint, type NetpolAnalysis, type PodEndpoint } from './netpol.js';
import type { PolicyRule } from './netpol-types.js';

/**
 * Where pods send DNS queries. The DNS pods are the workloads labelled like the cluster
 * DNS (config `cluster.dnsSelector`, default `k8s-app: kube-dns`); when the repository has
 * none, a CoreDNS pod in `kube-system` with its usual ports (`dns` UDP 53, `dns-tcp` TCP 53)
 * stands for them. The Service IP or a NodeLocal DNS address may be reached through any
 * `ipBlock`, which cannot be checked statically, so every address peer counts.
 */
export interface DnsTargets {
  pods: PodEndpoint[];
  address: DnsAddressEndpoint;
  /** `k8s-app=kube-dns in kube-system`, for messages. */
  description: string;
}

/** DNS reachability of pods, over the shared NetworkPolicy engine. */
export class DnsAnalysis {
  readonly targets: DnsTargets;
  /** Every endpoint a DNS query may go to: the DNS pods and any address block. */
  readonly endpoints: Endpoint[];
  /** Whether a rule's peers may reach DNS, per rule (many pods share their policies' rules). */
  private readonly reaching = new WeakMap<PolicyRule, boolean>();

  constructor(
    private readonly model: Model,
    private readonly netpol: NetpolAnalysis,
  ) {
    this.targets = dnsTargets(model, netpol);
    this.endpoints = [...this.targets.pods, this.targets.address];
  }

  /** Connections the pod's egress policies allow towards DNS (any DNS pod or address). */
  access(pod: PodEndpoint): Bounds {
    let lower = ConnSet.NONE;
    let upper = ConnSet.NONE;
    for (const ep of this.endpoints) {
      const b = this.netpol.allowed(pod, 'Egress', ep);
      lower = lower.union(b.lower);
      upper = upper.union(b.upper);
    }
    return { lower, upper };
  }

  /**
   * The pods whose DNS egress is judged: the pod-network workloads of the repository, and,
   * in a namespace with egress policies but no workloads, one stand-in pod per such policy.
   */
  subjects(): PodEndpoint[] {
    const a = this.netpol;
    // Pods of one owner that look alike to policies (a `kubectl get pods` dump) are judged once.
    const seen = new Set<string>();
    const out = a.pods.filter((p) => {
      if (p.hostNetwork) return false;
      const key = JSON.stringify([podName(p), Object.entries(p.labels).sort(), p.ports]);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    const withWorkloads = new Set(this.model.workloads.map((w) => w.namespace));
    for (const policy of a.policies) {
      if (policy.namespace === undefined || withWorkloads.has(policy.namespace) || !policy.Egress?.isolates) continue;
      out.push(a.standIn(policy));
    }
    return out;
  }

  /** Why a pod's egress policies let no UDP 53 through to DNS, in words for the message. */
  explainBlocked(pod: PodEndpoint): string {
    // Pods alike (same namespace, same policies) get the same reason.
    const apps = this.netpol.applicable(pod, 'Egress');
    let reason = this.reasons.get(apps);
    if (reason === undefined) this.reasons.set(apps, (reason = this.blockedBecause(pod)));
    return reason;
  }

  private readonly reasons = new WeakMap<object, string>();

  private blockedBecause(pod: PodEndpoint): string {
    const a = this.netpol;
    const targets = this.targets;
    const endpoints = this.endpoints;
    const apps = a.applicable(pod, 'Egress').filter((x) => x.selected !== false);
    const rules = apps.flatMap((x) => x.rules.rules.filter((r) => r.action !== 'Log').map((rule) => ({ rule, policy: x.policy })));
    const reachesDns = (rule: PolicyRule): boolean => {
      let hit = this.reaching.get(rule);
      if (hit === undefined) this.reaching.set(rule, (hit = endpoints.some((ep) => a.ruleMatches(rule, ep) !== false)));
      return hit;
    };
    const dnsPorts = targets.pods[0]?.ports ?? [];
    for (const { rule, policy } of rules) {
      if (rule.action !== 'Allow' || !reachesDns(rule) || rule.ports === 'all') continue;
      for (const entry of policy.flavor === 'kubernetes' ? (rule.node.get('ports')?.items() ?? []) : []) {
        const port = entry.get('port')?.value;
        if ((port === 53 || port === '53') && entry.get('protocol') === undefined)
          return '`port: 53` has no protocol, so only TCP is allowed';
      }
      for (const spec of rule.ports) {
        if ('name' in spec && !dnsPorts.some((p) => p.name === spec.name && (spec.protocol === 'ANY' || p.protocol === spec.protocol))) {
          return `the named port \`${spec.name}\` (${spec.protocol}) is not a port of the DNS pods (${targets.description})`;
        }
        if ('from' in spec && spec.from <= 53 && 53 <= spec.to && spec.protocol === 'TCP') return 'the rule for port 53 allows only TCP';
      }
    }
    for (const { rule, policy } of rules) {
      if (rule.action !== 'Allow' || reachesDns(rule)) continue;
      const udp53 =
        rule.ports === 'all' ||
        rule.ports.some((s) => 'from' in s && s.from <= 53 && 53 <= s.to && (s.protocol === 'UDP' || s.protocol === 'ANY'));
      if (!udp53) continue;
      const ownOnly = rule.peers.some((p) => p.kind === 'pods' && p.namespaces.kind === 'own');
      const ns = policy.namespace ?? pod.namespace;
      return `the rule allowing UDP 53 does not reach the DNS pods (${targets.description})${ownOnly && !targets.pods.some((p) => p.namespace === ns) ? `: a pod selector without a namespace selector only matches pods in namespace "${ns}"` : ''}`;
    }
    const refusing = rules.find(
      ({ rule }) =>
        rule.action === 'Deny' &&
        reachesDns(rule) &&
        (rule.ports === 'all' || rule.ports.some((x) => x.protocol !== 'TCP' && x.protocol !== 'SCTP')),
    );
    if (refusing)
      return `a Deny rule of ${refusing.policy.resource.kind} "${refusing.policy.resource.name}" refuses UDP 53 before any rule allows it`;
    if (apps.some((x) => x.rules.denies.length > 0))
      return `no rule allows UDP 53 to the DNS pods (${targets.description}) or to an address, or a deny rule refuses it`;
    if (rules.length === 0) return 'its egress rules allow nothing, and no policy allows DNS';
    return `no egress rule allows UDP 53 to the DNS pods (${targets.description}) or to an address block`;
  }
}

function dnsTargets(model: Model, a: NetpolAnalysis): DnsTargets {
  const selector = model.config.cluster.dnsSelector;
  const entries = Object.entries(selector);
  const matches = (labels: Readonly<Record<string, string>>): boolean => entries.every(([k, v]) => labels[k] === v);
  let pods = a.pods.filter((p) => !p.hostNetwork && matches(p.labels));
  if (pods.length === 0) {
    const ns = 'kube-system';
    pods = [
      {
        kind: 'pod',
        namespace: ns,
        ns: namespaceInfo(model, ns),
        labels: { ...selector },
        labelsComplete: true,
        ports: [
          { name: 'dns', protocol: 'UDP', port: 53 },
          { name: 'dns-tcp', protocol: 'TCP', port: 53 },
          { name: 'metrics', protocol: 'TCP', port: 9153 },
        ],
        hostNetwork: false,
        workload: undefined,
      },
    ];
  }
  const labels = entries.map(([k, v]) => `${k}=${v}`).join(',');
  const namespaces = [...new Set(pods.map((p) => p.namespace))].join(', ');
  const targets: DnsTargets = { pods, address: { kind: 'dns-address' }, description: `${labels} in ${namespaces}` };
  return targets;
}
