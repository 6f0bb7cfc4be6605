import type { ConnectivityRow, MapNode } from '../core/connectivity.js';

export type ConnectivityFormat = 'text' | 'json' | 'md' | 'mermaid';

/** The connectivity map of the repository's workloads, in one of four formats. */
export function connectivityReport(rows: readonly ConnectivityRow[], format: ConnectivityFormat): string {
  switch (format) {
    case 'text':
      return rows.map(textLine).join('\n') + (rows.length ? '\n' : '');
    case 'json':
      return `${JSON.stringify({ connections: rows.map(jsonLine) }, null, 2)}\n`;
    case 'mermaid':
      return mermaid(rows);
    case 'md':
      return markdown(rows);
  }
}

function textLine(r: ConnectivityRow): string {
  return `${r.source.id} => ${r.destination.id} : ${r.connections}`;
}

function jsonEndpoint(e: MapNode): Record<string, unknown> {
  if (e.type === 'ip-range') return { type: e.type, family: e.family, start: e.start, end: e.end, cidrs: e.cidrs };
  return { type: e.type, id: e.id, namespace: e.namespace, name: e.name, kind: e.kind };
}

function jsonLine(r: ConnectivityRow): Record<string, unknown> {
  return { source: jsonEndpoint(r.source), destination: jsonEndpoint(r.destination), connections: r.connectionsDetail };
}

function mermaidText(s: string): string {
  return s.replace(/"/g, '#quot;');
}

function mermaid(rows: readonly ConnectivityRow[]): string {
  const ids = new Map<string, string>();
  const out = ['graph LR'];
  const node = (e: MapNode): string => {
    let id = ids.get(e.id);
    if (!id) {
      id = `n${ids.size}`;
      ids.set(e.id, id);
      out.push(e.type === 'ip-range' ? `  ${id}[("${mermaidText(e.id)}")]` : `  ${id}["${mermaidText(e.id)}"]`);
    }
    return id;
  };
  const edges: string[] = [];
  for (const r of rows) {
    const s = node(r.source);
    const d = node(r.destination);
    edges.push(`  ${s} -->|"${mermaidText(r.connections)}"| ${d}`);
  }
  return `${[...out, ...edges].join('\n')}\n`;
}

function markdown(rows: readonly ConnectivityRow[]): string {
  const cell = (s: string): string => s.replace(/\|/g, '\\|');
  const table = [
    '| Source | Destination | Allowed connections |',
    '|---|---|---|',
    ...rows.map((r) => `| ${cell(r.source.id)} | ${cell(r.destination.id)} | ${cell(r.connections)} |`),
  ];
  return [
    '# Connectivity map',
    '',
    'Connections the network policies allow between workloads and address ranges. A connection needs both the egress of its source and the ingress of its destination to admit it; workloads without policies are open both ways.',
    '',
    '```mermaid',
    mermaid(rows).trimEnd(),
    '```',
    '',
    ...(rows.length ? table : ['No connections are allowed.']),
    '',
  ].join('\n');
}
