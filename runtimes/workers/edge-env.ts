/** The Worker's bindings and variables (wrangler.toml `[vars]`, secrets). */
export interface EdgeEnv {
  RAFTLITE_NODE: DurableObjectNamespace
  /** The node a request goes to when it names none (default `edge-1`). */
  RAFTLITE_NODE_ID?: string
  /** Comma-separated node ids a request may name with `?node=` or X-Raftlite-Node; others get 404. */
  RAFTLITE_NODE_IDS?: string
  /** rqlited flags for the node, as on the command line (e.g. `-raft-non-voter -join host:4002`). */
  RAFTLITE_FLAGS?: string
  /** The shared cluster secret (a `wrangler secret`), when the node joins servers. */
  RAFTLITE_CLUSTER_SECRET?: string
  /** debug, info, warn (default) or error. */
  RAFTLITE_LOG_LEVEL?: string
}
