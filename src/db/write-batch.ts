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
  /** Per-statement time limit (rqlite's db_timeout), or 0 for none. */
  timeoutMs: number
}
