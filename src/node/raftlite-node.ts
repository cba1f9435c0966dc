/**
 * A raftlite node: a Raft member with a SQLite state machine, the write path, reads at every
 * rqlite level, forwarding to the leader and the write queue — with no HTTP in sight. The daemon
 * and embedding applications both drive a node through this class.
 *
 * Every node, a lone one included, is a Raft member: writes are proposed to the log, applied
 * only once committed (durable on a quorum), and acknowledged after they are applied. A lone
 * node is a one-member cluster that later nodes can join.
 */
import type { Hono } from 'hono'
import { Client, type ClientOptions } from '../client/client.ts'
import { type ClusterApi, clusterApi } from '../cluster/cluster-api.ts'
import type { UpgradeWebSocket } from 'hono/ws'
import { type AppliedWrite, DatabaseStateMachine } from '../cluster/database-state-machine.ts'
import { HttpTransport } from '../cluster/http-transport.ts'
import type { LogStore } from '../cluster/log-store.ts'
import { encodeMemberContext, type Member, type MemberAddresses, Members } from '../cluster/members.ts'
import { RaftDriver } from '../cluster/raft-driver.ts'
import { SnapshotStore, SnapshotSupersededError, type StartMode } from '../cluster/snapshot-store.ts'
import { WriteTrackingFilePort } from '../storage/write-tracking-file-port.ts'
import { readPeersFile, recoverWithPeers, retirePeersFile } from '../cluster/peers-recovery.ts'
import { alignLogWithSnapshot } from '../cluster/align-log.ts'
import { raftTiming } from './raft-timing.ts'
import type { NodeMeta, RpcRequest, RpcResponse } from '../cluster/rpc.ts'
import { checkRpcResponse } from '../cluster/rpc-shape.ts'
import { CBOR_TYPE, SENDER_HEADER, SNAPSHOT_HEADER, decodeWire, encodeWire, toBase64 } from '../cluster/wire.ts'
import { SnapshotStreamError, receiveSnapshotFrames, snapshotFrames } from '../cluster/snapshot-stream.ts'
import { type StallGuard, stallGuard } from '../cluster/stall-guard.ts'
import { encodeCommand } from '../db/command-codec.ts'
import { Database } from '../db/database.ts'
import type { StatementResult } from '../db/statement-result.ts'
import type { QueueId, WriteBatch } from '../db/write-batch.ts'
import { createApi } from '../http/create-api.ts'
import { joinPath } from '../ports/file-port.ts'
import { randomUint64 } from '../ports/random.ts'
import { bootstrapState } from '../raft/conf-change.ts'
import type { Message } from '../raft/messages.ts'
import { RaftNode } from '../raft/raft-node.ts'
import { createSeededRandom } from '../raft/random.ts'
import type { ConfChange, Snapshot, SoftState } from '../raft/types.ts'
import type { BoundStatement } from '../sqlite/connection.ts'
import { RAFTLITE_VERSION } from '../version.ts'
import { apiUrl } from './api-url.ts'
import { openLogStore } from './open-log-store.ts'
import { type NodeOptions, resolveNodeOptions } from './node-options.ts'
import type { Platform } from './platform.ts'
import type { ReadLevel } from './read-level.ts'
import { LeaderNotFoundError, StoreError } from './store-error.ts'
import { WriteQueue } from './write-queue.ts'
import type { ApiNode, ClusterNode, RaftStatus } from './node-api-port.ts'
import type { LeaderInfo, NodeState, NodeStats, ReadOptions, WriteOptions, WriteOutcome } from './node-types.ts'

export type { LeaderInfo, NodeState, NodeStats, ReadOptions, WriteOptions, WriteOutcome } from './node-types.ts'

/** Test and embedding hooks: replace the durable log (e.g. with an in-memory one). */
export interface StartOverrides {
  log?: LogStore
  fetch?: typeof fetch
}


