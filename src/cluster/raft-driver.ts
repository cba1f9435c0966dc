/**
 * Drives a RaftNode: ticks it, feeds it messages, and handles each Ready in the order the
 * persistence contract demands (docs/raft.md): persist and fsync, then send, then apply. Client
 * proposals wait here until their entry is applied; reads wait in `read-waits.ts` for their
 * read index, then for it to be applied.
 *
 * Processing is deferred to the end of the current event-loop turn, so proposals from
 * requests that arrived together share one Ready and one fsync (group commit). Where the log
 * can fsync without blocking (`syncAsync`), the thread keeps taking messages, proposals and
 * ticks while the disk works; the core collects them for the next Ready (it allows stepping
 * between `ready()` and `advance()`, as etcd's does), so the next fsync covers all of them.
 */
import type { Clock } from '../ports/clock.ts'
import type { Timers } from '../ports/timers.ts'
import type { Message } from '../raft/messages.ts'
import { RaftError } from '../raft/errors.ts'
import type { RaftNode } from '../raft/raft-node.ts'
import type { ConfChange, Entry, NodeId, SoftState } from '../raft/types.ts'
import { decodeConfChange } from '../raft/conf-change.ts'
import type { LogStore } from './log-store.ts'
import { LeaderNotFoundError, NotLeaderError, StoreError } from '../node/store-error.ts'
import { ReadWaits } from './read-waits.ts'
import { ReadIndexRounds } from './read-index-rounds.ts'
import { ApplyQueue, type StateMachine } from './apply-queue.ts'
import { startTicker } from './ticker.ts'

export type { ApplyOutcome, StateMachine } from './apply-queue.ts'

export interface Transport {
  /** Sends messages; delivery may fail silently (Raft retries). */
  send(messages: readonly Message[]): void
}

export interface DriverOptions {
  raft: RaftNode
  log: LogStore
  fsm: StateMachine
  transport: Transport
  timers: Timers
  clock: Clock
  tickMs: number
  /** Index the state machine has applied at start (its snapshot). */
  applied: number
  onSoftState?(state: SoftState): void
  onError?(error: unknown): void
  /**
   * Makes this process's ReadIndex contexts unique across the cluster and across restarts
   * (a random nonce per process); they are `<node id>:<nonce>:<counter>`.
   */
  readContextNonce?: string
  /** Persisting failed; the driver has stopped (a failed fsync cannot be retried safely). */
  onFatal?(error: unknown): void
  /** Each fsync of the log, with how long it took (metrics, stall warnings). */
  onFsync?(ms: number): void
}

interface Pending {
  term: number
  resolve(value: unknown): void
  reject(error: Error): void
  cancel(): void
}

/** The proposal's entry was replaced by a new leader's: it never committed (safe to retry). */
export class LeadershipLostError extends NotLeaderError {
  constructor() {
    super('leadership lost while committing log')
  }
}

/** How long a ReadIndex request goes unanswered before it is asked again (etcd: 500 ms). */
export const READ_RETRY_MS = 500

export class RaftDriver {
  readonly #o: DriverOptions
  readonly #pending = new Map<number, Pending>()
  /** Reads, and waiters for an applied index or a caught-up leader. */
  readonly #waits: ReadWaits
  #applied: number
  #scheduled = false
  /** A Ready is being handled (possibly waiting for its fsync). */
  #busy: Promise<void> | null = null
  /** Work that must not overlap a Ready (it writes the log), run between two of them. */
  #between: (() => void)[] = []
  /** The same, for work that awaits: each holds the Ready loop until it settles. */
  #betweenAsync: (() => Promise<void>)[] = []
  #stopped = false
  #stopError = new StoreError('store not open')
  #cancelTick: (() => void) | null = null
  #readSeq = 0
  readonly #readRounds: ReadIndexRounds
  #soft: SoftState = { leader: '', role: 'follower' }
  /** Monotonic ms of the last message from the leader (for `freshness`). */
  #lastLeaderContact = 0
  /** Term of the newest applied entry (or snapshot), and the node's current term. */
  #appliedTerm = 0
  #term: number
  /** Committed entries on their way into the state machine, in log order (off the Ready loop). */
  readonly #applies: ApplyQueue

