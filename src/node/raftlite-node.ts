/**
 * A raftlite node: a Raft member with a SQLite state machine, the write path, reads at every
 * rqlite level, forwarding to the leader and the write queue — with no HTTP in sight. The daemon
 * and embedding applications both drive a node through this class.
 *
 * Every node, a lone one included, is a Raft member: writes are proposed to the log, applied
 * only once committed (durable on a quorum), and acknowledged after they are applied. A lone
 * node is a one-member cluster that later nodes can join.
 *
 * This class is the façade: it opens the node, wires its parts and stops it. The parts own
 * their state: `DataPath` (writes and reads), `Membership`, `Leadership`, `NodeSnapshots` and
 * `SnapshotSender`, `handleClusterRpc` and `PeerRpc` (docs/architecture.md shows the picture).
 */
import type { Hono } from 'hono'
import type { UpgradeWebSocket } from 'hono/ws'
import { Client, type ClientOptions } from '../client/client.ts'
import { type ClusterApi, clusterApi } from '../cluster/cluster-api.ts'
import { type CommandHandler, DatabaseStateMachine } from '../cluster/database-state-machine.ts'
import type { HttpTransport } from '../cluster/http-transport.ts'
import type { LogStore } from '../cluster/log-store.ts'
import { type Member, Members } from '../cluster/members.ts'
import type { RaftDriver } from '../cluster/raft-driver.ts'
import type { RpcRequest, RpcResponse } from '../cluster/rpc.ts'
import type { Database } from '../db/database.ts'
import type { DatabaseImage } from '../db/database-image.ts'
import type { StatementResult } from '../db/statement-result.ts'
import { createApi } from '../http/create-api.ts'
import type { Message } from '../raft/messages.ts'
import type { Snapshot, SoftState } from '../raft/types.ts'
import type { BoundStatement } from '../sqlite/connection.ts'
import { apiUrl } from './api-url.ts'
import { handleClusterRpc, stepPeerMessages } from './cluster-rpc.ts'
import { Conditions } from './conditions.ts'
import { createRaftDriver, createTransport } from './create-raft-driver.ts'
import { DataPath } from './data-path.ts'
import { Leadership } from './leadership.ts'
import { Membership } from './membership.ts'
import type { ApiNode, ClusterNode, RaftStatus } from './node-api-port.ts'
import type { NodeContext } from './node-context.ts'
import { type NodeOptions, resolveNodeOptions } from './node-options.ts'
import { NodeSnapshots } from './node-snapshots.ts'
import type { LeaderInfo, NodeState, NodeStats, ReadOptions, WriteOptions, WriteOutcome } from './node-types.ts'
import { type NodeStorage, openNodeStorage } from './open-node-storage.ts'
import { PeerRpc } from './peer-rpc.ts'
import { shutDown } from './node-shutdown.ts'
import type { Platform } from './platform.ts'
import { raftTiming } from './raft-timing.ts'
import { LeaderNotFoundError, StoreError } from './store-error.ts'
import type { WriteQueue } from './write-queue.ts'
import { createNodeQueue } from './node-queue.ts'

export type { LeaderInfo, NodeState, NodeStats, ReadOptions, WriteOptions, WriteOutcome } from './node-types.ts'

/** Test and embedding hooks: replace the durable log (e.g. with an in-memory one). */
export interface StartOverrides {
  log?: LogStore
  fetch?: typeof fetch
  /** Handlers of commands other than SQL (`node.command`); the same on every node, before it starts. */
  commands?: ReadonlyMap<string, CommandHandler>
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
  /** Counters reported under /debug/vars (rqlite's expvar names). */
  readonly stats: NodeStats = { snapshots: 0, userSnapshots: 0, restoresStart: 0, restoresStartSkipped: 0, snapshotsInstalled: 0, snapshotsResumed: 0 }
  /** The replicated state machine: extension hooks (row changes, custom commands) live there. */
  readonly stateMachine: DatabaseStateMachine
  readonly #storage: NodeStorage
  readonly #ctx: NodeContext
  readonly #members = new Members()
  readonly #conditions = new Conditions()
  #driver: RaftDriver
  readonly #transport: HttpTransport
  readonly #queue: WriteQueue
  readonly #peers: PeerRpc
  readonly #data: DataPath
  readonly #membership: Membership
  readonly #leadership: Leadership
  readonly #snapshots: NodeSnapshots
  #stopping: Promise<void> | null = null
  /** Persisting failed: the node stopped itself (see RaftDriver's onFatal). */
  #failed = false
  #api: Hono | null = null
  #clusterApi: ClusterApi | null = null

