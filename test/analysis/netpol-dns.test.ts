import { describe, expect, it } from 'vitest';
import { DnsAnalysis } from '../../src/analysis/dns.js';
import { podName } from '../../src/analysis/netpol.js';
import type { Config } from '../../src/core/config.js';
import {
  ALL,
  NONE,
  Net,
  calico,
  cilium,
  ciliumClusterwide,
  collapse,
  globalCalico,
  namespace,
  np,
  pod,
  text,
  type Obj,
} from './netpol-helpers.js';

/**
 * DNS reachability: a pod resolves names through the cluster DNS, the pods labelled
 * `k8s-app: kube-dns` (usually in kube-system), or through an address (the Service IP,
 * NodeLocal DNS) that any ipBlock may cover. Resolution needs UDP 53; TCP 53 carries
 * large answers.
 */

const DESCRIPTION = 'k8s-app=kube-dns in kube-system';
const BASE: Obj[] = [
  namespace('app', { team: 'blue' }),
  pod('app/web', { app: 'web' }),
  pod('app/hn', { app: 'web' }, { hostNetwork: true }),
];
const coredns = (id = 'kube-system/coredns', opts: { hostNetwork?: boolean; labels?: Record<string, string> } = {}): Obj => {
  const [ns, name] = id.split('/');
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: {
      template: {
        metadata: { labels: opts.labels ?? { 'k8s-app': 'kube-dns' } },
        spec: {
          hostNetwork: opts.hostNetwork ?? false,
          containers: [{ name: 'coredns', ports: [{ name: 'dns-udp', containerPort: 5353, protocol: 'UDP' }] }],
        },
      },
    },
  };
};

function dns(docs: Obj[], configure?: (c: Config) => void): { n: Net; d: DnsAnalysis } {
  const n = Net.of([...BASE, ...docs], configure);
  return { n, d: new DnsAnalysis(n.model, n.a) };
}

