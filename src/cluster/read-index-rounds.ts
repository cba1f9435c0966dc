/**
 * Linearizable reads share ReadIndex rounds, as etcd's server batches them: at most one round
 * (a quorum of heartbeat acknowledgements) is in flight; reads that arrive meanwhile wait
 * together and share the next one. A read never joins the round in flight: that round's
 * heartbeats left before the read arrived, so their acknowledgements do not prove this node
 * still led after it. Under load a round costs the cluster a few messages per batch of reads
 * instead of per read; a lone read starts its round at once, as before.
 */
import type { Timers } from '../ports/timers.ts'
import { StoreError } from '../node/store-error.ts'

interface Reader {
  timeoutMs: number
  resolve(index: number): void
  reject(error: Error): void
  cancel(): void
}

/** Starts one ReadIndex round; it settles with the read index, or fails, within `timeoutMs`. */
export type StartRound = (timeoutMs: number, resolve: (index: number) => void, reject: (error: Error) => void) => void

export class ReadIndexRounds {
  #inFlight = false
  /** Reads waiting for the next round. */
  #waiting: Reader[] = []
  /** Rounds started so far (the driver reports it; tests count them). */
  rounds = 0

  constructor(
    private readonly timers: Timers,
    private readonly startRound: StartRound,
  ) {}

  /** Resolves with a read index confirmed by a round that started after this call. */
  read(timeoutMs: number): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const reader: Reader = { timeoutMs, resolve, reject, cancel: () => {} }
      // A read left waiting (its round lost, say) fails on its own deadline.
      reader.cancel = this.timers.setTimeout(() => {
        this.#waiting = this.#waiting.filter((r) => r !== reader)
        reader.resolve = () => {}
        reader.reject = () => {}
        reject(new StoreError('timeout waiting for linearizable read'))
      }, timeoutMs)
      this.#waiting.push(reader)
      if (!this.#inFlight) this.#start()
    })
  }

  #start(): void {
    const readers = this.#waiting
    this.#waiting = []
    this.#inFlight = true
    this.rounds++
    let settled = false
    const settle = (each: (r: Reader) => void) => {
      if (settled) return
      settled = true
      this.#inFlight = false
      for (const r of readers) {
        r.cancel()
        each(r)
      }
      if (this.#waiting.length > 0) this.#start()
    }
    const timeoutMs = Math.max(...readers.map((r) => r.timeoutMs))
    try {
      this.startRound(timeoutMs, (index) => settle((r) => r.resolve(index)), (error) => settle((r) => r.reject(error)))
    } catch (e) {
      // A round that could not start fails its reads, not every read after them.
      settle((r) => r.reject(e instanceof Error ? e : new Error(String(e))))
    }
  }
}
