/**
 * A raftlite node: the database, the write path and the write queue, with no HTTP in sight.
 * The daemon and embedding applications both drive a node through this class.
 *
 * Today every node is a single-member cluster and its own leader; writes are applied as
 * deterministic batches (see `WriteBatch`), the unit the Raft log will carry.
 */
import { Database } from '../db/database.ts'
import type { StatementResult } from '../db/statement-result.ts'
import type { WriteBatch } from '../db/write-batch.ts'
import { joinPath } from '../ports/file-port.ts'
import { randomUint64 } from '../ports/random.ts'
import type { BoundStatement } from '../sqlite/connection.ts'
import { DISALLOWED_PRAGMA_ERROR, isDisallowedPragma } from './disallowed-pragma.ts'
import { type NodeOptions, resolveNodeOptions } from './node-options.ts'
import type { Platform } from './platform.ts'
import type { ReadLevel } from './read-level.ts'
import { StoreError } from './store-error.ts'
import { WriteQueue } from './write-queue.ts'
import { apiUrl } from './api-url.ts'
import type { Hono } from 'hono'
import { createApi } from '../http/create-api.ts'
import { Client, type ClientOptions } from '../client/client.ts'

export interface WriteOptions {
  transaction?: boolean
  /** Per-statement time limit in ms (rqlite's `db_timeout`). */
  timeoutMs?: number
}

export interface ReadOptions {
  level?: ReadLevel
  transaction?: boolean
  timeoutMs?: number
}

export interface WriteOutcome {
  results: StatementResult[]
  /** Index of the log entry that carried the write. */
  raftIndex: number
}

export interface LeaderInfo {
  id: string
  /** Raft (internode) address. */
  addr: string
  /** HTTP API URL, e.g. `http://localhost:4001`. */
  apiAddr: string
}

export type NodeState = 'Leader' | 'Follower' | 'Candidate' | 'Shutdown'

export class RaftliteNode extends EventTarget {
  readonly options: NodeOptions
  readonly platform: Platform
  readonly startedAt: number
  readonly #db: Database
  readonly #queue: WriteQueue
  readonly #unlock: () => void
  #appliedIndex = 0
  #state: NodeState = 'Leader'
  #stopping: Promise<void> | null = null
  #api: Hono | null = null

