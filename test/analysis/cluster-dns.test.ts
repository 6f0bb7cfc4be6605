import { describe, expect, it } from 'vitest';
import { isPathLocation, type Location } from '../../src/core/location.js';
import { ClusterDnsAnalysis, plaintextPublicUpstreams } from '../../src/analysis/cluster-dns.js';
import { model, type Obj } from './netpol-helpers.js';

function service(ns: string, name: string, spec: Obj): Obj {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec };
}

function deployment(ns: string, name: string, labels: Record<string, string>, podSpec: Obj = {}): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: {
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'example.com/c' }], ...podSpec } },
    },
  };
}

function corefileMap(corefile: string, ns = 'kube-system', name = 'coredns'): Obj {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data: { Corefile: corefile } };
}

const DNS = { 'k8s-app': 'kube-dns' };

describe('cluster DNS Services', () => {
  it('are those selecting the DNS pod labels, or named kube-dns/coredns in kube-system', () => {
    const a = new ClusterDnsAnalysis(
      model([
        service('kube-system', 'kube-dns', { selector: { app: 'whatever' } }),
        service('kube-system', 'coredns', {}),
        service('dns', 'resolver', { selector: { 'k8s-app': 'kube-dns', tier: 'x' } }),
        service('kube-system', 'web', { selector: { 'k8s-app': 'web' } }),
        service('apps', 'kube-dns', { selector: { app: 'resolver' } }),
        service('kube-system', 'partial', { selector: { app: 'kube-dns' } }),
      ]),
    );
    expect(a.services.map((s) => `${s.namespace}/${s.name}`)).toEqual(['kube-system/kube-dns', 'kube-system/coredns', 'dns/resolver']);
  });

  it('follow config cluster.dnsSelector', () => {
    const a = new ClusterDnsAnalysis(
      model([service('kube-system', 'dns', { selector: { app: 'coredns' } }), service('kube-system', 'dns2', { selector: DNS })], (c) => {
        c.cluster.dnsSelector = { app: 'coredns' };
      }),
    );
    expect(a.services.map((s) => s.name)).toEqual(['dns']);
  });
});

describe('cluster DNS workloads and ServiceAccounts', () => {
  it('are the workloads the DNS Service selects, in its namespace, and their serviceAccountName', () => {
    const a = new ClusterDnsAnalysis(
      model([
        service('kube-system', 'kube-dns', { selector: DNS }),
        deployment('kube-system', 'coredns', DNS, { serviceAccountName: 'dns-sa' }),
        deployment('other', 'coredns', DNS, { serviceAccountName: 'elsewhere' }),
        deployment('kube-system', 'web', { 'k8s-app': 'web' }, { serviceAccountName: 'web' }),
      ]),
    );
    expect(a.workloads.map((w) => `${w.namespace}/${w.name}`)).toEqual(['kube-system/coredns']);
    expect(a.serviceAccounts.map((s) => `${s.namespace}/${s.name}`)).toEqual(['kube-system/dns-sa']);
  });

  it('run as `default` when the pod spec names no ServiceAccount', () => {
    const a = new ClusterDnsAnalysis(
      model([service('kube-system', 'kube-dns', { selector: DNS }), deployment('kube-system', 'coredns', DNS)]),
    );
    expect(a.serviceAccounts.map((s) => `${s.namespace}/${s.name}`)).toEqual(['kube-system/default']);
  });

  it('honour the deprecated serviceAccount field', () => {
    const a = new ClusterDnsAnalysis(model([deployment('kube-system', 'coredns', DNS, { serviceAccount: 'old-style' })]));
    expect(a.serviceAccounts.map((s) => s.name)).toEqual(['old-style']);
  });

  it('without a DNS Service, are the workloads labelled like the DNS pods', () => {
    const a = new ClusterDnsAnalysis(model([deployment('kube-system', 'coredns', DNS, { serviceAccountName: 'resolver' })]));
    expect(a.serviceAccounts.map((s) => `${s.namespace}/${s.name}`)).toEqual(['kube-system/resolver']);
  });

  it('default to kube-system/coredns when the repository has no DNS workload', () => {
    const a = new ClusterDnsAnalysis(model([service('kube-system', 'kube-dns', { selector: DNS })]));
    expect(a.serviceAccounts.map((s) => `${s.namespace}/${s.name}`)).toEqual(['kube-system/coredns']);
    expect(a.serviceAccounts[0]?.workloads).toEqual([]);
  });
});

