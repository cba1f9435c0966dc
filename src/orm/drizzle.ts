/**
 * `raftlite/drizzle`: Drizzle ORM over the in-process or the remote client, through Drizzle's
 * `sqlite-proxy`. Drizzle's `db.batch([...])` maps onto one atomic rqlite batch (one log entry,
 * in a transaction); `db.transaction()` is refused with `InteractiveTransactionError`.
 *
 * @example
 * ```ts
 * import { createClient } from 'raftlite/client'
 * import { drizzle } from 'raftlite/drizzle'
 *
 * const db = drizzle(createClient('http://127.0.0.1:4001'), { schema })
 * const rows = await db.select().from(users)
 * ```
 * @module
 */
import type { DrizzleConfig } from 'drizzle-orm'
import { drizzle as drizzleProxy, type SqliteRemoteDatabase } from 'drizzle-orm/sqlite-proxy'
import type { InValue, ResultSet, Value } from '../client/types.ts'
import { InteractiveTransactionError, isTransactionControl, type SqlClient } from './sql-client.ts'

export { InteractiveTransactionError, type SqlClient } from './sql-client.ts'

type Method = 'run' | 'all' | 'values' | 'get'

const INSTEAD = 'Use db.batch([...]) for statements that must apply together: it runs as one atomic rqlite transaction.'

/** A Drizzle database over `client` (`node.client()` or `createClient(...)`). */
export function drizzle<TSchema extends Record<string, unknown> = Record<string, never>>(
  client: SqlClient,
  config: DrizzleConfig<TSchema> = {},
): SqliteRemoteDatabase<TSchema> {
  const db = drizzleProxy<TSchema>(
    async (sql, params, method) => {
      if (isTransactionControl(sql)) throw new InteractiveTransactionError('drizzle', INSTEAD)
      return toProxyResult(await client.execute({ sql, args: params as InValue[] }), method)
    },
    async (queries) => {
      // `/db/request` in a transaction: one log entry, all or nothing, and reads in it return rows.
      const results = await client.request(queries.map((q) => ({ sql: q.sql, args: q.params as InValue[] })), { transaction: true })
      return results.map((r, i) => toProxyResult(r, queries[i].method))
    },
    config,
  )
  // Refuse before Drizzle sends BEGIN, so nothing at all runs.
  Object.defineProperty(db, 'transaction', {
    value: () => Promise.reject(new InteractiveTransactionError('drizzle', INSTEAD)),
  })
  return db
}

/** What `sqlite-proxy` expects: rows as arrays of values; one row for `get`. */
function toProxyResult(result: ResultSet, method: Method): { rows: unknown[] } & Pick<ResultSet, 'rowsAffected' | 'lastInsertRowid'> {
  const rows: Value[][] = result.rows.map((r) => Array.from(r))
  const meta = { rowsAffected: result.rowsAffected, lastInsertRowid: result.lastInsertRowid }
  if (method === 'get') return { rows: rows[0] as unknown[], ...meta }
  return { rows, ...meta }
}
