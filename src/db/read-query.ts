/**
 * Running client statements on a connection and shaping each outcome as rqlite reports it:
 * shared by the database's own connections and the reader on the event loop (loop-reader.ts).
 */
import type { Clock } from '../ports/clock.ts'
import type { Sqlite3 } from '../sqlite/sqlite-api.ts'
import { type BoundStatement, type Connection, NotReadOnlyError, SqliteError } from '../sqlite/connection.ts'
import { type ResultBudget, resultBudget } from '../sqlite/result-cap.ts'
import type { StatementResult } from './statement-result.ts'

export interface QueryOptions {
  transaction?: boolean
  timeoutMs?: number
  /** Stop reading once the results exceed this many bytes (roughly, as JSON): ResultTooLargeError. 0 or absent: no cap. */
  maxResultBytes?: number
}

export const QUERY_WRITE_ERROR = 'attempt to change database via query operation'

export interface RunOptions {
  wantRows: boolean
  timeoutMs: number
  stepBudget?: number
  timeoutMessage: string
  readOnlyOnly: boolean
  resultBudget?: ResultBudget
  /** SQLite result codes (primary) that end the run by throwing `LoopEscape` instead of a result. */
  escapeOn?: readonly number[]
}

/** A statement stopped for a reason that sends it elsewhere (see `RunOptions.escapeOn`). */
export class LoopEscape extends Error {
  constructor(readonly code: number) {
    super(`statement left the loop (SQLite code ${code})`)
  }
}

/** Runs one statement; a statement's own failure is a result, anything else throws. */
export function runStatement(sqlite3: Sqlite3, clock: Clock, connection: Connection, stmt: BoundStatement, options: RunOptions): StatementResult {
  const started = clock.monotonic()
  try {
    const result = connection.run(stmt, { wantRows: options.wantRows, timeoutMs: options.timeoutMs, stepBudget: options.stepBudget, readOnly: options.readOnlyOnly, resultBudget: options.resultBudget })
    const time = (clock.monotonic() - started) / 1000
    return result.kind === 'rows'
      ? { kind: 'rows', rows: result.rows, time }
      : { kind: 'exec', lastInsertId: result.lastInsertId, rowsAffected: result.rowsAffected, time }
  } catch (e) {
    if (e instanceof NotReadOnlyError) return { kind: 'error', error: QUERY_WRITE_ERROR }
    if (!(e instanceof SqliteError)) throw e
    const code = e.code & 0xff
    if (options.escapeOn?.includes(code)) throw new LoopEscape(code)
    const time = (clock.monotonic() - started) / 1000
    const message = code === sqlite3.capi.SQLITE_INTERRUPT ? options.timeoutMessage : e.message
    return { kind: 'error', error: message, time }
  }
}

/** Runs read-only statements on a read-only connection, as `/db/query` does. */
export function readQuery(
  sqlite3: Sqlite3,
  clock: Clock,
  ro: Connection,
  statements: BoundStatement[],
  options: QueryOptions,
  escapeOn?: readonly number[],
): StatementResult[] {
  const results: StatementResult[] = []
  const budget = options.maxResultBytes ? resultBudget(options.maxResultBytes) : undefined
  try {
    if (options.transaction) ro.exec('BEGIN')
    for (const stmt of statements) {
      if (stmt.sql.trim() === '') continue
      const result = runStatement(sqlite3, clock, ro, stmt, {
        wantRows: true,
        timeoutMs: options.timeoutMs ?? 0,
        timeoutMessage: 'query timeout',
        readOnlyOnly: true,
        resultBudget: budget,
        escapeOn,
      })
      results.push(result)
      if (result.kind === 'error' && options.transaction) break
    }
  } finally {
    if (ro.inTransaction) ro.exec('ROLLBACK')
  }
  return results
}
