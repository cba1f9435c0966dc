/**
 * `raftlite/kysely`: a Kysely dialect over the in-process or the remote client. SQLite's query
 * compiler, adapter and introspector, with a driver that sends each query as one rqlite request.
 * `db.transaction()` is refused with `InteractiveTransactionError` (rqlite has no interactive
 * transactions); Kysely's Migrator works, since it runs SQLite migrations without them.
 *
 * @example
 * ```ts
 * import { Kysely } from 'kysely'
 * import { createClient } from 'raftlite/client'
 * import { RaftliteDialect } from 'raftlite/kysely'
 *
 * const db = new Kysely<Database>({ dialect: new RaftliteDialect({ client: createClient('http://127.0.0.1:4001') }) })
 * ```
 * @module
 */
import {
  type CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely'
import type { InValue, Value } from '../client/types.ts'
import { InteractiveTransactionError, isTransactionControl, type SqlClient } from './sql-client.ts'

export { InteractiveTransactionError, type SqlClient } from './sql-client.ts'

const INSTEAD = 'Send statements that must apply together as one query, or use the client\'s batch() for an atomic group.'

export interface RaftliteDialectConfig {
  /** `node.client()` or `createClient(...)` from `raftlite/client`. */
  client: SqlClient
}

export class RaftliteDialect implements Dialect {
  readonly #client: SqlClient

  constructor(config: RaftliteDialectConfig) {
    this.#client = config.client
  }

  createDriver(): Driver {
    return new RaftliteDriver(this.#client)
  }

  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler()
  }

  createAdapter(): DialectAdapter {
    return new SqliteAdapter()
  }

  // Kysely's own signature: the introspector takes a database of any schema.
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new SqliteIntrospector(db)
  }
}

class RaftliteDriver implements Driver {
  readonly #connection: RaftliteConnection

  constructor(client: SqlClient) {
    this.#connection = new RaftliteConnection(client)
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return this.#connection
  }

  async beginTransaction(): Promise<void> {
    throw new InteractiveTransactionError('kysely', INSTEAD)
  }

  async commitTransaction(): Promise<void> {
    throw new InteractiveTransactionError('kysely', INSTEAD)
  }

  async rollbackTransaction(): Promise<void> {
    throw new InteractiveTransactionError('kysely', INSTEAD)
  }

  async releaseConnection(): Promise<void> {}

  async destroy(): Promise<void> {}
}

class RaftliteConnection implements DatabaseConnection {
  constructor(readonly client: SqlClient) {}

  async executeQuery<R>(query: CompiledQuery, options?: { signal?: AbortSignal }): Promise<QueryResult<R>> {
    if (isTransactionControl(query.sql)) throw new InteractiveTransactionError('kysely', INSTEAD)
    const result = await this.client.execute({ sql: query.sql, args: query.parameters as InValue[] }, { signal: options?.signal })
    const rows = result.rows.map((row) => Object.fromEntries(result.columns.map((name, i) => [name, row[i] as Value])) as R)
    if (result.columns.length > 0) return { rows }
    return { rows, numAffectedRows: BigInt(result.rowsAffected), insertId: result.lastInsertRowid }
  }

  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('kysely: streaming queries are not supported by raftlite; use execute() (results come whole, as rqlite sends them)')
  }
}
