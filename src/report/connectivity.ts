import type { Model } from '../model/model.js';
import { computeConnectivity, rangeToCidrs, type ConnectionLine, type MapEndpoint } from '../analysis/connectivity.js';
import { formatIp } from '../analysis/netpol-ip.js';

export type ConnectivityFormat = 'text' | 'json' | 'md' | 'mermaid';

/** The connectivity map of the repository's workloads, in one of four formats. */
export function connectivityReport(model: Model, format: ConnectivityFormat): string {
  const lines = computeConnectivity(model);
  switch (format) {
    case 'text':
      return lines.map(textLine).join('\n') + (lines.length ? '\n' : '');
    case 'json':
      return `${JSON.stringify({ connections: lines.map(jsonLine) }, null, 2)}\n`;
    case 'mermaid':
      return mermaid(lines);
    case 'md':
      return markdown(lines);
  }
}

function textLine(l: ConnectionLine): string {
  return `${l.source.id} => ${l.destination.id} : ${l.connections.toString()}`;
}

function jsonEndpoint(e: MapEndpoint): Record<string, unknown> {
  if (e.kind === 'ip') {
    return {
      type: 'ip-range',
      family: e.range.family === 4 ? 'IPv4' : 'IPv6',
      start: formatIp(e.range.family, e.range.start),
      end: formatIp(e.range.family, e.range.end),
      cidrs: rangeToCidrs(e.range),
    };
  }
  const w = e.pod.workload;
  return { type: 'workload', id: e.id, namespace: e.pod.namespace, name: w?.name, kind: w?.kind };
}

function jsonLine(l: ConnectionLine): Record<string, unknown> {
  return { source: jsonEndpoint(l.source), destination: jsonEndpoint(l.destination), connections: l.connections.toJSON() };
}

function mermaidText(s: string): string {
  return s.replace(/"/g, '#quot;');
}

function mermaid(lines: ConnectionLine[]): string {
  const ids = new Map<string, string>();
  const out = ['graph LR'];
  const node = (e: MapEndpoint): string => {
    let id = ids.get(e.id);
    if (!id) {
      id = `n${ids.size}`;
      ids.set(e.id, id);
      out.push(e.kind === 'ip' ? `  ${id}[("${mermaidText(e.id)}")]` : `  ${id}["${mermaidText(e.id)}"]`);
    }
    return id;
  };
  const edges: string[] = [];
  for (const l of lines) {
    const s = node(l.source);
    const d = node(l.destination);
    edges.push(`  ${s} -->|"${mermaidText(l.connections.toString())}"| ${d}`);
  }
  return `${[...out, ...edges].join('\n')}\n`;
}

function markdown(lines: ConnectionLine[]): string {
  const cell = (s: string): string => s.replace(/\|/g, '\\|');
  const table = [
    '| Source | Destination | Allowed connections |',
    '|---|---|---|',
    ...lines.map((l) => `| ${cell(l.source.id)} | ${cell(l.destination.id)} | ${cell(l.connections.toString())} |`),
  ];
  return [
    '# Connectivity map',
    '',
    'Connections the network policies allow between workloads and address ranges. A connection needs both the egress of its source and the ingress of its destination to admit it; workloads without policies are open both ways.',
    '',
    '```mermaid',
    mermaid(lines).trimEnd(),
    '```',
    '',
    ...(lines.length ? table : ['No connections are allowed.']),
    '',
  ].join('\n');
}