  constructor(options: DriverOptions) {
    this.#o = options
    this.#waits = new ReadWaits(options.timers)
    this.#readRounds = new ReadIndexRounds(options.timers, (timeoutMs, resolve, reject) => this.#readRound(timeoutMs, resolve, reject))
    this.#applied = options.applied
    this.#term = options.raft.status().term
    const fsm = options.fsm
    this.#applies = new ApplyQueue({
      isLocal: (entry) => this.#pending.get(entry.index)?.term === entry.term,
      applyEntry: (entry, local) => this.#applyEntry(entry, local),
      applyRun: fsm.applyRun && ((run) => fsm.applyRun!(run)),
      offThread: fsm.offThread === true,
      holds: fsm.holds && ((entry) => fsm.holds!(entry)),
      settle: (entry, local, result, failure) => this.#settleApplied(entry, local, result, failure),
      onError: (error) => this.#o.onError?.(error),
      fatal: (error) => this.#fail(error),
      stopped: () => this.#stopped,
    })
  }

  /**
   * A leader has applied an entry of its own term: everything any earlier leader acknowledged
   * is applied here, so a local (`weak`) read sees it. Until then a new leader may lag.
   */
  get leaderCaughtUp(): boolean {
    return this.#soft.role === 'leader' && this.#appliedTerm === this.#term
  }

  /** Resolves once `leaderCaughtUp`; rejects if leadership is lost first or on timeout. */
  waitLeaderCaughtUp(timeoutMs: number): Promise<void> {
    if (this.#stopped) return Promise.reject(this.#stopError)
    if (this.leaderCaughtUp) return Promise.resolve()
    if (this.#soft.role !== 'leader') return Promise.reject(new NotLeaderError())
    return this.#waits.leaderCaughtUp(timeoutMs)
  }

  get raft(): RaftNode {
    return this.#o.raft
  }

  get applied(): number {
    return this.#applied
  }

  get leader(): NodeId {
    return this.#soft.leader
  }

  get role(): SoftState['role'] {
    return this.#soft.role
  }

  get lastLeaderContact(): number {
    return this.#lastLeaderContact
  }

  start(): void {
    this.#cancelTick = startTicker({
      timers: this.#o.timers,
      clock: this.#o.clock,
      intervalMs: this.#o.tickMs,
      onTick: () => {
        this.#o.raft.tick()
        this.#schedule()
      },
    })
    this.#schedule()
  }

  stop(error: Error = new StoreError('store not open')): void {
    this.#stopped = true
    this.#stopError = error
    this.#cancelTick?.()
    for (const p of this.#pending.values()) p.reject(error)
    this.#pending.clear()
    this.#waits.stop(error)
  }

  /** A message from a peer. */
  step(m: Message): void {
    if (this.#stopped) return
    if (m.from === this.#soft.leader || m.type === 'append' || m.type === 'heartbeat' || m.type === 'snapshot') {
      if (m.type === 'append' || m.type === 'heartbeat' || m.type === 'snapshot') this.#lastLeaderContact = this.#o.clock.monotonic()
    }
    try {
      this.#o.raft.step(m)
    } catch (e) {
      // A message the core refuses (a duplicate read context, say) must not stop the node.
      if (!(e instanceof RaftError)) throw e
      this.#o.onError?.(new StoreError(`refused ${m.type} from ${m.from}: ${e.message}`))
    }
    this.#schedule()
  }

  /** Campaigns at once (a lone voter need not wait for an election timeout). */
  campaign(): void {
    this.#o.raft.campaign()
    this.#schedule()
  }

  /** Proposes `data`; resolves with the state machine's result once applied here. */
  propose(data: Uint8Array, timeoutMs: number): Promise<unknown> {
    return this.#track(() => this.#o.raft.propose(data), timeoutMs)
  }

  proposeConfChange(change: ConfChange, timeoutMs: number): Promise<unknown> {
    return this.#track(() => this.#o.raft.proposeConfChange(change), timeoutMs)
  }

  /** Resolves once a linearizable read may be served: leadership confirmed, index applied. */
  readIndex(timeoutMs: number): Promise<void> {
    if (this.#stopped) return Promise.reject(this.#stopError)
    return this.#readRounds.read(timeoutMs).then((index) => this.#waits.readApplied(index, this.#applied, timeoutMs))
  }

  /** ReadIndex rounds started; reads share them under load (`read-index-rounds.ts`). */
  get readIndexRounds(): number {
    return this.#readRounds.rounds
  }

  /**
   * One ReadIndex round of the core, for every read that waited for it. A request forwarded to
   * the leader, or its answer, can be lost, and reads queue behind the round: unanswered, it is
   * asked again under a new context every `READ_RETRY_MS` (etcd's server does the same) until
   * the round's deadline.
   */
  #readRound(timeoutMs: number, resolve: (index: number) => void, reject: (error: Error) => void): void {
    const deadline = this.#o.clock.monotonic() + timeoutMs
    const ask = () => {
      if (this.#stopped) {
        reject(this.#stopError)
        return
      }
      // Unique cluster-wide: a node that was leader and has not noticed yet forwards its request
      // to the new leader, where a context of the new leader's own must not collide with it.
      const context = `${this.#o.raft.id}:${this.#o.readContextNonce ?? ''}:${++this.#readSeq}`
      try {
        this.#o.raft.readIndex(context)
      } catch (e) {
        if (!(e instanceof RaftError)) throw e
        reject(e.code === 'no-leader' ? new LeaderNotFoundError() : new StoreError(`raft: ${e.message}`))
        return
      }
      const left = deadline - this.#o.clock.monotonic()
      const retry = left > READ_RETRY_MS ? ask : undefined
      this.#waits.awaitReadState(context, Math.max(0, Math.min(left, READ_RETRY_MS)), resolve, reject, retry)
      this.#schedule()
    }
    ask()
  }

  transferLeadership(to: NodeId): void {
    this.#o.raft.transferLeadership(to)
    this.#schedule()
  }

  reportUnreachable(id: NodeId): void {
    this.#o.raft.reportUnreachable(id)
    this.#schedule()
  }

  reportSnapshot(id: NodeId, ok: boolean): void {
    this.#o.raft.reportSnapshot(id, ok)
    this.#schedule()
  }

  /** Resolves once the state machine has applied `index`. */
  waitApplied(index: number): Promise<void> {
    return this.#waits.applied(index, this.#applied)
  }

  #track(propose: () => { index: number; term: number }, timeoutMs: number): Promise<unknown> {
    if (this.#stopped) return Promise.reject(this.#stopError)
    let at: { index: number; term: number }
    try {
      at = propose()
    } catch (e) {
      if (e instanceof RaftError) return Promise.reject(e.code === 'not-leader' ? new NotLeaderError() : new StoreError(`raft: ${e.message}`))
      throw e
    }
    this.#schedule()
    return new Promise((resolve, reject) => {
      const cancel = this.#o.timers.setTimeout(() => {
        this.#pending.delete(at.index)
        reject(new StoreError('timeout waiting for the write to be applied'))
      }, timeoutMs)
      this.#pending.set(at.index, { term: at.term, resolve, reject, cancel })
    })
  }

  /**
   * Runs `work` (synchronous, typically writes to the log) when no Ready is being handled:
   * now if the driver is idle, else right after the current Ready's `advance()`.
   */
  betweenReadys<T>(work: () => T): Promise<T> {
    if (!this.#busy) {
      try {
        return Promise.resolve(work())
      } catch (e) {
        return Promise.reject(e)
      }
    }
    return new Promise<T>((resolve, reject) => {
      this.#between.push(() => {
        try {
          resolve(work())
        } catch (e) {
          reject(e)
        }
      })
    })
  }

  /**
   * As `betweenReadys`, for work that awaits (the log's fsyncs off the thread): now if the
   * driver is idle, else right after the current Ready's `advance()`; no Ready is handled until
   * it settles, so nothing else writes the log meanwhile.
   */
  betweenReadysAsync<T>(work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const run = (): Promise<void> => {
        let done: Promise<T>
        try {
          done = work()
        } catch (e) {
          done = Promise.reject(e)
        }
        done.then(resolve, reject)
        return done.then(
          () => {},
          () => {},
        )
      }
      if (this.#busy) this.#betweenAsync.push(run)
      else this.#occupy(run)
    })
  }

  /** Holds the Ready loop for `run`; what waited for it goes next. */
  #occupy(run: () => Promise<void>): void {
    const busy: Promise<void> = run().then(() => this.#afterBusy(busy))
    this.#busy = busy
  }

  /** Whatever waited for the Ready loop (or work holding it) to be free now runs, in turn. */
  #afterBusy(busy: Promise<void>): void {
    if (this.#busy === busy) this.#busy = null
    this.#runBetween()
    const next = this.#betweenAsync.shift()
    if (next) return this.#occupy(next)
    // Whatever arrived after the last hasReady() check still needs a Ready.
    if (!this.#stopped && this.#o.raft.hasReady()) this.#schedule()
  }

  /** Resolves once no Ready is being handled (after `stop()`: once none ever will be). */
  async idle(): Promise<void> {
    while (this.#busy) await this.#busy
  }

  #schedule(): void {
    if (this.#scheduled || this.#stopped || this.#busy) return
    this.#scheduled = true
    this.#o.timers.defer(() => {
      this.#scheduled = false
      if (this.#busy || this.#stopped) return
      const run: Promise<void> = this.#process()
        .catch((e: unknown) => this.#fail(e))
        .finally(() => this.#afterBusy(run))
      // #process may finish synchronously; only a Ready still waiting for its fsync is busy.
      this.#busy = run
    })
  }

  #runBetween(): void {
    const work = this.#between
    this.#between = []
    for (const w of work) w()
  }

  /**
   * Persisting (or installing a snapshot) failed halfway through a Ready: what is durable is no
   * longer known, so nothing more may be sent or acknowledged. Stop, as etcd does, and let a
   * restart recover from what the disk holds.
   */
  #fail(error: unknown): void {
    if (this.#stopped) return
    const detail = error instanceof Error ? error.message : String(error)
    this.stop(new StoreError(`raft storage failed, node stopped: ${detail}`))
    this.#o.onFatal?.(error)
  }

  async #process(): Promise<void> {
    const { raft, log, fsm, transport } = this.#o
    while (!this.#stopped && raft.hasReady()) {
      const rd = raft.ready()
      // 0. A leader's appends and heartbeats promise nothing: they leave now, so the followers
      // write while the leader does (one fsync less on a write's path). Acknowledgements are
      // read only after this synchronous loop, when this Ready is durable.
      if (rd.early.length > 0) transport.send(rd.early)
      // 1. Persist, and make it durable before anything depends on it. A snapshot is installed
      // into the state machine first: a crash after that but before the log records it is
      // repaired at start (the state machine's snapshot is newer), never the other way round.
      if (rd.snapshot) {
        // Entries before the snapshot finish applying first: the install replaces their state.
        fsm.dropHeld?.()
        await this.applyIdle()
        await fsm.installSnapshot(rd.snapshot)
        if (this.#stopped) return
        log.applySnapshot(rd.snapshot.metadata)
      }
      if (rd.entries.length > 0) {
        log.append(rd.entries)
        this.#maybeHold(rd.entries, rd.committedEntries.length)
      }
      if (rd.hardState) {
        log.setHardState(rd.hardState)
        this.#term = rd.hardState.term
      }
      let appliedEarly = 0
      const clock = this.#o.clock
      const syncStart = clock.monotonic()
      let syncMs = -1
      if (rd.snapshot) {
        log.sync()
        syncMs = clock.monotonic() - syncStart
      } else if (rd.mustSync) {
        if (log.syncAsync) {
          // Timed to the fsync's end, not to the applies that run meanwhile.
          const synced = log.syncAsync().then(() => void (syncMs = clock.monotonic() - syncStart))
          // Committed entries below this Ready's own were made durable here by an earlier
          // fsync: apply them while the disk works, so a commit learned during one fsync
          // (a lone voter counts its own copy only once durable) does not wait for the next.
          appliedEarly = this.#applyDurable(rd.committedEntries, rd.entries)
          await synced
        } else {
          log.sync()
          syncMs = clock.monotonic() - syncStart
        }
        // Stopped while the disk worked: what this Ready would send or apply is moot.
        if (this.#stopped) return
      }
      if (syncMs >= 0) this.#o.onFsync?.(syncMs)
      // 2. Send the rest.
      const rest = rd.early.length === 0 ? rd.messages : rd.messages.filter((m) => !rd.early.includes(m))
      if (rest.length > 0) transport.send(rest)
      // 3. Apply.
      if (rd.snapshot) {
        this.#appliedTerm = rd.snapshot.metadata.term
        this.#setApplied(rd.snapshot.metadata.index)
      }
      this.#applies.pushAll(appliedEarly === 0 ? rd.committedEntries : rd.committedEntries.slice(appliedEarly))
      // 4. Reads.
      for (const rs of rd.readStates) this.#waits.readState(rs.context, rs.index)
      if (rd.softState) this.#onSoftState(rd.softState)
      raft.advance()
      this.#runBetween()
      // Between two Readys, not only once they stop coming: under steady load they never do.
      while (this.#betweenAsync.length > 0) await this.#betweenAsync.shift()!()
    }
  }

  /**
   * A leader's lone new entry of its own that is next to apply starts applying while it becomes
   * durable: the state machine holds its commit until the entry commits (`holdApply`). Next to
   * apply: every entry before it is settled, so its engine call has been made (an apply still
   * finishing, `AnsweredEarly.done`, is ahead of the hold in the engine's order).
   */
  #maybeHold(appended: readonly Entry[], committed: number): void {
    const fsm = this.#o.fsm
    if (!fsm.holdApply || appended.length !== 1 || committed > 0 || this.#soft.role !== 'leader') return
    const entry = appended[0]
    if (entry.type !== 'normal' || entry.index !== this.#applied + 1 || this.#pending.get(entry.index)?.term !== entry.term) return
    fsm.holdApply(entry)
  }

  /** Applies the committed entries that precede `unsynced`; returns how many it applied. */
  #applyDurable(committed: readonly Entry[], unsynced: readonly Entry[]): number {
    const firstUnsynced = unsynced.length > 0 ? unsynced[0].index : Number.POSITIVE_INFINITY
    let n = 0
    while (n < committed.length && committed[n].index < firstUnsynced) n++
    this.#applies.pushAll(n === committed.length ? committed : committed.slice(0, n))
    return n
  }

  /**
   * Waits until every entry handed to the state machine so far is applied, and holds later
   * ones until `release` is called: what a snapshot of an engine in a worker captures is then
   * exactly `applied`.
   */
  holdApplies(): Promise<() => void> {
    return this.#applies.hold()
  }

  /** Resolves once no asynchronous apply is in flight (at once with a synchronous state machine). */
  applyIdle(): Promise<void> {
    return this.#applies.idle()
  }

  /** Hands one entry to the state machine (see ApplyQueue): a membership change or a command. */
  #applyEntry(entry: Entry, local: boolean): unknown {
    if (entry.type === 'confChange') {
      const change = decodeConfChange(entry.data)
      if (change) this.#o.fsm.applyConfChange(change, entry)
      return undefined
    }
    return entry.data.byteLength > 0 ? this.#o.fsm.apply(entry, local) : undefined
  }

  #settleApplied(entry: Entry, local: boolean, result: unknown, failure: Error | undefined): void {
    this.#appliedTerm = entry.term
    this.#setApplied(entry.index)
    const pending = this.#pending.get(entry.index)
    if (pending) {
      this.#pending.delete(entry.index)
      pending.cancel()
      if (!local) pending.reject(new LeadershipLostError())
      else if (failure) pending.reject(failure)
      else pending.resolve(result)
    }
  }

  #setApplied(index: number): void {
    this.#applied = index
    this.#waits.setApplied(index, () => this.leaderCaughtUp)
  }

  #onSoftState(state: SoftState): void {
    const lostLeadership = this.#soft.role === 'leader' && state.role !== 'leader'
    this.#soft = state
    if (lostLeadership) {
      this.#o.fsm.dropHeld?.()
      this.#waits.leadershipLost()
    }
    this.#o.onSoftState?.(state)
  }
}
