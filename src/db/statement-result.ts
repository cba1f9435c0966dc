import type { Rows } from '../sqlite/connection.ts'

/** The outcome of one statement, before it is shaped into rqlite's JSON. */
export type StatementResult =
  | { kind: 'exec'; lastInsertId: bigint; rowsAffected: bigint; time?: number }
  | { kind: 'rows'; rows: Rows; time?: number }
  | { kind: 'error'; error: string; time?: number }
