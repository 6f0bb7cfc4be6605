import type { ConnectivityChangeRow, ConnectivityRow, ExplanationRow, MapNode } from '../core/connectivity.js';

export type ConnectivityFormat = 'text' | 'json' | 'md' | 'mermaid' | 'dot' | 'csv';

/** What `[hostNetwork]` after a workload means, wherever one is shown. */
export const HOST_NETWORK_LEGEND =
  "[hostNetwork]: the pods use the node's network. Kubernetes leaves policy for them undefined and most network plugins do not apply it, so their side allows every connection; the other side's policies apply, matching them as the pod or as the node's address.";

function hasHostNetwork(rows: readonly ConnectivityRow[]): boolean {
  return rows.some((r) => [r.source, r.destination].some((e) => e.type === 'workload' && e.hostNetwork));
}

/** The connectivity map of the repository's workloads, in one of six formats. */
export function connectivityReport(rows: readonly ConnectivityRow[], format: ConnectivityFormat): string {
  switch (format) {
    case 'text':
      return rows.map(textLine).join('\n') + (rows.length ? '\n' : '') + (hasHostNetwork(rows) ? `\n${HOST_NETWORK_LEGEND}\n` : '');
    case 'csv':
      return csv(rows);
    case 'dot':
      return dot(rows);
    case 'json':
      return `${JSON.stringify({ connections: rows.map(jsonLine) }, null, 2)}\n`;
    case 'mermaid':
      return mermaid(rows);
    case 'md':
      return markdown(rows);
  }
}

/**
 * The same report in pieces, so that a map of millions of lines is written as it is
 * computed: text, csv and json come row by row; the graph formats (mermaid, md, dot) need
 * every row first and are built whole.
 */
export function* connectivityReportChunks(rows: Iterable<ConnectivityRow>, format: ConnectivityFormat): Generator<string> {
  switch (format) {
    case 'text': {
      let host = false;
      for (const r of rows) {
        host ||= hasHostNetwork([r]);
        yield `${textLine(r)}\n`;
      }
      if (host) yield `\n${HOST_NETWORK_LEGEND}\n`;
      return;
    }
    case 'csv':
      yield 'src,dst,conn\n';
      for (const r of rows) yield `${[r.source.id, r.destination.id, r.connections].map(csvField).join(',')}\n`;
      return;
    case 'json': {
      // What JSON.stringify(…, null, 2) writes, one connection at a time.
      let first = true;
      for (const r of rows) {
        yield `${first ? '{\n  "connections": [\n' : ',\n'}    ${JSON.stringify(jsonLine(r), null, 2).replace(/\n/g, '\n    ')}`;
        first = false;
      }
      yield first ? '{\n  "connections": []\n}\n' : '\n  ]\n}\n';
      return;
    }
    default:
      yield connectivityReport([...rows], format);
  }
}

function textLine(r: ConnectivityRow): string {
  return `${r.source.id} => ${r.destination.id} : ${r.connections}`;
}

function jsonEndpoint(e: MapNode): Record<string, unknown> {
  if (e.type === 'ip-range') return { type: e.type, family: e.family, start: e.start, end: e.end, cidrs: e.cidrs };
  if (e.type === 'ingress-controller') return { type: e.type, id: e.id };
  return { type: e.type, id: e.id, namespace: e.namespace, name: e.name, kind: e.kind, hostNetwork: e.hostNetwork };
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
    ...(hasHostNetwork(rows) ? [HOST_NETWORK_LEGEND, ''] : []),
    '```mermaid',
    mermaid(rows).trimEnd(),
    '```',
    '',
    ...(rows.length ? table : ['No connections are allowed.']),
    '',
  ].join('\n');
}

/** RFC 4180: a field holding a comma, a quote or a line break is quoted, quotes doubled. */
function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One row per connection under a `src,dst,conn` header. */
function csv(rows: readonly ConnectivityRow[]): string {
  return ['src,dst,conn', ...rows.map((r) => [r.source.id, r.destination.id, r.connections].map(csvField).join(','))].join('\n') + '\n';
}

function dotString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * Graphviz: one cluster per namespace holding its workloads (labelled without the
 * namespace), address ranges as boxes outside them, one labelled edge per connection.
 */
function dot(rows: readonly ConnectivityRow[]): string {
  const namespaces = new Map<string, Map<string, MapNode & { type: 'workload' }>>();
  const addresses = new Map<string, MapNode>();
  for (const r of rows) {
    for (const e of [r.source, r.destination]) {
      if (e.type !== 'workload') addresses.set(e.id, e);
      else {
        const members = namespaces.get(e.namespace) ?? new Map<string, MapNode & { type: 'workload' }>();
        namespaces.set(e.namespace, members);
        members.set(e.id, e);
      }
    }
  }
  const out = ['digraph {'];
  for (const [ns, members] of [...namespaces].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    out.push(`\tsubgraph ${dotString(`cluster_${ns}`)} {`, `\t\tlabel=${dotString(`${ns}[namespace]`)}`);
    for (const e of members.values()) {
      const label = `${e.name ?? ''}[${e.kind ?? ''}]${e.hostNetwork ? '[hostNetwork]' : ''}`;
      out.push(`\t\t${dotString(e.id)} [label=${dotString(label)}${e.hostNetwork ? ' style=dashed' : ''}]`);
    }
    out.push('\t}');
  }
  for (const e of addresses.values())
    out.push(`\t${dotString(e.id)} [label=${dotString(e.id)}${e.type === 'ip-range' ? ' shape=box' : ' color=blue fontcolor=blue'}]`);
  for (const r of rows) out.push(`\t${dotString(r.source.id)} -> ${dotString(r.destination.id)} [label=${dotString(r.connections)}]`);
  if (hasHostNetwork(rows)) out.push(`\tlegend [shape=note label=${dotString(HOST_NETWORK_LEGEND)}]`);
  out.push('}');
  return `${out.join('\n')}\n`;
}

