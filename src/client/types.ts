/** Types of the in-process client. */

/** A value read from the database (integers per `IntMode`). */
export type Value = null | number | bigint | string | Uint8Array

/** A value bound to a statement. Integer-valued numbers bind as INTEGER, others as REAL. */
export type InValue = null | number | bigint | string | boolean | Uint8Array

export type InArgs = InValue[] | Record<string, InValue>

/** SQL text, or SQL with positional (`?`) or named (`:name`, `@name`, `$name`) arguments. */
export type InStatement = string | { sql: string; args?: InArgs }

/**
 * How integers come back: `number` (throws a RangeError for one beyond 2^53, so nothing is
 * silently rounded), `bigint` (always exact) or `string`.
 */
export type IntMode = 'number' | 'bigint' | 'string'

/** A row: an array of values that also has a property per column name (`row[0]`, `row.name`). */
export type Row = Value[] & Record<string, Value>

export interface ResultSet {
  columns: string[]
  /** Declared column types, lower-cased ('' for expressions). */
  columnTypes: string[]
  rows: Row[]
  /** Rows changed by the statement (SQLite's changes()); 0 for reads. */
  rowsAffected: number
  /** rowid of the last insert on the node's write connection (SQLite's last_insert_rowid()). */
  lastInsertRowid: bigint | undefined
}
