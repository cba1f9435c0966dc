/**
 * The engine in a worker, with short reads served on the event loop (docs/engine.md, "Reads on
 * the loop"): everything goes to the worker as before, except a read that
 *  - arrives while the worker has nothing in flight (so it follows every call asked before it,
 *    as calls to the engine must), and
 *  - whose SQL already ran within half of `LOOP_READ_MS` in the worker: its shape, literals aside
 *    (sql-shape.ts). A shape first runs there, where a read of unknown cost belongs: a single
 *    SQLite step can outlast any interrupt, as `SELECT count(*)` over a big table does.
 *  - and is the first read of this turn of the event loop: reads that arrive together (many
 *    clients) go to the worker in one message, so the loop parses requests while the worker
 *    reads, and both cores work.
 * Such a read runs on the loop's reader, interrupted at `LOOP_READ_MS`; one that overruns goes
 * to the worker, and its shape stays there.
 */
import type { BoundStatement } from '../sqlite/connection.ts'
import type { Engine, EngineApplied, EngineApply, EngineCommand, EngineImage, EngineQuery, EngineQueryOutcome, HeldEntry } from './engine.ts'
import type { RemoteEngine } from './engine-protocol.ts'
import { LOOP_READ_MS, type LoopReader } from './loop-reader.ts'
import type { QueryOptions } from './read-query.ts'
import type { RowChange } from './row-changes.ts'
import type { StatementResult } from './statement-result.ts'
import { sqlShape } from './sql-shape.ts'
import type { ByteRange } from '../storage/write-tracking-file-port.ts'
import type { WriteBatch } from './write-batch.ts'

/** SQL texts remembered as fit (true) or unfit (false) for the loop; the oldest are forgotten. */
const REMEMBERED_TEXTS = 2048
/** Past this, a read that did finish on the loop held it too long (a pause, or one long step). */
const OVERRUN_MS = 4 * LOOP_READ_MS

export class LoopReadEngine implements Engine {
  readonly #worker: RemoteEngine
  readonly #reader: LoopReader
  readonly #fits = new Map<string, boolean>()
  readonly #defer: (fn: () => void) => void
  /** A read ran on the loop in this turn (cleared once the turn's pending I/O has run). */
  #loopBusyThisTurn = false
  /** Reads served on the loop and in the worker, and reads the loop gave up or overran (their shape now stays in the worker): `/status` reports them. */
  readonly counts = { loop: 0, worker: 0, movedToWorker: 0 }

  /** `defer`: runs a function after this turn's pending I/O callbacks (`Timers.defer`). */
  constructor(worker: RemoteEngine, reader: LoopReader, defer: (fn: () => void) => void) {
    this.#worker = worker
    this.#reader = reader
    this.#defer = defer
  }

  query(statements: BoundStatement[], options: QueryOptions = {}): Promise<StatementResult[]> {
    const text = textOf(statements, options)
    if (!this.#loopBusyThisTurn && this.#reader.isOpen && this.#worker.idle && this.#fits.get(text) === true) {
      this.#loopBusyThisTurn = true
      this.#defer(() => (this.#loopBusyThisTurn = false))
      let results: StatementResult[] | null
      let ms: number
      try {
        ;({ results, ms } = this.#reader.query(statements, options))
      } catch (e) {
        return Promise.reject(e)
      }
      // A read the interrupt could not stop in time (one long step) goes to the worker next time.
      if (results && ms <= OVERRUN_MS) {
        this.counts.loop++
        return Promise.resolve(results)
      }
      this.#remember(text, false)
      this.counts.movedToWorker++
      if (results) {
        this.counts.loop++
        return Promise.resolve(results)
      }
    }
    this.counts.worker++
    return this.#worker.query(statements, options).then((results) => {
      // Unknown texts learn from the worker: once one runs well within the loop's budget there, it
      // may run on the loop (a first run, compiling cold, is often slower: it may try again).
      if (!this.#fits.has(text) && fitsTheLoop(results)) this.#remember(text, true)
      return results
    })
  }

