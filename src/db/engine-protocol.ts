/**
 * The engine over a message channel (a worker): a method name and its arguments go one way,
 * the result (or the error's name and message) comes back. Generic on purpose: exposing another
 * `Engine` method (backup, CDC) is one name in `ENGINE_METHODS`, nothing here.
 *
 * Values cross by structured clone (bigint, Uint8Array, plain objects); results' byte arrays
 * are transferred, not copied. Reads that arrive while two are in flight wait and then cross
 * together, in one message (`queryEach`): under load, one hop serves many reads.
 */
import { ENGINE_METHODS, type Engine, type EngineApplied, type EngineApply, type EngineCommand, type EngineImage, type EngineMethod, type EngineQuery, type EngineQueryOutcome, type HeldEntry } from './engine.ts'
import type { WriteBatch } from './write-batch.ts'
import { ImageAbandonedError } from './database-image.ts'
import { InvalidDatabaseError } from './database-restore.ts'
import { ResultTooLargeError } from '../sqlite/result-cap.ts'
import type { RowChange } from './row-changes.ts'
import type { ByteRange } from '../storage/write-tracking-file-port.ts'
import type { QueryOptions } from './database.ts'
import type { BoundStatement } from '../sqlite/connection.ts'
import { compilesWithoutRefusal } from '../sqlite/statement-policy.ts'
import type { StatementResult } from './statement-result.ts'

/** Either end of a worker's message channel, as a runtime adapter presents it. */
export interface EngineChannel {
  send(message: unknown, transfer?: ArrayBuffer[]): void
  onMessage(handler: (message: unknown) => void): void
  /** The other end failed or exited (a worker crash): every pending call fails with it. */
  onFailure?(handler: (error: Error) => void): void
  terminate?(): Promise<void>
}

interface Request {
  id: number
  method: EngineMethod
  args: unknown[]
}

type Response = { id: number; ok: true; value: unknown } | { id: number; ok: false; name: string; message: string }

/**
 * Read messages in flight at most; later reads wait and go as one. Two, not one: the worker
 * then has the next read while the answer to the last one crosses back, so it never idles.
 */
const READ_MESSAGES_IN_FLIGHT = 2

interface WaitingRead extends EngineQuery {
  resolve(results: StatementResult[]): void
  reject(error: Error): void
}

/** The worker's side: answers calls from `channel` with `engine`, one at a time, in order. */
export function serveEngine(engine: Engine, channel: EngineChannel): void {
  const methods = new Set<string>(ENGINE_METHODS)
  let queue: Promise<void> = Promise.resolve()
  channel.onMessage((message) => {
    queue = queue.then(async () => {
      const request = message as Partial<Request>
      const id = typeof request?.id === 'number' ? request.id : -1
      try {
        if (typeof request?.method !== 'string' || !methods.has(request.method) || !Array.isArray(request.args)) {
          throw new TypeError(`not an engine call: ${JSON.stringify(request?.method)}`)
        }
        const call = engine[request.method as EngineMethod] as (...args: unknown[]) => Promise<unknown>
        const value = await call.apply(engine, request.args)
        channel.send({ id, ok: true, value } satisfies Response, transferables(value))
      } catch (e) {
        const error = e instanceof Error ? e : new Error(String(e))
        channel.send({ id, ok: false, name: error.name, message: error.message } satisfies Response)
      }
    })
  })
}

/** The node's side: an `Engine` whose every call is a message to the worker. */
export class RemoteEngine implements Engine {
  readonly #channel: EngineChannel
  readonly #pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>()
  #nextId = 1
  #failed: Error | null = null
  #readMessagesInFlight = 0
  #waitingReads: WaitingRead[] = []
  /** A send of the waiting reads is queued for the end of this burst of microtasks. */
  #readsQueued = false

