/**
 * What `last_insert_rowid()` and `changes()` answer on the write connection, and how to make
 * them answer it again after a ROLLBACK (which leaves them as the undone statements set them):
 * an undone held apply must not leave a trace a later batch could read (docs/engine.md).
 *
 * SQLite can set the rowid (`sqlite3_set_last_insert_rowid`) but not the count: that is set by
 * deleting as many rows from a temporary table of raftlite's own. The table is created on every
 * node's write connection when it opens, so what a client can see of the temporary schema is the
 * same everywhere; its name is reserved (statement-policy.ts), so no client SQL can shadow,
 * write, or hang a trigger on it. Restoring raises `total_changes()` on this node only, a count
 * that differs between replicas anyway (it starts over with each connection).
 */
import type { Connection, ConnectionCounters } from '../sqlite/connection.ts'

const TABLE = 'temp._raftlite_counters'

/** Creates the table (every node, every time the write connection opens). */
export function createCountersTable(rw: Connection): void {
  rw.exec(`CREATE TEMP TABLE IF NOT EXISTS _raftlite_counters (x)`)
}

/** Makes `last_insert_rowid()` and `changes()` answer `counters` again. Costs `changes` row writes. */
export function restoreCounters(rw: Connection, counters: ConnectionCounters): void {
  if (counters.changes > 0n) {
    const fill = `WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < ?) INSERT INTO ${TABLE} SELECT n FROM c`
    rw.runTrusted({ sql: fill, positional: [counters.changes], named: null }, false)
  }
  rw.exec(`DELETE FROM ${TABLE} WHERE 1`)
  rw.setLastInsertRowid(counters.lastInsertRowid)
}
