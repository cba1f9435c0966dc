/**
 * What waits on the driver besides proposals: reads waiting for their read index (by context),
 * then for that index to be applied; waiters for a new leader to catch up (`weak` reads); and
 * waiters for an applied index. The Ready loop tells it what happened; it settles the waiters.
 */
import type { Timers } from '../ports/timers.ts'
import { NotLeaderError, StoreError } from '../node/store-error.ts'

interface Wait {
  index: number
  resolve(): void
  reject(error: Error): void
  cancel(): void
}

interface ReadStateWait {
  resolve(index: number): void
  reject(error: Error): void
  cancel(): void
}

export class ReadWaits {
  /** Reads whose read index the core has yet to give, by context. */
  readonly #readStates = new Map<string, ReadStateWait>()
  /** Reads whose read index is known, until it is applied. */
  #readWaits: Wait[] = []
  /** Waiters for the leader to apply an entry of its own term. */
  #termWaiters: Wait[] = []
  /** Waiters for an applied index, without a deadline. */
  readonly #appliedWaiters: { index: number; resolve(): void }[] = []

  constructor(private readonly timers: Timers) {}

  /** Waits for the read state of `context`; on timeout calls `timedOut` if given, else rejects. */
  awaitReadState(context: string, timeoutMs: number, resolve: (index: number) => void, reject: (error: Error) => void, timedOut?: () => void): void {
    const cancel = this.timers.setTimeout(() => {
      this.#readStates.delete(context)
      if (timedOut) timedOut()
      else reject(new StoreError('timeout waiting for linearizable read'))
    }, timeoutMs)
    this.#readStates.set(context, { resolve, reject, cancel })
  }

  /** The core gave the read index of `context` (ignored if nobody here waits for it). */
  readState(context: string, index: number): void {
    const read = this.#readStates.get(context)
    if (!read) return
    this.#readStates.delete(context)
    read.cancel()
    read.resolve(index)
  }

  /** Resolves once `applied()` reaches `index`; rejects on timeout (a linearizable read). */
  readApplied(index: number, applied: number, timeoutMs: number): Promise<void> {
    if (applied >= index) return Promise.resolve()
    return new Promise<void>((resolve, reject) => {
      const wait: Wait = { index, resolve, reject, cancel: () => {} }
      wait.cancel = this.timers.setTimeout(() => {
        this.#readWaits = this.#readWaits.filter((w) => w !== wait)
        reject(new StoreError('timeout waiting for linearizable read'))
      }, timeoutMs)
      this.#readWaits.push(wait)
    })
  }

  /** Resolves once `index` is applied, however long it takes. */
  applied(index: number, applied: number): Promise<void> {
    if (applied >= index) return Promise.resolve()
    return new Promise((resolve) => this.#appliedWaiters.push({ index, resolve }))
  }

  /** Resolves when `setApplied` next finds the leader caught up; rejects on timeout. */
  leaderCaughtUp(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const wait: Wait = { index: 0, resolve, reject, cancel: () => {} }
      wait.cancel = this.timers.setTimeout(() => {
        this.#termWaiters = this.#termWaiters.filter((w) => w !== wait)
        reject(new StoreError('timeout waiting for the new leader to apply an entry of its term'))
      }, timeoutMs)
      this.#termWaiters.push(wait)
    })
  }

  /** `index` is applied; `caughtUp`: this node leads and has applied an entry of its term. */
  setApplied(index: number, caughtUp: () => boolean): void {
    if (this.#readWaits.length > 0) {
      const ready = this.#readWaits.filter((w) => w.index <= index)
      this.#readWaits = this.#readWaits.filter((w) => w.index > index)
      for (const w of ready) {
        w.cancel()
        w.resolve()
      }
    }
    if (this.#termWaiters.length > 0 && caughtUp()) {
      const waiters = this.#termWaiters
      this.#termWaiters = []
      for (const w of waiters) {
        w.cancel()
        w.resolve()
      }
    }
    for (let i = this.#appliedWaiters.length - 1; i >= 0; i--) {
      if (this.#appliedWaiters[i].index <= index) this.#appliedWaiters.splice(i, 1)[0].resolve()
    }
  }

  /** Reads waiting on a read index from this leadership cannot be confirmed any more. */
  leadershipLost(): void {
    // Emptied first: a rejection may start a new read at once (the next ReadIndex round), whose
    // wait must survive this.
    const reads = [...this.#readStates.values(), ...this.#termWaiters]
    this.#readStates.clear()
    this.#termWaiters = []
    for (const r of reads) {
      r.cancel()
      r.reject(new NotLeaderError('leadership lost'))
    }
  }

  /** The driver stopped: every read fails with `error` (waiters for an applied index stay). */
  stop(error: Error): void {
    const waits = [...this.#readStates.values(), ...this.#readWaits, ...this.#termWaiters]
    this.#readStates.clear()
    this.#readWaits = []
    this.#termWaiters = []
    for (const w of waits) {
      w.cancel()
      w.reject(error)
    }
  }
}
