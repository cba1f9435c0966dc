/** The node's public option and outcome types, apart from the façade so that adapters need not import it. */
import type { StatementResult } from '../db/statement-result.ts'
import type { ReadLevel } from './read-level.ts'
import type { Credentials } from '../auth/credentials.ts'

export interface WriteOptions {
  transaction?: boolean
  /** Per-statement time limit in ms (rqlite's `db_timeout`). */
  timeoutMs?: number
  /** Off the leader, fail with NotLeaderError instead of forwarding (rqlite's `redirect`). */
  redirect?: boolean
  /** The client's credentials, sent along when forwarded so the leader can check them again. */
  credentials?: Credentials
}

export interface ReadOptions {
  level?: ReadLevel
  transaction?: boolean
  timeoutMs?: number
  /** With level `none`: refuse to answer if the leader has not been heard from for this long. */
  freshnessMs?: number
  /** With `freshness`: also refuse if the newest applied write is older than that. */
  freshnessStrict?: boolean
  /** Off the leader, fail with NotLeaderError instead of forwarding (rqlite's `redirect`). */
  redirect?: boolean
  /** The client's credentials, sent along when forwarded so the leader can check them again. */
  credentials?: Credentials
  /** Stop reading rows once the results exceed this many bytes (as JSON, roughly) and fail with `query result too large` (`-http-max-result-bytes`). Local reads only: a forwarded or `strong` read is capped after it is read. */
  maxResultBytes?: number
}

export interface WriteOutcome {
  results: StatementResult[]
  /** Index of the log entry that carried the write. */
  raftIndex: number
  /** Raft address of the node that served it, when forwarded to the leader. */
  servedBy?: string
}

export interface LeaderInfo {
  id: string
  /** Raft (internode) address. */
  addr: string
  /** HTTP API URL, e.g. `http://localhost:4001`. */
  apiAddr: string
}

export type NodeState = 'Leader' | 'Follower' | 'Candidate' | 'Shutdown'

/** Counters reported under /debug/vars (rqlite's expvar names). */
export interface NodeStats {
  snapshots: number
  userSnapshots: number
  restoresStart: number
  restoresStartSkipped: number
  snapshotsInstalled: number
  snapshotsResumed: number
}
