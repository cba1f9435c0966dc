/**
 * raftlite as a library: start a node from code and use it in-process or mount its
 * rqlite-compatible HTTP API in your own Hono app.
 *
 * Runtime entry points pick the ports for you: `raftlite/node` (and, with them, Deno and Bun
 * entries) export `startNode(options)`. This module is the runtime-agnostic core they share.
 *
 * @example
 * ```ts
 * import { Hono } from 'hono'
 * import { startNode } from 'raftlite/node'
 *
 * const node = await startNode({ dataDir: './data' })
 * const app = new Hono()
 * app.route('/raftlite', node.api())            // the rqlite HTTP API under a prefix
 * const db = node.client()                      // or skip HTTP altogether
 * await db.execute('CREATE TABLE IF NOT EXISTS t (v TEXT)')
 * ```
 * @module
 */
export { RaftliteNode } from './node/raftlite-node.ts'
export type { LeaderInfo, NodeState, ReadOptions, WriteOptions, WriteOutcome } from './node/raftlite-node.ts'
export { DEFAULT_NODE_OPTIONS, type NodeOptions } from './node/node-options.ts'
export type { ReadLevel } from './node/read-level.ts'
export { StoreError } from './node/store-error.ts'
export { type Platform, platformWith } from './node/platform.ts'
export { createApi, type ApiOptions } from './http/create-api.ts'
export { Client, type ClientOptions } from './client/client.ts'
export { RaftliteError } from './client/raftlite-error.ts'
export type { InArgs, InStatement, InValue, IntMode, ResultSet, Row, Value } from './client/types.ts'
export type { StatementResult } from './db/statement-result.ts'
export type { SqlFunction } from './db/database.ts'
export type { FileHandle, FilePort } from './ports/file-port.ts'
export type { Clock } from './ports/clock.ts'
export type { RandomSource } from './ports/random.ts'
export type { Timers } from './ports/timers.ts'
export { MemoryFilePort } from './storage/memory-file-port.ts'
export { RAFTLITE_VERSION } from './version.ts'
export { hashPassword } from './auth/password.ts'
export { type UserEntry, UsersFileError, parseUsersFile } from './auth/users.ts'
export type { Permission } from './auth/permissions.ts'
export { CDC_DEFAULTS, type CdcConfig, CdcConfigError, parseCdcConfigJson } from './cdc/cdc-config.ts'
export { CdcDisabledError } from './cdc/cdc-disabled-error.ts'
export { ChangesGoneError } from './cdc/cdc-service.ts'
export type { ChangeEnvelopeJson, ChangeEventJson, ChangeGroupJson } from './cdc/change-json.ts'
export { Logger, MemoryLogSink, jsonLineSink, parseLogLevel, textLineSink, type LogLevel, type LogRecord, type LogSink } from './observe/logger.ts'
export { MetricsRegistry, type MetricFamily } from './observe/metrics.ts'
export { PROMETHEUS_CONTENT_TYPE, prometheusText } from './observe/prometheus-text.ts'
