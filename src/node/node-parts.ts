/**
 * A node's parts, built from its opened storage and wired to each other: the composition root
 * behind the `RaftliteNode` façade. It also keeps what ties them together: the current Raft
 * driver (a founding node replaces it), whether persisting failed, and the stop in progress.
 * Events go out through the façade (`leader`, `error`, `stopped`).
 */
import { type CommandHandler, DatabaseStateMachine } from '../cluster/database-state-machine.ts'
import type { SqlFunction } from '../db/database.ts'
import type { HttpTransport } from '../cluster/http-transport.ts'
import type { LogStore } from '../cluster/log-store.ts'
import { EngineImages } from '../db/engine-image.ts'
import { LOAD_CHUNK_COMMAND, loadChunkHandler } from '../cluster/load-commands.ts'
import { Members } from '../cluster/members.ts'
import type { RaftDriver } from '../cluster/raft-driver.ts'
import type { Message } from '../raft/messages.ts'
import type { Snapshot, SoftState } from '../raft/types.ts'
import { apiUrl } from './api-url.ts'
import { Conditions } from './conditions.ts'
import type { Counters } from './counters.ts'
import { createRaftDriver, createTransport } from './create-raft-driver.ts'
import { DataPath } from './data-path.ts'
import { Leadership } from './leadership.ts'
import { Membership } from './membership.ts'
import type { NodeContext } from './node-context.ts'
import { silentLogger } from '../observe/logger.ts'
import { createAuthorizer } from '../auth/node-authorizer.ts'
import type { ClusterAuth } from '../cluster/cluster-auth.ts'
import { peerAuthentication } from './peer-authentication.ts'
import { ClusterEvents } from './cluster-events.ts'
import { NodeMetrics } from './node-metrics.ts'
import { joinPath } from '../ports/file-port.ts'
import type { NodeOptions } from './node-options.ts'
import { createNodeQueue } from './node-queue.ts'
import { createNodeCdc, withCdcCommands } from './node-cdc.ts'
import type { CdcService } from '../cdc/cdc-service.ts'
import { shutDown } from './node-shutdown.ts'
import { NodeLoad } from './node-load.ts'
import { NodeSnapshots } from './node-snapshots.ts'
import { Maintenance } from './maintenance.ts'
import { Reaper } from './reaper.ts'
import type { LeaderInfo, NodeStats } from './node-types.ts'
import type { NodeStorage } from './open-node-storage.ts'
import { PeerRpc } from './peer-rpc.ts'
import type { Platform } from './platform.ts'
import type { WriteQueue } from './write-queue.ts'

/** Test and embedding hooks: replace the durable log (e.g. with an in-memory one). */
export interface StartOverrides {
  log?: LogStore
  fetch?: typeof fetch
  /** Handlers of commands other than SQL (`node.command`); the same on every node, before it starts. */
  commands?: ReadonlyMap<string, CommandHandler>
  /**
   * SQL functions written in TypeScript (where rqlite loads native extensions). Register the
   * same, deterministic ones on every node: each replica runs them as it applies a write.
   */
  functions?: ReadonlyMap<string, SqlFunction>
  /** Standard output, for `-cdc-config=stdout`. */
  stdout?: (line: string) => void
}

export interface NodeHost {
  readonly options: NodeOptions
  readonly platform: Platform
  readonly startedAt: number
  readonly stats: NodeStats
  readonly counters: Counters
  /** Where the node's events go: the façade. */
  readonly events: EventTarget
}

export class NodeParts {
  readonly ctx: NodeContext
  readonly storage: NodeStorage
  readonly members = new Members()
  readonly conditions = new Conditions()
  readonly stateMachine: DatabaseStateMachine
  readonly transport: HttpTransport
  readonly queue: WriteQueue
  readonly peers: PeerRpc
  readonly data: DataPath
  readonly membership: Membership
  readonly leadership: Leadership
  readonly snapshots: NodeSnapshots
  readonly reaper: Reaper
  readonly maintenance: Maintenance
  /** Signs this node's requests to peers and checks theirs (`-cluster-secret-file`); null without a secret. */
  readonly clusterAuth: ClusterAuth | null
  /** Change data capture, when configured. */
  readonly cdc: CdcService | null
  readonly loads: NodeLoad
  readonly metrics: NodeMetrics
  readonly #events: ClusterEvents
  #driver: RaftDriver
  /** This node has been a member (for -raft-remove-shutdown: it is removed once it is not). */
  #wasMember = false
  #stopping: Promise<void> | null = null
  /** Persisting failed: the node stopped itself (see RaftDriver's onFatal). */
  #failed = false
  /** The leader last reported by Raft ('' for none), to count changes. */
  #lastLeader = ''
  readonly #host: NodeHost

