/**
 * The data path: writes through the log, reads at each rqlite level, forwarding to the leader
 * when this node cannot serve, and the flushes of the write queue.
 *
 * - write: leader → `RaftDriver.propose` (log, fsync, quorum) → state machine applies → answer.
 * - `strong` read: like a write, a `read` command through the log; only the proposer runs it.
 * - `linearizable`: leader confirms with a ReadIndex, waits to apply up to it, reads locally.
 * - `weak`: leader reads locally once it has applied an entry of its own term.
 * - `none`: any node reads locally, after the optional freshness check.
 */
import type { AppliedWrite } from '../cluster/database-state-machine.ts'
import { encodeCommand } from '../db/command-codec.ts'
import type { StatementResult } from '../db/statement-result.ts'
import type { QueueId, WriteBatch } from '../db/write-batch.ts'
import { stepBudgetFor } from '../db/step-budget.ts'
import { randomUint64 } from '../ports/random.ts'
import type { BoundStatement } from '../sqlite/connection.ts'
import { breathe, type NodeContext } from './node-context.ts'
import { ResultTooLargeError } from '../sqlite/result-cap.ts'
import type { ReadOptions, WriteOptions, WriteOutcome } from './node-types.ts'
import type { PeerRpc } from './peer-rpc.ts'
import type { ReadLevel } from './read-level.ts'
import { LeaderNotFoundError, NotLeaderError, StoreError } from './store-error.ts'

/** Tries of work only the leader may do, when leaders change under it. */
const MAX_LEADER_ATTEMPTS = 3

export interface DataPathContext extends Pick<NodeContext, 'id' | 'options' | 'platform' | 'db' | 'engine' | 'members' | 'driver' | 'stopping' | 'leader' | 'counters' | 'log'> {
  peers: Pick<PeerRpc, 'call' | 'forward'>
  /** Whether this node votes: `auto` reads are `weak` on voters, `none` on read replicas. */
  isVoter(): boolean
  /** Leader-stamped time of the newest applied write (`freshness_strict`). */
  lastWriteTimestamp(): number
}

export class DataPath {
  readonly #ctx: DataPathContext
  /** Whether this node has applied what its log held committed when it started (`#replayed`). */
  #replayDone = false
  /**
   * The commit index the log held at start: read here, before the driver runs (the log's hard
   * state then follows every commit this node learns).
   */
  readonly #commitAtStart: number

  constructor(ctx: DataPathContext) {
    this.#ctx = ctx
    this.#commitAtStart = ctx.log.initialState().hardState.commit
  }

