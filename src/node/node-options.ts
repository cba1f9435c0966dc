import type { UserEntry } from '../auth/users.ts'
import type { CdcConfig } from '../cdc/cdc-config.ts'

/** Options of a node: the `raftlited` flags as a typed object (durations in milliseconds). */
export interface NodeOptions {
  /** Directory holding the database, and later the Raft log and snapshots. */
  dataDir: string
  /** Unique, never-changing id; defaults to the advertised Raft address (as rqlite). */
  nodeId: string
  httpAddr: string
  httpAdvAddr: string
  raftAddr: string
  raftAdvAddr: string
  /** SQLite foreign-key enforcement (`-fk`). */
  foreignKeys: boolean
  writeQueueCapacity: number
  writeQueueBatchSize: number
  writeQueueTimeoutMs: number
  writeQueueTx: boolean
  /** `Access-Control-Allow-Origin` value, or '' for none. */
  httpAllowOrigin: string
  /** The API is served over HTTPS (`-http-cert`): the address the node advertises says `https://`. */
  httpsApi: boolean
  /** Largest request body accepted, in bytes; larger gets 413. */
  httpMaxBodyBytes: number
  /** Most statements in one HTTP request; more get 400 (`-http-max-statements`). */
  httpMaxStatements: number
  /** Most parameters of one statement in an HTTP request; more get 400 (`-http-max-params`). */
  httpMaxParams: number
  /** Largest result an HTTP response carries, in bytes (estimated); 0 for no limit (`-http-max-result-bytes`). */
  httpMaxResultBytes: number
  /** Raft addresses of nodes to join (`-join`); empty to bootstrap or restart. */
  join: string[]
  joinAttempts: number
  joinIntervalMs: number
  /** A read replica: receives the log, never votes (`-raft-non-voter`). */
  raftNonVoter: boolean
  raftElectionTimeoutMs: number
  /**
   * How long a follower waits without hearing from the leader; the leader sends heartbeats ten
   * times as often (`-raft-heartbeat-timeout`, hashicorp/raft's meaning).
   */
  raftHeartbeatTimeoutMs: number
  /** A leader steps down after this long without a quorum; 0 = the election timeout. */
  raftLeaderLeaseTimeoutMs: number
  /** How long a write may wait to be committed and applied (`-raft-apply-timeout`). */
  raftApplyTimeoutMs: number
  /** Timeout of one request to another node (forwarding, joins). */
  clusterRpcTimeoutMs: number
  /** A leader hands leadership over before it stops (`-raft-shutdown-stepdown`). */
  raftShutdownStepdown: boolean
  /** A node removes itself from the cluster when it stops (`-raft-cluster-remove-shutdown`). */
  raftClusterRemoveShutdown: boolean
  /** Form a new cluster once this many nodes (this one included) know of each other. */
  bootstrapExpect: number
  bootstrapExpectTimeoutMs: number
  /** Snapshot once this many entries were applied since the last one (`-raft-snap`). */
  raftSnapEntries: number
  /** Snapshot once the WAL is this large, in bytes; 0 disables (`-raft-snap-wal-size`). */
  raftSnapWalBytes: number
  /** How often the snapshot thresholds are checked (`-raft-snap-int`). */
  raftSnapIntervalMs: number
  /** Log entries kept behind a snapshot, so slightly slow followers need no snapshot. */
  raftTrailingLogs: number
  /** Bytes per checksummed frame of a snapshot sent to a follower (a resumed transfer restarts at one). */
  snapshotChunkBytes: number
  /** A snapshot upload to a follower is abandoned when no bytes moved for this long. */
  snapshotStallTimeoutMs: number
  /**
   * Bytes of Raft messages sent in one batch (a single larger entry goes alone); the cluster
   * port refuses batches beyond this plus what one -http-max-body write can weigh.
   */
  raftMaxBatchBytes: number
  /** How long stop() keeps flushing queued writes; what is left then is reported and dropped. */
  shutdownFlushTimeoutMs: number
  /** The leader removes a voter unheard of for this long; 0 never (`-raft-reap-node-timeout`). */
  raftReapNodeTimeoutMs: number
  /** The same for read replicas (`-raft-reap-read-only-node-timeout`). */
  raftReapReadOnlyNodeTimeoutMs: number
  /** A node removed from the cluster stops (`-raft-remove-shutdown`). */
  raftRemoveShutdown: boolean
  /** Timeout of a first contact with another node: join, notify, metadata (`-cluster-connect-timeout`). */
  clusterConnectTimeoutMs: number
  /** The leader puts `VACUUM` through the log this often; 0 never (`-auto-vacuum-int`). */
  autoVacuumIntervalMs: number
  /** The same for `PRAGMA optimize` (`-auto-optimize-int`). */
  autoOptimizeIntervalMs: number
  /** Where the live SQLite file lives, when not `<dataDir>/db.sqlite` (`-on-disk-path`). */
  onDiskPath: string
  /** Snapshots sent to followers travel gzipped (`-compress-snap-transport`). */
  compressSnapTransport: boolean
  /**
   * Users and permissions (rqlite's `-auth` file, as an array); absent: no access control.
   * `node.api()` enforces them, and the leader checks forwarded requests again.
   */
  users?: readonly UserEntry[]
  /** The user (in `users`, with a plaintext password) this node joins, notifies and removes as (`-join-as`). */
  joinAs: string
  /**
   * A secret every member shares (at least 16 bytes): each request between nodes is signed with
   * it and the cluster port refuses unsigned ones (`cluster-auth.ts`). '' for none (rqlite's
   * default: anyone who reaches the cluster port is taken for a member).
   */
  clusterSecret: string
  /**
   * Time limit of each read statement when the request sets none (`-db-query-timeout`): an
   * endless query ends with `query timeout` instead of holding the read connection. 0 = none.
   */
  dbQueryTimeoutMs: number
  /**
   * Where SQLite runs (`-db-engine`): in a worker when the platform has one, with short reads on
   * the event loop beside it (docs/engine.md); 'worker-all' sends every read to the worker too;
   * 'thread' keeps it on the event loop (A/B benchmarks, and what runtimes without threads do).
   */
  dbEngine: 'worker' | 'worker-all' | 'thread'
  /** Change data capture (`-cdc-config`); null when off. Voters only. */
  cdc: CdcConfig | null
  /** Record metrics and serve `/metrics` (`-metrics`). */
  metrics: boolean
  /** HTTP requests slower than this are logged at warn; 0 disables (`-log-slow-request`). */
  logSlowRequestMs: number
  /** A log fsync slower than this is logged at warn as a stall. */
  fsyncStallMs: number
}

