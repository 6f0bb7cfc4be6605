/** One line of the connectivity map as plain data: what reporters format. */
export interface ConnectivityRow {
  source: MapNode;
  destination: MapNode;
  /** `All Connections` (every protocol and port), `TCP 5432`, `SCTP 1-65535,TCP 80,UDP 53`, … */
  connections: string;
  /** The same connections, structured. */
  connectionsDetail: { all: true } | { protocols: { protocol: string; ports: { from: number; to: number }[] }[] };
}

export type MapNode =
  | {
      type: 'workload';
      id: string;
      namespace: string;
      name: string | undefined;
      kind: string | undefined;
      /** On the node's network: every connection to and from it is shown as allowed. */
      hostNetwork: boolean;
    }
  | { type: 'ip-range'; id: string; family: 'IPv4' | 'IPv6'; start: string; end: string; cidrs: string[] };
