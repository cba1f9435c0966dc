import type { BoundStatement } from '../sqlite/connection.ts'

/**
 * One replicated write: the unit that becomes a log entry. The accepting node fixes the time and
 * the random seed once, so applying the batch anywhere gives the same database.
 */
export interface WriteBatch {
  statements: BoundStatement[]
  /** Milliseconds since the Unix epoch that SQLite sees as "now" while applying. */
  timestampMs: number
  seed: bigint
  transaction: boolean
  /** `request` returns rows for read-only statements (unified endpoint); `execute` counters. */
  mode: 'execute' | 'request'
  /** Per-statement time limit (rqlite's db_timeout) as asked, or 0 for none. */
  timeoutMs: number
  /**
   * The limit that applies: SQLite VM steps per statement, fixed by the leader (step-budget.ts),
   * so every replica stops at the same step. Absent in older entries: derived from `timeoutMs`.
   */
  stepBudget?: number
  /**
   * Set on batches of the write queue: a retried flush (whose first attempt may still commit)
   * carries the same id, and every replica applies only the first of them (see applied-queue.ts).
   */
  queueId?: QueueId
}

/** Names a queued batch: the queue that made it (node and start) and its newest sequence number. */
export interface QueueId {
  origin: string
  sequence: bigint
}
