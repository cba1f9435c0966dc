/**
 * The engine port: the node's SQLite database behind an asynchronous interface, so that it can
 * run off the event loop (a worker holding both connections, docs/engine.md) or in the thread
 * where a runtime has no threads (`InThreadEngine`). Every method settles in call order: the
 * engine runs one call at a time, so applies stay in log order and a checkpoint sees exactly
 * the entries submitted before it.
 */
import type { BoundStatement } from '../sqlite/connection.ts'
import type { QueryOptions } from './database.ts'
import type { RowChange } from './row-changes.ts'
import type { StatementResult } from './statement-result.ts'
import type { WriteBatch } from './write-batch.ts'
import type { ByteRange } from '../storage/write-tracking-file-port.ts'

/** How the engine opens the node's database (its file port and clocks are the runtime's). */
export type EngineOpenOptions = Omit<import('./database.ts').DatabaseOptions, 'files' | 'clock' | 'random'>

/** One committed write, applied in a run of several (one message for many entries). */
export interface EngineApply {
  batch: WriteBatch
  /** Record its committed row changes (someone listens). */
  recordChanges: boolean
}

export interface EngineApplied {
  results: StatementResult[]
  changes?: RowChange[]
}

/** One read of several that cross to the engine together (`queryEach`). */
export interface EngineQuery {
  statements: BoundStatement[]
  options?: QueryOptions
}

/** A read's outcome in such a run: each settles on its own, so one's timeout fails no other. */
export type EngineQueryOutcome = { ok: true; results: StatementResult[] } | { ok: false; name: string; message: string }

/** An image (a backup's read transaction, see `DatabaseImage`) held open in the engine. */
export interface EngineImage {
  id: number
  pageSize: number
  pageCount: number
}

/** A command of raftlite's own that runs in the engine (a load's chunk or commit). */
export interface EngineCommand {
  name: string
  timestampMs: number
  seed: bigint
  payload: Uint8Array
  recordChanges: boolean
}

export interface Engine {
  /** Applies batches in order, each atomic on its own; one hop for the whole run. */
  applyBatches(batches: EngineApply[]): Promise<EngineApplied[]>
  query(statements: BoundStatement[], options?: QueryOptions): Promise<StatementResult[]>
  /** Runs reads one after the other (concurrent reads batched into one hop, engine-protocol.ts). */
  queryEach(queries: EngineQuery[]): Promise<EngineQueryOutcome[]>
  refusal(sql: string): Promise<string | null>
  isReadOnly(sql: string): Promise<boolean>
  checkpoint(): Promise<boolean>
  /**
   * The ranges of the database file written since the last call (a checkpoint's pages), or null
   * when they are not known (then a snapshot copies the whole file). Starts over either way.
   */
  takeWritten(): Promise<ByteRange[] | null>
  sizes(): Promise<{ file: number; wal: number }>
  pragmas(): Promise<{ rw: Record<string, string>; ro: Record<string, string> }>
  sqliteVersion(): Promise<string>
  /** Closes the connections (the file may then be replaced); `reopen` opens them again. */
  closeConnections(): Promise<void>
  reopen(): Promise<void>
  close(): Promise<void>
  openImage(): Promise<EngineImage>
  readImage(id: number, first: number, count: number): Promise<Uint8Array>
  /** The image's SQL dump from where the last call stopped: about `chars` of it, null at the end. */
  readImageSql(id: number, tables: readonly string[], chars: number): Promise<string | null>
  closeImage(id: number): Promise<void>
  /** Ends the images' read transactions (a checkpoint or a file swap needs it): reads then fail. */
  abandonImages(reason: string): Promise<void>
  checkLoadable(path: string): Promise<void>
  vacuumInto(path: string): Promise<void>
  applyCommand(command: EngineCommand): Promise<{ result: unknown; changes?: RowChange[] }>
  /**
   * Runs a leader's own write (a holdable batch, `isHoldable`) while Raft makes it durable, and
   * holds its commit (docs/engine.md, "Applies during the fsync"); row changes are not recorded.
   * Any other call that writes or swaps the database first undoes what is held.
   */
  holdApply(entry: HeldEntry, batch: WriteBatch): Promise<StatementResult[]>
  /**
   * Applies the held entry once committed: commits what is held for it (true), or, if that was
   * undone meanwhile (or never held), applies `batch` now (false), with the same outcome; if the
   * outcome differs from the one held (answered already), it fails, and the node must stop.
   */
  commitHeld(entry: HeldEntry, batch: WriteBatch): Promise<boolean>
  /** Undoes what is held, if anything (the entry may never commit). */
  rollbackHeld(): Promise<void>
}

/** Names a held apply: the log entry it is (index and term name an entry once and for all). */
export interface HeldEntry {
  index: number
  term: number
}

/** The methods an engine serves by name (the worker protocol's allowlist). */
export const ENGINE_METHODS = [
  'applyBatches', 'query', 'queryEach', 'refusal', 'isReadOnly', 'checkpoint', 'takeWritten', 'sizes', 'pragmas', 'sqliteVersion',
  'closeConnections', 'reopen', 'close', 'openImage', 'readImage', 'readImageSql', 'closeImage', 'abandonImages',
  'checkLoadable', 'vacuumInto', 'applyCommand', 'holdApply', 'commitHeld', 'rollbackHeld',
] as const satisfies readonly (keyof Engine)[]

export type EngineMethod = (typeof ENGINE_METHODS)[number]