  get #isLeader(): boolean {
    return !this.#ctx.stopping() && this.#ctx.driver().role === 'leader'
  }

  async execute(statements: BoundStatement[], options: WriteOptions): Promise<WriteOutcome> {
    await this.checkStatements(statements)
    const forwarded = { op: 'execute', statements, transaction: options.transaction === true, timeoutMs: options.timeoutMs ?? 0, ...withCredentials(options) } as const
    return this.#onLeader(() => this.write(statements, options, 'execute'), () => this.#ctx.peers.forward(forwarded), options)
  }

  async query(statements: BoundStatement[], options: ReadOptions): Promise<StatementResult[]> {
    await this.checkStatements(statements)
    const level = this.#effectiveLevel(options.level)
    if (level === 'none') return this.serveQuery(statements, options)
    const forwarded = { op: 'query', statements, transaction: options.transaction === true, timeoutMs: this.#queryTimeout(options), level, ...withCredentials(options) } as const
    return this.#onLeader(() => this.#leaderRead(statements, options, level), async () => (await this.#ctx.peers.forward(forwarded)).results, options)
  }

  async request(statements: BoundStatement[], options: ReadOptions): Promise<WriteOutcome | { results: StatementResult[] }> {
    await this.checkStatements(statements)
    const writes = await this.#writes(statements)
    const level = this.#effectiveLevel(options.level)
    if (!writes && level === 'none') return this.serveRequest(statements, options)
    // The node that took the request sets the read limit: its default, unless the client's.
    const timeoutMs = writes ? (options.timeoutMs ?? 0) : this.#queryTimeout(options)
    const forwarded = { op: 'request', statements, transaction: options.transaction === true, timeoutMs, level, ...withCredentials(options) } as const
    return this.#onLeader(() => this.serveRequest(statements, options), () => this.#ctx.peers.forward(forwarded), options)
  }

  /** A query served here, never forwarded: `none` locally, other levels only as the leader. */
  async serveQuery(statements: BoundStatement[], options: ReadOptions): Promise<StatementResult[]> {
    const level = this.#effectiveLevel(options.level)
    if (level === 'none') {
      this.#checkFreshness(options)
      return this.#localQuery(statements, options)
    }
    if (!this.#isLeader) throw new NotLeaderError()
    return this.#leaderRead(statements, options, level)
  }

  /** A unified request served here, never forwarded (see `serveQuery`). */
  async serveRequest(statements: BoundStatement[], options: ReadOptions): Promise<WriteOutcome | { results: StatementResult[] }> {
    const writes = await this.#writes(statements)
    const level = this.#effectiveLevel(options.level)
    if (!writes && level === 'none') {
      this.#checkFreshness(options)
      return { results: await this.#localQuery(statements, options) }
    }
    if (!this.#isLeader) throw new NotLeaderError()
    if (writes || level === 'strong') return this.write(statements, options, 'request')
    return { results: await this.#leaderRead(statements, options, level) }
  }

  /**
   * Work only the leader may do: here while this node leads, else at the leader (or, with
   * `redirect`, a NotLeaderError for the caller to send the client there). Lost leadership is
   * "not leader", as in rqlite: what failed with NotLeaderError did nothing (see there), so it
   * goes to the new leader once one is known, or fails with `leader not found`.
   */
  async #onLeader<T>(local: () => Promise<T>, remote: () => Promise<T>, options: { redirect?: boolean }): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const driver = this.#ctx.driver()
      const asked = driver.leader
      const term = driver.raft.status().term
      const here = this.#isLeader
      if (!here && options.redirect) throw new NotLeaderError()
      // Leadership was lost under this request and no leader is known yet (an election slowed
      // by a loaded machine): keep waiting while attempts remain rather than fail at once.
      const leaderless = attempt > 1 && !here && !asked
      try {
        if (!leaderless) return await (here ? local() : remote())
      } catch (e) {
        // "leader not found" from the leader asked (it lost leadership and knows no successor
        // yet, or the election moved on) did nothing either: ask again once a leader is known.
        if (!(e instanceof NotLeaderError || e instanceof LeaderNotFoundError) || this.#ctx.stopping()) throw e
      }
      if (attempt >= MAX_LEADER_ATTEMPTS) throw new LeaderNotFoundError()
      await this.#awaitNewLeader(asked, term)
    }
  }

  /** After a leader refused: waits (briefly) until a leader other than `previous`, or of a newer term, is known. */
  async #awaitNewLeader(previous: string, term: number): Promise<void> {
    const { options, platform } = this.#ctx
    const deadline = platform.clock.monotonic() + Math.min(options.raftApplyTimeoutMs, 5 * options.raftElectionTimeoutMs)
    while (platform.clock.monotonic() < deadline) {
      if (this.#ctx.stopping()) throw new StoreError('store not open')
      const driver = this.#ctx.driver()
      if (driver.leader && (driver.leader !== previous || driver.raft.status().term > term)) return
      await breathe(platform, 20)
    }
  }

  async #writes(statements: BoundStatement[]): Promise<boolean> {
    const { engine } = this.#ctx
    for (const s of statements) {
      if (s.sql.trim() === '') continue
      if (!(engine ? await engine.isReadOnly(s.sql) : this.#ctx.db.isReadOnly(s.sql))) return true
    }
    return false
  }

  /**
   * One flush of the write queue, on the leader or forwarded to it, with the batch's id. Also
   * while stopping: the queue drains (for a bounded time) before the node goes.
   */
  async flushQueued(statements: BoundStatement[], queueId: QueueId): Promise<void> {
    const transaction = this.#ctx.options.writeQueueTx
    const driver = this.#ctx.driver()
    if (driver.role === 'leader') {
      await this.write(statements, { transaction }, 'execute', queueId)
      return
    }
    const leader = this.#ctx.members.get(driver.leader)
    if (!leader || leader.id === this.#ctx.id) throw new LeaderNotFoundError()
    const response = await this.#ctx.peers.call(leader.raftAddr, { op: 'execute', statements, transaction, timeoutMs: 0, queueId })
    if (!response.ok) {
      if (response.leaderNotFound) throw new LeaderNotFoundError()
      throw response.notLeader ? new NotLeaderError(`forwarded queued write: ${response.error}`) : new StoreError(`forwarded queued write: ${response.error}`)
    }
  }

  /** On the leader: one batch, one log entry, answered once applied here. */
  async write(statements: BoundStatement[], options: WriteOptions, mode: 'execute' | 'request', queueId?: QueueId): Promise<WriteOutcome> {
    if (this.#ctx.stopping() && !queueId) throw new StoreError('store not open')
    const { clock, random } = this.#ctx.platform
    const batch: WriteBatch = {
      statements,
      timestampMs: clock.now(),
      seed: randomUint64(random),
      transaction: options.transaction === true,
      mode,
      timeoutMs: options.timeoutMs ?? 0,
      // Fixed here, once: replicas count steps, never their own clocks.
      stepBudget: stepBudgetFor(options.timeoutMs ?? 0),
      ...(queueId ? { queueId } : {}),
    }
    return (await this.#ctx.driver().propose(encodeCommand({ kind: 'write', batch }), this.#ctx.options.raftApplyTimeoutMs)) as AppliedWrite
  }

  /**
   * On the leader: a registered command other than SQL through the log (see CommandHandler).
   * `timeoutMs` for one whose apply takes longer than a write's (a large load's commit).
   */
  async command(name: string, payload: Uint8Array, timeoutMs = this.#ctx.options.raftApplyTimeoutMs): Promise<{ result: unknown; raftIndex: number }> {
    if (!this.#isLeader) throw this.#ctx.leader() ? new NotLeaderError() : new LeaderNotFoundError()
    const { clock, random } = this.#ctx.platform
    const command = encodeCommand({ kind: 'custom', name, payload, timestampMs: clock.now(), seed: randomUint64(random) })
    const applied = (await this.#ctx.driver().propose(command, timeoutMs)) as AppliedWrite
    return { result: applied.result, raftIndex: applied.raftIndex }
  }

  /**
   * Refuses the whole request before anything runs (rqlite's `disallowed pragma`), judged by
   * SQLite's authorizer. Only an early answer: the same policy guards every statement as the
   * database runs it, forwarded, replayed or not.
   */
  async checkStatements(statements: BoundStatement[]): Promise<void> {
    if (this.#ctx.stopping()) throw new StoreError('store not open')
    const { engine } = this.#ctx
    for (const s of statements) {
      const refused = engine ? await engine.refusal(s.sql) : this.#ctx.db.refusal(s.sql)
      if (refused !== null) throw new StoreError(refused)
    }
  }

  async #leaderRead(statements: BoundStatement[], options: ReadOptions, level: ReadLevel): Promise<StatementResult[]> {
    const driver = this.#ctx.driver()
    const timeoutMs = this.#ctx.options.raftApplyTimeoutMs
    if (level === 'strong') {
      const command = encodeCommand({ kind: 'read', statements, transaction: options.transaction === true, timeoutMs: this.#queryTimeout(options) })
      const applied = (await driver.propose(command, timeoutMs)) as AppliedWrite
      return applied.results
    }
    if (level === 'linearizable') await this.#verifyLeader(driver, timeoutMs)
    // A new leader may not have applied all that the old one acknowledged: a `weak` read waits
    // until it has applied an entry of its own term (a ReadIndex implies that already).
    else if (!driver.leaderCaughtUp) await driver.waitLeaderCaughtUp(timeoutMs)
    return this.#localQuery(statements, options)
  }

  /** A ReadIndex round: this node still leads, confirmed by a quorum (rqlite's verify leader). */
  async #verifyLeader(driver: ReturnType<NodeContext['driver']>, timeoutMs: number): Promise<void> {
    this.#ctx.counters.add('store', 'num_verify_leader')
    try {
      await driver.readIndex(timeoutMs)
    } catch (e) {
      this.#ctx.counters.add('store', 'num_verify_leader_failed')
      throw e
    }
  }

  async #localQuery(statements: BoundStatement[], options: ReadOptions): Promise<StatementResult[]> {
    if (this.#ctx.stopping()) throw new StoreError('store not open')
    if (!this.#replayDone) await this.#replayed()
    const queryOptions = { transaction: options.transaction, timeoutMs: this.#queryTimeout(options), maxResultBytes: options.maxResultBytes }
    try {
      if (this.#ctx.engine) return await this.#ctx.engine.query(statements, queryOptions)
      return this.#ctx.db.query(statements, queryOptions)
    } catch (e) {
      if (e instanceof ResultTooLargeError) throw new StoreError(e.message)
      throw e
    }
  }

  /**
   * A restarted node applies its log again from its snapshot; until it has applied what was
   * committed before the stop, its database is older than what it already served (the edge
   * answered "no such table" for a table it had served a moment before its restart). Reads wait
   * for that, as `ready` does, bounded by `-raft-apply-timeout`. A commit learned after the
   * start is a leader's business: a `none` read may lag it, as on any follower.
   */
  async #replayed(): Promise<void> {
    const { platform, options } = this.#ctx
    const deadline = platform.clock.monotonic() + options.raftApplyTimeoutMs
    // Polled, as #awaitNewLeader is: a stop or the deadline ends the wait, and nothing is left
    // waiting on the driver afterwards.
    while (this.#ctx.driver().applied < this.#commitAtStart) {
      if (this.#ctx.stopping()) throw new StoreError('store not open')
      if (platform.clock.monotonic() >= deadline) throw new StoreError('timeout waiting for this node to apply its log after its start')
      await breathe(platform, 5)
    }
    this.#replayDone = true
  }

  /** A read's per-statement limit: the request's `db_timeout`, else the node's default. */
  #queryTimeout(options: ReadOptions): number {
    return options.timeoutMs ?? this.#ctx.options.dbQueryTimeoutMs
  }

  #effectiveLevel(level: ReadLevel | undefined): Exclude<ReadLevel, 'auto'> {
    if (level === 'auto') return this.#ctx.isVoter() ? 'weak' : 'none'
    return level ?? 'weak'
  }

  #checkFreshness(options: ReadOptions): void {
    if (!options.freshnessMs || this.#isLeader) return
    const { clock } = this.#ctx.platform
    if (clock.monotonic() - this.#ctx.driver().lastLeaderContact > options.freshnessMs) throw new StoreError('stale read')
    if (options.freshnessStrict && clock.now() - this.#ctx.lastWriteTimestamp() > options.freshnessMs) {
      throw new StoreError('stale read')
    }
  }
}

/** The client's credentials for a forwarded request, when it gave any. */
function withCredentials(options: WriteOptions | ReadOptions): Pick<WriteOptions, 'credentials'> {
  return options.credentials ? { credentials: options.credentials } : {}
}
