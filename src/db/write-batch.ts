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

/** One INSERT, UPDATE, DELETE or REPLACE, alone in its text (no `;` before its end). */
const PLAIN_WRITE = /^\s*(?:INSERT|UPDATE|DELETE|REPLACE)\s[^;]*;?\s*$/i

/**
 * Whether the batch runs alike inside one transaction whose commit waits as it does on its own:
 * a single plain write, or a batch that is one transaction of plain writes. Transaction control,
 * `VACUUM`, `PRAGMA`, `ATTACH`, several statements in one text and queued batches (bookkept
 * outside their transaction) are not.
 */
export function isHoldable(batch: WriteBatch): boolean {
  if (batch.queueId || batch.statements.length === 0) return false
  if (!batch.transaction && batch.statements.length !== 1) return false
  // total_changes() counts what undoing a hold does too (connection-counters.ts): such a write,
  // undone and applied anew, would not give the answer held for it.
  return batch.statements.every((s) => PLAIN_WRITE.test(s.sql) && !/total_changes/i.test(s.sql))
}
