/**
 * A node's metrics (served at `/metrics`, pushed by OTLP): counters and histograms its parts
 * record as things happen, and gauges read from the Raft core, the log and the database only
 * when someone collects. Names follow Prometheus conventions, prefixed `raftlite_`.
 *
 * Other parts add their own through `registry` (e.g. the change-data-capture queue depth:
 * `metrics.registry.gauge('raftlite_cdc_queue_depth', '…', () => depth)`).
 */
import type { RaftDriver } from '../cluster/raft-driver.ts'
import type { Database } from '../db/database.ts'
import { type Counter, type Histogram, LATENCY_BUCKETS, MetricsRegistry, type Sample } from '../observe/metrics.ts'
import { type FilePort, joinPath } from '../ports/file-port.ts'

/** What the gauges read. */
export interface NodeMetricsSource {
  driver(): RaftDriver
  files: FilePort
  /** Directory of the Raft log's segment files. */
  logDir: string
  /** Bytes the log's records take, where the log can tell (preallocated zeros not counted). */
  logBytes?(): number | undefined
  /** The snapshot store's copy of the database. */
  snapshotPath: string
  db: Database
  queueDepth(): number
  lastSnapshotIndex(): number
}

/** fsync durations: from a tenth of a millisecond (a fast SSD) up to seconds (a stall). */
const FSYNC_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

export class NodeMetrics {
  readonly registry: MetricsRegistry = new MetricsRegistry()
  readonly httpRequests: Counter
  readonly httpDuration: Histogram
  readonly fsyncDuration: Histogram
  readonly leaderChanges: Counter
  readonly elections: Counter
  readonly forwarded: Counter
  readonly snapshots: Counter
  readonly snapshotDuration: Histogram

  constructor(readonly enabled = true) {
    const r = this.registry
    this.httpRequests = r.counter('raftlite_http_requests_total', 'HTTP API requests, by route, method and status code.')
    this.httpDuration = r.histogram('raftlite_http_request_duration_seconds', 'HTTP API request latency, by route.', LATENCY_BUCKETS, 's')
    this.fsyncDuration = r.histogram('raftlite_log_fsync_duration_seconds', 'Duration of the Raft log fsyncs.', FSYNC_BUCKETS, 's')
    this.leaderChanges = r.counter('raftlite_raft_leader_changes_total', 'Times this node saw the leader change (including to none).')
    this.elections = r.counter('raftlite_raft_elections_total', 'Elections this node started (became candidate).')
    this.forwarded = r.counter('raftlite_forwarded_requests_total', 'Requests this node forwarded to the leader, by operation and outcome.')
    this.snapshots = r.counter('raftlite_snapshots_total', 'Snapshots taken by this node (kind="taken") or installed from the leader (kind="installed").')
    this.snapshotDuration = r.histogram('raftlite_snapshot_duration_seconds', 'Time to take a snapshot, and (phase="pause") how long writes paused for it.', LATENCY_BUCKETS, 's')
  }

  /** Registers the gauges read from the node at collection time. */
  watch(source: NodeMetricsSource): void {
    const r = this.registry
    const status = () => source.driver().raft.status()
    r.gauge('raftlite_raft_term', 'Current Raft term.', () => status().term)
    r.gauge('raftlite_raft_commit_index', 'Highest log index known committed.', () => status().commit)
    r.gauge('raftlite_raft_applied_index', 'Highest log index applied to the database.', () => source.driver().applied)
    r.gauge('raftlite_raft_last_log_index', 'Index of the newest entry in the log.', () => status().lastIndex)
    r.gauge('raftlite_raft_first_log_index', 'Index of the oldest entry still in the log (older ones are in the snapshot).', () => status().firstIndex)
    r.gauge('raftlite_raft_is_leader', '1 on the leader, else 0.', () => (status().role === 'leader' ? 1 : 0))
    r.gauge('raftlite_raft_follower_lag_entries', 'On the leader: log entries each follower is behind the leader\'s last index.', () => followerLag(source.driver()))
    r.gauge('raftlite_raft_log_size_bytes', 'Bytes of the Raft log files in use (the zeros a segment is grown ahead with are not counted).', () => source.logBytes?.() ?? directoryBytes(source.files, source.logDir), 'By')
    r.gauge('raftlite_snapshot_size_bytes', 'Size of the newest snapshot on disk.', () => fileBytes(source.files, source.snapshotPath), 'By')
    r.gauge('raftlite_snapshot_last_index', 'Log index of the newest snapshot.', () => source.lastSnapshotIndex())
    r.gauge('raftlite_db_size_bytes', 'Size of the SQLite database file.', () => source.db.fileSize(), 'By')
    r.gauge('raftlite_db_wal_size_bytes', 'Bytes of the SQLite write-ahead log in use (its file keeps its length after a snapshot).', () => source.db.walSize(), 'By')
    r.gauge('raftlite_write_queue_depth', 'Queued writes (?queue) waiting to be flushed.', () => source.queueDepth())
  }
}

function followerLag(driver: RaftDriver): Sample[] {
  const raft = driver.raft
  const { role, lastIndex, id } = raft.status()
  if (role !== 'leader') return []
  return [...raft.progress()].filter(([peer]) => peer !== id).map(([peer, pr]) => ({ labels: { follower: peer }, value: Math.max(0, lastIndex - pr.match) }))
}

function fileBytes(files: FilePort, path: string): number {
  if (!files.exists(path)) return 0
  const handle = files.open(path, { create: false, readOnly: true })
  try {
    return handle.size()
  } finally {
    handle.close()
  }
}

function directoryBytes(files: FilePort, dir: string): number {
  let total = 0
  for (const name of files.list(dir)) {
    try {
      total += fileBytes(files, joinPath(dir, name))
    } catch {
      // Removed between list and open (compaction): it no longer counts.
    }
  }
  return total
}