  #remember(text: string, fits: boolean): void {
    this.#fits.delete(text)
    this.#fits.set(text, fits)
    if (this.#fits.size > REMEMBERED_TEXTS) this.#fits.delete(this.#fits.keys().next().value as string)
  }

  refusal(sql: string): Promise<string | null> {
    return this.#reader.isOpen ? Promise.resolve(this.#reader.refusal(sql)) : this.#worker.refusal(sql)
  }
  isReadOnly(sql: string): Promise<boolean> {
    const local = this.#reader.isReadOnly(sql)
    return local === null ? this.#worker.isReadOnly(sql) : Promise.resolve(local)
  }
  async closeConnections(): Promise<void> {
    this.#reader.suspend() // first: the worker's last close must find nobody reading
    await this.#worker.closeConnections()
  }
  async reopen(): Promise<void> {
    await this.#worker.reopen() // first: the worker recovers the index from the WAL
    this.#reader.resume()
  }
  async close(): Promise<void> {
    this.#reader.close()
    await this.#worker.close()
  }

  applyBatches(batches: EngineApply[]): Promise<EngineApplied[]> {
    return this.#worker.applyBatches(batches)
  }
  queryEach(queries: EngineQuery[]): Promise<EngineQueryOutcome[]> {
    return this.#worker.queryEach(queries)
  }
  checkpoint(): Promise<boolean> {
    return this.#worker.checkpoint()
  }
  takeWritten(): Promise<ByteRange[] | null> {
    return this.#worker.takeWritten()
  }
  sizes(): Promise<{ file: number; wal: number }> {
    return this.#worker.sizes()
  }
  pragmas(): Promise<{ rw: Record<string, string>; ro: Record<string, string> }> {
    return this.#worker.pragmas()
  }
  sqliteVersion(): Promise<string> {
    return this.#worker.sqliteVersion()
  }
  openImage(): Promise<EngineImage> {
    return this.#worker.openImage()
  }
  readImage(id: number, first: number, count: number): Promise<Uint8Array> {
    return this.#worker.readImage(id, first, count)
  }
  readImageSql(id: number, tables: readonly string[], chars: number): Promise<string | null> {
    return this.#worker.readImageSql(id, tables, chars)
  }
  closeImage(id: number): Promise<void> {
    return this.#worker.closeImage(id)
  }
  abandonImages(reason: string): Promise<void> {
    return this.#worker.abandonImages(reason)
  }
  checkLoadable(path: string): Promise<void> {
    return this.#worker.checkLoadable(path)
  }
  vacuumInto(path: string): Promise<void> {
    return this.#worker.vacuumInto(path)
  }
  applyCommand(command: EngineCommand): Promise<{ result: unknown; changes?: RowChange[] }> {
    return this.#worker.applyCommand(command)
  }
  // What is held is not committed, so reads on the loop (committed state only) may go on.
  holdApply(entry: HeldEntry, batch: WriteBatch): Promise<StatementResult[]> {
    return this.#worker.holdApply(entry, batch)
  }
  commitHeld(entry: HeldEntry, batch: WriteBatch): Promise<boolean> {
    return this.#worker.commitHeld(entry, batch)
  }
  rollbackHeld(): Promise<void> {
    return this.#worker.rollbackHeld()
  }
}

/** What a read is known by: the shapes of its statements (literals as `?`, sql-shape.ts). */
function textOf(statements: BoundStatement[], options: QueryOptions): string {
  let text = options.transaction ? 'T' : 'S'
  for (const s of statements) text += `\u0000${sqlShape(s.sql)}`
  return text
}

/** Whether a read that ran in the worker would have fit the loop: well within its time, no timeout. */
function fitsTheLoop(results: StatementResult[]): boolean {
  let seconds = 0
  for (const r of results) {
    if (r.kind === 'error' && r.error === 'query timeout') return false
    seconds += r.time ?? 0
  }
  return seconds * 1000 <= LOOP_READ_MS / 2
}
