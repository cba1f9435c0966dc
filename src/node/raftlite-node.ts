/**
 * A raftlite node: a Raft member with a SQLite state machine, the write path, reads at every
 * rqlite level, forwarding to the leader and the write queue — with no HTTP in sight. The daemon
 * and embedding applications both drive a node through this class.
 *
 * Every node, a lone one included, is a Raft member: writes are proposed to the log, applied
 * only once committed (durable on a quorum), and acknowledged after they are applied. A lone
 * node is a one-member cluster that later nodes can join.
 *
 * This class is the façade: it opens the node and answers for it; `NodeParts` (node-parts.ts)
 * builds and wires the parts, which own their state: `DataPath` (writes and reads),
 * `Membership`, `Leadership`, `NodeSnapshots` and `SnapshotSender`, `handleClusterRpc` and
 * `PeerRpc` (docs/architecture.md shows the picture).
 */
import { LoopReadEngine } from '../db/loop-read-engine.ts'
import type { Hono } from 'hono'
import type { UpgradeWebSocket } from 'hono/ws'
import { Client, type ClientOptions } from '../client/client.ts'
import { type ClusterApi, clusterApi } from '../cluster/cluster-api.ts'
import type { DatabaseStateMachine } from '../cluster/database-state-machine.ts'
import type { Member } from '../cluster/members.ts'
import type { RpcRequest, RpcResponse } from '../cluster/rpc.ts'
import type { Database } from '../db/database.ts'
import type { BackupImage } from '../db/backup-image.ts'
import type { StatementResult } from '../db/statement-result.ts'
import { createApi } from '../http/create-api.ts'
import type { Authorizer } from '../auth/authorizer.ts'
import type { ClusterAuth } from '../cluster/cluster-auth.ts'
import type { Credentials } from '../auth/credentials.ts'
import { type UserEntry, checkUsers } from '../auth/users.ts'
import type { Message } from '../raft/messages.ts'
import type { BoundStatement } from '../sqlite/connection.ts'
import { handleClusterRpc, stepPeerMessages } from './cluster-rpc.ts'
import { Counters } from './counters.ts'
import type { ApiNode, ClusterNode, RaftStatus, StatusReporter } from './node-api-port.ts'
import { type NodeOptions, resolveNodeOptions } from './node-options.ts'
import { NodeParts, type StartOverrides } from './node-parts.ts'
import type { LeaderInfo, NodeState, NodeStats, ReadOptions, WriteOptions, WriteOutcome } from './node-types.ts'
import { type NodeStorage, openNodeStorage } from './open-node-storage.ts'
import type { Platform } from './platform.ts'
import { raftTiming } from './raft-timing.ts'
import { LeaderNotFoundError, StoreError } from './store-error.ts'
import { CdcDisabledError } from '../cdc/cdc-disabled-error.ts'
import type { ChangeReadOptions, ChangeText } from '../cdc/cdc-service.ts'
import type { ChangeGroupJson } from '../cdc/change-json.ts'
import type { WriteQueue } from './write-queue.ts'
import type { NodeMetrics } from './node-metrics.ts'
import type { Logger } from '../observe/logger.ts'

