/**
 * Committed entries on their way into the state machine, in log order. A synchronous state
 * machine applies each entry at once; an asynchronous one (an engine in a worker) is awaited off
 * the Ready loop, so heartbeats, votes and appends go on during a long apply. Entries that
 * commit meanwhile queue behind it and go together, as one run (one hop for many entries).
 */
import type { ConfChange, Entry, Snapshot } from '../raft/types.ts'

/** Entries per run at most (one worker message each). */
const MAX_RUN = 256

export type ApplyOutcome = { ok: true; value: unknown } | { ok: false; error: Error }

/**
 * A state machine's answer known before its apply is done (a held apply, docs/engine.md): the
 * entry is settled with `value` at once, and later entries wait for `done`. If `done` fails, the
 * answer already given may be wrong on this node: the node stops (`ApplyHost.fatal`).
 */
export class AnsweredEarly {
  constructor(
    readonly value: unknown,
    readonly done: Promise<void>,
  ) {}
}

export interface StateMachine {
  /**
   * Applies a committed normal entry. `local` is true on the node that proposed it. A promise
   * (an engine off the thread) is awaited off the Ready loop: heartbeats, votes and appends go
   * on meanwhile, and later entries are applied after it, in log order.
   */
  apply(entry: Entry, local: boolean): unknown
  /**
   * Optional: applies a run of committed normal entries that queued up behind an asynchronous
   * apply, at once (one hop to a worker for many entries). Outcomes are per entry, in order.
   */
  applyRun?(entries: readonly { entry: Entry; local: boolean }[]): Promise<ApplyOutcome[]>
  /**
   * Optional: true when applies answer with promises (an engine in a worker). The committed
   * entries of a Ready then go to `applyRun` together rather than one first and the rest after.
   */
  readonly offThread?: boolean
  /** A committed membership change (the core already updated its own view). */
  applyConfChange(change: ConfChange, entry: Entry): void
  /** Replaces the state with a snapshot received from the leader (already persisted). */
  installSnapshot(snapshot: Snapshot): void | Promise<void>
  /**
   * Optional: the leader's own entry, just appended, is next to apply; the state machine may
   * start applying it while it becomes durable, holding its commit. `apply` then answers it
   * with `AnsweredEarly`. Nothing it does may be seen before the entry is applied.
   */
  holdApply?(entry: Entry): void
  /** Optional: the entry given to `holdApply` may never commit here; undo what was held. */
  dropHeld?(): void
  /** Optional: whether `entry` is the one given to `holdApply` (it is then applied on its own). */
  holds?(entry: Entry): boolean
}

/** What the queue needs of the driver that owns it. */
export interface ApplyHost {
  /** Whether this node proposed the entry, in its term (its proposer waits for the result). */
  isLocal(entry: Entry): boolean
  /** Hands one entry to the state machine: its result, or a promise of it. May throw. */
  applyEntry(entry: Entry, local: boolean): unknown
  /** Hands a run of normal entries over at once, where the state machine can. */
  applyRun?(run: readonly { entry: Entry; local: boolean }[]): Promise<ApplyOutcome[]>
  /** The state machine answers with promises (see `StateMachine.offThread`). */
  readonly offThread?: boolean
  /** See `StateMachine.holds`. */
  holds?(entry: Entry): boolean
  /** The entry is applied (or failed): record it and answer its proposer. */
  settle(entry: Entry, local: boolean, result: unknown, failure: Error | undefined): void
  onError(error: unknown): void
  /** An apply whose answer was given failed afterwards: this node can no longer be trusted. */
  fatal(error: unknown): void
  stopped(): boolean
}

export class ApplyQueue {
  readonly #host: ApplyHost
  /** The asynchronous applies in flight, in log order; null when none is. */
  #applying: Promise<void> | null = null
  /** Entries waiting behind the last apply in flight, applied as one run; null when none wait. */
  #backlog: Entry[] | null = null

  constructor(host: ApplyHost) {
    this.#host = host
  }