export class RaftliteNode extends EventTarget implements ApiNode, ClusterNode {
  readonly options: NodeOptions
  readonly platform: Platform
  readonly startedAt: number
  /**
   * Settles once the node has joined its cluster (if asked to), caught up with its log and
   * knows a leader: from then on it serves writes and reads.
   */
  readonly ready: Promise<void>
  readonly #db: Database
  readonly #log: LogStore
  readonly #members = new Members()
  #driver: RaftDriver
  readonly #fsm: DatabaseStateMachine
  /** Nodes heard from while waiting for -bootstrap-expect peers (id → addresses). */
  #bootstrapPeers: Map<string, MemberAddresses> | null = null
  readonly #transport: HttpTransport
  readonly #queue: WriteQueue
  readonly #unlock: () => void
  readonly #fetch: typeof fetch
  #stopping: Promise<void> | null = null
  #api: Hono | null = null
  #clusterApi: ClusterApi | null = null
  readonly #snapshots: SnapshotStore
  #lastSnapshotIndex: number
  #cancelSnapshotTimer: (() => void) | null = null
  /** Persisting failed: the node stopped itself (see RaftDriver's onFatal). */
  #failed = false
  /** The snapshot whose copy is being made in the background. */
  #snapshotting: Promise<boolean> | null = null
  /** Snapshot streams to followers in flight: the store's copy must not change under them. */
  readonly #streaming = new Map<string, { guard: StallGuard; finished: Promise<void> }>()
  /** A snapshot stream is being received: one at a time (a second is refused, to be retried). */
  #receivingSnapshot = false
  /** Members carried by received snapshots not yet installed, by `index-term`. */
  readonly #receivedMembers = new Map<string, Member[]>()
  /** Raft batches sent by stream and by POST. */
  get transportStats(): { streamBatches: number; postBatches: number; streamsOpened: number } {
    return { ...this.#transport.stats }
  }

  /** Counters reported under /debug/vars (rqlite's expvar names). */
  readonly stats: NodeStats = { snapshots: 0, userSnapshots: 0, restoresStart: 0, restoresStartSkipped: 0, snapshotsInstalled: 0, snapshotsResumed: 0 }
  /** Conditions awaited until membership or leadership changes make them true. */
  readonly #waiters: { ready: () => boolean; resolve: () => void }[] = []
  /** Raft addresses learned from traffic and join requests, before the membership names them. */
  readonly #addressHints = new Map<string, string>()

  private constructor(
    options: NodeOptions,
    platform: Platform,
    db: Database,
    log: LogStore,
    unlock: () => void,
    overrides: StartOverrides,
    snapshots: SnapshotStore,
    start: { applied: number; mode: StartMode; members?: Member[] },
  ) {
    super()
    this.options = options
    this.platform = platform
    this.startedAt = platform.clock.now()
    this.#db = db
    this.#log = log
    this.#unlock = unlock
    this.#fetch = overrides.fetch ?? ((...args) => fetch(...args))
    this.#snapshots = snapshots
    this.#lastSnapshotIndex = start.applied
    if (start.members) this.#members.replaceAll(start.members)
    if (start.mode === 'fast') this.stats.restoresStartSkipped++
    if (start.mode === 'restored') this.stats.restoresStart++
    const fsm = new DatabaseStateMachine(
      () => this.#db,
      this.#members,
      (snapshot) => this.#installSnapshot(snapshot),
      () => this.#wakeWaiters(),
    )
    this.#fsm = fsm
    this.#transport = new HttpTransport({
      sender: `${options.nodeId}@${options.raftAdvAddr}`,
      addressOf: (id) => this.#members.get(id)?.raftAddr || this.#addressHints.get(id),
      timers: platform.timers,
      now: () => platform.clock.monotonic(),
      fetch: this.#fetch,
      openWebSocket: platform.openWebSocket,
      onUnreachable: (id) => this.#driver.reportUnreachable(id),
      sendSnapshot: (m) => void this.#sendSnapshot(m),
      maxBatchBytes: options.raftMaxBatchBytes,
    })
    this.#driver = this.#createDriver(start.applied)
    const firstSequence = BigInt(Math.floor(this.startedAt)) * 1_000_000n
    this.#queue = new WriteQueue({
      capacity: options.writeQueueCapacity,
      batchSize: options.writeQueueBatchSize,
      timeoutMs: options.writeQueueTimeoutMs,
      timers: platform.timers,
      firstSequence,
      origin: `${options.nodeId}:${firstSequence}`,
      enqueueTimeoutMs: options.raftApplyTimeoutMs,
      flush: (statements, queueId) => this.#flushQueued(statements, queueId),
      provesNotWritten: (error) => error instanceof LeaderNotFoundError,
      onError: (error) => this.#emitError(error),
      onLost: ({ sequences, outcome }) =>
        this.#emitError(new Error(`write queue: gave up on ${sequences.length} queued write(s), outcome ${outcome}; sequence numbers ${sequences.join(',')}`)),
    })
    this.ready = this.#becomeReady()
    // Nobody may be listening for a failed start yet; the error is also reported as an event.
    this.ready.catch(() => {})
  }

  /** Opens (creating if needed) the data directory and starts the node. */
  static async start(
    options: Partial<NodeOptions> & { dataDir: string },
    platform: Platform,
    overrides: StartOverrides = {},
  ): Promise<RaftliteNode> {
    const resolved = resolveNodeOptions(options)
    raftTiming(resolved) // refuse impossible timeouts before touching the data directory
    const { files } = platform
    files.mkdirp(resolved.dataDir)
    const unlock = files.lock(joinPath(resolved.dataDir, 'LOCK'))
    let db: Database | undefined
    let log: LogStore | undefined
    let startState: { applied: number; mode: StartMode; members?: Member[] }
    try {
      log = overrides.log ?? openLogStore(files, joinPath(resolved.dataDir, 'raft'))
      const fresh = log.initialState().hardState.term === 0 && log.lastIndex() === 0
      if (fresh && resolved.join.length === 0) {
        if (resolved.raftNonVoter) throw new Error('a non-voting node cannot bootstrap a cluster: give it -join')
        const context = encodeMemberContext({ raftAddr: resolved.raftAdvAddr, apiAddr: resolved.httpAdvAddr })
        const { entries, hardState } = bootstrapState([resolved.nodeId], { [resolved.nodeId]: context })
        log.append(entries)
        log.setHardState(hardState)
        log.sync()
      }
      // The log is the source of truth and SQLite runs unsynced: the database is the last
      // snapshot (kept as is when it still matches its fingerprint) plus a replay of the log.
      const dbPath = joinPath(resolved.dataDir, 'db.sqlite')
      const liveWrites = new WriteTrackingFilePort(files, dbPath)
      const snapshots = new SnapshotStore(files, resolved.dataDir, dbPath, liveWrites)
      const prepared = snapshots.prepareLive()
      if (prepared.meta) alignLogWithSnapshot(log, prepared.meta)
      db = await Database.open({
        files: liveWrites,
        path: dbPath,
        clock: platform.clock,
        random: platform.random,
        foreignKeys: resolved.foreignKeys,
        synchronous: 'off',
        checkpointWalBytes: 0, // only snapshots checkpoint
        checkpointOnClose: false,
      })
      startState = { applied: prepared.meta?.index ?? 0, mode: prepared.mode, members: prepared.meta?.members }
      const raftDir = joinPath(resolved.dataDir, 'raft')
      const peers = readPeersFile(files, raftDir)
      if (peers) {
        startState = { ...startState, ...recoverWithPeers(peers, log, db, snapshots, startState, resolved) }
        retirePeersFile(files, raftDir)
      }
      const node = new RaftliteNode(resolved, platform, db, log, unlock, overrides, snapshots, startState)
      node.#driver.start()
      node.#scheduleSnapshotCheck()
      const meta = snapshots.readMeta()
      if (meta && meta.dataCrc32c === undefined) node.#checksumSnapshot(meta.index)
      // A lone voter need not wait an election timeout for votes nobody else can give.
      const { voters } = node.#driver.raft.status().confState
      if (voters.length === 1 && voters[0] === resolved.nodeId) node.#driver.campaign()
      return node
    } catch (e) {
      db?.close()
      log?.close()
      unlock()
      throw e
    }
  }

  get id(): string {
    return this.options.nodeId
  }

  get state(): NodeState {
    if (this.#stopping) return 'Shutdown'
    const role = this.#driver.role
    return role === 'leader' ? 'Leader' : role === 'follower' ? 'Follower' : 'Candidate'
  }

  get isLeader(): boolean {
    return this.state === 'Leader'
  }

  /** Whether this node votes (false for read replicas). */
  get isVoter(): boolean {
    return this.#members.get(this.id)?.voter ?? !this.options.raftNonVoter
  }

  get appliedIndex(): number {
    return this.#driver.applied
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

  #createDriver(applied: number): RaftDriver {
    const seed = new Uint32Array(1)
    this.platform.random.fill(new Uint8Array(seed.buffer))
    const timing = raftTiming(this.options)
    const raft = new RaftNode({
      id: this.options.nodeId,
      storage: this.#log,
      random: createSeededRandom(seed[0]),
      electionTick: timing.electionTick,
      checkQuorumTick: timing.checkQuorumTick,
      heartbeatTick: 1,
      applied, // the snapshot the database holds; the log replays from there
      preVote: true,
      checkQuorum: true,
    })
    return new RaftDriver({
      raft,
      log: this.#log,
      fsm: this.#fsm,
      transport: this.#transport,
      timers: this.platform.timers,
      clock: this.platform.clock,
      tickMs: timing.tickMs,
      applied,
      readContextNonce: randomUint64(this.platform.random).toString(36),
      onSoftState: (state) => this.#onSoftState(state),
      onError: (error) => this.#emitError(error),
      onFatal: (error) => {
        this.#failed = true
        this.#emitError(error)
        void this.stop()
      },
    })
  }

  /** Resolves once this node has applied everything committed when it was called. */
  waitCaughtUp(): Promise<void> {
    return this.#driver.waitApplied(this.#driver.raft.status().commit)
  }

  /** The members of the cluster as this node knows them (sorted by id). */
  members(): Member[] {
    return this.#members.list()
  }

  raftStatus(): RaftStatus {
    return {
      ...this.#driver.raft.status(),
      lastLeaderContact: this.#driver.lastLeaderContact,
      lastSnapshotTerm: this.#log.snapshot().metadata.term,
    }
  }

  /**
   * The rqlite-compatible HTTP API as a Hono app: serve it, or mount it in your own app
   * (`app.route('/raftlite', node.api())`). Internode routes are never part of it.
   */
  api(): Hono {
    this.#api ??= createApi(this)
    return this.#api
  }

  /** The internode service (Raft messages, joins, forwarding): serve it on the Raft address. */
  clusterApi(): Hono {
    this.#clusterApi ??= clusterApi(this)
    return this.#clusterApi.app
  }

  /**
   * Lets peers stream Raft messages over a WebSocket (`/raft/stream` on the cluster port), with
   * the runtime's upgrade helper (hono/deno, hono/bun, @hono/node-ws). Without it they POST.
   */
  enableRaftStreams(upgradeWebSocket: UpgradeWebSocket): void {
    this.clusterApi()
    this.#clusterApi!.enableStreams(upgradeWebSocket)
  }

  /** An in-process client: the same semantics as the HTTP API, without HTTP. */
  client(options?: ClientOptions): Client {
    return new Client(this, options)
  }

  leader(): LeaderInfo | null {
    const id = this.#driver.leader
    if (!id || this.#stopping) return null
    const member = this.#members.get(id)
    if (!member) return null
    return { id, addr: member.raftAddr, apiAddr: apiUrl(member.apiAddr) }
  }

  /** Writes statements as one batch (one log entry): never interleaved with other writes. */
  async execute(statements: BoundStatement[], options: WriteOptions = {}): Promise<WriteOutcome> {
    this.#checkStatements(statements)
    if (!this.isLeader) {
      return this.#forward({ op: 'execute', statements, transaction: options.transaction === true, timeoutMs: options.timeoutMs ?? 0 })
    }
    return this.#write(statements, options, 'execute')
  }

  /** Reads at an rqlite consistency level (default `weak`). */
  async query(statements: BoundStatement[], options: ReadOptions = {}): Promise<StatementResult[]> {
    this.#checkStatements(statements)
    const level = this.#effectiveLevel(options.level)
    if (level === 'none') {
      this.#checkFreshness(options)
      return this.#localQuery(statements, options)
    }
    if (!this.isLeader) {
      const forwarded = await this.#forward({ op: 'query', statements, transaction: options.transaction === true, timeoutMs: options.timeoutMs ?? 0, level })
      return forwarded.results
    }
    return this.#leaderRead(statements, options, level)
  }

  /**
   * The unified endpoint: read-only statements get rows, others counters. If any statement
   * writes, or the level is `strong`, the whole request goes through the log.
   */
  async request(statements: BoundStatement[], options: ReadOptions = {}): Promise<WriteOutcome | { results: StatementResult[] }> {
    this.#checkStatements(statements)
    const writes = statements.some((s) => s.sql.trim() !== '' && !this.#db.isReadOnly(s.sql))
    const level = this.#effectiveLevel(options.level)
    if (!writes && level === 'none') {
      this.#checkFreshness(options)
      return { results: this.#localQuery(statements, options) }
    }
    if (!this.isLeader) {
      return this.#forward({ op: 'request', statements, transaction: options.transaction === true, timeoutMs: options.timeoutMs ?? 0, level })
    }
    if (writes || level === 'strong') return this.#write(statements, options, 'request')
    return { results: await this.#leaderRead(statements, options, level) }
  }

  /** Queues statements; see `WriteQueue`. Needs a known leader (rqlite checks first). */
  async enqueue(statements: BoundStatement[]): Promise<{ sequence: bigint; flushed: Promise<void> }> {
    this.#checkStatements(statements)
    if (!this.leader()) throw new LeaderNotFoundError()
    return this.#queue.enqueue(statements)
  }

  /**
   * Before stopping: leave the cluster if asked to (-raft-cluster-remove-shutdown), or hand
   * leadership over (-raft-shutdown-stepdown) so the others need not wait an election timeout.
   * Best effort and bounded: a node that cannot do either still stops.
   */
  async #leaveGracefully(): Promise<void> {
    // (leader() and isLeader already answer as a stopped node: ask the driver.)
    const others = this.#members.list().filter((m) => m.id !== this.id && m.voter)
    if (others.length === 0 || !this.#driver.leader) return
    // Both the deadline and the polling end with this call: nothing may outlive stop().
    const gaveUp = { done: false }
    let cancelDeadline = () => {}
    const bound = <T>(p: Promise<T>) =>
      Promise.race([
        p.catch(() => undefined),
        new Promise<undefined>((r) => (cancelDeadline = this.platform.timers.setTimeout(() => r(undefined), 4 * this.options.raftElectionTimeoutMs))),
      ])
    try {
      if (this.options.raftClusterRemoveShutdown) {
        await bound(this.#leaveAsking(gaveUp))
      } else if (this.options.raftShutdownStepdown && this.#driver.role === 'leader') {
        await bound(this.#transferForShutdown(gaveUp))
      }
    } finally {
      gaveUp.done = true
      cancelDeadline()
    }
  }

  async #leaveAsking(gaveUp: { done: boolean }): Promise<void> {
    if (this.#driver.role === 'leader') await this.#transferForShutdown(gaveUp)
    if (gaveUp.done) return
    const leader = this.#members.get(this.#driver.leader)
    if (!leader || leader.id === this.id) return
    const response = await this.#rpc(leader.raftAddr, { op: 'remove', id: this.id })
    if (!response.ok) throw new Error(`could not leave the cluster: ${response.error}`)
  }

  async #transferForShutdown(gaveUp: { done: boolean }): Promise<void> {
    const voters = this.#members.list().filter((m) => m.voter && m.id !== this.id)
    const progress = this.#driver.raft.progress()
    const target = voters.map((m) => m.id).sort((a, b) => (progress.get(b)?.match ?? 0) - (progress.get(a)?.match ?? 0))[0]
    if (!target) return
    this.#driver.transferLeadership(target)
    while (this.#driver.leader === this.id && !gaveUp.done) await new Promise<void>((r) => this.platform.timers.setTimeout(r, 20))
  }

  /** Index of the newest snapshot. */
  get lastSnapshotIndex(): number {
    return this.#lastSnapshotIndex
  }

  /**
   * Takes a snapshot now (rqlite's POST /snapshot) and compacts the log behind it, keeping
   * `trailingLogs` entries. Resolves false when there is nothing new to snapshot. Writes pause
   * only for the checkpoint of the WAL; the store's copy catches up in the background.
   */
  async snapshot(trailingLogs = this.options.raftTrailingLogs): Promise<boolean> {
    if (this.#stopping) throw new StoreError('store not open')
    while (this.#snapshotting) await this.#snapshotting.catch(() => {})
    if (this.#stopping) throw new StoreError('store not open')
    const applied = this.#driver.applied
    if (applied <= this.#lastSnapshotIndex) return false
    // A follower being sent the current copy must not hold off compaction: give up on its
    // transfer (it is sent the new snapshot next) rather than refuse or wait.
    while (this.#streaming.size > 0) await this.#abortSnapshotStreams('a newer snapshot is being taken')
    if (this.#stopping) throw new StoreError('store not open')
    // The point is taken in the same synchronous step as the checkpoint: whatever was applied
    // by then, and nothing after.
    const capture = () => {
      const raft = this.#driver.raft
      const index = this.#driver.applied
      const term = raft.termAt(index) ?? this.#log.term(index)
      return { point: { index, term, confState: raft.confStateAt(index), members: this.#members.list() }, live: this.#db }
    }
    const breathe = () => new Promise<void>((r) => this.platform.timers.setTimeout(r, 0))
    const taking = (async () => {
      const job = await this.#snapshots.begin(capture)
      const { index, confState } = job.point
      await this.#snapshots.complete(job, breathe)
      await this.#driver.betweenReadys(() => {
        // One from the leader, installed after our copy was recorded, is newer: it stands.
        if (index <= this.#log.snapshot().metadata.index) throw new SnapshotSupersededError()
        this.#log.createSnapshot(index, confState)
        const compactTo = Math.max(this.#log.firstIndex() - 1, index - trailingLogs)
        if (compactTo >= this.#log.firstIndex()) this.#log.compact(compactTo)
        this.#log.sync()
      })
      this.#lastSnapshotIndex = index
      this.stats.snapshots++
      this.#checksumSnapshot(index)
      return true
    })()
    this.#snapshotting = taking
    try {
      return await taking
    } finally {
      if (this.#snapshotting === taking) this.#snapshotting = null
    }
  }

  /** Computes the store copy's checksum in the background, so it can be verified later. */
  #checksumSnapshot(index: number): void {
    const breathe = () => new Promise<void>((r) => this.platform.timers.setTimeout(r, 0))
    void this.#snapshots.recordChecksum(index, breathe).catch((e: unknown) => {
      if (!this.#stopping) this.#emitError(e)
    })
  }

  /** Removes a node from the cluster (on the leader; forwarded from a follower). */
  async removeNode(id: string): Promise<void> {
    if (this.#stopping) throw new StoreError('store not open')
    if (!this.isLeader) {
      await this.#forward({ op: 'remove', id })
      return
    }
    await this.#removeMember(id)
  }

  /**
   * Hands leadership to `to` (or to the most up-to-date other voter). With `wait`, resolves
   * once another node leads; otherwise once the transfer has started.
   */
  async transferLeadership(to = '', options: { wait?: boolean } = {}): Promise<void> {
    if (this.#stopping) throw new StoreError('store not open')
    if (!this.isLeader) {
      await this.#forward({ op: 'transfer', id: to, wait: options.wait === true })
      return
    }
    if (to === this.id) throw new StoreError('stepdown: cannot step down to the current Leader')
    const voters = this.#members.list().filter((m) => m.voter && m.id !== this.id)
    if (to && !voters.some((m) => m.id === to)) throw new StoreError(`stepdown: node ${to} is not a voter in the cluster`)
    let target = to
    if (!target) {
      const progress = this.#driver.raft.progress()
      target = voters.map((m) => m.id).sort((a, b) => (progress.get(b)?.match ?? 0) - (progress.get(a)?.match ?? 0))[0] ?? ''
    }
    if (!target) throw new StoreError('stepdown: no other voter in the cluster to transfer leadership to')
    this.#driver.transferLeadership(target)
    if (!options.wait) return
    const deadline = this.platform.clock.monotonic() + 4 * this.options.raftElectionTimeoutMs
    while (this.#driver.leader === this.id || !this.#driver.leader) {
      if (this.platform.clock.monotonic() > deadline) throw new StoreError('stepdown: leadership transfer timed out')
      await new Promise<void>((r) => this.platform.timers.setTimeout(r, 20))
    }
  }

  /** Stops the node: flushes queued writes, stops Raft, closes the database, releases the directory. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      // Best effort first, and bounded: a queue that cannot flush (no leader) or a cluster that
      // cannot be left must not keep the node from stopping. What the queue could not write is
      // reported (onLost) and dropped.
      await this.#queue.drain(this.options.shutdownFlushTimeoutMs)
      await this.#leaveGracefully().catch((e: unknown) => this.#emitError(e))
      this.#queue.close()
      this.#cancelSnapshotTimer?.()
      await this.#snapshotting?.catch(() => {}) // or the next start copies the whole file again
      this.#driver.stop()
      this.#transport.close()
      await this.#abortSnapshotStreams('the node is stopping') // they read files closed below
      await this.#driver.idle() // a Ready waiting for its fsync still holds the log
      try {
        if (!this.#failed) this.#log.sync() // the newest commit index, so a restart replays less
      } finally {
        this.#log.close()
        this.#db.close()
        this.#unlock()
        this.dispatchEvent(new Event('stopped'))
      }
    })()
    return this.#stopping
  }

  // ------------------------------------------------------------------ internode (cluster API)

  /** @internal A peer's Raft address, as it told us. */
  learnAddress(id: string, raftAddr: string): void {
    if (id !== this.id) this.#addressHints.set(id, raftAddr)
  }

  /**
   * @internal Raft messages from peers, already checked for shape. Returns why some were
   * refused: a snapshot message counts only with its file, through `receiveSnapshot`; stepped
   * without one it would fail the install, which the driver takes for a storage failure.
   */
  stepMessages(messages: readonly Message[]): string | undefined {
    let refused: string | undefined
    for (const m of messages) {
      if (m.to !== this.id) continue
      if (m.type === 'snapshot') {
        refused = `dropped a snapshot message from ${m.from} (term ${m.term}) that came without its file; snapshots travel on the snapshot stream`
        this.#emitError(new Error(refused))
        continue
      }
      this.#driver.step(m)
    }
    return refused
  }

  /**
   * @internal A snapshot streamed by the leader: verified into the store's incoming file, then
   * handed to Raft, which installs it (through the state machine) if it is still useful.
   */
  async receiveSnapshot(message: Message, members: Member[], body: ReadableStream<Uint8Array>, offset = 0): Promise<void> {
    if (message.type !== 'snapshot' || message.to !== this.id) throw new SnapshotStreamError('not a snapshot for this node')
    // Two at once would write one incoming file (a new leader's stream while an old one's
    // still arrives): refuse the second; its sender retries.
    if (this.#receivingSnapshot) throw new SnapshotStreamError('another snapshot is being received; try again shortly', true)
    this.#receivingSnapshot = true
    try {
      const { index, term } = message.snapshot.metadata
      if (offset === 0) this.#snapshots.beginIncoming(index, term)
      else if (this.#snapshots.incomingBytes(index, term) < offset) throw new SnapshotStreamError(`nothing to resume at byte ${offset}`)
      else this.stats.snapshotsResumed++
      const received = await receiveSnapshotFrames(body, this.platform.files, this.#snapshots.incomingPath, offset, this.options.snapshotChunkBytes)
      this.#snapshots.acceptIncoming(index, term, received.crc32c)
      this.#receivedMembers.set(`${index}-${term}`, members)
    } finally {
      this.#receivingSnapshot = false
    }
    this.#driver.step(message)
  }

  /** @internal Bytes of snapshot (index, term) already here from a broken transfer. */
  snapshotResumeOffset(index: number, term: number): number {
    return this.#snapshots.incomingBytes(index, term)
  }

  /** @internal Requests from other nodes: forwarded work and joins. */
  async handleRpc(request: RpcRequest): Promise<RpcResponse> {
    try {
      switch (request.op) {
        case 'meta':
          return { ok: true, meta: this.#meta() }
        case 'notify':
          if (request.id !== this.id) this.#bootstrapPeers?.set(request.id, { raftAddr: request.raftAddr, apiAddr: request.apiAddr })
          return { ok: true, bootstrapped: this.#log.lastIndex() > 0 }
        case 'join':
          await this.#addMember(request)
          return { ok: true }
        case 'remove':
          if (!this.isLeader) return this.#notLeader()
          await this.#removeMember(request.id)
          return { ok: true }
        case 'transfer':
          if (!this.isLeader) return this.#notLeader()
          await this.transferLeadership(request.id, { wait: request.wait })
          return { ok: true }
      }
      if (!this.isLeader) return this.#notLeader()
      const { statements, transaction, timeoutMs } = request
      switch (request.op) {
        case 'execute':
          this.#checkStatements(statements)
          return { ok: true, ...(await this.#write(statements, { transaction, timeoutMs }, 'execute', request.queueId)) }
        case 'request': {
          const outcome = await this.request(statements, { level: request.level, transaction, timeoutMs })
          return { ok: true, ...outcome }
        }
        case 'query':
          return { ok: true, results: await this.query(statements, { level: request.level, transaction, timeoutMs }) }
      }
      // The cluster API checks requests; an op this switch misses is a bug, not a peer's fault.
      throw new Error(`unhandled cluster RPC op ${JSON.stringify((request as { op: unknown }).op)}`)
    } catch (e) {
      if (e instanceof LeaderNotFoundError) return { ok: false, error: e.message, leaderNotFound: true }
      if (e instanceof StoreError) return { ok: false, error: e.message }
      throw e
    }
  }

  // ------------------------------------------------------------------ internals

  async #becomeReady(): Promise<void> {
    const commitAtStart = this.#log.initialState().hardState.commit
    const fresh = commitAtStart === 0 && this.#log.lastIndex() === 0
    try {
      if (this.options.join.length > 0 && fresh) {
        if (this.options.bootstrapExpect > 0) await this.#bootstrapExpect()
        else await this.#join()
      }
      await this.#driver.waitApplied(commitAtStart)
      if (this.options.join.length > 0 && !fresh) this.#rejoin()
      // A leader to send writes to, and (after joining) our own membership applied, so that
      // what this node reports of the cluster includes itself.
      const settled = () => this.leader() !== null && (this.#members.get(this.id) !== undefined || this.options.join.length === 0)
      if (!settled()) await new Promise<void>((resolve) => this.#waiters.push({ ready: settled, resolve }))
      this.dispatchEvent(new Event('ready'))
    } catch (e) {
      this.#emitError(e)
      throw e
    }
  }

  /**
   * -bootstrap-expect N: nodes tell each other (through -join) that they exist. Once a node
   * knows N and has the smallest id, it alone founds the cluster with all N as voters; the
   * others (their logs empty, but able to vote) receive the log from it. A latecomer told that
   * a cluster already exists joins it instead.
   */
  async #bootstrapExpect(): Promise<void> {
    const self: MemberAddresses = { raftAddr: this.options.raftAdvAddr, apiAddr: this.options.httpAdvAddr }
    const peers = new Map<string, MemberAddresses>([[this.id, self]])
    this.#bootstrapPeers = peers
    const deadline = this.platform.clock.monotonic() + this.options.bootstrapExpectTimeoutMs
    const request: RpcRequest = { op: 'notify', id: this.id, ...self }
    const targets = this.options.join.filter((a) => a !== this.options.raftAdvAddr && a !== this.options.raftAddr)
    try {
      for (;;) {
        if (this.#log.lastIndex() > 0) return // the founder reached us: we are in
        let clusterExists = false
        await Promise.all(
          targets.map(async (target) => {
            try {
              const response = await this.#rpc(target, request)
              if (response.ok && response.bootstrapped) clusterExists = true
            } catch {
              // not up yet
            }
          }),
        )
        if (this.#log.lastIndex() > 0) return
        if (clusterExists) return await this.#join()
        const ids = [...peers.keys()].sort()
        if (ids.length >= this.options.bootstrapExpect && ids[0] === this.id) {
          // #found writes the log under the driver: no Ready may be waiting for its fsync.
          await this.#driver.idle()
          if (this.#log.lastIndex() > 0) return
          this.#found(ids.slice(0, Math.max(this.options.bootstrapExpect, ids.length)), peers)
          return
        }
        if (this.#stopping) throw new StoreError('store not open')
        if (this.platform.clock.monotonic() > deadline) {
          throw new Error(
            `bootstrap-expect: found ${peers.size} of ${this.options.bootstrapExpect} nodes (${ids.join(', ')}) ` +
              `within ${this.options.bootstrapExpectTimeoutMs} ms; check -join on every node`,
          )
        }
        await new Promise<void>((r) => this.platform.timers.setTimeout(r, Math.min(this.options.joinIntervalMs, 500)))
      }
    } finally {
      this.#bootstrapPeers = null
    }
  }

  /** Founds the cluster: writes the membership as the first entries and starts Raft on it. */
  #found(voters: string[], addresses: Map<string, MemberAddresses>): void {
    const contexts = Object.fromEntries(voters.map((id) => [id, encodeMemberContext(addresses.get(id)!)]))
    for (const [id, a] of addresses) this.#addressHints.set(id, a.raftAddr)
    const { entries, hardState } = bootstrapState(voters, contexts)
    this.#driver.stop()
    this.#log.append(entries)
    this.#log.setHardState(hardState)
    this.#log.sync()
    this.#driver = this.#createDriver(0)
    this.#driver.start()
    this.#driver.campaign()
  }

  /**
   * A restarted member given -join asks again: a no-op if nothing changed, and the way a node
   * whose address changed gets its entry replaced. Best effort: the rest of the cluster may be
   * restarting too. A node that is a single-node cluster with data must not join another one.
   */
  #rejoin(): void {
    const members = this.#members.list()
    const targets = this.options.join.filter((a) => a !== this.options.raftAdvAddr && a !== this.options.raftAddr)
    const alone = members.length === 1 && members[0].id === this.id
    if (alone && targets.length > 0) {
      throw new Error(
        `this node is a single-node cluster with data and cannot join the cluster at ${targets.join(',')}; ` +
          'start it with an empty data directory to join, or without -join to keep its data',
      )
    }
    void this.#join().catch((e: unknown) => this.#emitError(e))
  }

  async #join(): Promise<void> {
    const request: RpcRequest = {
      op: 'join',
      id: this.id,
      raftAddr: this.options.raftAdvAddr,
      apiAddr: this.options.httpAdvAddr,
      voter: !this.options.raftNonVoter,
    }
    const errors: string[] = []
    for (let attempt = 0; attempt < this.options.joinAttempts; attempt++) {
      const targets = [...this.options.join]
      for (let i = 0; i < targets.length && i < 16; i++) {
        const target = targets[i]
        if (target === this.options.raftAdvAddr || target === this.options.raftAddr) continue
        try {
          const response = await this.#rpc(target, request)
          if (response.ok) return
          if (response.leaderRaftAddr && !targets.includes(response.leaderRaftAddr)) targets.push(response.leaderRaftAddr)
          errors.push(`${target}: ${response.error}`)
        } catch (e) {
          errors.push(`${target}: ${e instanceof Error ? e.message : String(e)}`)
        }
      }
      if (this.#stopping) throw new StoreError('store not open')
      await new Promise<void>((r) => this.platform.timers.setTimeout(r, this.options.joinIntervalMs))
    }
    throw new Error(`failed to join cluster at ${this.options.join.join(',')} after ${this.options.joinAttempts} attempts: ${errors.slice(-3).join('; ')}`)
  }

  async #addMember(request: Extract<RpcRequest, { op: 'join' }>): Promise<void> {
    if (!this.isLeader) throw new StoreError('not leader')
    const existing = this.#members.get(request.id)
    if (existing && existing.raftAddr === request.raftAddr && existing.apiAddr === request.apiAddr && existing.voter === request.voter) {
      return // idempotent
    }
    const sameAddr = this.#members.byRaftAddr(request.raftAddr)
    if (sameAddr && sameAddr.id !== request.id) await this.#removeMember(sameAddr.id)
    const context = encodeMemberContext({ raftAddr: request.raftAddr, apiAddr: request.apiAddr })
    if (existing && existing.raftAddr !== request.raftAddr) await this.#removeMember(request.id)
    this.#addressHints.set(request.id, request.raftAddr)
    await this.#proposeConfChange({ type: request.voter ? 'addVoter' : 'addLearner', nodeId: request.id, context })
  }

  /** One membership change at a time: concurrent joins wait their turn instead of failing. */
  async #proposeConfChange(change: ConfChange): Promise<void> {
    const deadline = this.platform.clock.monotonic() + this.options.raftApplyTimeoutMs
    for (;;) {
      try {
        await this.#driver.proposeConfChange(change, this.options.raftApplyTimeoutMs)
        return
      } catch (e) {
        const busy = e instanceof StoreError && /membership change is still uncommitted/.test(e.message)
        if (!busy || this.platform.clock.monotonic() > deadline) throw e
        await new Promise<void>((r) => this.platform.timers.setTimeout(r, 50))
      }
    }
  }

  async #removeMember(id: string): Promise<void> {
    if (!this.isLeader) throw new StoreError('not leader')
    if (!this.#members.get(id)) throw new StoreError(`node ${id} is not a member of the cluster`)
    await this.#proposeConfChange({ type: 'removeNode', nodeId: id })
  }

  /**
   * One flush of the write queue, on the leader or forwarded to it, with the batch's id. Also
   * while stopping: the queue drains (for a bounded time) before the node goes.
   */
  async #flushQueued(statements: BoundStatement[], queueId: QueueId): Promise<void> {
    const transaction = this.options.writeQueueTx
    if (this.#driver.role === 'leader') {
      await this.#write(statements, { transaction }, 'execute', queueId)
      return
    }
    const leader = this.#members.get(this.#driver.leader)
    if (!leader || leader.id === this.id) throw new LeaderNotFoundError()
    const response = await this.#rpc(leader.raftAddr, { op: 'execute', statements, transaction, timeoutMs: 0, queueId })
    if (!response.ok) throw response.leaderNotFound ? new LeaderNotFoundError() : new StoreError(`forwarded queued write: ${response.error}`)
  }

  async #write(statements: BoundStatement[], options: WriteOptions, mode: 'execute' | 'request', queueId?: QueueId): Promise<WriteOutcome> {
    if (this.#stopping && !queueId) throw new StoreError('store not open')
    const batch: WriteBatch = {
      statements,
      timestampMs: this.platform.clock.now(),
      seed: randomUint64(this.platform.random),
      transaction: options.transaction === true,
      mode,
      timeoutMs: options.timeoutMs ?? 0,
      ...(queueId ? { queueId } : {}),
    }
    return (await this.#driver.propose(encodeCommand({ kind: 'write', batch }), this.options.raftApplyTimeoutMs)) as AppliedWrite
  }

  async #leaderRead(statements: BoundStatement[], options: ReadOptions, level: ReadLevel): Promise<StatementResult[]> {
    if (level === 'strong') {
      const command = encodeCommand({ kind: 'read', statements, transaction: options.transaction === true, timeoutMs: options.timeoutMs ?? 0 })
      const applied = (await this.#driver.propose(command, this.options.raftApplyTimeoutMs)) as AppliedWrite
      return applied.results
    }
    if (level === 'linearizable') await this.#driver.readIndex(this.options.raftApplyTimeoutMs)
    // A new leader may not have applied all that the old one acknowledged: a `weak` read waits
    // until it has applied an entry of its own term (a ReadIndex implies that already).
    else if (!this.#driver.leaderCaughtUp) await this.#driver.waitLeaderCaughtUp(this.options.raftApplyTimeoutMs)
    return this.#localQuery(statements, options)
  }

  #localQuery(statements: BoundStatement[], options: ReadOptions): StatementResult[] {
    if (this.#stopping) throw new StoreError('store not open')
    return this.#db.query(statements, { transaction: options.transaction, timeoutMs: options.timeoutMs })
  }

  #effectiveLevel(level: ReadLevel | undefined): Exclude<ReadLevel, 'auto'> {
    if (level === 'auto') return this.isVoter ? 'weak' : 'none'
    return level ?? 'weak'
  }

  #checkFreshness(options: ReadOptions): void {
    if (!options.freshnessMs || this.isLeader) return
    const now = this.platform.clock.monotonic()
    if (now - this.#driver.lastLeaderContact > options.freshnessMs) throw new StoreError('stale read')
    if (options.freshnessStrict && this.platform.clock.now() - this.#fsm.lastWriteTimestamp > options.freshnessMs) {
      throw new StoreError('stale read')
    }
  }

  async #forward(request: Exclude<RpcRequest, { op: 'meta' | 'join' }>): Promise<WriteOutcome> {
    const leader = this.leader()
    if (!leader || leader.id === this.id) throw new LeaderNotFoundError()
    const response = await this.#rpc(leader.addr, request).catch((e: unknown) => {
      throw new StoreError(`forwarding to leader ${leader.addr} failed: ${e instanceof Error ? e.message : String(e)}`)
    })
    if (!response.ok) throw response.leaderNotFound ? new LeaderNotFoundError() : new StoreError(response.error)
    return { results: response.results ?? [], raftIndex: response.raftIndex ?? 0, servedBy: leader.addr }
  }

  async #rpc(raftAddr: string, request: RpcRequest): Promise<RpcResponse> {
    const res = await this.#fetch(`http://${raftAddr}/cluster/rpc`, {
      method: 'POST',
      headers: { 'Content-Type': CBOR_TYPE },
      body: encodeWire(request) as Uint8Array<ArrayBuffer>,
      signal: AbortSignal.timeout(this.options.clusterRpcTimeoutMs),
    })
    const bytes = new Uint8Array(await res.arrayBuffer())
    if (!res.ok) throw new Error(`HTTP ${res.status}: ${new TextDecoder().decode(bytes.subarray(0, 512)).trim()}`)
    try {
      return checkRpcResponse(decodeWire<unknown>(bytes))
    } catch (e) {
      throw new Error(`malformed answer from ${raftAddr}: ${e instanceof Error ? e.message : String(e)}`)
    }
  }

  #notLeader(): RpcResponse {
    const leader = this.leader()
    return leader ? { ok: false, error: 'not leader', leaderRaftAddr: leader.addr } : { ok: false, error: 'leader not found', leaderNotFound: true }
  }

  #meta(): NodeMeta {
    return { id: this.id, apiAddr: apiUrl(this.options.httpAdvAddr), raftAddr: this.options.raftAdvAddr, version: `v${RAFTLITE_VERSION}` }
  }

  /** Streams the store's copy (the snapshot in `m`) to a follower that is too far behind. */
  async #sendSnapshot(m: Message): Promise<void> {
    const to = m.to
    const addr = this.#members.get(to)?.raftAddr || this.#addressHints.get(to)
    // Not while a new snapshot's copy is being made: the store's copy is changing.
    if (this.#streaming.has(to) || !addr || m.type !== 'snapshot' || this.#snapshotting) {
      if (!this.#streaming.has(to)) this.#driver.reportSnapshot(to, false)
      return
    }
    let ok = false
    // Aborted when no bytes move for a while: a peer that stops reading must not keep the
    // follower in #streaming, which holds off every snapshot (and so log compaction).
    const guard = stallGuard(this.platform.timers, this.options.snapshotStallTimeoutMs)
    let finish = () => {}
    this.#streaming.set(to, { guard, finished: new Promise<void>((r) => (finish = r)) })
    try {
      const meta = this.#snapshots.readMeta()
      if (!meta || meta.index !== m.snapshot.metadata.index) throw new Error('the snapshot to send is not the one in the store')
      // Resume after what a broken transfer of this same snapshot already delivered.
      const { index, term } = m.snapshot.metadata
      const asked = await this.#fetch(`http://${addr}/raft/snapshot/offset?index=${index}&term=${term}`, { signal: AbortSignal.timeout(5000) })
      const offset = asked.ok ? Number(((await asked.json()) as { bytes?: unknown }).bytes) || 0 : (await asked.arrayBuffer(), 0)
      const header = toBase64(encodeWire({ message: m, members: meta.members, offset }))
      const res = await this.#fetch(`http://${addr}/raft/snapshot`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/octet-stream', [SNAPSHOT_HEADER]: header, [SENDER_HEADER]: `${this.id}@${this.options.raftAdvAddr}` },
        body: guard.watch(
          snapshotFrames(this.platform.files, this.#snapshots.dataPath, offset, this.options.snapshotChunkBytes, meta.dataCrc32c, (detail) =>
            this.#emitError(new Error(`the snapshot copy in the store is damaged (${detail}); not sending it as good`)),
          ),
        ),
        duplex: 'half',
        signal: guard.signal,
      } as RequestInit)
      guard.progress()
      await res.arrayBuffer()
      ok = res.ok
      if (!ok) this.#emitError(new Error(`snapshot to ${to} refused: HTTP ${res.status}`))
    } catch (e) {
      this.#emitError(new Error(`snapshot to ${to} failed: ${e instanceof Error ? e.message : String(e)}`))
    } finally {
      guard.done()
      this.#streaming.delete(to)
      finish()
    }
    this.#driver.reportSnapshot(to, ok)
  }

  async #abortSnapshotStreams(reason: string): Promise<void> {
    const streams = [...this.#streaming.values()]
    for (const s of streams) s.guard.abort(reason)
    await Promise.all(streams.map((s) => s.finished))
  }

  #scheduleSnapshotCheck(): void {
    this.#cancelSnapshotTimer = this.platform.timers.setTimeout(() => {
      if (this.#stopping) return
      try {
        const entries = this.#driver.applied - this.#lastSnapshotIndex
        const wal = this.options.raftSnapWalBytes > 0 ? this.#db.walSize() / this.options.raftSnapWalBytes : 0
        const due = Math.max(entries / this.options.raftSnapEntries, wal)
        // A snapshot being sent to a follower gets to finish while the log and WAL stay under
        // twice their thresholds; past that, compaction wins and the transfer is abandoned.
        if (due >= 1 && (this.#streaming.size === 0 || due >= 2) && !this.#snapshotting) {
          this.snapshot().catch((e: unknown) => {
            if (!this.#stopping && !(e instanceof SnapshotSupersededError)) this.#emitError(e)
          })
        }
      } catch (e) {
        this.#emitError(e)
      }
      this.#scheduleSnapshotCheck()
      // At least every second: under a burst of writes a 10 s interval lets the WAL grow so
      // large that its checkpoint (synchronous) would stall writes for long.
    }, Math.min(this.options.raftSnapIntervalMs, 1000))
  }

  /** A snapshot from the leader, already received and verified into the store's incoming file. */
  #installSnapshot(snapshot: Snapshot): void {
    const { index, term, confState } = snapshot.metadata
    const members = this.#receivedMembers.get(`${index}-${term}`)
    if (!members) throw new StoreError(`snapshot: no verified file has been received for snapshot ${index} of term ${term}`)
    // The store installs only the file received for this index and term, checksum verified.
    this.#db.reopenAround(() => this.#snapshots.install({ index, term, confState, members }))
    for (const key of this.#receivedMembers.keys()) if (Number(key.split('-')[0]) <= index) this.#receivedMembers.delete(key)
    this.#members.replaceAll(members)
    this.#lastSnapshotIndex = index
    this.stats.snapshotsInstalled++
    this.#wakeWaiters()
  }

  /**
   * Re-checks awaited conditions after membership or leadership changed (a joining node learns
   * the leader's address, and its own membership, only by applying entries).
   */
  #wakeWaiters(): void {
    for (const waiter of [...this.#waiters]) {
      if (!waiter.ready()) continue
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1)
      waiter.resolve()
    }
  }

  #onSoftState(state: SoftState): void {
    this.#wakeWaiters()
    const leader = this.leader()
    this.dispatchEvent(new CustomEvent('leader', { detail: leader ?? { id: state.leader, addr: '', apiAddr: '' } }))
  }

  /**
   * Refuses the whole request before anything runs (rqlite's `disallowed pragma`), judged by
   * SQLite's authorizer. Only an early answer: the same policy guards every statement as the
   * database runs it, forwarded, replayed or not.
   */
  #checkStatements(statements: BoundStatement[]): void {
    if (this.#stopping) throw new StoreError('store not open')
    for (const s of statements) {
      const refused = this.#db.refusal(s.sql)
      if (refused !== null) throw new StoreError(refused)
    }
  }

  #emitError(error: unknown): void {
    this.dispatchEvent(new CustomEvent('error', { detail: error }))
  }
}

