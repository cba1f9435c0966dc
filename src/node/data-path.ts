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
import { ResultTooLargeError } from '../sqlite/result-cap.ts'
import type { NodeContext } from './node-context.ts'
import type { ReadOptions, WriteOptions, WriteOutcome } from './node-types.ts'
import type { PeerRpc } from './peer-rpc.ts'
import type { ReadLevel } from './read-level.ts'
import { LeaderNotFoundError, StoreError } from './store-error.ts'

export interface DataPathContext extends Pick<NodeContext, 'id' | 'options' | 'platform' | 'db' | 'members' | 'driver' | 'stopping' | 'leader'> {
  peers: Pick<PeerRpc, 'call' | 'forward'>
  /** Whether this node votes: `auto` reads are `weak` on voters, `none` on read replicas. */
  isVoter(): boolean
  /** Leader-stamped time of the newest applied write (`freshness_strict`). */
  lastWriteTimestamp(): number
}

export class DataPath {
  readonly #ctx: DataPathContext

  constructor(ctx: DataPathContext) {
    this.#ctx = ctx
  }

  get #isLeader(): boolean {
    return !this.#ctx.stopping() && this.#ctx.driver().role === 'leader'
  }

  async execute(statements: BoundStatement[], options: WriteOptions): Promise<WriteOutcome> {
    this.checkStatements(statements)
    if (!this.#isLeader) {
      return this.#ctx.peers.forward({ op: 'execute', statements, transaction: options.transaction === true, timeoutMs: options.timeoutMs ?? 0, ...withCredentials(options) })
    }
    return this.write(statements, options, 'execute')
  }

  async query(statements: BoundStatement[], options: ReadOptions): Promise<StatementResult[]> {
    this.checkStatements(statements)
    const level = this.#effectiveLevel(options.level)
    if (level === 'none') {
      this.#checkFreshness(options)
      return this.#localQuery(statements, options)
    }
    if (!this.#isLeader) {
      const forwarded = await this.#ctx.peers.forward({ op: 'query', statements, transaction: options.transaction === true, timeoutMs: this.#queryTimeout(options), level, ...withCredentials(options) })
      return forwarded.results
    }
    return this.#leaderRead(statements, options, level)
  }

  async request(statements: BoundStatement[], options: ReadOptions): Promise<WriteOutcome | { results: StatementResult[] }> {
    this.checkStatements(statements)
    const writes = statements.some((s) => s.sql.trim() !== '' && !this.#ctx.db.isReadOnly(s.sql))
    const level = this.#effectiveLevel(options.level)
    if (!writes && level === 'none') {
      this.#checkFreshness(options)
      return { results: this.#localQuery(statements, options) }
    }
    if (!this.#isLeader) {
      // The node that took the request sets the read limit: its default, unless the client's.
      return this.#ctx.peers.forward({ op: 'request', statements, transaction: options.transaction === true, timeoutMs: writes ? (options.timeoutMs ?? 0) : this.#queryTimeout(options), level, ...withCredentials(options) })
    }
    if (writes || level === 'strong') return this.write(statements, options, 'request')
    return { results: await this.#leaderRead(statements, options, level) }
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
    if (!response.ok) throw response.leaderNotFound ? new LeaderNotFoundError() : new StoreError(`forwarded queued write: ${response.error}`)
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

  /** On the leader: a registered command other than SQL through the log (see CommandHandler). */
  async command(name: string, payload: Uint8Array): Promise<{ result: unknown; raftIndex: number }> {
    if (!this.#isLeader) throw this.#ctx.leader() ? new StoreError('not leader') : new LeaderNotFoundError()
    const { clock, random } = this.#ctx.platform
    const command = encodeCommand({ kind: 'custom', name, payload, timestampMs: clock.now(), seed: randomUint64(random) })
    const applied = (await this.#ctx.driver().propose(command, this.#ctx.options.raftApplyTimeoutMs)) as AppliedWrite
    return { result: applied.result, raftIndex: applied.raftIndex }
  }

  /**
   * Refuses the whole request before anything runs (rqlite's `disallowed pragma`), judged by
   * SQLite's authorizer. Only an early answer: the same policy guards every statement as the
   * database runs it, forwarded, replayed or not.
   */
  checkStatements(statements: BoundStatement[]): void {
    if (this.#ctx.stopping()) throw new StoreError('store not open')
    for (const s of statements) {
      const refused = this.#ctx.db.refusal(s.sql)
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
    if (level === 'linearizable') await driver.readIndex(timeoutMs)
    // A new leader may not have applied all that the old one acknowledged: a `weak` read waits
    // until it has applied an entry of its own term (a ReadIndex implies that already).
    else if (!driver.leaderCaughtUp) await driver.waitLeaderCaughtUp(timeoutMs)
    return this.#localQuery(statements, options)
  }

  #localQuery(statements: BoundStatement[], options: ReadOptions): StatementResult[] {
    if (this.#ctx.stopping()) throw new StoreError('store not open')
    try {
      return this.#ctx.db.query(statements, { transaction: options.transaction, timeoutMs: this.#queryTimeout(options), maxResultBytes: options.maxResultBytes })
    } catch (e) {
      if (e instanceof ResultTooLargeError) throw new StoreError(e.message)
      throw e
    }
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