  /**
   * Applies `entries`, in order, after every entry pushed before them. A state machine off the
   * thread gets them as one run when nothing is in flight (one hop, not one for the first entry
   * and another for the rest).
   */
  pushAll(entries: readonly Entry[]): void {
    const host = this.#host
    // A held entry goes on its own, first: it is answered before its commit is done.
    if (entries.length >= 2 && host.offThread && !this.#applying && !host.holds?.(entries[0])) {
      this.#track(this.#applyRun(entries))
      return
    }
    for (const entry of entries) {
      if (host.stopped()) return
      this.push(entry)
    }
  }

  /** Applies `entry` after every entry pushed before it. */
  push(entry: Entry): void {
    if (this.#applying) {
      if (this.#backlog) {
        this.#backlog.push(entry)
        return
      }
      const run = [entry]
      this.#track(
        this.#applying.then(() => {
          if (this.#backlog === run) this.#backlog = null
          return this.#applyRun(run)
        }),
      )
      this.#backlog = run
      return
    }
    const async = this.#applyNow(entry)
    if (async) this.#track(async)
  }

  /**
   * Waits until every entry pushed so far is applied, and holds later ones until `release` is
   * called: what a snapshot of an engine in a worker captures is then exactly what was applied.
   */
  async hold(): Promise<() => void> {
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    const before = this.#applying
    this.#track((before ?? Promise.resolve()).then(() => gate))
    await before
    return release
  }

  /** Resolves once no asynchronous apply is in flight (at once with a synchronous state machine). */
  async idle(): Promise<void> {
    while (this.#applying) await this.#applying
  }

  #track(work: Promise<void>): void {
    this.#backlog = null // what comes later waits for this work (a hold's gate included)
    const tracked: Promise<void> = work.finally(() => {
      if (this.#applying === tracked) this.#applying = null
    })
    this.#applying = tracked
  }

  /** Applies queued entries in order: runs of normal entries at once where the state machine can. */
  async #applyRun(entries: readonly Entry[]): Promise<void> {
    const host = this.#host
    let i = 0
    while (i < entries.length && !host.stopped()) {
      let j = i
      while (j < entries.length && j - i < MAX_RUN && entries[j].type !== 'confChange' && entries[j].data.byteLength > 0) j++
      if (host.applyRun && j - i >= 2) {
        await this.#applyMany(entries.slice(i, j))
        i = j
        continue
      }
      const async = this.#applyNow(entries[i++])
      if (async) await async
    }
  }

  async #applyMany(run: readonly Entry[]): Promise<void> {
    const host = this.#host
    const local = run.map((entry) => host.isLocal(entry))
    let outcomes: ApplyOutcome[]
    try {
      outcomes = await host.applyRun!(run.map((entry, k) => ({ entry, local: local[k] })))
      if (outcomes.length !== run.length) throw new Error(`applyRun answered ${outcomes.length} outcomes for ${run.length} entries`)
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e))
      outcomes = run.map(() => ({ ok: false, error }))
    }
    for (const [k, entry] of run.entries()) {
      const outcome = outcomes[k]
      if (!outcome.ok) host.onError(outcome.error)
      host.settle(entry, local[k], outcome.ok ? outcome.value : undefined, outcome.ok ? undefined : outcome.error)
    }
  }

  /** Applies one entry; returns a promise only when the state machine answered with one. */
  #applyNow(entry: Entry): Promise<void> | undefined {
    const host = this.#host
    const local = host.isLocal(entry)
    let result: unknown
    let failure: Error | undefined
    try {
      result = host.applyEntry(entry, local)
    } catch (e) {
      failure = e instanceof Error ? e : new Error(String(e))
      host.onError(e)
    }
    if (result instanceof Promise) {
      return result.then(
        (value: unknown) => {
          if (!(value instanceof AnsweredEarly)) return host.settle(entry, local, value, undefined)
          host.settle(entry, local, value.value, undefined)
          return value.done.catch((e: unknown) => host.fatal(e))
        },
        (e: unknown) => {
          host.onError(e)
          host.settle(entry, local, undefined, e instanceof Error ? e : new Error(String(e)))
        },
      )
    }
    host.settle(entry, local, result, failure)
    return undefined
  }
}
