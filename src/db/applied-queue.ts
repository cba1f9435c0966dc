/**
 * What makes a retried queued write idempotent: per queue (node and start), the newest sequence
 * number applied, kept in a small table of the database itself. Being in the database, it is
 * in every snapshot and survives restarts, and every replica decides alike whether a batch is
 * a repeat. A queue flushes one batch at a time in sequence order, so "at or below the newest
 * applied" means "already applied". Bounded: only the most recently seen queues are kept.
 */
import type { Connection } from '../sqlite/connection.ts'
import type { QueueId } from './write-batch.ts'

export const APPLIED_QUEUE_TABLE = '_raftlite_queue'
/** Queues remembered. A queue forgotten has been silent longer than any retry lasts. */
const KEEP = 64

/**
 * Records `id` as applied and says whether it is new. Runs on the read-write connection inside
 * the batch's pinned time and randomness, so it is deterministic like the batch itself.
 */
export function recordQueuedBatch(rw: Connection, id: QueueId, timestampMs: number): boolean {
  rw.exec(`CREATE TABLE IF NOT EXISTS ${APPLIED_QUEUE_TABLE} (origin TEXT PRIMARY KEY, sequence INTEGER NOT NULL, seen_ms INTEGER NOT NULL) WITHOUT ROWID`)
  const row = rw.runTrusted({ sql: `SELECT sequence FROM ${APPLIED_QUEUE_TABLE} WHERE origin = ?`, positional: [id.origin], named: null }, true)
  const newest = row.kind === 'rows' ? row.rows.rows[0]?.[0] : undefined
  if (newest !== undefined && newest !== null && BigInt(newest as bigint | number) >= id.sequence) return false
  rw.runTrusted(
    {
      sql: `INSERT INTO ${APPLIED_QUEUE_TABLE} (origin, sequence, seen_ms) VALUES (?, ?, ?) ON CONFLICT(origin) DO UPDATE SET sequence = excluded.sequence, seen_ms = excluded.seen_ms`,
      positional: [id.origin, id.sequence, BigInt(Math.floor(timestampMs))],
      named: null,
    },
    false,
  )
  rw.runTrusted(
    {
      sql: `DELETE FROM ${APPLIED_QUEUE_TABLE} WHERE origin NOT IN (SELECT origin FROM ${APPLIED_QUEUE_TABLE} ORDER BY seen_ms DESC, origin LIMIT ${KEEP})`,
      positional: [],
      named: null,
    },
    false,
  )
  return true
}