export const DEFAULT_NODE_OPTIONS: Omit<NodeOptions, 'dataDir' | 'nodeId' | 'httpAdvAddr' | 'raftAdvAddr'> = {
  httpAddr: 'localhost:4001',
  raftAddr: 'localhost:4002',
  foreignKeys: false,
  writeQueueCapacity: 1024,
  writeQueueBatchSize: 128,
  writeQueueTimeoutMs: 50,
  writeQueueTx: false,
  httpAllowOrigin: '',
  httpsApi: false,
  httpMaxBodyBytes: 64 * 1024 * 1024,
  httpMaxStatements: 100_000,
  httpMaxParams: 32_766,
  httpMaxResultBytes: 256 * 1024 * 1024,
  join: [],
  joinAttempts: 5,
  joinIntervalMs: 3000,
  raftNonVoter: false,
  raftElectionTimeoutMs: 1000,
  raftHeartbeatTimeoutMs: 1000,
  raftLeaderLeaseTimeoutMs: 0,
  raftApplyTimeoutMs: 10_000,
  clusterRpcTimeoutMs: 30_000,
  raftShutdownStepdown: true,
  raftClusterRemoveShutdown: false,
  bootstrapExpect: 0,
  bootstrapExpectTimeoutMs: 120_000,
  raftSnapEntries: 8192,
  raftSnapWalBytes: 4 * 1024 * 1024,
  raftSnapIntervalMs: 10_000,
  raftTrailingLogs: 10_240,
  snapshotChunkBytes: 1024 * 1024,
  snapshotStallTimeoutMs: 30_000,
  raftMaxBatchBytes: 8 * 1024 * 1024,
  shutdownFlushTimeoutMs: 5_000,
  raftReapNodeTimeoutMs: 0,
  raftReapReadOnlyNodeTimeoutMs: 0,
  raftRemoveShutdown: false,
  clusterConnectTimeoutMs: 30_000,
  autoVacuumIntervalMs: 0,
  autoOptimizeIntervalMs: 0,
  onDiskPath: '',
  compressSnapTransport: false,
  joinAs: '',
  clusterSecret: '',
  dbQueryTimeoutMs: 5_000,
  dbEngine: 'worker',
  cdc: null,
  metrics: true,
  logSlowRequestMs: 1_000,
  fsyncStallMs: 500,
}

/** Fills in defaults, including the ones derived from other options. */
export function resolveNodeOptions(options: Partial<NodeOptions> & { dataDir: string }): NodeOptions {
  const merged = { ...DEFAULT_NODE_OPTIONS, ...stripUndefined(options) }
  const httpAdvAddr = merged.httpAdvAddr || merged.httpAddr
  const raftAdvAddr = merged.raftAdvAddr || merged.raftAddr
  return { ...merged, dataDir: options.dataDir, httpAdvAddr, raftAdvAddr, nodeId: merged.nodeId || raftAdvAddr }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}
