/**
 * `raftlite/client`: a typed client for a raftlite (or rqlite) cluster over its HTTP API, on
 * `fetch` only, for Node, Deno, Bun, Workers and browsers. The same results as the in-process
 * client (`node.client()`).
 *
 * @example
 * ```ts
 * import { createClient } from 'raftlite/client'
 *
 * const db = createClient({ hosts: ['http://127.0.0.1:4001', 'http://127.0.0.1:4003'] })
 * await db.execute('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)')
 * await db.execute({ sql: 'INSERT INTO t (v) VALUES (?)', args: ['hello'] })
 * const { rows } = await db.query('SELECT id, v FROM t', { level: 'linearizable' })
 * ```
 * @module
 */
export { createClient, RemoteClient, type ChangesOptions, type RemoteClientOptions, type RemoteReadOptions, type RemoteWriteOptions } from './remote-client.ts'
export { MalformedResponseError, NoHostAvailableError, OutcomeUnknownError, RemoteRequestError } from './remote-errors.ts'
export { RaftliteError } from '../client/raftlite-error.ts'
export type { InArgs, InStatement, InValue, IntMode, ResultSet, Row, Value } from '../client/types.ts'
export type { ChangeEventJson, ChangeGroupJson } from '../cdc/change-json.ts'
export type { ReadLevel } from '../node/read-level.ts'
