/**
 * A SQL text dump of a database, in the shape of the `sqlite3` shell's `.dump` (and rqlite's
 * `fmt=sql`): `PRAGMA foreign_keys=OFF;`, `BEGIN TRANSACTION;`, each table's CREATE and its
 * rows as INSERTs, `sqlite_sequence`, then indexes, triggers and views, `COMMIT;`.
 *
 * It reads through a connection already inside a read transaction (a database image), a page of
 * rows at a time, so a dump of any size is produced in bounded memory. Values are rendered by
 * SQLite's own `quote()`, which round-trips every type (reals at full precision, blobs as X'..').
 * raftlite's own tables (`_raftlite_*`) are left out: they are not the client's data.
 */
import type { Connection } from '../sqlite/connection.ts'
import type { SqlValue } from '../api/sql-value.ts'

const ROWS_PER_PAGE = 256

type Run = (sql: string, positional?: SqlValue[]) => SqlValue[][]

export function* sqlDump(connection: Connection, tables: readonly string[] = []): Generator<string> {
  const run: Run = (sql, positional = []) => {
    const result = connection.runTrusted({ sql, positional, named: null }, true)
    return result.kind === 'rows' ? result.rows.rows : []
  }
  const wanted = (name: string) => tables.length === 0 || tables.includes(name)
  yield 'PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n'
  const schema = run("SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY rowid") as [string, string, string, string][]
  let sequence = false
  for (const [type, name, , sql] of schema) {
    if (type !== 'table' || !wanted(name) || name.startsWith('_raftlite_')) continue
    if (name === 'sqlite_sequence') {
      sequence = true
      continue
    }
    if (name.startsWith('sqlite_')) continue // sqlite_stat*: SQLite's own
    yield `${sql};\n`
    // A virtual table's rows live in its shadow tables (dumped as tables of their own).
    if (!/^create\s+virtual\s+table/i.test(sql)) yield* tableRows(run, name)
  }
  if (sequence) {
    const rows = run('SELECT name, seq FROM sqlite_sequence ORDER BY rowid') as [string, SqlValue][]
    const kept = rows.filter(([name]) => wanted(name) && !name.startsWith('_raftlite_'))
    if (kept.length > 0) {
      yield 'DELETE FROM sqlite_sequence;\n'
      for (const [name, seq] of kept) yield `INSERT INTO sqlite_sequence VALUES(${quoteLiteral(name)},${String(seq)});\n`
    }
  }
  for (const [type, name, table, sql] of schema) {
    if (type === 'table' || !wanted(table) || table.startsWith('_raftlite_') || name.startsWith('sqlite_')) continue
    yield `${sql};\n`
  }
  yield 'COMMIT;\n'
}

function* tableRows(run: Run, table: string): Generator<string> {
  const columns = run('SELECT name, hidden FROM pragma_table_xinfo(?)', [table]) as [string, bigint][]
  // Generated columns (hidden 2 and 3) cannot be inserted: name the stored ones instead.
  const stored = columns.filter(([, hidden]) => Number(hidden) === 0).map(([name]) => name)
  if (stored.length === 0) return
  const target = stored.length === columns.length ? quoteIdentifier(table) : `${quoteIdentifier(table)}(${stored.map(quoteIdentifier).join(',')})`
  const values = stored.map((c) => `quote(${quoteIdentifier(c)})`).join(` || ',' || `)
  const withoutRowid = (run('SELECT wr FROM pragma_table_list WHERE name = ? AND schema = ?', [table, 'main'])[0]?.[0] ?? 0n) !== 0n
  const from = quoteIdentifier(table)
  if (withoutRowid) {
    // No rowid to page by: OFFSET pages (slower, but such tables are rarely huge).
    for (let offset = 0; ; offset += ROWS_PER_PAGE) {
      const page = run(`SELECT ${values} FROM ${from} LIMIT ? OFFSET ?`, [BigInt(ROWS_PER_PAGE), BigInt(offset)])
      for (const [row] of page) yield `INSERT INTO ${target} VALUES(${String(row)});\n`
      if (page.length < ROWS_PER_PAGE) return
    }
  }
  let after: SqlValue = null
  for (;;) {
    const page: SqlValue[][] = after === null
      ? run(`SELECT _rowid_, ${values} FROM ${from} ORDER BY _rowid_ LIMIT ?`, [BigInt(ROWS_PER_PAGE)])
      : run(`SELECT _rowid_, ${values} FROM ${from} WHERE _rowid_ > ? ORDER BY _rowid_ LIMIT ?`, [after, BigInt(ROWS_PER_PAGE)])
    for (const [, row] of page) yield `INSERT INTO ${target} VALUES(${String(row)});\n`
    if (page.length < ROWS_PER_PAGE) return
    after = page[page.length - 1][0]
  }
}

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`
}
