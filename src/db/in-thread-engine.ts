/**
 * The engine in the caller's thread: `Database` itself, behind the engine port. Used where a
 * runtime has no threads (Workers, Durable Objects), by tests on memory files, and inside the
 * worker of a worker-backed engine. A long statement here blocks the thread it runs on.
 */
import { decodeLoadCommit, LOAD_CHUNK_COMMAND, LOAD_COMMIT_COMMAND, loadChunkHandler } from '../cluster/load-commands.ts'
import type { Database } from './database.ts'
import type { DatabaseImage } from './database-image.ts'
import type { Engine, EngineApplied, EngineApply, EngineCommand, EngineImage, EngineQuery, EngineQueryOutcome, HeldEntry } from './engine.ts'
import type { StatementResult } from './statement-result.ts'
import type { WriteBatch } from './write-batch.ts'
import type { RowChange } from './row-changes.ts'
import type { ByteRange, WriteTrackingFilePort } from '../storage/write-tracking-file-port.ts'

interface OpenImage {
  image: DatabaseImage
  sql?: { tables: string; pieces: Generator<string> }
}

export class InThreadEngine implements Engine {
  #recording: boolean | null = null
  readonly #images = new Map<number, OpenImage>()
  #nextImage = 1
  /** The entry whose apply is held before its commit (`open`: a transaction waits for it). */
  #held: { entry: HeldEntry; open: boolean; results: StatementResult[] } | null = null
  /** The last hold undone before its commit, and what it answered: applied anew, it must agree. */
  #undone: { entry: HeldEntry; results: StatementResult[] } | null = null

  constructor(
    readonly database: Database,
    /** The port the database writes its file through, in a worker: it reports what was written. */
    private readonly writes?: WriteTrackingFilePort,
  ) {}

  async applyBatches(batches: EngineApply[]): Promise<EngineApplied[]> {
    this.#undoHeld()
    const db = this.database
    const recordChanges = batches.some((b) => b.recordChanges)
    db.recordRowChanges(recordChanges)
    return batches.map(({ batch, recordChanges }) => {
      const changes: RowChange[] | undefined = recordChanges ? [] : undefined
      const results = db.applyBatch(batch, changes)
      return changes ? { results, changes } : { results }
    })
  }

  async query(...args: Parameters<Database['query']>): Promise<ReturnType<Database['query']>> {
    return this.database.query(...args)
  }

  async queryEach(queries: EngineQuery[]): Promise<EngineQueryOutcome[]> {
    return queries.map(({ statements, options }): EngineQueryOutcome => {
      try {
        return { ok: true, results: this.database.query(statements, options) }
      } catch (e) {
        const error = e instanceof Error ? e : new Error(String(e))
        return { ok: false, name: error.name, message: error.message }
      }
    })
  }

  async refusal(sql: string): Promise<string | null> {
    return this.database.refusal(sql)
  }

  async isReadOnly(sql: string): Promise<boolean> {
    return this.database.isReadOnly(sql)
  }

  async checkpoint(): Promise<boolean> {
    this.#undoHeld()
    return this.database.checkpoint()
  }

  async takeWritten(): Promise<ByteRange[] | null> {
    return this.writes?.takeWritten() ?? null
  }

  async sizes(): Promise<{ file: number; wal: number }> {
    return { file: this.database.fileSize(), wal: this.database.walSize() }
  }

  async pragmas(): Promise<ReturnType<Database['pragmas']>> {
    return this.database.pragmas()
  }

  async sqliteVersion(): Promise<string> {
    return this.database.sqliteVersion
  }

  async closeConnections(): Promise<void> {
    this.#undoHeld()
    this.#recording = this.database.suspend()
  }

