/**
 * The SQLite database of a node: one long-lived read-write connection that applies write
 * batches deterministically (so changes()/last_insert_rowid() carry over as in rqlite), and a
 * read-only connection for queries. WAL journal mode; checkpoints only when raftlite asks.
 *
 * Client SQL runs under the statement policy on both connections (src/sqlite/statement-policy.ts),
 * and the VFS opens only this database's own files, whatever SQL reaches SQLite.
 */
import type { FilePort } from '../ports/file-port.ts'
import type { Clock } from '../ports/clock.ts'
import { systemClock } from '../ports/clock.ts'
import { loadSqlite, type Sqlite3 } from '../sqlite/sqlite-api.ts'
import { RaftliteVfs } from '../sqlite/vfs.ts'
import { type BoundStatement, Connection, type ConnectionCounters } from '../sqlite/connection.ts'
import { statementSeed } from '../sqlite/seeded-random.ts'
import { type QueryOptions, readQuery, runStatement } from './read-query.ts'
import type { StatementResult } from './statement-result.ts'
import { isHoldable, type WriteBatch } from './write-batch.ts'
import { recordQueuedBatch } from './applied-queue.ts'
import { type RowChange, RowChangeRecorder } from './row-changes.ts'
import { DatabaseImage } from './database-image.ts'
import { limitMemory, openConnections, primeWal, sharedVfs } from './open-connections.ts'
import type { DatabaseOptions } from './database-options.ts'
import { stepBudgetFor } from './step-budget.ts'
import { LocalApplyError } from './local-apply-error.ts'
import { TableColumns } from './table-columns.ts'
import { restoreCounters } from './connection-counters.ts'
import { splitStatements } from './split-statements.ts'
import { checkLoadable, copyDatabase, type StagedLoad, writeStagedFile } from './database-restore.ts'

export type { DatabaseOptions, SqlFunction } from './database-options.ts'

export type { QueryOptions } from './read-query.ts'


export class Database {
  readonly path: string
  readonly #sqlite3: Sqlite3
  readonly #vfs: RaftliteVfs
  readonly #files: FilePort
  readonly #clock: Clock
  #rw: Connection
  #ro: Connection
  readonly #options: DatabaseOptions
  readonly #checkpointWalBytes: number
  readonly #synchronous: 'full' | 'off'
  #closed = false
  /** What `pragmas` read last before closing (status reports it after the worker took over). */
  #lastPragmas: { rw: Record<string, string>; ro: Record<string, string> } | null = null
  /** Between `suspend` and `resume`: the connections are closed. */
  #suspended = false
  /** The WAL's size in use when the connections last closed, or as a worker owning the file reports it. */
  #lastWalSize: number | undefined
  /** What `last_insert_rowid()` and `changes()` said before the batch held now (`holdBatch`). */
  #heldCounters: ConnectionCounters | null = null
  /** Installed while someone listens for row changes (see `recordRowChanges`). */
  #recorder: RowChangeRecorder | null = null
  readonly #images = new Set<DatabaseImage>()

  private constructor(sqlite3: Sqlite3, vfs: RaftliteVfs, options: DatabaseOptions, rw: Connection, ro: Connection) {
    this.#sqlite3 = sqlite3
    this.#vfs = vfs
    this.#files = options.files
    this.#clock = options.clock ?? systemClock
    this.path = options.path
    this.#rw = rw
    this.#ro = ro
    this.#checkpointWalBytes = options.checkpointWalBytes ?? 4 * 1024 * 1024
    this.#synchronous = options.synchronous ?? 'full'
    this.#options = options
  }

  static async open(options: DatabaseOptions): Promise<Database> {
    const sqlite3 = await loadSqlite()
    const vfs = sharedVfs(sqlite3, options)
    vfs.own(options.path)
    const { rw, ro } = openConnections(sqlite3, vfs, options)
    return new Database(sqlite3, vfs, options, rw, ro)
  }

  /**
   * Closes the connections, runs `between` (which may replace the file, e.g. to install a
   * snapshot), and opens them again: synchronously, so no statement can run in between.
   */
  reopenAround(between: () => void): void {
    const recording = this.suspend()
    between()
    this.resume(recording)
  }

