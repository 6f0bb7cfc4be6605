import { describe, expect, it } from 'vitest';
import type { ConnectivityRow, MapNode } from '../../src/core/connectivity.js';
import { connectivityReport } from '../../src/report/connectivity.js';

/** The `csv` and `dot` shapes of the connectivity map, on rows written by hand. */

const workload = (id: string, hostNetwork = false): MapNode => {
  const [namespace, rest] = id.split('/') as [string, string];
  const [, name, kind] = /^(.*)\[(\w+)\]$/.exec(rest) as unknown as [string, string, string];
  return { type: 'workload', id: hostNetwork ? `${id}[hostNetwork]` : id, namespace, name, kind, hostNetwork };
};
const range: MapNode = {
  type: 'ip-range',
  id: '0.0.0.0/0',
  family: 'IPv4',
  start: '0.0.0.0',
  end: '255.255.255.255',
  cidrs: ['0.0.0.0/0'],
};
const row = (source: MapNode, destination: MapNode, connections: string): ConnectivityRow => ({
  source,
  destination,
  connections,
  connectionsDetail: { all: true },
});
const web = workload('shop/web[Deployment]');
const db = workload('shop/db[StatefulSet]');
const agent = workload('ops/agent[DaemonSet]', true);
const ROWS = [
  row(range, web, 'All Connections'),
  row(agent, db, 'All Connections'),
  row(web, db, 'TCP 5432,UDP 53'),
  row(web, workload('shop/"odd"[Pod]'), 'TCP 80'),
];

describe('connectivity formats', () => {
  it('csv: a src,dst,conn header, one row per connection, fields with commas or quotes quoted', () => {
    expect(connectivityReport(ROWS, 'csv')).toBe(
      [
        'src,dst,conn',
        '0.0.0.0/0,shop/web[Deployment],All Connections',
        'ops/agent[DaemonSet][hostNetwork],shop/db[StatefulSet],All Connections',
        'shop/web[Deployment],shop/db[StatefulSet],"TCP 5432,UDP 53"',
        'shop/web[Deployment],"shop/""odd""[Pod]",TCP 80',
        '',
      ].join('\n'),
    );
    expect(connectivityReport([], 'csv')).toBe('src,dst,conn\n');
  });

  it('dot: a cluster per namespace, address boxes, labelled edges, the host-network legend', () => {
    expect(connectivityReport(ROWS, 'dot').split('\n')).toEqual([
      'digraph {',
      '\tsubgraph "cluster_ops" {',
      '\t\tlabel="ops[namespace]"',
      '\t\t"ops/agent[DaemonSet][hostNetwork]" [label="agent[DaemonSet][hostNetwork]" style=dashed]',
      '\t}',
      '\tsubgraph "cluster_shop" {',
      '\t\tlabel="shop[namespace]"',
      '\t\t"shop/web[Deployment]" [label="web[Deployment]"]',
      '\t\t"shop/db[StatefulSet]" [label="db[StatefulSet]"]',
      '\t\t"shop/\\"odd\\"[Pod]" [label="\\"odd\\"[Pod]"]',
      '\t}',
      '\t"0.0.0.0/0" [label="0.0.0.0/0" shape=box]',
      '\t"0.0.0.0/0" -> "shop/web[Deployment]" [label="All Connections"]',
      '\t"ops/agent[DaemonSet][hostNetwork]" -> "shop/db[StatefulSet]" [label="All Connections"]',
      '\t"shop/web[Deployment]" -> "shop/db[StatefulSet]" [label="TCP 5432,UDP 53"]',
      '\t"shop/web[Deployment]" -> "shop/\\"odd\\"[Pod]" [label="TCP 80"]',
      `\tlegend [shape=note label="[hostNetwork]: the pods use the node's network. Kubernetes leaves policy for them undefined and most network plugins do not apply it, so their side allows every connection; the other side's policies apply, matching them as the pod or as the node's address."]`,
      '}',
      '',
    ]);
    expect(connectivityReport([], 'dot')).toBe('digraph {\n}\n');
  });

  it('text and md carry the legend only when a host-network workload is shown', () => {
    expect(connectivityReport([ROWS[2] as ConnectivityRow], 'text')).toBe(
      'shop/web[Deployment] => shop/db[StatefulSet] : TCP 5432,UDP 53\n',
    );
    expect(connectivityReport(ROWS, 'text')).toMatch(/\n\n\[hostNetwork\]: the pods use the node's network\. .*\n$/);
    expect(connectivityReport(ROWS, 'md')).toContain("\n[hostNetwork]: the pods use the node's network.");
    expect(connectivityReport([ROWS[2] as ConnectivityRow], 'md')).not.toContain('[hostNetwork]');
    const json = JSON.parse(connectivityReport(ROWS, 'json')) as { connections: { source: { hostNetwork?: boolean } }[] };
    expect(json.connections.map((c) => c.source.hostNetwork)).toEqual([undefined, true, false, false]);
  });
});
