/**
 * Queued writes (`/db/execute?queue`): requests are acknowledged at once with a sequence number
 * and flushed in batches — when `batchSize` statements are pending or `timeoutMs` after the
 * first one arrived. Trade-off, as in rqlite: a crash loses what was acknowledged but not yet
 * flushed.
 *
 * A failed flush may still have been written (a proposal that timed out can commit later), so
 * it is retried with the same batch id, which every replica applies once (applied-queue.ts).
 * Batches go one at a time, in sequence order: what the dedup relies on.
 */
import type { BoundStatement } from '../sqlite/connection.ts'
import type { QueueId } from '../db/write-batch.ts'
import type { Timers } from '../ports/timers.ts'
import { StoreError } from './store-error.ts'

/** Writes given up on (at shutdown): `unknown` if an attempt may have been applied. */
export interface LostWrites {
  sequences: bigint[]
  outcome: 'unknown' | 'not written'
}

export interface WriteQueueOptions {
  capacity: number
  batchSize: number
  timeoutMs: number
  timers: Timers
  /** Names this queue in batch ids: the node and its start, so ids never repeat across restarts. */
  origin: string
  /** Writes one batch; rejects to have it retried with the same id. */
  flush(statements: BoundStatement[], id: QueueId): Promise<void>
  /** Whether a flush error proves nothing was proposed (so a give-up loses it for certain). */
  provesNotWritten?(error: unknown): boolean
  onError(error: unknown): void
  onLost(lost: LostWrites): void
  /** First sequence number (rqlite starts at the node's start time in nanoseconds). */
  firstSequence: bigint
  retryDelayMs?: number
  /** How long `enqueue` waits for room in a full queue. */
  enqueueTimeoutMs: number
}

interface Pending {
  sequence: bigint
  statements: BoundStatement[]
  settle: (error?: Error) => void
}

interface Batch {
  items: Pending[]
  /** Whether some attempt may have reached the log: one failed for a reason that does not
   * prove otherwise, or one is still running. */
  maybeWritten: boolean
  attempting: boolean
  settled: boolean
}

export class WriteQueue {
  readonly #options: WriteQueueOptions
  #pending: Pending[] = []
  #pendingStatements = 0
  #nextSequence: bigint
  #lastFlushed = 0n
  #cancelTimer: (() => void) | null = null
  #flushing: Promise<void> | null = null
  #inFlight: Batch | null = null
  #closed = false
  readonly #roomWaiters = new Set<() => void>()
  /** Ends the retry pause at once (on close). */
  #wakeRetry: (() => void) | null = null

  constructor(options: WriteQueueOptions) {
    this.#options = options
    this.#nextSequence = options.firstSequence
  }

  /** The sequence number of the newest request that was written. */
  get lastFlushedSequence(): bigint {
    return this.#lastFlushed
  }

  get depth(): number {
    return this.#pendingStatements
  }