  private constructor(options: NodeOptions, platform: Platform, storage: NodeStorage, overrides: StartOverrides) {
    super()
    this.options = options
    this.platform = platform
    this.startedAt = platform.clock.now()
    this.#storage = storage
    const { start } = storage
    if (start.members) this.#members.replaceAll(start.members)
    if (start.mode === 'fast') this.stats.restoresStartSkipped++
    if (start.mode === 'restored') this.stats.restoresStart++
    const ctx: NodeContext = (this.#ctx = {
      id: options.nodeId,
      options,
      platform,
      log: storage.log,
      db: storage.db,
      members: this.#members,
      fetch: overrides.fetch ?? ((...args) => fetch(...args)),
      driver: () => this.#driver,
      stopping: () => this.#stopping !== null,
      leader: () => this.leader(),
      emitError: (e) => this.#emitError(e),
    })
    this.#peers = new PeerRpc(ctx)
    this.#membership = new Membership({ ...ctx, peers: this.#peers, conditions: this.#conditions, restartDriver: () => (this.#driver = this.#createDriver(0)) })
    this.#leadership = new Leadership({ ...ctx, peers: this.#peers })
    const addressOf = (id: string) => this.#membership.addressOf(id)
    const recheck = () => this.#conditions.recheck()
    this.#snapshots = new NodeSnapshots({ ...ctx, store: storage.snapshots, stats: this.stats, addressOf, membersChanged: recheck }, start.applied)
    const install = (snapshot: Snapshot) => this.#snapshots.install(snapshot)
    this.stateMachine = new DatabaseStateMachine(() => storage.db, this.#members, install, recheck, overrides.commands, ctx.emitError)
    this.#data = new DataPath({ ...ctx, peers: this.#peers, isVoter: () => this.isVoter, lastWriteTimestamp: () => this.stateMachine.lastWriteTimestamp })
    const sendSnapshot = (m: Message) => void this.#snapshots.sender.send(m)
    this.#transport = createTransport(ctx, { addressOf, onUnreachable: (id) => this.#driver.reportUnreachable(id), sendSnapshot })
    this.#driver = this.#createDriver(start.applied)
    this.#queue = createNodeQueue(ctx, this.startedAt, (statements, queueId) => this.#data.flushQueued(statements, queueId))
    this.ready = this.#becomeReady()
    // Nobody may be listening for a failed start yet; the error is also reported as an event.
    this.ready.catch(() => {})
  }