export type { LeaderInfo, NodeState, NodeStats, ReadOptions, WriteOptions, WriteOutcome } from './node-types.ts'
export type { StartOverrides } from './node-parts.ts'

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
  /** rqlite's `/debug/vars` counter maps, under rqlite's names. */
  readonly counters: Counters = new Counters()
  /** Extra sections of /status and /debug/vars (e.g. `auto_backups`, `uploader`), by /status key. */
  readonly reporters: Map<string, StatusReporter> = new Map()
  /** The replicated state machine: extension hooks (row changes, custom commands) live there. */
  readonly stateMachine: DatabaseStateMachine
  readonly #parts: NodeParts
  #api: Hono | null = null
  #clusterApi: ClusterApi | null = null
  #changeSockets: UpgradeWebSocket | null = null

  private constructor(options: NodeOptions, platform: Platform, storage: NodeStorage, overrides: StartOverrides) {
    super()
    this.options = options
    this.platform = platform
    this.startedAt = platform.clock.now()
    this.#parts = new NodeParts({ options, platform, startedAt: this.startedAt, stats: this.stats, counters: this.counters, events: this }, storage, overrides)
    this.stateMachine = this.#parts.stateMachine
    this.ready = this.#becomeReady()
    // Nobody may be listening for a failed start yet; the error is also reported as an event.
    this.ready.catch(() => {})
  }

  /** Opens (creating if needed) the data directory and starts the node. */
  static async start(options: Partial<NodeOptions> & { dataDir: string }, platform: Platform, overrides: StartOverrides = {}): Promise<RaftliteNode> {
    const resolved = resolveNodeOptions(options)
    raftTiming(resolved) // refuse impossible timeouts before touching the data directory
    if (resolved.cdc && resolved.raftNonVoter) throw new Error('cannot enable CDC on non-voting node')
    // Command handlers are functions of this thread: with any, the database stays here too.
    const storage = await openNodeStorage(resolved, platform, overrides.log, overrides.functions, (overrides.commands?.size ?? 0) > 0)
    try {
      const node = new RaftliteNode(resolved, platform, storage, overrides)
      node.#parts.driver.start()
      node.#parts.snapshots.schedule()
      node.#parts.startBackground()
      node.#parts.cdc?.start()
      const meta = storage.snapshots.readMeta()
      if (meta && meta.dataCrc32c === undefined) node.#parts.snapshots.checksum(meta.index)
      // A lone voter need not wait an election timeout for votes nobody else can give.
      const { voters } = node.#parts.driver.raft.status().confState
      if (voters.length === 1 && voters[0] === resolved.nodeId) node.#parts.driver.campaign()
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
    if (this.#parts.stopping) return 'Shutdown'
    const role = this.#parts.driver.role
    return role === 'leader' ? 'Leader' : role === 'follower' ? 'Follower' : 'Candidate'
  }

  get isLeader(): boolean {
    return this.state === 'Leader'
  }

  /** Whether this node votes (false for read replicas). */
  get isVoter(): boolean {
    return this.#parts.isVoter
  }

  get appliedIndex(): number {
    return this.#parts.driver.applied
  }

  get sqliteVersion(): string {
    return this.#parts.storage.db.sqliteVersion
  }

  get engineReads(): { loop: number; worker: number; movedToWorker: number } | undefined {
    const engine = this.#parts.storage.engine
    return engine instanceof LoopReadEngine ? { ...engine.counts } : undefined
  }

  get heldApplies(): { answered: number; reapplied: number; dropped: number } | undefined {
    return this.#parts.storage.engine ? { ...this.stateMachine.heldApplies } : undefined
  }

  get engineKind(): 'worker' | 'worker-all' | 'thread' {
    const engine = this.#parts.storage.engine
    return engine ? (engine instanceof LoopReadEngine ? 'worker' : 'worker-all') : 'thread'
  }

  get queue(): WriteQueue {
    return this.#parts.queue
  }

  /** The database, for status and diagnostics. */
  get database(): Database {
    return this.#parts.storage.db
  }

  /** Raft batches sent by stream and by POST. */
  get transportStats(): { streamBatches: number; postBatches: number; streamsOpened: number } {
    return { ...this.#parts.transport.stats }
  }

  /** The node's metrics: read them (`collect()`), or add your own to `metrics.registry`. */
  get metrics(): NodeMetrics {
    return this.#parts.metrics
  }

  /** The structured logger the node's parts write to (silent unless the platform gave one). */
  get logger(): Logger {
    return this.#parts.ctx.logger
  }

  /** Index of the newest snapshot. */
  get lastSnapshotIndex(): number {
    return this.#parts.snapshots.lastIndex
  }

  /** Signs and checks requests between nodes (the cluster secret); null without one. */
  get clusterAuth(): ClusterAuth | null {
    return this.#parts.clusterAuth
  }

  /** `fetch` for requests to peers' cluster ports (signed when there is a cluster secret). */
  get peerFetch(): typeof fetch {
    return this.#parts.ctx.fetch
  }

  /** Users and permissions the node enforces (`NodeOptions.users`); null when access control is off. */
  get authorizer(): Authorizer | null {
    return this.#parts.ctx.authorizer
  }

  /** Replaces the users (a reloaded `-auth` file); refused when the node started without users. */
  setUsers(users: readonly UserEntry[]): void {
    if (!this.authorizer) throw new Error('this node started without users (no -auth): access control cannot be turned on while it runs')
    this.authorizer.setUsers(checkUsers(users))
  }

  /** Resolves once this node has applied everything committed when it was called. */
  waitCaughtUp(): Promise<void> {
    return this.#parts.driver.waitApplied(this.#parts.driver.raft.status().commit)
  }

  /** The members of the cluster as this node knows them (sorted by id). */
  members(): Member[] {
    return this.#parts.members.list()
  }

  raftStatus(): RaftStatus {
    const { driver, storage } = this.#parts
    return { ...driver.raft.status(), lastLeaderContact: driver.lastLeaderContact, lastSnapshotTerm: storage.log.snapshot().metadata.term }
  }

  /** On the leader: each other member's highest replicated index (empty elsewhere). */
  replication(): { id: string; match: number }[] {
    const raft = this.#parts.driver.raft
    if (raft.status().role !== 'leader') return []
    return [...raft.progress()].filter(([id]) => id !== this.id).map(([id, pr]) => ({ id, match: pr.match }))
  }

  /**
   * The rqlite-compatible HTTP API as a Hono app: serve it, or mount it in your own app
   * (`app.route('/raftlite', node.api())`). Internode routes are never part of it.
   */
  api(): Hono {
    this.#api ??= createApi(this, { changeSockets: () => this.#changeSockets })
    return this.#api
  }

  /**
   * Lets clients follow `/db/changes` over a WebSocket on the public API, with the runtime's
   * upgrade helper (as `enableRaftStreams`). Without it the route serves Server-Sent Events only.
   */
  enableChangeSockets(upgradeWebSocket: UpgradeWebSocket): void {
    this.#changeSockets = upgradeWebSocket
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
    return this.#parts.leader()
  }

  /** Writes statements as one batch (one log entry): never interleaved with other writes. */
  execute(statements: BoundStatement[], options: WriteOptions = {}): Promise<WriteOutcome> {
    return this.#parts.data.execute(statements, options)
  }

  /** Reads at an rqlite consistency level (default `weak`). */
  query(statements: BoundStatement[], options: ReadOptions = {}): Promise<StatementResult[]> {
    return this.#parts.data.query(statements, options)
  }

  /**
   * The unified endpoint: read-only statements get rows, others counters. If any statement
   * writes, or the level is `strong`, the whole request goes through the log.
   */
  request(statements: BoundStatement[], options: ReadOptions = {}): Promise<WriteOutcome | { results: StatementResult[] }> {
    return this.#parts.data.request(statements, options)
  }

  /** On the leader: puts a command other than SQL through the log (see `StartOverrides.commands`). */
  command(name: string, payload: Uint8Array): Promise<{ result: unknown; raftIndex: number }> {
    return this.#parts.data.command(name, payload)
  }

  /** A consistent image of the database at `appliedIndex`, readable while writes go on (backup). */
  async openImage(): Promise<{ appliedIndex: number; image: BackupImage }> {
    if (this.#parts.stopping) throw new StoreError('store not open')
    const images = this.#parts.ctx.engineImages
    if (!images) return { appliedIndex: this.#parts.driver.applied, image: this.#parts.storage.db.openImage() } // one synchronous step
    // The worker applies asynchronously: hold applies so the image is exactly `applied`.
    const release = await this.#parts.driver.holdApplies()
    try {
      return { image: await images.open(), appliedIndex: this.#parts.driver.applied }
    } finally {
      release()
    }
  }

  /** A compacted copy of the database (VACUUM INTO) written to `path`, which must not exist. */
  vacuumInto(path: string): Promise<void> {
    if (this.#parts.stopping) return Promise.reject(new StoreError('store not open'))
    const { engine } = this.#parts.storage
    return engine ? engine.vacuumInto(path) : this.#parts.storage.db.vacuumInto(path)
  }

  /**
   * On the leader: replaces the whole database, on every node, by the SQLite file in `body`
   * (rqlite's binary /db/load). Checked before anything is proposed (`InvalidDatabaseError`);
   * all or nothing.
   */
  loadDatabase(body: ReadableStream<Uint8Array>): Promise<{ raftIndex: number; bytes: number }> {
    return this.#parts.loads.load(body)
  }

  /** On a lone leader: loads the SQLite file in `body` and snapshots it (rqlite's /boot). */
  boot(body: ReadableStream<Uint8Array>): Promise<{ raftIndex: number; bytes: number }> {
    return this.#parts.loads.boot(body)
  }

  /** Queues statements; see `WriteQueue`. Needs a known leader (rqlite checks first). */
  async enqueue(statements: BoundStatement[]): Promise<{ sequence: bigint; flushed: Promise<void> }> {
    await this.#parts.data.checkStatements(statements)
    if (!this.leader()) throw new LeaderNotFoundError()
    return this.#parts.queue.enqueue(statements)
  }

  /**
   * Takes a snapshot now (rqlite's POST /snapshot) and compacts the log behind it, keeping
   * `trailingLogs` entries. Resolves false when there is nothing new to snapshot. Writes pause
   * only for the checkpoint of the WAL; the store's copy catches up in the background.
   */
  snapshot(trailingLogs = this.options.raftTrailingLogs): Promise<boolean> {
    return this.#parts.snapshots.take(trailingLogs)
  }

  /**
   * Deletes snapshot files that can never be used (rqlite's POST /reap): a broken transfer of an
   * older snapshot, a received one never installed. This store holds whole copies and no WAL files.
   */
  reap(): Promise<{ snapshotsReaped: number; walsCheckpointed: number }> {
    return this.#parts.snapshots.reap()
  }

  /** Removes a node from the cluster (on the leader; forwarded from a follower). */
  removeNode(id: string, options: { credentials?: Credentials } = {}): Promise<void> {
    return this.#parts.membership.removeNode(id, options.credentials)
  }

  /**
   * Hands leadership to `to` (or to the most up-to-date other voter). With `wait`, resolves
   * once another node leads; otherwise once the transfer has started.
   */
  transferLeadership(to = '', options: { wait?: boolean; credentials?: Credentials } = {}): Promise<void> {
    return this.#parts.leadership.transfer(to, options)
  }

  /**
   * The committed row changes of every entry after `since` (exclusive), as kept by this node's
   * change data capture, then each new one as it is applied: `for await (const change of
   * node.changes({ since }))`. Needs `cdc` in the options; resumable from any index still kept.
   */
  async *changes(options: { since?: number; tables?: RegExp | null; signal?: AbortSignal } = {}): AsyncGenerator<ChangeGroupJson> {
    for await (const { json } of this.changeTexts(options)) yield JSON.parse(json) as ChangeGroupJson
  }

  /** @internal `changes()` as the JSON text of each group (the change stream's wire form). */
  changeTexts(options: ChangeReadOptions = {}): AsyncGenerator<ChangeText> {
    const cdc = this.#parts.cdc
    if (!cdc) throw new CdcDisabledError()
    return cdc.read(options)
  }

  /** Change data capture's state for /status and /debug/vars; null when it is off. */
  cdcStatus(): Record<string, unknown> | null {
    return this.#parts.cdc?.status() ?? null
  }

  /** Stops the node: flushes queued writes, stops Raft, closes the database, releases the directory. */
  stop(): Promise<void> {
    return this.#parts.stop()
  }

  // ------------------------------------------------------------------ internode (cluster API)

  /** @internal A peer's Raft address, as it told us. */
  learnAddress(id: string, raftAddr: string): void {
    this.#parts.membership.learnAddress(id, raftAddr)
  }

  /**
   * @internal Raft messages from peers, already checked for shape. Returns why some were
   * refused: a snapshot message counts only with its file, through `receiveSnapshot`; stepped
   * without one it would fail the install, which the driver takes for a storage failure.
   */
  stepMessages(messages: readonly Message[]): string | undefined {
    for (const m of messages) if (m.to === this.id) this.#parts.reaper.heard(m.from)
    return stepPeerMessages(this.id, this.#parts.driver, messages, (e) => this.#parts.emitError(e))
  }

  /**
   * @internal A snapshot streamed by the leader: verified into the store's incoming file, then
   * handed to Raft, which installs it (through the state machine) if it is still useful.
   */
  receiveSnapshot(message: Message, members: Member[], body: ReadableStream<Uint8Array>, offset = 0): Promise<void> {
    return this.#parts.snapshots.receive(message, members, body, offset)
  }

  /** @internal Bytes of snapshot (index, term) already here from a broken transfer. */
  snapshotResumeOffset(index: number, term: number): number {
    return this.#parts.storage.snapshots.incomingBytes(index, term)
  }

  /** @internal Requests from other nodes: forwarded work and joins. */
  handleRpc(request: RpcRequest): Promise<RpcResponse> {
    const { membership, leadership, data } = this.#parts
    const { peers, ctx } = this.#parts
    const stopRemoved = () => this.#parts.removed()
    const authorizer = this.authorizer
    return handleClusterRpc({ id: this.id, options: this.options, counters: ctx.counters, peers, stopRemoved, leader: () => this.leader(), isLeader: () => this.isLeader, authorizer, membership, leadership, data }, request)
  }

  // ------------------------------------------------------------------ internals

  async #becomeReady(): Promise<void> {
    try {
      await this.#parts.membership.settle()
      this.dispatchEvent(new Event('ready'))
    } catch (e) {
      this.#parts.emitError(e)
      throw e
    }
  }
}
