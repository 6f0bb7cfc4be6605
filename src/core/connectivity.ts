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
  | { type: 'ip-range'; id: string; family: 'IPv4' | 'IPv6'; start: string; end: string; cidrs: string[] }
  /** Whatever ingress controller serves the Ingresses and Routes: the edge of the cluster. */
  | { type: 'ingress-controller'; id: '{ingress-controller}' };

type ConnectionsDetail = ConnectivityRow['connectionsDetail'];

/** A row of the connectivity diff: added (no connection before), removed (none after) or changed. */
export interface ConnectivityChangeRow {
  change: 'added' | 'removed' | 'changed';
  source: MapNode;
  destination: MapNode;
  /** `No Connections` for an added row. */
  before: string;
  /** `No Connections` for a removed row. */
  after: string;
  beforeDetail: ConnectionsDetail;
  afterDetail: ConnectionsDetail;
  /** What the change opens (`No Connections` when nothing). */
  opened: string;
  /** What the change closes (`No Connections` when nothing). */
  closed: string;
}

/** One deciding step of an explanation, phrased, with its place. */
export interface ExplanationStep {
  verdict: 'allows' | 'denies' | 'passes';
  connections: string;
  /** The policy and rule, or why nothing decides (`no policy selects it for ingress`). */
  reason: string;
  file?: string;
  line?: number;
}

/** Why a pair may connect with what it may: the source's egress and the destination's ingress. */
export interface ExplanationRow {
  source: MapNode;
  destination: MapNode;
  connections: string;
  sides: { direction: 'egress' | 'ingress'; endpoint: string; asNodeAddress: boolean; maybe: string[]; steps: ExplanationStep[] }[];
}