  /**
   * The first half of `reopenAround`: closes the connections (images are abandoned, recording
   * stops). Returns whether row changes were being recorded, for `resume`.
   */
  suspend(): boolean {
    this.#assertOpen()
    const recording = this.#recorder !== null
    this.recordRowChanges(false)
    this.abandonImages('the database file is being replaced')
    this.#lastWalSize = this.walSize()
    this.#ro.close()
    this.#rw.close()
    this.#suspended = true
    return recording
  }

  /** The second half: opens the connections again on whatever file is now in place. */
  resume(recording: boolean): void {
    if (this.#closed || !this.#suspended) throw new Error('database connections are not closed: nothing to resume')
    const { rw, ro } = openConnections(this.#sqlite3, this.#vfs, this.#options)
    this.#rw = rw
    this.#ro = ro
    this.#suspended = false
    this.recordRowChanges(recording)
  }

  /** A consistent image of the database as it is now, readable while writes go on (backup). */
  openImage(): DatabaseImage {
    this.#assertOpen()
    const connection = Connection.open(this.#sqlite3, this.path, { readOnly: true, vfs: this.#vfs.name, fileRefusal: () => this.#vfs.takeRefusal() })
    try {
      limitMemory(connection) // a backup reads every page: a 16 MiB cache would stay in the WASM heap
    } catch (e) {
      connection.close()
      throw e
    }
    const image: DatabaseImage = new DatabaseImage(connection, () => this.#images.delete(image))
    this.#images.add(image)
    return image
  }

  /**
   * Checks that the file at `path` (an upload) is an intact SQLite database this one can be
   * replaced by, and marks it rollback-journal mode; throws `InvalidDatabaseError` if not.
   */
  async checkLoadable(path: string): Promise<void> {
    this.#assertOpen()
    checkLoadable(this.#files, path, Number(this.#rw.scalar('PRAGMA page_size')), (p) => this.#openSource(p), (p) => this.#vfs.own(p))
  }

  /** Replaces the whole database by the file at `path` (see `checkLoadable`): all or nothing. */
  async replaceWith(path: string): Promise<void> {
    this.#replaceWith(path)
  }

  /**
   * Applies a load whose chunks the log staged (database-restore.ts): reassembles them beside
   * the database, checks them against `load` and replaces the database by them, staging table
   * included. Throws, leaving the data as it was, if anything does not match.
   */
  applyStagedLoad(load: StagedLoad): void {
    this.#assertOpen()
    const path = `${this.path}-load`
    try {
      writeStagedFile(this.#rw, this.#files, load, path)
      this.#replaceWith(path)
    } finally {
      if (this.#files.exists(path)) this.#files.delete(path)
    }
  }

  /** SQL text cut into its statements, as SQLite's tokenizer sees them (see split-statements.ts). */
  splitStatements(sql: string): string[] {
    return splitStatements(sql, (text) => this.#sqlite3.capi.sqlite3_complete(text) !== 0)
  }

  /** Writes a compacted copy of the database (VACUUM INTO) to `path`, which must not exist. */
  async vacuumInto(path: string): Promise<void> {
    this.#assertOpen()
    this.#vfs.own(path)
    const connection = Connection.open(this.#sqlite3, this.path, { readOnly: true, vfs: this.#vfs.name, fileRefusal: () => this.#vfs.takeRefusal() })
    try {
      limitMemory(connection)
      connection.exec(`VACUUM INTO '${path.replaceAll("'", "''")}'`)
    } finally {
      connection.close()
    }
  }

  #replaceWith(path: string): void {
    this.#assertOpen()
    const source = this.#openSource(path)
    try {
      copyDatabase(this.#sqlite3, this.#rw, source)
    } finally {
      source.close()
    }
    this.#recorder?.take() // a load replaces everything; it is no row change of the client's
  }

  #openSource(path: string): Connection {
    this.#vfs.own(path)
    const connection = Connection.open(this.#sqlite3, path, { readOnly: true, vfs: this.#vfs.name, fileRefusal: () => this.#vfs.takeRefusal() })
    try {
      limitMemory(connection) // quick_check and the copy read every page (see openImage)
    } catch (e) {
      connection.close()
      throw e
    }
    return connection
  }

  /** Images open: they hold back checkpoints (see `DatabaseImage`). */
  get openImages(): number {
    return this.#images.size
  }

  abandonImages(reason: string): void {
    for (const image of [...this.#images]) image.abandon(reason)
  }

  /** Starts or stops recording the row changes of writes (`applyBatch`, `applyCommand`). */
  recordRowChanges(on: boolean): void {
    if (on && !this.#recorder) this.#recorder = new RowChangeRecorder(this.#sqlite3, this.#rw.db, new TableColumns(() => this.#rw))
    if (!on && this.#recorder) {
      this.#recorder.uninstall()
      this.#recorder = null
    }
  }

  /**
   * Runs trusted code (a registered command's handler) on the read-write connection as one
   * transaction, with SQLite's time and randomness pinned like a batch's: all or nothing.
   */
  applyCommand<T>(timestampMs: number, seed: bigint, work: (rw: Connection) => T, changes?: RowChange[]): T {
    this.#assertOpen()
    const rw = this.#rw
    this.#vfs.pinTimeAndRandomness(timestampMs, statementSeed(seed, 0))
    try {
      rw.exec('BEGIN')
      const result = work(rw)
      rw.exec('COMMIT')
      return result
    } finally {
      this.#vfs.unpin()
      if (rw.inTransaction) rw.exec('ROLLBACK')
      const recorded = this.#recorder?.take() ?? []
      changes?.push(...recorded)
      this.#maybeCheckpoint()
    }
  }

  get sqliteVersion(): string {
    return this.#sqlite3.capi.sqlite3_libversion()
  }

  /**
   * Applies a write batch. Deterministic: SQLite sees the batch's time and, per statement, a
   * randomness seed derived from the batch's seed, so every replica computes the same rows.
   */
  applyBatch(batch: WriteBatch, changes?: RowChange[]): StatementResult[] {
    return this.#runBatch(batch, changes, false).results
  }

  /**
   * Runs a write batch up to its commit and holds the commit (`open`: a transaction is left
   * open), for a leader that applies its own entry while Raft makes it durable (docs/engine.md,
   * "Applies during the fsync"). Then `commitHeld` commits it, or `rollbackHeld` undoes it, and
   * with it what the batch did to `last_insert_rowid()` and `changes()` (the connection carries
   * them from batch to batch; a ROLLBACK does not restore them). Only for batches whose
   * statements run alike in one transaction as on their own (`isHoldable`). A transaction batch
   * that failed holds nothing (it is undone whole), nor does a batch SQLite's COMMIT would refuse:
   * it is run as on its own, which ends in the same refusal and changes nothing.
   */
  holdBatch(batch: WriteBatch, changes?: RowChange[]): { results: StatementResult[]; open: boolean } {
    if (!isHoldable(batch)) throw new Error('this batch cannot be held before its commit')
    this.#assertOpen()
    const rw = this.#rw
    const before = rw.counters()
    try {
      let held = this.#runBatch(batch, changes, true)
      if (held.open && rw.pendingForeignKeyViolations() > 0) {
        rw.exec('ROLLBACK')
        restoreCounters(rw, before)
        held = this.#runBatch(batch, changes, false)
      }
      this.#heldCounters = before
      return held
    } catch (e) {
      // Nothing is held (#runBatch rolled back): the batch will be applied the usual way, from
      // the counters as they were.
      if (rw.inTransaction) rw.exec('ROLLBACK')
      restoreCounters(rw, before)
      throw e
    }
  }

  /** Commits the batch `holdBatch` left open. */
  commitHeld(): void {
    this.#assertOpen()
    this.#heldCounters = null
    const ioFailuresBefore = this.#vfs.ioFailures
    if (this.#rw.inTransaction) this.#rw.exec('COMMIT')
    if (this.#vfs.ioFailures !== ioFailuresBefore) throw new LocalApplyError(this.#vfs.lastError)
    this.#maybeCheckpoint()
  }

  /** Undoes what `holdBatch` did: its open transaction, and its effect on the connection's counters. */
  rollbackHeld(): void {
    const counters = this.#heldCounters
    this.#heldCounters = null
    if (this.#closed || this.#suspended) return
    if (this.#rw.inTransaction) this.#rw.exec('ROLLBACK')
    if (counters) restoreCounters(this.#rw, counters)
  }

  #runBatch(batch: WriteBatch, changes: RowChange[] | undefined, hold: boolean): { results: StatementResult[]; open: boolean } {
    this.#assertOpen()
    const ioFailuresBefore = this.#vfs.ioFailures
    const results: StatementResult[] = []
    const rw = this.#rw
    let open = false
    if (batch.queueId) {
      // Before the batch and outside its transaction: a repeat is skipped whole, and a batch
      // whose statements failed still counts as applied (its outcome is final).
      this.#vfs.pinTimeAndRandomness(batch.timestampMs, statementSeed(batch.seed, batch.statements.length))
      let fresh: boolean
      try {
        fresh = recordQueuedBatch(rw, batch.queueId, batch.timestampMs)
      } finally {
        this.#vfs.unpin()
      }
      this.#recorder?.take() // raftlite's own bookkeeping, not the client's data
      if (!fresh) return { results: [], open: false }
    }
    let completed = false
    try {
      // A held single statement runs in a transaction of its own, as it would in autocommit.
      if (batch.transaction || hold) rw.exec('BEGIN')
      for (let i = 0; i < batch.statements.length; i++) {
        const stmt = batch.statements[i]
        if (stmt.sql.trim() === '') continue
        this.#vfs.pinTimeAndRandomness(batch.timestampMs, statementSeed(batch.seed, i))
        const mark = this.#recorder?.mark() ?? 0
        const result = runStatement(this.#sqlite3, this.#clock, rw, stmt, {
          wantRows: batch.mode === 'request',
          // Never this node's clock: every replica must stop at the same step (step-budget.ts).
          timeoutMs: 0,
          stepBudget: batch.stepBudget ?? stepBudgetFor(batch.timeoutMs),
          timeoutMessage: 'execute timeout',
          readOnlyOnly: false,
        })
        results.push(result)
        if (result.kind === 'error') this.#recorder?.statementFailed(mark)
        if (result.kind === 'error' && batch.transaction) break
      }
      completed = true
    } finally {
      this.#vfs.unpin()
      // A transaction left open (failed batch, or a client's own BEGIN) must not leak into the
      // next batch: each batch is atomic on its own.
      if (rw.inTransaction) {
        const failed = results.some((r) => r.kind === 'error')
        if (hold) {
          // A single statement that failed may have kept rows (OR FAIL, RAISE(FAIL)), which
          // autocommit would commit: held too. A transaction batch that failed is undone whole.
          if (completed && this.#vfs.ioFailures === ioFailuresBefore && !(batch.transaction && failed)) open = true
          else rw.exec('ROLLBACK')
        } else if (batch.transaction && !failed) this.#commitOrUndo(results)
        else rw.exec('ROLLBACK')
      }
      const recorded = this.#recorder?.take() ?? []
      changes?.push(...recorded)
    }
    // A committed write that failed on this node's disk is no statement error: the other
    // replicas may have applied it. Answering "failed" and running on would diverge; throwing
    // stops the node (the driver fails stop), and a restart applies the entry again.
    if (this.#vfs.ioFailures !== ioFailuresBefore) throw new LocalApplyError(this.#vfs.lastError) // nothing held then
    if (!open) this.#maybeCheckpoint()
    return { results, open }
  }

  /**
   * Commits the batch's transaction. A COMMIT that SQLite refuses (deferred foreign keys still
   * violated) leaves the transaction open: it is rolled back, and the refusal becomes the last
   * statement's error, as when a statement of the transaction fails. Left open, it would swallow
   * every later write until some ROLLBACK undid them all.
   */
  #commitOrUndo(results: StatementResult[]): void {
    const rw = this.#rw
    try {
      rw.exec('COMMIT')
    } catch (e) {
      if (rw.inTransaction) rw.exec('ROLLBACK')
      const error = e instanceof Error ? e.message : String(e)
      if (results.length > 0) results[results.length - 1] = { kind: 'error', error }
      else throw e
    }
  }

  /** Runs read-only statements on the read-only connection. */
  query(statements: BoundStatement[], options: QueryOptions = {}): StatementResult[] {
    this.#assertOpen()
    return readQuery(this.#sqlite3, this.#clock, this.#ro, statements, options)
  }

  /**
   * Why raftlite refuses `sql` (e.g. `disallowed pragma`), judged by compiling it under the
   * statement policy without running it; null if it does not. A request is refused as a whole
   * before anything runs, as rqlite does; the same policy still guards each statement as it runs.
   */
  refusal(sql: string): string | null {
    this.#assertOpen()
    return this.#ro.refusal(sql)
  }

  /** Whether every statement leaves the database unchanged; unparsable SQL counts as a write. */
  isReadOnly(sql: string): boolean {
    try {
      return this.#ro.isReadOnly(sql)
    } catch {
      return false
    }
  }

  /**
   * Moves the WAL into the database file and starts it over; returns false if readers blocked it.
   * The WAL file keeps its length and is written over from its start (`RESTART`, not
   * `TRUNCATE`): shortening it freed every block it had grown by, 13–25 ms for the 35 MB a second
   * of key/value upserts writes, and applies waited meanwhile (docs/write-path.md).
   */
  checkpoint(): boolean {
    this.#assertOpen()
    const busy = this.#rw.scalar('PRAGMA wal_checkpoint(RESTART)') === 1n
    primeWal(this.#rw)
    return !busy
  }

  /**
   * Bytes of the WAL in use: up to its last frame since it was started over, not the file's
   * length (see `checkpoint`). With the connections closed, the size when they closed, or what
   * the thread that owns the file since reported.
   */
  walSize(): number {
    if (!this.#closed && !this.#suspended) return this.#vfs.walBytes(this.path) ?? this.#fileSize(`${this.path}-wal`)
    return this.#lastWalSize ?? this.#fileSize(`${this.path}-wal`)
  }

  /** The WAL's size in use as the thread that owns the file reports it (`walSize`). */
  reportWalSize(bytes: number): void {
    this.#lastWalSize = bytes
  }

  fileSize(): number {
    return this.#fileSize(this.path)
  }


  pragmas(): { rw: Record<string, string>; ro: Record<string, string> } {
    if (this.#closed || this.#suspended) return this.#lastPragmas ?? { rw: {}, ro: {} }
    const read = (c: Connection) =>
      Object.fromEntries(
        ['busy_timeout', 'foreign_keys', 'journal_mode', 'synchronous', 'wal_autocheckpoint'].map((p) => [
          p,
          String(c.scalar(`PRAGMA ${p}`)),
        ]),
      )
    return { rw: read(this.#rw), ro: read(this.#ro) }
  }

  close(): void {
    if (this.#closed) return
    if (!this.#suspended) {
      this.#lastPragmas = this.pragmas()
      // Closing checkpoints and removes the WAL unless told not to.
      if (this.#options.checkpointOnClose === false) this.#lastWalSize = this.walSize()
    }
    this.abandonImages('the database is closing')
    this.#closed = true
    if (this.#suspended) return
    this.#ro.close()
    if (this.#synchronous === 'off') this.#rw.exec('PRAGMA synchronous=FULL')
    this.#rw.close()
  }

  #maybeCheckpoint(): void {
    if (this.#checkpointWalBytes > 0 && this.walSize() > this.#checkpointWalBytes) this.checkpoint()
  }

  #fileSize(path: string): number {
    if (!this.#files.exists(path)) return 0
    const h = this.#files.open(path, { create: false, readOnly: true })
    try {
      return h.size()
    } finally {
      h.close()
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('database is closed')
    if (this.#suspended) throw new Error('database connections are closed while its file is replaced')
  }
}