  async reopen(): Promise<void> {
    this.database.resume(this.#recording ?? false)
    this.#recording = null
    this.writes?.markInSync() // a new file: the node's copy of it is in sync (see SnapshotTaker.liveReplaced)
  }

  async close(): Promise<void> {
    this.#undoHeld()
    this.database.close()
  }

  async openImage(): Promise<EngineImage> {
    const image = this.database.openImage()
    const id = this.#nextImage++
    this.#images.set(id, { image })
    return { id, pageSize: image.pageSize, pageCount: image.pageCount }
  }

  async readImage(id: number, first: number, count: number): Promise<Uint8Array> {
    return this.#image(id).image.read(first, count)
  }

  async readImageSql(id: number, tables: readonly string[], chars: number): Promise<string | null> {
    const open = this.#image(id)
    const key = JSON.stringify(tables)
    if (open.sql && open.sql.tables !== key) throw new Error('an image dumps one set of tables')
    open.sql ??= { tables: key, pieces: open.image.sql(tables) }
    let text = ''
    while (text.length < chars) {
      const { done, value } = open.sql.pieces.next()
      if (done) return text === '' ? null : text
      text += value
    }
    return text
  }

  async closeImage(id: number): Promise<void> {
    this.#images.get(id)?.image.close()
    this.#images.delete(id)
  }

  async abandonImages(reason: string): Promise<void> {
    // The entries stay: reading one then says why it ended (ImageAbandonedError).
    this.database.abandonImages(reason)
  }

  async checkLoadable(path: string): Promise<void> {
    this.#undoHeld()
    await this.database.checkLoadable(path)
  }

  async vacuumInto(path: string): Promise<void> {
    this.#undoHeld()
    await this.database.vacuumInto(path)
  }

  /** raftlite's own commands that need the SQL connection (a load's chunks and commit). */
  async applyCommand({ name, timestampMs, seed, payload, recordChanges }: EngineCommand): Promise<{ result: unknown; changes?: RowChange[] }> {
    this.#undoHeld()
    const db = this.database
    db.recordRowChanges(recordChanges)
    if (name === LOAD_COMMIT_COMMAND) {
      db.applyStagedLoad(decodeLoadCommit(payload)) // replaces everything: no row change (as in the thread)
      return { result: undefined }
    }
    if (name !== LOAD_CHUNK_COMMAND) throw new Error(`no handler for command ${JSON.stringify(name)} in the engine`)
    const changes: RowChange[] | undefined = recordChanges ? [] : undefined
    const result = db.applyCommand(timestampMs, seed, (connection) => loadChunkHandler({ payload, connection }), changes)
    return changes ? { result, changes } : { result }
  }

  async holdApply(entry: HeldEntry, batch: WriteBatch): Promise<StatementResult[]> {
    this.#undoHeld()
    this.#undone = null
    const db = this.database
    db.recordRowChanges(false) // changes are taken at commit: a held apply records none
    const { results, open } = db.holdBatch(batch)
    this.#held = { entry, open, results }
    return results
  }

  async commitHeld(entry: HeldEntry, batch: WriteBatch): Promise<boolean> {
    const held = this.#held
    if (held && sameEntry(held.entry, entry)) {
      this.#held = null
      if (held.open) this.database.commitHeld()
      return true
    }
    // Undone meanwhile (or never held): the same batch on the same state, so the same outcome.
    // That outcome may have been answered already: if it is not the same, this node cannot go on.
    const undone = this.#undone && sameEntry(this.#undone.entry, entry) ? this.#undone : null
    this.#undone = null
    const [applied] = await this.applyBatches([{ batch, recordChanges: false }])
    if (undone && !sameOutcome(undone.results, applied.results)) {
      throw new Error(`entry ${entry.index} applied anew gave another outcome than the one held for it: stopping rather than diverge from the answer given`)
    }
    return false
  }

  async rollbackHeld(): Promise<void> {
    this.#undoHeld()
  }

  /** What is held must not be committed by, or block, another call's work. */
  #undoHeld(): void {
    const held = this.#held
    if (!held) return
    this.#held = null
    this.#undone = { entry: held.entry, results: held.results }
    this.database.rollbackHeld()
  }

  #image(id: number): OpenImage {
    const open = this.#images.get(id)
    if (!open) throw new Error(`database image ${id} is closed`)
    return open
  }
}

function sameEntry(a: HeldEntry, b: HeldEntry): boolean {
  return a.index === b.index && a.term === b.term
}

/** The same statement outcomes, timings aside. */
function sameOutcome(a: StatementResult[], b: StatementResult[]): boolean {
  const tagged = (_: string, v: unknown) => (typeof v === 'bigint' ? { bigint: `${v}` } : v instanceof Uint8Array ? { bytes: [...v] } : v)
  const text = (results: StatementResult[]) => JSON.stringify(results.map(({ time: _, ...rest }) => rest), tagged)
  return text(a) === text(b)
}