/** Formats of `--diff` and `--explain`. */
export type ChangeFormat = 'text' | 'json' | 'md';

/**
 * What a change does to the map, one sentence per opened or closed set of connections:
 * "opens `shop/web[Deployment] → payments/db[StatefulSet] : TCP 5432`".
 */
export function changeSentences(rows: readonly ConnectivityChangeRow[]): string[] {
  const out: string[] = [];
  for (const r of rows) {
    const pair = `${r.source.id} → ${r.destination.id}`;
    if (r.opened !== 'No Connections') out.push(`opens \`${pair} : ${r.opened}\``);
    if (r.closed !== 'No Connections') out.push(`closes \`${pair} : ${r.closed}\``);
  }
  return out;
}

/** The connectivity diff against `base`: one line per added, removed or changed pair. */
export function diffReport(rows: readonly ConnectivityChangeRow[], format: ChangeFormat, base: string): string {
  switch (format) {
    case 'text': {
      if (rows.length === 0) return `No connection changed since ${base}.\n`;
      const lines = rows.map((r) => {
        const pair = `${r.source.id} => ${r.destination.id}`;
        if (r.change === 'added') return `added    ${pair} : ${r.after}`;
        if (r.change === 'removed') return `removed  ${pair} : ${r.before}`;
        const what = [r.opened !== 'No Connections' ? `opens ${r.opened}` : '', r.closed !== 'No Connections' ? `closes ${r.closed}` : '']
          .filter(Boolean)
          .join('; ');
        return `changed  ${pair} : ${r.before} -> ${r.after} (${what})`;
      });
      return `Connections changed since ${base}:\n${lines.join('\n')}\n`;
    }
    case 'json':
      return `${JSON.stringify(
        {
          base,
          changes: rows.map((r) => ({
            change: r.change,
            source: { id: r.source.id, ...jsonEndpoint(r.source) },
            destination: { id: r.destination.id, ...jsonEndpoint(r.destination) },
            before: r.beforeDetail,
            after: r.afterDetail,
          })),
        },
        null,
        2,
      )}\n`;
    case 'md': {
      const cell = (t: string): string => t.replace(/\|/g, '\\|');
      const out = ['# Connectivity changes', '', `Compared with ${cell(base)}.`, ''];
      if (rows.length === 0) return [...out, 'No connection changed.', ''].join('\n');
      out.push(...changeSentences(rows).map((s) => `- This change ${s}.`), '');
      out.push('| Change | Source | Destination | Before | After |', '|---|---|---|---|---|');
      for (const r of rows)
        out.push(`| ${r.change} | ${cell(r.source.id)} | ${cell(r.destination.id)} | ${cell(r.before)} | ${cell(r.after)} |`);
      return `${out.join('\n')}\n`;
    }
  }
}

function stepText(s: ExplanationRow['sides'][number]['steps'][number]): string {
  const where = s.file !== undefined ? ` (${s.file}${s.line !== undefined ? `:${s.line}` : ''})` : '';
  return `${s.verdict} ${s.connections}: ${s.reason}${where}`;
}

function sideTitle(side: ExplanationRow['sides'][number]): string {
  const seen = side.asNodeAddress ? ", the other side seen as its node's address" : '';
  const maybe = side.maybe.length ? `; ${side.maybe.join(', ')} may also select it (labels nobody defined)` : '';
  return `${side.direction} of ${side.endpoint}${seen}${maybe}`;
}

/**
 * Why each pair may connect with what it may: the deciding steps of the source's egress and
 * of the destination's ingress, each with the connections it decides and its file:line.
 */
export function explanationReport(rows: readonly ExplanationRow[], format: ChangeFormat): string {
  switch (format) {
    case 'text':
      return rows
        .map((r) =>
          [
            `${r.source.id} => ${r.destination.id} : ${r.connections}`,
            ...r.sides.flatMap((side) => [`  ${sideTitle(side)}:`, ...side.steps.map((s) => `    ${stepText(s)}`)]),
            ...(r.sides.length === 0 ? ['  no policy decides between two address ranges'] : []),
          ].join('\n'),
        )
        .map((block) => `${block}\n`)
        .join('\n');
    case 'json':
      return `${JSON.stringify(
        {
          pairs: rows.map((r) => ({
            source: { id: r.source.id, ...jsonEndpoint(r.source) },
            destination: { id: r.destination.id, ...jsonEndpoint(r.destination) },
            connections: r.connections,
            sides: r.sides,
          })),
        },
        null,
        2,
      )}\n`;
    case 'md': {
      const out = ['# Connectivity explained', ''];
      for (const r of rows) {
        out.push(`## \`${r.source.id}\` → \`${r.destination.id}\`: ${r.connections}`, '');
        for (const side of r.sides) out.push(`- ${sideTitle(side)}`, ...side.steps.map((s) => `  - ${stepText(s)}`));
        out.push('');
      }
      return `${out.join('\n')}`;
    }
  }
}