/** Egress of app/web through one Kubernetes rule. */
const webEgress = (rule: Obj, extra: Obj[] = []) =>
  dns([np('app/egress', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Egress'], egress: [rule] }), ...extra]);
const access = (x: { n: Net; d: DnsAnalysis }, id = 'app/web'): string => collapse(text(x.d.access(x.n.pod(id))));
const TO_DNS = { namespaceSelector: {}, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } };

describe('DNS targets', () => {
  it('without DNS pods in the repository, CoreDNS in kube-system with its usual ports stands for them', () => {
    const { n, d } = dns([]);
    expect(d.targets.description).toBe(DESCRIPTION);
    expect(d.targets.address).toEqual({ kind: 'dns-address' });
    expect(d.targets.pods).toHaveLength(1);
    const [p] = d.targets.pods;
    expect(p).toEqual({
      kind: 'pod',
      namespace: 'kube-system',
      ns: { name: 'kube-system', labels: { 'kubernetes.io/metadata.name': 'kube-system' }, labelsComplete: false, object: undefined },
      labels: { 'k8s-app': 'kube-dns' },
      labelsComplete: true,
      ports: [
        { name: 'dns', protocol: 'UDP', port: 53 },
        { name: 'dns-tcp', protocol: 'TCP', port: 53 },
        { name: 'metrics', protocol: 'TCP', port: 9153 },
      ],
      hostNetwork: false,
      workload: undefined,
    });
    expect(d.endpoints).toEqual([p, { kind: 'dns-address' }]);
    expect(n.a.pods).toHaveLength(2);
  });

  it('a Namespace object for kube-system gives the stand-in its labels', () => {
    const { d } = dns([namespace('kube-system', { name: 'kube-system' })]);
    expect(d.targets.pods[0]?.ns.labelsComplete).toBe(true);
    expect(d.targets.pods[0]?.ns.labels).toEqual({ name: 'kube-system', 'kubernetes.io/metadata.name': 'kube-system' });
  });

  it('the DNS pods of the repository, wherever they run, but not on the host network', () => {
    const { d } = dns([coredns('dns/coredns'), coredns('kube-system/node-dns', { hostNetwork: true }), coredns('kube-system/coredns')]);
    expect(d.targets.pods.map(podName)).toEqual(['dns/coredns[Deployment]', 'kube-system/coredns[Deployment]']);
    expect(d.targets.description).toBe('k8s-app=kube-dns in dns, kube-system');
    expect(d.targets.pods[0]?.ports).toEqual([{ name: 'dns-udp', protocol: 'UDP', port: 5353 }]);
  });

  it('only host-network DNS pods: the stand-in is used', () => {
    const { d } = dns([coredns('kube-system/node-dns', { hostNetwork: true })]);
    expect(d.targets.pods.map((p) => [p.namespace, p.workload])).toEqual([['kube-system', undefined]]);
  });

  it('a configured DNS selector: every label must match', () => {
    const configure = (c: Config) => {
      c.cluster.dnsSelector = { app: 'coredns', tier: 'dns' };
    };
    const { d } = dns(
      [
        coredns('kube-system/partial', { labels: { app: 'coredns' } }),
        coredns('kube-system/other', { labels: { 'k8s-app': 'kube-dns' } }),
        coredns('infra/full', { labels: { app: 'coredns', tier: 'dns', extra: 'x' } }),
      ],
      configure,
    );
    expect(d.targets.pods.map(podName)).toEqual(['infra/full[Deployment]']);
    expect(d.targets.description).toBe('app=coredns,tier=dns in infra');
    const fallback = dns([], configure).d;
    expect(fallback.targets.pods[0]?.labels).toEqual({ app: 'coredns', tier: 'dns' });
    expect(fallback.targets.description).toBe('app=coredns,tier=dns in kube-system');
  });
});

describe('DNS access of a pod', () => {
  it('without egress policies: everything', () => {
    expect(access(dns([]))).toBe(ALL);
  });

  it.each<[string, Obj, string]>([
    ['UDP 53 to the DNS pods in any namespace', { to: [TO_DNS], ports: [{ port: 53, protocol: 'UDP' }] }, 'UDP 53'],
    ['`port: 53` without protocol is TCP only', { to: [TO_DNS], ports: [{ port: 53 }] }, 'TCP 53'],
    [
      'UDP and TCP 53',
      {
        to: [TO_DNS],
        ports: [
          { port: 53, protocol: 'UDP' },
          { port: 53, protocol: 'TCP' },
        ],
      },
      'TCP 53,UDP 53',
    ],
    ['the named port `dns` is UDP 53 on CoreDNS', { to: [TO_DNS], ports: [{ port: 'dns', protocol: 'UDP' }] }, 'UDP 53'],
    ['`dns` without protocol asks for a TCP port of that name: none', { to: [TO_DNS], ports: [{ port: 'dns' }] }, NONE],
    ['`dns-tcp` is TCP 53', { to: [TO_DNS], ports: [{ port: 'dns-tcp' }] }, 'TCP 53'],
    [
      'kube-system by its name label is certain',
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }],
        ports: [{ port: 53, protocol: 'UDP' }],
      },
      'UDP 53',
    ],
    [
      'kube-system by a label nobody defined: maybe',
      { to: [{ namespaceSelector: { matchLabels: { name: 'kube-system' } } }], ports: [{ port: 53, protocol: 'UDP' }] },
      `${NONE} .. UDP 53`,
    ],
    [
      'a pod selector alone stays in the policy namespace',
      { to: [{ podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ port: 53, protocol: 'UDP' }] },
      NONE,
    ],
    [
      'any ipBlock may be the DNS Service',
      { to: [{ ipBlock: { cidr: '10.96.0.10/32' } }], ports: [{ port: 53, protocol: 'UDP' }] },
      'UDP 53',
    ],
    [
      'named ports do not resolve towards an address',
      { to: [{ ipBlock: { cidr: '10.96.0.10/32' } }], ports: [{ port: 'dns', protocol: 'UDP' }] },
      NONE,
    ],
    ['no `to`: every destination', { ports: [{ port: 53, protocol: 'UDP' }] }, 'UDP 53'],
    ['no ports to the DNS pods', { to: [TO_DNS] }, ALL],
  ])('%s', (_name, rule, expected) => {
    expect(access(webEgress(rule))).toBe(expected);
  });

  it('an empty egress rule list: nothing', () => {
    expect(access(dns([np('app/deny', { podSelector: {}, egress: [] })]))).toBe(NONE);
  });

  it('host-network pods and pods of other namespaces are not restricted', () => {
    const x = dns([np('app/deny', { podSelector: {}, egress: [] }), pod('other/p')]);
    expect(access(x, 'app/hn')).toBe(ALL);
    expect(access(x, 'other/p')).toBe(ALL);
  });

  it('the union over DNS pods and address', () => {
    const x = dns([
      np('app/a', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [TO_DNS], ports: [{ port: 53, protocol: 'UDP' }] }] }),
      np('app/b', {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' } }], ports: [{ port: 53, protocol: 'TCP' }] }],
      }),
    ]);
    expect(access(x)).toBe('TCP 53,UDP 53');
  });

  it('DNS pods of the repository decide by their own ports and namespace', () => {
    const ok = webEgress(
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'dns' } } }],
        ports: [{ port: 'dns-udp', protocol: 'UDP' }],
      },
      [coredns('dns/coredns')],
    );
    expect(access(ok)).toBe('UDP 5353');
    const wrongNs = webEgress({ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }] }, [
      coredns('dns/coredns'),
    ]);
    expect(access(wrongNs)).toBe(NONE);
  });

  it('Calico and Cilium policies count', () => {
    const cal = dns([
      calico('app/c', {
        selector: 'all()',
        types: ['Egress'],
        egress: [
          { action: 'Allow', protocol: 'UDP', destination: { selector: "k8s-app == 'kube-dns'", namespaceSelector: 'all()', ports: [53] } },
        ],
      }),
    ]);
    expect(access(cal)).toBe('UDP 53');
    const cil = dns([
      cilium('app/c', {
        endpointSelector: {},
        egress: [
          {
            toEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'kube-system', 'k8s-app': 'kube-dns' } }],
            toPorts: [{ ports: [{ port: '53', protocol: 'ANY' }] }],
          },
        ],
      }),
    ]);
    expect(access(cil)).toBe('TCP 53,UDP 53,SCTP 53');
  });
});

