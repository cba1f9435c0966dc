/**
 * Queued writes (`/db/execute?queue`): requests are acknowledged at once with a sequence number
 * and flushed in batches — when `batchSize` statements are pending or `timeoutMs` after the
 * first one arrived. A failed flush is retried every second. Trade-off, as in rqlite: a crash
 * loses what was acknowledged but not yet flushed.
 */
import type { BoundStatement } from '../sqlite/connection.ts'
import type { Timers } from '../ports/timers.ts'

export interface WriteQueueOptions {
  capacity: number
  batchSize: number
  timeoutMs: number
  timers: Timers
  /** Writes one flushed batch; rejects to have it retried. */
  flush(statements: BoundStatement[]): Promise<void>
  onError(error: unknown): void
  /** First sequence number (rqlite starts at the node's start time in nanoseconds). */
  firstSequence: bigint
}

interface Pending {
  sequence: bigint
  statements: BoundStatement[]
  flushed: () => void
}

export class WriteQueue {
  readonly #options: WriteQueueOptions
  #pending: Pending[] = []
  #pendingStatements = 0
  #nextSequence: bigint
  #lastFlushed = 0n
  #cancelTimer: (() => void) | null = null
  #flushing: Promise<void> | null = null
  #closed = false
  readonly #roomWaiters: (() => void)[] = []

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
   * when they are written. Waits for room when the queue is at capacity.
   */
  async enqueue(statements: BoundStatement[]): Promise<{ sequence: bigint; flushed: Promise<void> }> {
    if (this.#closed) throw new Error('write queue is closed')
    while (this.#pendingStatements >= this.#options.capacity) {
      await new Promise<void>((resolve) => this.#roomWaiters.push(resolve))
    }
    const sequence = this.#nextSequence++
    let flushed!: () => void
    const done = new Promise<void>((resolve) => (flushed = resolve))
    this.#pending.push({ sequence, statements, flushed })
    this.#pendingStatements += statements.length
    if (this.#pendingStatements >= this.#options.batchSize) this.#startFlush()
    else this.#cancelTimer ??= this.#options.timers.setTimeout(() => this.#startFlush(), this.#options.timeoutMs)
    return { sequence, flushed: done }
  }

  /** Flushes everything pending and waits for it (used at shutdown). */
  async drain(): Promise<void> {
    while (this.#pending.length > 0 || this.#flushing) {
      this.#startFlush()
      await this.#flushing
    }
  }

  close(): void {
    this.#closed = true
    this.#cancelTimer?.()
  }

  #startFlush(): void {
    this.#cancelTimer?.()
    this.#cancelTimer = null
    if (this.#flushing || this.#pending.length === 0) return
    const batch = this.#pending
    this.#pending = []
    this.#pendingStatements = 0
    for (const wake of this.#roomWaiters.splice(0)) wake()
    this.#flushing = this.#write(batch).finally(() => {
      this.#flushing = null
      if (this.#pending.length > 0) {
        if (this.#pendingStatements >= this.#options.batchSize) this.#startFlush()
        else this.#cancelTimer ??= this.#options.timers.setTimeout(() => this.#startFlush(), this.#options.timeoutMs)
      }
    })
  }

  async #write(batch: Pending[]): Promise<void> {
    const statements = batch.flatMap((p) => p.statements)
    for (;;) {
      try {
        await this.#options.flush(statements)
        break
      } catch (e) {
        this.#options.onError(e)
        if (this.#closed) return
        await new Promise<void>((resolve) => this.#options.timers.setTimeout(resolve, 1000))
      }
    }
    this.#lastFlushed = batch[batch.length - 1].sequence
    for (const p of batch) p.flushed()
  }
}