  private constructor(options: NodeOptions, platform: Platform, db: Database, unlock: () => void) {
    super()
    this.options = options
    this.platform = platform
    this.startedAt = platform.clock.now()
    this.#db = db
    this.#unlock = unlock
    this.#queue = new WriteQueue({
      capacity: options.writeQueueCapacity,
      batchSize: options.writeQueueBatchSize,
      timeoutMs: options.writeQueueTimeoutMs,
      timers: platform.timers,
      firstSequence: BigInt(Math.floor(this.startedAt)) * 1_000_000n,
      flush: async (statements) => {
        await this.execute(statements, { transaction: options.writeQueueTx })
      },
      onError: (error) => this.#emitError(error),
    })
  }

  /** Opens (creating if needed) the data directory and starts the node. */
  static async start(options: Partial<NodeOptions> & { dataDir: string }, platform: Platform): Promise<RaftliteNode> {
    const resolved = resolveNodeOptions(options)
    const { files } = platform
    files.mkdirp(resolved.dataDir)
    const unlock = files.lock(joinPath(resolved.dataDir, 'LOCK'))
    try {
      const db = await Database.open({
        files,
        path: joinPath(resolved.dataDir, 'db.sqlite'),
        clock: platform.clock,
        random: platform.random,
        foreignKeys: resolved.foreignKeys,
        synchronous: 'full',
      })
      const node = new RaftliteNode(resolved, platform, db, unlock)
      // On a later task, so a caller that awaited start() has had the chance to listen.
      platform.timers.setTimeout(() => {
        node.dispatchEvent(new CustomEvent('leader', { detail: node.leader() }))
        node.dispatchEvent(new Event('ready'))
      }, 0)
      return node
    } catch (e) {
      unlock()
      throw e
    }
  }

  get id(): string {
    return this.options.nodeId
  }

  get state(): NodeState {
    return this.#state
  }

  get isLeader(): boolean {
    return this.#state === 'Leader'
  }

  get appliedIndex(): number {
    return this.#appliedIndex
  }

  get sqliteVersion(): string {
    return this.#db.sqliteVersion
  }

  get queue(): WriteQueue {
    return this.#queue
  }

  /** The database, for status and diagnostics. */
  get database(): Database {
    return this.#db
  }

  /**
   * The rqlite-compatible HTTP API as a Hono app: serve it, or mount it in your own app
   * (`app.route('/raftlite', node.api())`). Internode routes are never part of it.
   */
  api(): Hono {
    this.#api ??= createApi(this)
    return this.#api
  }

  /** An in-process client: the same semantics as the HTTP API, without HTTP. */
  client(options?: ClientOptions): Client {
    return new Client(this, options)
  }

  leader(): LeaderInfo | null {
    if (this.#state !== 'Leader') return null
    return { id: this.id, addr: this.options.raftAdvAddr, apiAddr: apiUrl(this.options.httpAdvAddr) }
  }

  /** Writes statements as one batch (one log entry): never interleaved with other writes. */
  async execute(statements: BoundStatement[], options: WriteOptions = {}): Promise<WriteOutcome> {
    return this.#write(statements, options, 'execute')
  }

  /** Reads. On a single node every level is served locally. */
  async query(statements: BoundStatement[], options: ReadOptions = {}): Promise<StatementResult[]> {
    this.#assertOpen()
    this.#checkPragmas(statements)
    return this.#db.query(statements, { transaction: options.transaction, timeoutMs: options.timeoutMs })
  }

  /**
   * The unified endpoint: read-only statements get rows, others counters. If any statement
   * writes, or the level is `strong`, the whole request goes through the write path.
   */
  async request(statements: BoundStatement[], options: ReadOptions = {}): Promise<WriteOutcome | { results: StatementResult[] }> {
    this.#assertOpen()
    this.#checkPragmas(statements)
    const writes = options.level === 'strong' || statements.some((s) => s.sql.trim() !== '' && !this.#db.isReadOnly(s.sql))
    if (writes) return this.#write(statements, options, 'request')
    return { results: this.#db.query(statements, { transaction: options.transaction, timeoutMs: options.timeoutMs }) }
  }

  /** Queues statements; see `WriteQueue`. */
  async enqueue(statements: BoundStatement[]): Promise<{ sequence: bigint; flushed: Promise<void> }> {
    this.#assertOpen()
    this.#checkPragmas(statements)
    return this.#queue.enqueue(statements)
  }

  /** Stops the node: flushes queued writes, closes the database, releases the data directory. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      try {
        await this.#queue.drain()
      } finally {
        this.#queue.close()
        this.#state = 'Shutdown'
        this.#db.close()
        this.#unlock()
        this.dispatchEvent(new Event('stopped'))
      }
    })()
    return this.#stopping
  }

  async #write(statements: BoundStatement[], options: WriteOptions, mode: 'execute' | 'request'): Promise<WriteOutcome> {
    this.#assertOpen()
    this.#checkPragmas(statements)
    if (!this.isLeader) throw new StoreError('not leader')
    const batch: WriteBatch = {
      statements,
      timestampMs: this.platform.clock.now(),
      seed: randomUint64(this.platform.random),
      transaction: options.transaction === true,
      mode,
      timeoutMs: options.timeoutMs ?? 0,
    }
    const results = this.#db.applyBatch(batch)
    return { results, raftIndex: ++this.#appliedIndex }
  }

  #checkPragmas(statements: BoundStatement[]): void {
    if (statements.some((s) => isDisallowedPragma(s.sql))) throw new StoreError(DISALLOWED_PRAGMA_ERROR)
  }

  #assertOpen(): void {
    if (this.#stopping) throw new StoreError('store not open')
  }

  #emitError(error: unknown): void {
    this.dispatchEvent(new CustomEvent('error', { detail: error }))
  }
}