describe('subjects: whose DNS egress is judged', () => {
  it('pod-network workloads, and one stand-in per egress-isolating policy of a namespace without workloads', () => {
    const { d } = dns([
      np('app/deny', { podSelector: {}, egress: [] }),
      np('empty/out', { podSelector: { matchLabels: { role: 'x' } }, policyTypes: ['Egress'] }),
      np('empty/in', { podSelector: {} }),
      np('empty/out2', { podSelector: {}, egress: [{}] }),
      cilium('empty/audit', { endpointSelector: {}, enableDefaultDeny: { egress: false }, egress: [{}] }),
      ciliumClusterwide('cw', { endpointSelector: {}, egress: [] }),
      globalCalico('g', { selector: 'all()', types: ['Egress'] }),
    ]);
    const subjects = d.subjects();
    expect(subjects.map((p) => [p.namespace, p.workload?.name ?? p.standInFor?.resource.name])).toEqual([
      ['app', 'web'],
      ['empty', 'out'],
      ['empty', 'out2'],
    ]);
    expect(subjects[1]?.labels).toEqual({ role: 'x' });
    expect(subjects[1]?.labelsComplete).toBe(false);
  });
});

describe('why DNS is blocked', () => {
  const why = (x: { n: Net; d: DnsAnalysis }, id = 'app/web'): string => x.d.explainBlocked(x.n.pod(id));

  it('`port: 53` without protocol', () => {
    expect(why(webEgress({ to: [TO_DNS], ports: [{ port: 53 }] }))).toBe('`port: 53` has no protocol, so only TCP is allowed');
    expect(why(webEgress({ to: [TO_DNS], ports: [{ port: '53' }] }))).toBe('`port: 53` has no protocol, so only TCP is allowed');
  });

  it('an explicit TCP 53, or a TCP range over 53', () => {
    expect(why(webEgress({ to: [TO_DNS], ports: [{ port: 53, protocol: 'TCP' }] }))).toBe('the rule for port 53 allows only TCP');
    expect(why(webEgress({ to: [TO_DNS], ports: [{ port: 50, endPort: 60 }] }))).toBe('the rule for port 53 allows only TCP');
    expect(why(webEgress({ to: [TO_DNS], ports: [{ port: 53, endPort: 60, protocol: 'TCP' }] }))).toBe(
      'the rule for port 53 allows only TCP',
    );
    expect(why(webEgress({ to: [TO_DNS], ports: [{ port: 40, endPort: 53, protocol: 'TCP' }] }))).toBe(
      'the rule for port 53 allows only TCP',
    );
  });

  it('a TCP range beside 53 is not blamed', () => {
    expect(why(webEgress({ to: [TO_DNS], ports: [{ port: 54, endPort: 60 }] }))).toBe(
      `no egress rule allows UDP 53 to the DNS pods (${DESCRIPTION}) or to an address block`,
    );
    expect(why(webEgress({ to: [TO_DNS], ports: [{ port: 40, endPort: 52 }] }))).toBe(
      `no egress rule allows UDP 53 to the DNS pods (${DESCRIPTION}) or to an address block`,
    );
  });

  it('a named port the DNS pods do not have', () => {
    expect(why(webEgress({ to: [TO_DNS], ports: [{ port: 'domain', protocol: 'UDP' }] }))).toBe(
      `the named port \`domain\` (UDP) is not a port of the DNS pods (${DESCRIPTION})`,
    );
    // `dns` exists, but as UDP: asked for as TCP it is not a port of the DNS pods.
    expect(why(webEgress({ to: [TO_DNS], ports: [{ port: 'dns' }] }))).toBe(
      `the named port \`dns\` (TCP) is not a port of the DNS pods (${DESCRIPTION})`,
    );
  });

  it('a Cilium named port with any protocol: blamed only when no DNS port has that name', () => {
    const rule = (name: string) =>
      dns([cilium('app/c', { endpointSelector: {}, egress: [{ toEntities: ['cluster'], toPorts: [{ ports: [{ port: name }] }] }] })]);
    expect(why(rule('domain'))).toBe(`the named port \`domain\` (ANY) is not a port of the DNS pods (${DESCRIPTION})`);
    expect(why(rule('dns-tcp'))).toBe(`no egress rule allows UDP 53 to the DNS pods (${DESCRIPTION}) or to an address block`);
  });

  it('a rule for UDP 53 whose peers miss the DNS pods', () => {
    expect(
      why(webEgress({ to: [{ podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ port: 53, protocol: 'UDP' }] })),
    ).toBe(
      `the rule allowing UDP 53 does not reach the DNS pods (${DESCRIPTION}): a pod selector without a namespace selector only matches pods in namespace "app"`,
    );
    expect(why(webEgress({ to: [{ podSelector: {} }] }))).toBe(
      `the rule allowing UDP 53 does not reach the DNS pods (${DESCRIPTION}): a pod selector without a namespace selector only matches pods in namespace "app"`,
    );
    expect(
      why(
        webEgress({
          to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'elsewhere' } } }],
          ports: [{ port: 50, endPort: 60, protocol: 'UDP' }],
        }),
      ),
    ).toBe(`the rule allowing UDP 53 does not reach the DNS pods (${DESCRIPTION})`);
  });

  it('a pod selector in the DNS namespace itself gets no namespace hint', () => {
    const x = dns([
      pod('kube-system/client', { app: 'client' }),
      np('kube-system/p', {
        podSelector: { matchLabels: { app: 'client' } },
        policyTypes: ['Egress'],
        egress: [{ to: [{ podSelector: { matchLabels: { app: 'nope' } } }] }],
      }),
    ]);
    expect(why(x, 'kube-system/client')).toBe(`the rule allowing UDP 53 does not reach the DNS pods (${DESCRIPTION})`);
  });

  it('a rule that misses the DNS pods and has no UDP 53 is no explanation', () => {
    expect(why(webEgress({ to: [{ podSelector: {} }], ports: [{ port: 53 }] }))).toBe(
      `no egress rule allows UDP 53 to the DNS pods (${DESCRIPTION}) or to an address block`,
    );
    expect(why(webEgress({ to: [{ podSelector: {} }], ports: [{ port: 50, endPort: 52, protocol: 'UDP' }] }))).toBe(
      `no egress rule allows UDP 53 to the DNS pods (${DESCRIPTION}) or to an address block`,
    );
    expect(why(webEgress({ to: [{ podSelector: {} }], ports: [{ port: 54, endPort: 60, protocol: 'UDP' }] }))).toBe(
      `no egress rule allows UDP 53 to the DNS pods (${DESCRIPTION}) or to an address block`,
    );
  });

  it('a Cilium rule for any protocol on 53 that misses the DNS pods', () => {
    const x = dns([cilium('app/c', { endpointSelector: {}, egress: [{ toEndpoints: [{}], toPorts: [{ ports: [{ port: '53' }] }] }] })]);
    expect(why(x)).toBe(
      `the rule allowing UDP 53 does not reach the DNS pods (${DESCRIPTION}): a pod selector without a namespace selector only matches pods in namespace "app"`,
    );
  });

  it('a Calico Deny that refuses DNS first', () => {
    const x = dns([
      calico('app/deny-dns', { order: 1, selector: 'all()', types: ['Egress'], egress: [{ action: 'Deny' }] }),
      calico('app/allow', {
        order: 2,
        selector: 'all()',
        types: ['Egress'],
        egress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: [443] } }],
      }),
    ]);
    expect(why(x)).toBe('a Deny rule of NetworkPolicy "deny-dns" refuses UDP 53 before any rule allows it');
    const udp = dns([
      calico('app/deny-udp', { order: 1, selector: 'all()', types: ['Egress'], egress: [{ action: 'Deny', protocol: 'UDP' }] }),
    ]);
    expect(why(udp)).toBe('a Deny rule of NetworkPolicy "deny-udp" refuses UDP 53 before any rule allows it');
  });

  it('a Calico Deny of TCP only, or one that misses DNS, is no explanation', () => {
    const tcp = dns([calico('app/deny-tcp', { selector: 'all()', types: ['Egress'], egress: [{ action: 'Deny', protocol: 'TCP' }] })]);
    expect(why(tcp)).toBe(`no egress rule allows UDP 53 to the DNS pods (${DESCRIPTION}) or to an address block`);
    const sctp = dns([calico('app/deny-sctp', { selector: 'all()', types: ['Egress'], egress: [{ action: 'Deny', protocol: 'SCTP' }] })]);
    expect(why(sctp)).toBe(`no egress rule allows UDP 53 to the DNS pods (${DESCRIPTION}) or to an address block`);
    const elsewhere = dns([
      calico('app/deny-web', {
        selector: 'all()',
        types: ['Egress'],
        egress: [{ action: 'Deny', destination: { selector: "app == 'web'" } }],
      }),
    ]);
    expect(why(elsewhere)).toBe(`no egress rule allows UDP 53 to the DNS pods (${DESCRIPTION}) or to an address block`);
  });

  it('Log rules are not rules here', () => {
    const x = dns([calico('app/log', { selector: 'all()', types: ['Egress'], egress: [{ action: 'Log' }] })]);
    expect(why(x)).toBe('its egress rules allow nothing, and no policy allows DNS');
  });

  it('a Cilium deny rule', () => {
    const x = dns([cilium('app/c', { endpointSelector: {}, egressDeny: [{ toEntities: ['all'] }] })]);
    expect(why(x)).toBe(`no rule allows UDP 53 to the DNS pods (${DESCRIPTION}) or to an address, or a deny rule refuses it`);
  });

  it('no rules at all', () => {
    expect(why(dns([np('app/deny', { podSelector: {}, egress: [] })]))).toBe('its egress rules allow nothing, and no policy allows DNS');
  });

  it('rules for other ports', () => {
    expect(why(webEgress({ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: 443 }] }))).toBe(
      `no egress rule allows UDP 53 to the DNS pods (${DESCRIPTION}) or to an address block`,
    );
  });

  it('an allow rule for every port does not explain a refusal by an earlier Deny', () => {
    const x = dns([
      calico('app/deny-udp', { order: 1, selector: 'all()', types: ['Egress'], egress: [{ action: 'Deny', protocol: 'UDP' }] }),
      calico('app/allow', { order: 2, selector: 'all()', types: ['Egress'], egress: [{ action: 'Allow' }] }),
    ]);
    expect(why(x)).toBe('a Deny rule of NetworkPolicy "deny-udp" refuses UDP 53 before any rule allows it');
  });

  it('a port entry without number', () => {
    expect(why(webEgress({ to: [TO_DNS], ports: [{ protocol: 'TCP' }] }))).toBe('the rule for port 53 allows only TCP');
  });

  it('with a Cilium deny rule, a correct allow rule is not blamed', () => {
    const deny = { toEntities: ['all'], toPorts: [{ ports: [{ port: '53', protocol: 'UDP' }] }] };
    const named = dns([
      cilium('app/c', {
        endpointSelector: {},
        egress: [{ toEntities: ['cluster'], toPorts: [{ ports: [{ port: 'dns', protocol: 'UDP' }] }] }],
        egressDeny: [deny],
      }),
    ]);
    expect(why(named)).toBe(`no rule allows UDP 53 to the DNS pods (${DESCRIPTION}) or to an address, or a deny rule refuses it`);
    const numbered = dns([
      cilium('app/c', {
        endpointSelector: {},
        egress: [{ toEntities: ['cluster'], toPorts: [{ ports: [{ port: '53', protocol: 'UDP' }] }] }],
        egressDeny: [deny],
      }),
    ]);
    expect(why(numbered)).toBe(`no rule allows UDP 53 to the DNS pods (${DESCRIPTION}) or to an address, or a deny rule refuses it`);
  });

  it('a deny rule in any of the policies', () => {
    const x = dns([
      np('app/deny', { podSelector: {}, egress: [] }),
      cilium('app/c', { endpointSelector: {}, egressDeny: [{ toEntities: ['all'] }] }),
    ]);
    expect(why(x)).toBe(`no rule allows UDP 53 to the DNS pods (${DESCRIPTION}) or to an address, or a deny rule refuses it`);
  });

  it('one port entry for UDP 53 is enough to blame the peers', () => {
    expect(why(webEgress({ to: [{ podSelector: {} }], ports: [{ port: 80 }, { port: 53, protocol: 'UDP' }] }))).toBe(
      `the rule allowing UDP 53 does not reach the DNS pods (${DESCRIPTION}): a pod selector without a namespace selector only matches pods in namespace "app"`,
    );
  });

  it('one peer without namespace selector is enough for the namespace hint', () => {
    expect(
      why(
        webEgress({
          to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'elsewhere' } } }, { podSelector: {} }],
          ports: [{ port: 53, protocol: 'UDP' }],
        }),
      ),
    ).toBe(
      `the rule allowing UDP 53 does not reach the DNS pods (${DESCRIPTION}): a pod selector without a namespace selector only matches pods in namespace "app"`,
    );
  });

  it('no namespace hint when some DNS pods run in the policy namespace', () => {
    const x = webEgress({ to: [{ podSelector: { matchLabels: { app: 'nope' } } }], ports: [{ port: 53, protocol: 'UDP' }] }, [
      coredns('app/coredns'),
      coredns('kube-system/coredns'),
    ]);
    expect(why(x)).toBe('the rule allowing UDP 53 does not reach the DNS pods (k8s-app=kube-dns in app, kube-system)');
  });

  it.skip('BUG (reported): a Calico Deny of ICMP is not blamed for UDP 53', () => {
    const x = dns([calico('app/no-ping', { selector: 'all()', types: ['Egress'], egress: [{ action: 'Deny', protocol: 'ICMP' }] })]);
    expect(why(x)).toBe(`no egress rule allows UDP 53 to the DNS pods (${DESCRIPTION}) or to an address block`);
  });

  it('the description names the configured selector and the namespaces of the DNS pods', () => {
    const x = webEgress({ to: [TO_DNS], ports: [{ port: 'domain', protocol: 'UDP' }] }, [coredns('dns/coredns')]);
    expect(why(x)).toBe('the named port `domain` (UDP) is not a port of the DNS pods (k8s-app=kube-dns in dns)');
  });
});
