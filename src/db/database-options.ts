/** How a node's database is opened: its files, clock and randomness, and SQLite settings. */
import type { FilePort } from '../ports/file-port.ts'
import type { Clock } from '../ports/clock.ts'
import type { RandomSource } from '../ports/random.ts'

export interface DatabaseOptions {
  files: FilePort
  /** Path of the database file; `-wal` sits beside it. */
  path: string
  clock?: Clock
  random?: RandomSource
  foreignKeys?: boolean
  /**
   * `full` fsyncs every commit (the database is the source of truth); `off` leaves durability to
   * a replicated log that is fsynced before anything is acknowledged.
   */
  synchronous?: 'full' | 'off'
  /** WAL size in bytes after which a batch is followed by a checkpoint (0 = never). */
  checkpointWalBytes?: number
  /**
   * Whether closing may checkpoint the WAL into the file (SQLite's default). Snapshots need it
   * off: the file must stay exactly as the last snapshot left it.
   */
  checkpointOnClose?: boolean
  /**
   * A WAL file grown past this many bytes is cut back to them when a checkpoint starts it over
   * (`journal_size_limit`; default 64 MiB). Below it the file keeps its length and is written
   * over: freeing its blocks every snapshot cost more than the writes (docs/write-path.md).
   */
  walFileLimit?: number
  /**
   * SQL functions written in TypeScript, by name, on both connections (what a native extension
   * would add elsewhere). They must be deterministic: every replica runs them on the same rows.
   */
  functions?: ReadonlyMap<string, SqlFunction>
  /**
   * The database's WAL index lives in this buffer, shared with a reader on another thread (the
   * event loop's, src/db/loop-reader.ts); from `createSharedWalIndexBuffer()`.
   */
  sharedWalIndex?: SharedArrayBuffer
}

/** A scalar SQL function: SQL values in, one SQL value out; a throw fails the statement. */
export type SqlFunction = (...args: (number | bigint | string | Uint8Array | null)[]) => number | bigint | string | Uint8Array | null | boolean
