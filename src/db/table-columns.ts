/**
 * Column names per table, for row images keyed by name (change data capture). Cached until the
 * schema changes: `PRAGMA schema_version` moves with every DDL, so one cheap read per applied
 * entry tells whether the cache still holds.
 */
import type { SqlValue } from '../api/sql-value.ts'
import type { Connection } from '../sqlite/connection.ts'
import type { ColumnNames } from './row-changes.ts'

export class TableColumns implements ColumnNames {
  #version: SqlValue = null
  readonly #cache = new Map<string, readonly string[]>()

  constructor(private readonly connection: () => Connection) {}

  refresh(): void {
    const version = this.connection().scalar('PRAGMA schema_version')
    if (version === this.#version) return
    this.#version = version
    this.#cache.clear()
  }

  of(table: string): readonly string[] {
    let names = this.#cache.get(table)
    if (!names) {
      // table_xinfo lists hidden and generated columns too, as the preupdate hook counts them.
      const result = this.connection().runTrusted({ sql: `PRAGMA main.table_xinfo(${quoteIdentifier(table)})`, positional: [], named: null }, true)
      const rows = result.kind === 'rows' ? result.rows : null
      const at = rows ? rows.columns.indexOf('name') : -1
      names = rows && at >= 0 ? rows.rows.map((r) => String(r[at])) : []
      this.#cache.set(table, names)
    }
    return names
  }
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}