describe('the Corefile', () => {
  it('is key Corefile of ConfigMap kube-system/coredns only', () => {
    const a = new ClusterDnsAnalysis(
      model([
        corefileMap('.:53 {\n  forward . 8.8.8.8\n}\n'),
        corefileMap('.:53 {\n  forward . 8.8.8.8\n}\n', 'apps'),
        corefileMap('.:53 {\n  forward . 8.8.8.8\n}\n', 'kube-system', 'node-local-dns'),
      ]),
    );
    expect(a.corefiles.map((c) => `${c.configMap.namespace}/${c.configMap.name}`)).toEqual(['kube-system/coredns']);
  });

  it('judges only plain DNS to routable addresses', () => {
    const text = [
      '.:53 {',
      '  forward . 8.8.8.8 tls://1.1.1.1 https://9.9.9.9 10.0.0.10 192.168.0.53 172.16.0.53 100.64.0.53 127.0.0.1:5353 192.0.2.53 [2001:db8::53]:53 [fd00::53]:53 [2606:4700:4700::1111]:53 dns://9.9.9.9 /etc/resolv.conf dns.example.com {$DNS}',
      '}',
    ].join('\n');
    const a = new ClusterDnsAnalysis(model([corefileMap(text)]));
    const fwd = a.corefiles[0]?.forwards[0];
    if (!fwd) throw new Error('no forward');
    // Documentation ranges are not routable (RULES.md, "Routable address").
    expect(plaintextPublicUpstreams(fwd).map((u) => u.token.text)).toEqual(['8.8.8.8', '[2606:4700:4700::1111]:53', 'dns://9.9.9.9']);
  });
});

/** The line and column a Location points at. */
function lineCol(loc: Location): string {
  if (isPathLocation(loc)) return 'path';
  return `${loc.span.start.line}:${loc.span.start.column}-${loc.span.end.line}:${loc.span.end.column}`;
}

/** Where the n-th token equal to `word` of the Corefile lands in the file. */
function whereIs(yamlText: string, word: string, nth = 0): string {
  const a = new ClusterDnsAnalysis(model([yamlText]));
  const source = a.corefiles[0];
  if (!source) throw new Error('no Corefile');
  const value = source.node.value as string;
  let at = -1;
  for (let k = 0; k <= nth; k++) at = value.indexOf(word, at + 1);
  return lineCol(a.locate(source, at, word.length));
}

const HEAD = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: coredns\n  namespace: kube-system\ndata:\n';

describe('positions of Corefile words in the manifest (counted by hand)', () => {
  it('literal `|`', () => {
    // Line 9 is "        forward . 8.8.8.8": the word starts in column 9.
    const text = `${HEAD}  Corefile: |\n    .:53 {\n        forward . 8.8.8.8\n    }\n`;
    expect(whereIs(text, 'forward')).toBe('9:9-9:16');
    expect(whereIs(text, '8.8.8.8')).toBe('9:19-9:26');
  });

  it('literal `|-` with a header comment and an empty line, CRLF line ends', () => {
    const text = `${HEAD}  Corefile: |-  # the Corefile\n    .:53 {\n\n        cache 30\n        forward . 1.1.1.1\n    }\n`.replace(
      /\n/g,
      '\r\n',
    );
    expect(whereIs(text, 'forward')).toBe('11:9-11:16');
  });

  it('literal with an indentation indicator', () => {
    // `|2` under a mapping at column 3: content starts in column 5; "forward" is at column 9 of line 9.
    const text = `${HEAD}  Corefile: |2\n      .:53 {\n        forward . 1.1.1.1\n      }\n`;
    expect(whereIs(text, 'forward')).toBe('9:9-9:16');
  });

  it('folded `>` where lines join: the words stay on their own lines', () => {
    // Lines 10 and 11 fold into "forward . 8.8.8.8 8.8.4.4".
    const text = `${HEAD}  Corefile: >\n    .:53 {\n\n    forward . 8.8.8.8\n    8.8.4.4\n\n    }\n`;
    expect(whereIs(text, 'forward')).toBe('10:5-10:12');
    expect(whereIs(text, '8.8.4.4')).toBe('11:5-11:12');
  });

  it('double-quoted on one line, with escapes', () => {
    // `  Corefile: "` is 13 characters; ".:53 {" 14-19, "\n" 20-21, two spaces, "forward" from 24.
    const text = `${HEAD}  Corefile: ".:53 {\\n  forward . 8.8.8.8\\n}"\n`;
    expect(whereIs(text, 'forward')).toBe('7:24-7:31');
  });

  it('double-quoted over several lines, with escaped line breaks', () => {
    // Line 8 is `    \\  forward . 8.8.8.8\\n\\`: indentation dropped, `\\ ` is a space, "forward" at column 8.
    const text = `${HEAD}  Corefile: ".:53 {\\n\\\n    \\  forward . 8.8.8.8\\n\\\n    }\\n"\n`;
    expect(whereIs(text, 'forward')).toBe('8:8-8:15');
  });

  it('single-quoted over several lines', () => {
    const text = `${HEAD}  Corefile: '.:53 {\n\n      forward . 9.9.9.9\n\n    }'\n`;
    expect(whereIs(text, 'forward')).toBe('9:7-9:14');
  });

  it('plain over several lines', () => {
    const text = `${HEAD}  Corefile: .:53 {\n\n    forward . 9.9.9.9\n\n    }\n`;
    expect(whereIs(text, 'forward')).toBe('9:5-9:12');
  });

  it('inside a List item from JSON', () => {
    const text = `{"apiVersion": "v1", "kind": "List", "items": [\n  {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "coredns", "namespace": "kube-system"},\n   "data": {"Corefile": ".:53 {\\n forward . 8.8.8.8\\n}"}}]}\n`;
    // Line 3: `   "data": {"Corefile": ".:53 {\\n forward` — "forward" starts at column 35.
    expect(whereIs(text, 'forward')).toBe('3:35-3:42');
  });
});