  /**
   * Queues statements; resolves with the request's sequence number and a promise that settles
   * when they are written (rejecting if they were given up on). Waits for room when the queue
   * is at capacity, for at most `enqueueTimeoutMs`.
   */
  async enqueue(statements: BoundStatement[]): Promise<{ sequence: bigint; flushed: Promise<void> }> {
    if (this.#pendingStatements >= this.#options.capacity && !this.#closed) await this.#waitForRoom()
    if (this.#closed) throw new StoreError('write queue is closed')
    const sequence = this.#nextSequence++
    let settle!: (error?: Error) => void
    const flushed = new Promise<void>((resolve, reject) => (settle = (error) => (error ? reject(error) : resolve())))
    flushed.catch(() => {}) // nobody need listen; whoever does still sees the rejection
    this.#pending.push({ sequence, statements, settle })
    this.#pendingStatements += statements.length
    if (this.#pendingStatements >= this.#options.batchSize) this.#startFlush()
    else this.#cancelTimer ??= this.#options.timers.setTimeout(() => this.#startFlush(), this.#options.timeoutMs)
    return { sequence, flushed }
  }

  /**
   * Flushes everything pending, for at most `timeoutMs` (used at shutdown); then closes the
   * queue, giving up on what is left: reported through `onLost` and rejected.
   */
  async drain(timeoutMs: number): Promise<void> {
    let expired = false
    let cancel = () => {}
    const deadline = new Promise<void>((resolve) => {
      cancel = this.#options.timers.setTimeout(() => {
        expired = true
        resolve()
      }, timeoutMs)
    })
    try {
      while (!expired && !this.#closed && (this.#pending.length > 0 || this.#flushing)) {
        this.#startFlush()
        await Promise.race([this.#flushing, deadline])
      }
    } finally {
      cancel()
      this.close()
    }
  }

  /** Stops accepting and retrying; pending and in-flight writes are given up on and reported. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#cancelTimer?.()
    this.#cancelTimer = null
    for (const wake of this.#roomWaiters) wake()
    this.#wakeRetry?.()
    if (this.#inFlight) this.#giveUp(this.#inFlight)
    const left = this.#pending
    this.#pending = []
    this.#pendingStatements = 0
    if (left.length > 0) this.#giveUp({ items: left, maybeWritten: false, attempting: false, settled: false })
  }

  async #waitForRoom(): Promise<void> {
    let timedOut = false
    await new Promise<void>((resolve) => {
      const done = () => {
        cancel()
        this.#roomWaiters.delete(done)
        resolve()
      }
      const cancel = this.#options.timers.setTimeout(() => {
        timedOut = true
        done()
      }, this.#options.enqueueTimeoutMs)
      this.#roomWaiters.add(done)
    })
    if (timedOut && !this.#closed) throw new StoreError(`write queue is full (waited ${this.#options.enqueueTimeoutMs} ms for room)`)
  }

  #startFlush(): void {
    this.#cancelTimer?.()
    this.#cancelTimer = null
    if (this.#flushing || this.#closed || this.#pending.length === 0) return
    const batch: Batch = { items: this.#pending, maybeWritten: false, attempting: false, settled: false }
    this.#pending = []
    this.#pendingStatements = 0
    for (const wake of [...this.#roomWaiters]) wake()
    this.#inFlight = batch
    this.#flushing = this.#write(batch).finally(() => {
      this.#flushing = null
      this.#inFlight = null
      if (this.#pending.length > 0 && !this.#closed) {
        if (this.#pendingStatements >= this.#options.batchSize) this.#startFlush()
        else this.#cancelTimer ??= this.#options.timers.setTimeout(() => this.#startFlush(), this.#options.timeoutMs)
      }
    })
  }

  async #write(batch: Batch): Promise<void> {
    const statements = batch.items.flatMap((p) => p.statements)
    const id: QueueId = { origin: this.#options.origin, sequence: batch.items[batch.items.length - 1].sequence }
    while (!batch.settled) {
      batch.attempting = true
      try {
        await this.#options.flush(statements, id)
        batch.attempting = false
        if (batch.settled) return // given up on meanwhile: already reported as of unknown outcome
        batch.settled = true
        this.#lastFlushed = id.sequence
        for (const p of batch.items) p.settle()
        return
      } catch (e) {
        batch.attempting = false
        if (!this.#options.provesNotWritten?.(e)) batch.maybeWritten = true
        if (batch.settled) return
        this.#options.onError(e)
        if (this.#closed) return
        await new Promise<void>((resolve) => {
          const cancel = this.#options.timers.setTimeout(() => resolve(), this.#options.retryDelayMs ?? 1000)
          this.#wakeRetry = () => {
            cancel()
            resolve()
          }
        })
        this.#wakeRetry = null
      }
    }
  }

  #giveUp(batch: Batch): void {
    if (batch.settled) return
    batch.settled = true
    const outcome = batch.maybeWritten || batch.attempting ? 'unknown' : 'not written'
    const sequences = batch.items.map((p) => p.sequence)
    this.#options.onLost({ sequences, outcome })
    const error = new StoreError(
      outcome === 'unknown' ? 'queued write dropped at shutdown: outcome unknown' : 'queued write dropped at shutdown: not written',
    )
    for (const p of batch.items) p.settle(error)
  }
}