  constructor(channel: EngineChannel) {
    this.#channel = channel
    channel.onMessage((message) => this.#settle(message as Response))
    channel.onFailure?.((error) => {
      this.#failed = error
      for (const p of this.#pending.values()) p.reject(error)
      this.#pending.clear()
    })
  }

  /** No call is in flight or waiting: whatever this side reads now follows everything asked before. */
  get idle(): boolean {
    return this.#pending.size === 0 && this.#waitingReads.length === 0
  }

  applyBatches(batches: EngineApply[]): Promise<EngineApplied[]> {
    return this.#call('applyBatches', [batches])
  }
  query(statements: BoundStatement[], options?: QueryOptions): Promise<StatementResult[]> {
    return new Promise((resolve, reject) => {
      this.#waitingReads.push({ statements, options, resolve, reject })
      // Reads asked in the same burst (a ReadIndex round releases its reads together) go in
      // one message: the send waits for the microtasks queued so far.
      if (this.#readMessagesInFlight < READ_MESSAGES_IN_FLIGHT && !this.#readsQueued) {
        this.#readsQueued = true
        queueMicrotask(() => {
          this.#readsQueued = false
          if (this.#readMessagesInFlight < READ_MESSAGES_IN_FLIGHT) this.#sendReads()
        })
      }
    })
  }
  queryEach(queries: EngineQuery[]): Promise<EngineQueryOutcome[]> {
    return this.#call('queryEach', [queries])
  }
  refusal(sql: string): Promise<string | null> {
    // Most SQL can be cleared from its text here, without a hop (Connection.refusal's shortcut).
    if (compilesWithoutRefusal(sql)) return Promise.resolve(null)
    return this.#call('refusal', [sql])
  }
  isReadOnly(sql: string): Promise<boolean> {
    return this.#call('isReadOnly', [sql])
  }
  checkpoint(): Promise<boolean> {
    return this.#call('checkpoint', [])
  }
  takeWritten(): Promise<ByteRange[] | null> {
    return this.#call('takeWritten', [])
  }
  sizes(): Promise<{ file: number; wal: number }> {
    return this.#call('sizes', [])
  }
  pragmas(): Promise<{ rw: Record<string, string>; ro: Record<string, string> }> {
    return this.#call('pragmas', [])
  }
  sqliteVersion(): Promise<string> {
    return this.#call('sqliteVersion', [])
  }
  closeConnections(): Promise<void> {
    return this.#call('closeConnections', [])
  }
  reopen(): Promise<void> {
    return this.#call('reopen', [])
  }
  async close(): Promise<void> {
    try {
      await this.#call('close', [])
    } finally {
      await this.#channel.terminate?.()
    }
  }

  openImage(): Promise<EngineImage> {
    return this.#call('openImage', [])
  }
  readImage(id: number, first: number, count: number): Promise<Uint8Array> {
    return this.#call('readImage', [id, first, count])
  }
  readImageSql(id: number, tables: readonly string[], chars: number): Promise<string | null> {
    return this.#call('readImageSql', [id, tables, chars])
  }
  closeImage(id: number): Promise<void> {
    return this.#call('closeImage', [id])
  }
  abandonImages(reason: string): Promise<void> {
    return this.#call('abandonImages', [reason])
  }
  checkLoadable(path: string): Promise<void> {
    return this.#call('checkLoadable', [path])
  }
  vacuumInto(path: string): Promise<void> {
    return this.#call('vacuumInto', [path])
  }
  applyCommand(command: EngineCommand): Promise<{ result: unknown; changes?: RowChange[] }> {
    return this.#call('applyCommand', [command])
  }
  holdApply(entry: HeldEntry, batch: WriteBatch): Promise<StatementResult[]> {
    return this.#call('holdApply', [entry, batch])
  }
  commitHeld(entry: HeldEntry, batch: WriteBatch): Promise<boolean> {
    return this.#call('commitHeld', [entry, batch])
  }
  rollbackHeld(): Promise<void> {
    return this.#call('rollbackHeld', [])
  }

  /** The waiting reads, in one message; each settles with its own outcome. */
  #sendReads(): void {
    const reads = this.#waitingReads
    if (reads.length === 0) return
    this.#waitingReads = []
    this.#readMessagesInFlight++
    const sent = this.#send<EngineQueryOutcome[]>('queryEach', [reads.map(({ statements, options }) => ({ statements, options }))])
    sent.then(
      (outcomes) => reads.forEach((read, i) => {
        const outcome = outcomes[i]
        if (outcome?.ok) read.resolve(outcome.results)
        else read.reject(outcome ? rebuiltError(outcome.name, outcome.message) : new Error('the engine lost a read'))
      }),
      (error: Error) => reads.forEach((read) => read.reject(error)),
    ).finally(() => {
      this.#readMessagesInFlight--
      this.#sendReads()
    })
  }

  #call<T>(method: EngineMethod, args: unknown[]): Promise<T> {
    // Calls settle in call order: reads asked for before this call go before it.
    this.#sendReads()
    return this.#send(method, args)
  }

  #send<T>(method: EngineMethod, args: unknown[]): Promise<T> {
    if (this.#failed) return Promise.reject(this.#failed)
    const id = this.#nextId++
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject })
      this.#channel.send({ id, method, args } satisfies Request)
    })
  }

  #settle(response: Response): void {
    const pending = this.#pending.get(response?.id)
    if (!pending) return
    this.#pending.delete(response.id)
    if (response.ok) pending.resolve(response.value)
    else pending.reject(rebuiltError(response.name, response.message))
  }
}

/** The error the engine threw, of its class where callers tell classes apart (`instanceof`). */
function rebuiltError(name: string, message: string): Error {
  if (name === 'InvalidDatabaseError') return new InvalidDatabaseError(message)
  if (name === 'ResultTooLargeError') {
    const error = new ResultTooLargeError(0, 0)
    error.message = message // the worker's, with its limit and rows read
    return error
  }
  if (name === 'ImageAbandonedError') {
    const error = new ImageAbandonedError('')
    error.message = message // already says "database image abandoned: <reason>"
    return error
  }
  const error = new Error(message)
  error.name = name
  return error
}

/** The byte arrays in a result that own their whole buffer: moved to the caller, not copied. */
function transferables(value: unknown, out: ArrayBuffer[] = [], depth = 0): ArrayBuffer[] {
  if (depth > 8 || value === null || typeof value !== 'object') return out
  if (value instanceof Uint8Array) {
    if (value.byteOffset === 0 && value.byteLength === value.buffer.byteLength && value.buffer instanceof ArrayBuffer && !out.includes(value.buffer)) out.push(value.buffer)
    return out
  }
  for (const v of Array.isArray(value) ? value : Object.values(value)) transferables(v, out, depth + 1)
  return out
}
