import { defineRule } from '../src/rule/rule.js';
import { plaintextPublicUpstreams } from '../src/analysis/cluster-dns.js';

export default defineRule({
  id: 'dns-upstream-plaintext',
  title: 'CoreDNS forwards to public resolvers in plain DNS',
  severity: 'low',
  rationale:
    "CoreDNS's `forward` plugin sends the queries it cannot answer to its upstreams. To a public resolver in plain DNS (no `tls://`), every external name the cluster looks up crosses networks nobody controls in clear, where it can be read, logged and answered falsely. Forwarding to `/etc/resolv.conf` or to private addresses is not judged: those resolvers sit inside the operator's network.",
  remediation:
    'Forward to public resolvers over DNS-over-TLS (`forward . tls://1.1.1.1 tls://1.0.0.1 { tls_servername cloudflare-dns.com }`), or to a resolver in your own network.',
  precision: 'high',
  tags: ['kubernetes', 'dns', 'encryption'],
  *check({ clusterDns }) {
    for (const source of clusterDns.corefiles) {
      const where = `ConfigMap "${source.configMap.namespace ?? ''}/${source.configMap.name}"`;
      for (const forward of source.forwards) {
        const plain = plaintextPublicUpstreams(forward);
        if (plain.length === 0) continue;
        const zone = forward.from?.text ?? '.';
        const list = plain.map((u) => u.token.text).join(', ');
        yield {
          at: clusterDns.locate(source, forward.directive.name.offset, forward.directive.name.text.length),
          message: `The Corefile of ${where} forwards ${zone === '.' ? 'every name' : `zone "${zone}"`} to the public resolver${plain.length === 1 ? '' : 's'} ${list} in plain DNS: the cluster's lookups travel in clear and their answers can be forged on the way.`,
        };
      }
    }
  },
});