  constructor(host: NodeHost, storage: NodeStorage, overrides: StartOverrides) {
    const { options, platform, stats } = host
    this.#host = host
    this.storage = storage
    const { start } = storage
    if (start.members) this.members.replaceAll(start.members)
    if (start.mode === 'fast') stats.restoresStartSkipped++
    if (start.mode === 'restored') stats.restoresStart++
    if (start.recovered) host.counters.add('store', 'num_recoveries')
    const peerAuth = peerAuthentication(options, platform, overrides.fetch ?? ((...args) => fetch(...args)))
    this.clusterAuth = peerAuth.auth
    this.metrics = new NodeMetrics(options.metrics)
    const ctx: NodeContext = (this.ctx = {
      id: options.nodeId,
      options,
      platform: peerAuth.platform,
      log: storage.log,
      db: storage.db,
      engine: storage.engine,
      engineImages: storage.engine ? new EngineImages(storage.engine) : null,
      members: this.members,
      fetch: peerAuth.fetch,
      logger: platform.logger ?? silentLogger,
      counters: host.counters,
      authorizer: createAuthorizer(options),
      metrics: this.metrics,
      driver: () => this.#driver,
      stopping: () => this.#stopping !== null,
      leader: () => this.leader(),
      emitError: (e) => this.emitError(e),
    })
    this.peers = new PeerRpc({ ...ctx, ownCredentials: () => (options.joinAs ? (ctx.authorizer?.credentialsOf(options.joinAs) ?? null) : null) })
    this.membership = new Membership({ ...ctx, peers: this.peers, conditions: this.conditions, restartDriver: () => (this.#driver = this.#createDriver(0)) })
    this.leadership = new Leadership({ ...ctx, peers: this.peers })
    const addressOf = (id: string) => this.membership.addressOf(id)
    this.#events = new ClusterEvents(ctx, this.members.list())
    const recheck = () => {
      this.#events.members(this.members.list())
      this.conditions.recheck()
      this.#checkRemoved()
    }
    const beforeSnapshotPoint = () => this.cdc?.syncForSnapshot()
    this.snapshots = new NodeSnapshots({ ...ctx, store: storage.snapshots, stats, addressOf, membersChanged: recheck, beforeSnapshotPoint }, start.applied)
    const install = (snapshot: Snapshot) => {
      const installed = () => this.cdc?.snapshotInstalled(snapshot.metadata.index)
      const done = this.snapshots.install(snapshot)
      if (done instanceof Promise) return done.then(installed)
      installed()
    }
    const commands = new Map([[LOAD_CHUNK_COMMAND, loadChunkHandler], ...withCdcCommands(overrides.commands, () => this.cdc)])
    this.stateMachine = new DatabaseStateMachine(() => storage.db, this.members, install, recheck, commands, ctx.emitError, storage.engine)
    this.data = new DataPath({ ...ctx, peers: this.peers, isVoter: () => this.isVoter, lastWriteTimestamp: () => this.stateMachine.lastWriteTimestamp })
    const sendSnapshot = (m: Message) => void this.snapshots.sender.send(m)
    this.transport = createTransport(ctx, { addressOf, onUnreachable: (id) => this.#driver.reportUnreachable(id), sendSnapshot })
    this.#driver = this.#createDriver(start.applied)
    this.loads = new NodeLoad({ ...ctx, data: this.data, isLeader: () => this.#driver.role === 'leader', snapshot: () => this.snapshots.take(options.raftTrailingLogs) })
    this.queue = createNodeQueue(ctx, host.startedAt, (statements, queueId) => this.data.flushQueued(statements, queueId))
    // Listening before the driver starts: the log's replay refills whatever the queue lost.
    this.cdc = createNodeCdc({ ...ctx, stdout: overrides.stdout, command: (name, payload) => this.data.command(name, payload) }, this.stateMachine)
    const cdc = this.cdc
    if (cdc) {
      this.metrics.registry.gauge('raftlite_cdc_queue_depth', 'Row-change events waiting in the change data capture queue.', () => cdc.queue.depth)
      this.metrics.registry.gauge('raftlite_cdc_dropped_events', 'Change events dropped because the CDC queue was full.', () => cdc.queue.droppedEvents)
    }
    this.metrics.watch({
      driver: () => this.#driver,
      files: platform.files,
      logDir: joinPath(options.dataDir, 'raft'),
      logBytes: () => storage.log.bytesInUse?.(),
      snapshotPath: storage.snapshots.dataPath,
      db: storage.db,
      queueDepth: () => this.queue.depth,
      lastSnapshotIndex: () => this.snapshots.lastIndex,
    })
    this.reaper = new Reaper(ctx, (id) => this.membership.removeMember(id))
    this.maintenance = new Maintenance(ctx, this.data)
  }

  /** Starts the periodic work of a running node: reaping, automatic VACUUM and optimize. */
  startBackground(): void {
    this.#wasMember = this.members.get(this.ctx.id) !== undefined
    this.reaper.start()
    this.maintenance.start()
  }

  /** -raft-remove-shutdown: a member that the cluster removed stops (and says why). */
  #checkRemoved(): void {
    if (this.members.get(this.ctx.id)) {
      this.#wasMember = true
      return
    }
    if (this.#wasMember) this.removed()
  }

  /** The cluster removed this node (its membership says so, or the leader did). */
  removed(): void {
    if (!this.ctx.options.raftRemoveShutdown || this.#stopping) return
    this.ctx.logger.for('node').warn('removed from the cluster; shutting down (-raft-remove-shutdown)', { node: this.ctx.id })
    this.#host.events.dispatchEvent(new Event('removed'))
    void this.stop()
  }

  /** The current Raft driver. */
  get driver(): RaftDriver {
    return this.#driver
  }

  /** stop() has begun. */
  get stopping(): boolean {
    return this.#stopping !== null
  }

  /** Whether this node votes (false for read replicas). */
  get isVoter(): boolean {
    return this.members.get(this.ctx.id)?.voter ?? !this.ctx.options.raftNonVoter
  }

  leader(): LeaderInfo | null {
    const id = this.#driver.leader
    if (!id || this.#stopping) return null
    const member = this.members.get(id)
    if (!member) return null
    return { id, addr: member.raftAddr, apiAddr: apiUrl(member.apiAddr) }
  }

  /** Starts the stop once (see `shutDown`); every later call gets the same promise. */
  stop(): Promise<void> {
    this.reaper.stop()
    this.maintenance.stop()
    const parts = { queue: this.queue, leadership: this.leadership, snapshots: this.snapshots, transport: this.transport, storage: this.storage }
    const closed = () => this.#host.events.dispatchEvent(new Event('stopped'))
    this.#stopping ??= shutDown({ ...this.ctx, ...parts, driver: () => this.#driver, failed: () => this.#failed, closed }).finally(() => this.cdc?.close())
    return this.#stopping
  }

  emitError(error: unknown): void {
    this.#host.events.dispatchEvent(new CustomEvent('error', { detail: error }))
  }

  #createDriver(applied: number): RaftDriver {
    const { options, platform } = this.#host
    const onFatal = (error: unknown) => {
      this.#failed = true
      this.emitError(error)
      void this.stop()
    }
    const onSoftState = (state: SoftState) => this.#onSoftState(state)
    const fsm = this.stateMachine
    const onFsync = this.#fsyncObserver()
    const parts = { options, platform, log: this.storage.log, fsm, transport: this.transport, onSoftState, onError: (e: unknown) => this.emitError(e), onFatal, onFsync }
    return createRaftDriver(parts, applied)
  }

  /** Times each log fsync (metrics) and warns of a stall; nothing is logged for a normal one. */
  #fsyncObserver(): (ms: number) => void {
    const { metrics, logger, options } = this.ctx
    const store = logger.for('store')
    return (ms) => {
      if (metrics.enabled) metrics.fsyncDuration.observe(ms / 1000)
      if (ms >= options.fsyncStallMs) store.warn('fsync stall: the Raft log took long to reach the disk', { ms: Math.round(ms) })
    }
  }

  #onSoftState(state: SoftState): void {
    if (state.leader !== this.#lastLeader) this.ctx.counters.add('store', 'leader_changes_observed')
    this.#lastLeader = state.leader
    this.#events.softState(state, this.#driver.raft.status().term)
    this.conditions.recheck()
    this.cdc?.leadershipChanged()
    const leader = this.leader()
    this.#host.events.dispatchEvent(new CustomEvent('leader', { detail: leader ?? { id: state.leader, addr: '', apiAddr: '' } }))
  }
}
