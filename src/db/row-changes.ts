/**
 * Row changes of applied writes, from SQLite's preupdate hook: what change data capture and
 * metrics build on. Only changes that commit are reported: those of a failed statement or of a
 * transaction rolled back are dropped. Installed only while someone listens (no cost otherwise).
 */
import type { SqlValue } from '../api/sql-value.ts'
import type { Ptr, Sqlite3 } from '../sqlite/sqlite-api.ts'

export interface RowChange {
  op: 'insert' | 'update' | 'delete'
  table: string
  /** The row's rowid before the change (update, delete) or after it (insert). */
  rowid: bigint
  /** An update that changed the rowid: the new one. */
  newRowid?: bigint
  /** Column values before (update, delete) and after (insert, update), in table order. */
  before?: SqlValue[]
  after?: SqlValue[]
  /** The table's column names when the entry was applied (see `TableColumns`). */
  columns?: readonly string[]
}

/** Column names of tables, read from the schema on the connection that made the changes. */
export interface ColumnNames {
  /** Called once per batch of changes, after the commit: the schema may have changed. */
  refresh(): void
  of(table: string): readonly string[]
}

// Operation codes from sqlite3.h (stable C API).
const SQLITE_DELETE = 9
const SQLITE_INSERT = 18

/** Collects the committed row changes made on one connection. */
export class RowChangeRecorder {
  /** Changes of the transaction in progress, not yet committed. */
  #open: RowChange[] = []
  #committed: RowChange[] = []

  constructor(
    private readonly sqlite3: Sqlite3,
    private readonly db: Ptr,
    private readonly columns?: ColumnNames,
  ) {
    const { capi } = sqlite3
    capi.sqlite3_preupdate_hook(db, (_u, pDb, op, zDb, table, oldRowid, newRowid) => {
      if (zDb !== 'main') return // temp tables are connection state, not replicated data
      this.#open.push(this.#change(pDb, op, table, oldRowid, newRowid))
    }, 0)
    capi.sqlite3_commit_hook(db, () => {
      this.#committed.push(...this.#open)
      this.#open = []
      return 0
    }, 0)
    capi.sqlite3_rollback_hook(db, () => {
      this.#open = []
    }, 0)
  }

  /** Where the running statement's changes start: pass it to `statementFailed`. */
  mark(): number {
    return this.#open.length
  }

  /** A failed statement's changes were undone by SQLite (its statement journal). */
  statementFailed(mark: number): void {
    this.#open.length = Math.min(this.#open.length, mark)
  }

  /** The changes committed since the last call. */
  take(): RowChange[] {
    const changes = this.#committed
    this.#committed = []
    // Read here, right after the entry's commit on the applying connection, so every replica
    // names the columns from the same schema whenever (and on whatever thread) listeners run.
    if (changes.length > 0 && this.columns) {
      this.columns.refresh()
      for (const change of changes) change.columns = this.columns.of(change.table)
    }
    return changes
  }

  uninstall(): void {
    const { capi } = this.sqlite3
    capi.sqlite3_preupdate_hook(this.db, 0, 0)
    capi.sqlite3_commit_hook(this.db, 0, 0)
    capi.sqlite3_rollback_hook(this.db, 0, 0)
  }

  #change(pDb: Ptr, op: number, table: string, oldRowid: bigint, newRowid: bigint): RowChange {
    const n = this.sqlite3.capi.sqlite3_preupdate_count(pDb)
    const read = (which: 'old' | 'new') => Array.from({ length: n }, (_, i) => this.#value(pDb, which, i))
    if (op === SQLITE_INSERT) return { op: 'insert', table, rowid: BigInt(newRowid), after: read('new') }
    if (op === SQLITE_DELETE) return { op: 'delete', table, rowid: BigInt(oldRowid), before: read('old') }
    const change: RowChange = { op: 'update', table, rowid: BigInt(oldRowid), before: read('old'), after: read('new') }
    if (BigInt(newRowid) !== BigInt(oldRowid)) change.newRowid = BigInt(newRowid)
    return change
  }

  /** A column value with its exact SQLite type: integers as bigint, as everywhere in raftlite. */
  #value(pDb: Ptr, which: 'old' | 'new', column: number): SqlValue {
    const { capi, wasm } = this.sqlite3
    const stack = wasm.pstack.pointer
    try {
      const pp = wasm.pstack.allocPtr()
      const rc = which === 'old' ? capi.sqlite3_preupdate_old(pDb, column, pp) : capi.sqlite3_preupdate_new(pDb, column, pp)
      if (rc !== 0) throw new Error(`sqlite3_preupdate_${which} failed with code ${rc}`)
      const v = wasm.peekPtr(pp)
      switch (v ? capi.sqlite3_value_type(v) : 5) {
        case 1:
          return capi.sqlite3_value_int64(v)
        case 2:
          return capi.sqlite3_value_double(v)
        case 3:
          return capi.sqlite3_value_text(v)
        case 4: {
          const bytes = capi.sqlite3_value_to_js(v) as Uint8Array
          return new Uint8Array(bytes) // a copy: the value lives in WASM memory only for the hook
        }
        default:
          return null
      }
    } finally {
      wasm.pstack.restore(stack)
    }
  }
}
