/** One line of the connectivity map as plain data: what reporters format. */
export interface ConnectivityRow {
  source: MapNode;
  destination: MapNode;
  /** `All Connections`, `TCP 5432`, … */
  connections: string;
  /** The same connections, structured. */
  connectionsDetail: { all: true } | { protocols: { protocol: string; ports: { from: number; to: number }[] }[] };
}

export type MapNode =
  | { type: 'workload'; id: string; namespace: string; name: string | undefined; kind: string | undefined }
  | { type: 'ip-range'; id: string; family: 'IPv4' | 'IPv6'; start: string; end: string; cidrs: string[] };
