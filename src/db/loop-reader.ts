/**
 * A read-only connection on the event loop, beside the engine worker (docs/engine.md, "Reads on
 * the loop"). A short read there costs no message to the worker and back, which for a lone
 * point select is most of its time. It shares the worker's WAL index through a SharedArrayBuffer
 * (src/sqlite/shared-wal-index.ts), so it reads exactly what the worker has committed.
 *
 * Nothing long may run here: a read is interrupted after `LOOP_READ_MS` (and a value over 1 MiB
 * stops it) and then runs again in the worker, where the node's query timeout bounds it.
 */
import type { Clock } from '../ports/clock.ts'
import type { FilePort } from '../ports/file-port.ts'
import { loadSqlite, type Sqlite3 } from '../sqlite/sqlite-api.ts'
import { RaftliteVfs } from '../sqlite/vfs.ts'
import { type BoundStatement, Connection } from '../sqlite/connection.ts'
import { LoopEscape, type QueryOptions, readQuery } from './read-query.ts'
import { limitMemory } from './open-connections.ts'
import type { StatementResult } from './statement-result.ts'

/** How long a read may hold the event loop before it moves to the worker. */
export const LOOP_READ_MS = 2
/** The largest string or blob a read on the loop builds or reads (SQLITE_LIMIT_LENGTH). */
const LOOP_MAX_VALUE_BYTES = 1024 * 1024
const SQLITE_LIMIT_LENGTH = 0

export interface LoopReaderOptions {
  files: FilePort
  path: string
  /** The buffer the engine worker's database was opened with (`sharedWalIndex`). */
  sharedWalIndex: SharedArrayBuffer
  clock: Clock
  foreignKeys?: boolean
}

let readers = 0

export class LoopReader {
  readonly #sqlite3: Sqlite3
  readonly #vfs: RaftliteVfs
  readonly #options: LoopReaderOptions
  #connection: Connection | null = null

  private constructor(sqlite3: Sqlite3, vfs: RaftliteVfs, options: LoopReaderOptions) {
    this.#sqlite3 = sqlite3
    this.#vfs = vfs
    this.#options = options
  }

  /** Opens the reader; the worker must have the database open already (it owns recovery). */
  static async open(options: LoopReaderOptions): Promise<LoopReader> {
    const sqlite3 = await loadSqlite()
    const vfs = new RaftliteVfs(sqlite3, `raftlite-loop-${++readers}`, {
      files: options.files,
      clock: options.clock,
      sharedWalIndex: { path: options.path, buffer: options.sharedWalIndex, reader: true },
    })
    vfs.own(options.path)
    const reader = new LoopReader(sqlite3, vfs, options)
    reader.resume()
    return reader
  }

  get isOpen(): boolean {
    return this.#connection !== null
  }

  /**
   * Runs a read here: its results, or null when it must run in the worker instead (it ran past
   * `LOOP_READ_MS`, met a value over the loop's size limit, or found the index busy).
   */
  query(statements: BoundStatement[], options: QueryOptions): { results: StatementResult[] | null; ms: number } {
    const clock = this.#options.clock
    const started = clock.monotonic()
    const results = this.#run(statements, options)
    return { results, ms: clock.monotonic() - started }
  }

  #run(statements: BoundStatement[], options: QueryOptions): StatementResult[] | null {
    const connection = this.#connection
    if (!connection) return null
    const asked = options.timeoutMs ?? 0
    // The client's own limit, when it is the shorter, ends the read as a timeout here too.
    const own = asked > 0 && asked <= LOOP_READ_MS
    const { capi } = this.#sqlite3
    const escapeOn = [capi.SQLITE_TOOBIG, capi.SQLITE_BUSY, capi.SQLITE_PROTOCOL, ...(own ? [] : [capi.SQLITE_INTERRUPT])]
    this.#vfs.syncSharedWalIndex()
    try {
      return readQuery(this.#sqlite3, this.#options.clock, connection, statements, { ...options, timeoutMs: own ? asked : LOOP_READ_MS }, escapeOn)
    } catch (e) {
      if (e instanceof LoopEscape) return null
      throw e
    }
  }

  /** Why raftlite refuses `sql`, judged here without a hop (the worker's connection says the same). */
  refusal(sql: string): string | null {
    return this.#connection ? this.#connection.refusal(sql) : null
  }

  isReadOnly(sql: string): boolean | null {
    if (!this.#connection) return null
    try {
      return this.#connection.isReadOnly(sql)
    } catch {
      return false
    }
  }

  /** Closes the connection (the worker is about to close the file, or replace it). */
  suspend(): void {
    this.#connection?.close()
    this.#connection = null
  }

  /** Opens the connection again, on whatever file the worker has open now. */
  resume(): void {
    if (this.#connection) return
    const { capi } = this.#sqlite3
    const connection = Connection.open(this.#sqlite3, this.#options.path, {
      readOnly: true,
      vfs: this.#vfs.name,
      fileRefusal: () => this.#vfs.takeRefusal(),
      monotonic: () => this.#options.clock.monotonic(),
    })
    try {
      // Closing must never checkpoint from here (the VFS refuses it the file lock anyway).
      capi.sqlite3_db_config(connection.db, capi.SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, 0)
      capi.sqlite3_limit(connection.db, SQLITE_LIMIT_LENGTH, LOOP_MAX_VALUE_BYTES)
      limitMemory(connection)
      connection.exec(`PRAGMA foreign_keys=${this.#options.foreignKeys ? 'ON' : 'OFF'}`)
    } catch (e) {
      connection.close()
      throw e
    }
    this.#connection = connection
  }

  close(): void {
    this.suspend()
  }
}