  /** Opens (creating if needed) the data directory and starts the node. */
  static async start(options: Partial<NodeOptions> & { dataDir: string }, platform: Platform, overrides: StartOverrides = {}): Promise<RaftliteNode> {
    const resolved = resolveNodeOptions(options)
    raftTiming(resolved) // refuse impossible timeouts before touching the data directory
    const storage = await openNodeStorage(resolved, platform, overrides.log)
    try {
      const node = new RaftliteNode(resolved, platform, storage, overrides)
      node.#driver.start()
      node.#snapshots.schedule()
      const meta = storage.snapshots.readMeta()
      if (meta && meta.dataCrc32c === undefined) node.#snapshots.checksum(meta.index)
      // A lone voter need not wait an election timeout for votes nobody else can give.
      const { voters } = node.#driver.raft.status().confState
      if (voters.length === 1 && voters[0] === resolved.nodeId) node.#driver.campaign()
      return node
    } catch (e) {
      storage.close()
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
    return this.#storage.db.sqliteVersion
  }

  get queue(): WriteQueue {
    return this.#queue
  }

  /** The database, for status and diagnostics. */
  get database(): Database {
    return this.#storage.db
  }

  /** Raft batches sent by stream and by POST. */
  get transportStats(): { streamBatches: number; postBatches: number; streamsOpened: number } {
    return { ...this.#transport.stats }
  }

  /** Index of the newest snapshot. */
  get lastSnapshotIndex(): number {
    return this.#snapshots.lastIndex
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
    return { ...this.#driver.raft.status(), lastLeaderContact: this.#driver.lastLeaderContact, lastSnapshotTerm: this.#storage.log.snapshot().metadata.term }
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
  execute(statements: BoundStatement[], options: WriteOptions = {}): Promise<WriteOutcome> {
    return this.#data.execute(statements, options)
  }

  /** Reads at an rqlite consistency level (default `weak`). */
  query(statements: BoundStatement[], options: ReadOptions = {}): Promise<StatementResult[]> {
    return this.#data.query(statements, options)
  }

  /**
   * The unified endpoint: read-only statements get rows, others counters. If any statement
   * writes, or the level is `strong`, the whole request goes through the log.
   */
  request(statements: BoundStatement[], options: ReadOptions = {}): Promise<WriteOutcome | { results: StatementResult[] }> {
    return this.#data.request(statements, options)
  }

  /** On the leader: puts a command other than SQL through the log (see `StartOverrides.commands`). */
  command(name: string, payload: Uint8Array): Promise<{ result: unknown; raftIndex: number }> {
    return this.#data.command(name, payload)
  }

  /** A consistent image of the database at `appliedIndex`, readable while writes go on (backup). */
  openImage(): { appliedIndex: number; image: DatabaseImage } {
    if (this.#stopping) throw new StoreError('store not open')
    return { appliedIndex: this.#driver.applied, image: this.#storage.db.openImage() } // one synchronous step
  }

  /** Queues statements; see `WriteQueue`. Needs a known leader (rqlite checks first). */
  async enqueue(statements: BoundStatement[]): Promise<{ sequence: bigint; flushed: Promise<void> }> {
    this.#data.checkStatements(statements)
    if (!this.leader()) throw new LeaderNotFoundError()
    return this.#queue.enqueue(statements)
  }

  /**
   * Takes a snapshot now (rqlite's POST /snapshot) and compacts the log behind it, keeping
   * `trailingLogs` entries. Resolves false when there is nothing new to snapshot. Writes pause
   * only for the checkpoint of the WAL; the store's copy catches up in the background.
   */
  snapshot(trailingLogs = this.options.raftTrailingLogs): Promise<boolean> {
    return this.#snapshots.take(trailingLogs)
  }

  /** Removes a node from the cluster (on the leader; forwarded from a follower). */
  removeNode(id: string): Promise<void> {
    return this.#membership.removeNode(id)
  }

  /**
   * Hands leadership to `to` (or to the most up-to-date other voter). With `wait`, resolves
   * once another node leads; otherwise once the transfer has started.
   */
  transferLeadership(to = '', options: { wait?: boolean } = {}): Promise<void> {
    return this.#leadership.transfer(to, options)
  }

  /** Stops the node: flushes queued writes, stops Raft, closes the database, releases the directory. */
  stop(): Promise<void> {
    const parts = { queue: this.#queue, leadership: this.#leadership, snapshots: this.#snapshots, transport: this.#transport, storage: this.#storage }
    const closed = () => this.dispatchEvent(new Event('stopped'))
    this.#stopping ??= shutDown({ ...this.#ctx, ...parts, driver: () => this.#driver, failed: () => this.#failed, closed })
    return this.#stopping
  }

  // ------------------------------------------------------------------ internode (cluster API)

  /** @internal A peer's Raft address, as it told us. */
  learnAddress(id: string, raftAddr: string): void {
    this.#membership.learnAddress(id, raftAddr)
  }

  /**
   * @internal Raft messages from peers, already checked for shape. Returns why some were
   * refused: a snapshot message counts only with its file, through `receiveSnapshot`; stepped
   * without one it would fail the install, which the driver takes for a storage failure.
   */
  stepMessages(messages: readonly Message[]): string | undefined {
    return stepPeerMessages(this.id, this.#driver, messages, (e) => this.#emitError(e))
  }

  /**
   * @internal A snapshot streamed by the leader: verified into the store's incoming file, then
   * handed to Raft, which installs it (through the state machine) if it is still useful.
   */
  receiveSnapshot(message: Message, members: Member[], body: ReadableStream<Uint8Array>, offset = 0): Promise<void> {
    return this.#snapshots.receive(message, members, body, offset)
  }

  /** @internal Bytes of snapshot (index, term) already here from a broken transfer. */
  snapshotResumeOffset(index: number, term: number): number {
    return this.#storage.snapshots.incomingBytes(index, term)
  }

  /** @internal Requests from other nodes: forwarded work and joins. */
  handleRpc(request: RpcRequest): Promise<RpcResponse> {
    const parts = { membership: this.#membership, leadership: this.#leadership, data: this.#data }
    return handleClusterRpc({ id: this.id, options: this.options, leader: () => this.leader(), isLeader: () => this.isLeader, ...parts }, request)
  }

  // ------------------------------------------------------------------ internals

  #createDriver(applied: number): RaftDriver {
    const { options, platform, stateMachine: fsm } = this
    const onFatal = (error: unknown) => {
      this.#failed = true
      this.#emitError(error)
      void this.stop()
    }
    const onSoftState = (state: SoftState) => this.#onSoftState(state)
    const parts = { options, platform, log: this.#storage.log, fsm, transport: this.#transport, onSoftState, onError: (e: unknown) => this.#emitError(e), onFatal }
    return createRaftDriver(parts, applied)
  }

  async #becomeReady(): Promise<void> {
    try {
      await this.#membership.settle()
      this.dispatchEvent(new Event('ready'))
    } catch (e) {
      this.#emitError(e)
      throw e
    }
  }

  #onSoftState(state: SoftState): void {
    this.#conditions.recheck()
    const leader = this.leader()
    this.dispatchEvent(new CustomEvent('leader', { detail: leader ?? { id: state.leader, addr: '', apiAddr: '' } }))
  }

  #emitError(error: unknown): void {
    this.dispatchEvent(new CustomEvent('error', { detail: error }))
  }
}
