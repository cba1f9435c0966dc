/**
 * What the node's parts share: its options and ports, its log and database, the membership and
 * the current Raft driver (a founding node replaces it, so parts ask for it each time). Each part
 * takes only the fields it uses (`Pick<NodeContext, …>`), which keeps it testable alone.
 */
import type { LogStore } from '../cluster/log-store.ts'
import type { Members } from '../cluster/members.ts'
import type { RaftDriver } from '../cluster/raft-driver.ts'
import type { Database } from '../db/database.ts'
import type { Engine } from '../db/engine.ts'
import type { EngineImages } from '../db/engine-image.ts'
import type { NodeOptions } from './node-options.ts'
import type { LeaderInfo } from './node-types.ts'
import type { Platform } from './platform.ts'
import type { Logger } from '../observe/logger.ts'
import type { Counters } from './counters.ts'
import type { Authorizer } from '../auth/authorizer.ts'
import type { NodeMetrics } from './node-metrics.ts'

export interface NodeContext {
  readonly id: string
  readonly options: NodeOptions
  readonly platform: Platform
  readonly log: LogStore
  readonly db: Database
  /** The database in a worker, when it runs there; then `db` is closed (docs/engine.md). */
  readonly engine: Engine | null
  /** Backup images open in the worker's engine (null without a worker). */
  readonly engineImages: EngineImages | null
  readonly members: Members
  readonly fetch: typeof fetch
  /** Structured log lines, by subsystem: `ctx.logger.for('snapshot').info(…)`. */
  readonly logger: Logger
  /** rqlite's `/debug/vars` counters (`store.num_joins`, `cluster.num_join_req`, …). */
  readonly counters: Counters
  /** Users and permissions (`NodeOptions.users`); null when access control is off. */
  readonly authorizer: Authorizer | null
  /** Counters and histograms the parts record (`/metrics`); see node-metrics.ts. */
  readonly metrics: NodeMetrics
  driver(): RaftDriver
  /** stop() has begun. */
  stopping(): boolean
  /** The known leader, or null (also while stopping). */
  leader(): LeaderInfo | null
  emitError(error: unknown): void
}

/** Lets other tasks run between slices of long background work. */
export function breathe(platform: Pick<Platform, 'timers'>, ms = 0): Promise<void> {
  return new Promise<void>((r) => platform.timers.setTimeout(r, ms))
}
