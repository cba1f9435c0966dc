/**
 * The node's snapshots: taking them (on request and when the log or WAL grows), compacting the
 * log behind them, receiving one from the leader and installing it through the state machine.
 * Sending them to followers is `SnapshotSender`'s.
 */
import type { Engine } from '../db/engine.ts'
import type { Member } from '../cluster/members.ts'
import { SnapshotStore, SnapshotSupersededError } from '../cluster/snapshot-store.ts'
import { SnapshotStreamError, receiveSnapshotFrames } from '../cluster/snapshot-stream.ts'
import { frameMacKey } from '../cluster/snapshot-mac.ts'
import type { Message } from '../raft/messages.ts'
import type { Snapshot } from '../raft/types.ts'
import { breathe, type NodeContext } from './node-context.ts'
import type { NodeStats } from './node-types.ts'
import { SnapshotSender } from './snapshot-sender.ts'
import { StoreError } from './store-error.ts'

export interface NodeSnapshotsContext extends Pick<NodeContext, 'id' | 'options' | 'platform' | 'fetch' | 'log' | 'db' | 'engine' | 'engineImages' | 'members' | 'driver' | 'stopping' | 'emitError' | 'logger' | 'metrics' | 'counters'> {
  store: SnapshotStore
  stats: NodeStats
  addressOf(id: string): string | undefined
  /** Membership changed (an installed snapshot carries the members). */
  membersChanged(): void
  /** Runs as the snapshot's point is chosen: what the log behind it held must be durable elsewhere (CDC). */
  beforeSnapshotPoint?(): void
}

export class NodeSnapshots {
  readonly #ctx: NodeSnapshotsContext
  readonly sender: SnapshotSender
  #lastIndex: number
  #cancelTimer: (() => void) | null = null
  /** Set by `settle`: no check is scheduled again. */
  #settled = false
  /** The snapshot whose copy is being made in the background. */
  #taking: Promise<boolean> | null = null
  /** A snapshot stream is being received: one at a time (a second is refused, to be retried). */
  #receiving = false
  /** Members carried by received snapshots not yet installed, by `index-term`. */
  readonly #receivedMembers = new Map<string, Member[]>()

  constructor(ctx: NodeSnapshotsContext, lastIndex: number) {
    this.#ctx = ctx
    this.#lastIndex = lastIndex
    this.sender = new SnapshotSender({ ...ctx, copying: () => this.#taking !== null })
  }

  /** Index of the newest snapshot. */
  get lastIndex(): number {
    return this.#lastIndex
  }

  /** Takes a snapshot now; see `RaftliteNode.snapshot`. */
  async take(trailingLogs: number): Promise<boolean> {
    const { log, driver } = this.#ctx
    const closed = () => {
      if (this.#ctx.stopping()) throw new StoreError('store not open')
    }
    closed()
    while (this.#taking) await this.#taking.catch(() => {})
    closed()
    if (driver().applied <= this.#lastIndex) return false
    // A follower being sent the current copy must not hold off compaction: give up on its
    // transfer (it is sent the new snapshot next) rather than refuse or wait.
    while (this.sender.active > 0) await this.sender.abortAll('a newer snapshot is being taken')
    closed()
    // A backup's image holds back the checkpoint: it gives way, as a follower's transfer does.
    const reason = 'a snapshot is being taken'
    this.#ctx.db.abandonImages(reason)
    // The point is taken in the same synchronous step as the checkpoint: whatever was applied
    // by then, and nothing after.
    const { engine, engineImages } = this.#ctx
    // A worker applies asynchronously: applies are held from the moment the point is chosen
    // until the checkpoint is sent, so the engine checkpoints exactly what `applied` says. Later
    // applies queue behind the checkpoint in the worker; the snapshot's fsyncs hold up nothing.
    let release = () => {}
    const checkpointInEngine = async (engine: Engine) => {
      await engineImages?.abandon(reason)
      const done = engine.checkpoint()
      release()
      const written = engine.takeWritten() // the pages that checkpoint wrote: the copy catches up by them
      this.#ctx.store.noteLiveWrites(await written)
      return done
    }
    const live = engine ? { checkpoint: () => checkpointInEngine(engine) } : this.#ctx.db
    const capture = () => {
      this.#ctx.beforeSnapshotPoint?.()
      const raft = driver().raft
      const index = driver().applied
      const term = raft.termAt(index) ?? log.term(index)
      return { point: { index, term, confState: raft.confStateAt(index), members: this.#ctx.members.list() }, live }
    }
    const { clock } = this.#ctx.platform
    let pauseMs = 0
    const timedCapture = () => {
      // The checkpoint runs in the same synchronous step, right after the capture: writes wait
      // from here until the event loop is free again.
      const started = clock.monotonic()
      queueMicrotask(() => (pauseMs = clock.monotonic() - started))
      return capture()
    }
    const heldCapture = async () => {
      release = await driver().holdApplies()
      return timedCapture()
    }
    const taking = (async () => {
      const started = clock.monotonic()
      let job
      try {
        job = await this.#ctx.store.begin(engine ? heldCapture : timedCapture)
      } finally {
        release()
      }
      const { index, confState } = job.point
      await this.#ctx.store.complete(job, () => breathe(this.#ctx.platform))
      // The log's fsyncs (its state file, the directory after old segments go) run off the
      // thread where the port allows; no Ready is handled until they are done.
      await driver().betweenReadysAsync(() => {
        // One from the leader, installed after our copy was recorded, is newer: it stands.
        if (index <= log.snapshot().metadata.index) throw new SnapshotSupersededError()
        log.createSnapshot(index, confState)
        const compactTo = Math.max(log.firstIndex() - 1, index - trailingLogs)
        if (compactTo >= log.firstIndex()) log.compact(compactTo)
        return log.syncAsync ? log.syncAsync() : Promise.resolve(log.sync())
      })
      this.#lastIndex = index
      this.#ctx.stats.snapshots++
      this.#taken(index, clock.monotonic() - started, pauseMs)
      this.checksum(index)
      return true
    })()
    this.#taking = taking
    try {
      return await taking
    } catch (e) {
      if (!(e instanceof SnapshotSupersededError) && !this.#ctx.stopping()) this.#ctx.counters.add('store', 'num_snapshots_failed')
      throw e
    } finally {
      if (this.#taking === taking) this.#taking = null
    }
  }

  #taken(index: number, ms: number, pauseMs: number): void {
    const { metrics, logger, db } = this.#ctx
    if (metrics.enabled) {
      metrics.snapshots.inc({ kind: 'taken' })
      metrics.snapshotDuration.observe(ms / 1000, { phase: 'total' })
      metrics.snapshotDuration.observe(pauseMs / 1000, { phase: 'pause' })
    }
    logger.for('snapshot').info('snapshot taken', { index, bytes: db.fileSize(), ms: Math.round(ms), pauseMs: Math.round(pauseMs) })
  }

  /** Computes the store copy's checksum in the background, so it can be verified later. */
  checksum(index: number): void {
    void this.#ctx.store.recordChecksum(index, () => breathe(this.#ctx.platform)).catch((e: unknown) => {
      if (!this.#ctx.stopping()) this.#ctx.emitError(e)
    })
  }

  /** Checks (at least every second) whether the log or the WAL has grown enough for a snapshot. */
  schedule(): void {
    const { options, platform } = this.#ctx
    // At least every second: under a burst of writes a 10 s interval lets the WAL grow so large
    // that its checkpoint would stall applies for long.
    this.#cancelTimer = platform.timers.setTimeout(() => {
      if (this.#ctx.stopping() || this.#settled) return
      // A worker owns the file: only it knows how much of its WAL is in use.
      const sized = this.#ctx.engine?.sizes().then(({ wal }) => this.#ctx.db.reportWalSize(wal))
      void Promise.resolve(sized)
        .then(() => this.#check())
        .catch((e: unknown) => {
          if (!this.#ctx.stopping()) this.#ctx.emitError(e)
        })
        .finally(() => {
          if (!this.#ctx.stopping() && !this.#settled) this.schedule()
        })
    }, Math.min(options.raftSnapIntervalMs, 1000))
  }

  #check(): void {
    const { options } = this.#ctx
    if (this.#ctx.stopping()) return
    const entries = this.#ctx.driver().applied - this.#lastIndex
    const wal = options.raftSnapWalBytes > 0 ? this.#ctx.db.walSize() / options.raftSnapWalBytes : 0
    const due = Math.max(entries / options.raftSnapEntries, wal)
    // A snapshot being sent to a follower (or a backup's image) gets to finish while the log
    // and WAL stay under twice their thresholds; past that, compaction wins and it is abandoned.
    const busy = this.sender.active > 0 || this.#ctx.db.openImages > 0 || (this.#ctx.engineImages?.count ?? 0) > 0
    if (due >= 1 && (!busy || due >= 2) && !this.#taking) {
      if (wal >= 1) this.#ctx.counters.add('store', 'num_wal_snapshots')
      this.take(options.raftTrailingLogs).catch((e: unknown) => {
        if (!this.#ctx.stopping() && !(e instanceof SnapshotSupersededError)) this.#ctx.emitError(e)
      })
    }
  }

  /** Stops the periodic check, then waits for a copy in progress (or the next start redoes it). */
  async settle(): Promise<void> {
    this.#settled = true
    this.#cancelTimer?.()
    await this.#taking?.catch(() => {})
  }

  /** See `RaftliteNode.reap`. Never while a snapshot is taken or received (their files are in use). */
  async reap(): Promise<{ snapshotsReaped: number; walsCheckpointed: number }> {
    if (this.#ctx.stopping()) throw new StoreError('store not open')
    while (this.#taking) await this.#taking.catch(() => {})
    if (this.#receiving) return { snapshotsReaped: 0, walsCheckpointed: 0 }
    const current = Math.max(this.#lastIndex, this.#ctx.store.readMeta()?.index ?? 0)
    // The store keeps whole copies, no WAL files: there is never a WAL to checkpoint.
    return { snapshotsReaped: this.#ctx.store.reap(current), walsCheckpointed: 0 }
  }

  /** A snapshot streamed by the leader; see `RaftliteNode.receiveSnapshot`. */
  async receive(message: Message, members: Member[], body: ReadableStream<Uint8Array>, offset: number): Promise<void> {
    const { id, platform, options, store } = this.#ctx
    if (message.type !== 'snapshot' || message.to !== id) throw new SnapshotStreamError('not a snapshot for this node')
    // Two at once would write one incoming file (a new leader's stream while an old one's
    // still arrives): refuse the second; its sender retries.
    if (this.#receiving) throw new SnapshotStreamError('another snapshot is being received; try again shortly', true)
    this.#receiving = true
    try {
      const { index, term } = message.snapshot.metadata
      if (offset === 0) store.beginIncoming(index, term)
      else if (store.incomingBytes(index, term) < offset) throw new SnapshotStreamError(`nothing to resume at byte ${offset}`)
      else this.#ctx.stats.snapshotsResumed++
      const mac = options.clusterSecret ? { key: await frameMacKey(options.clusterSecret), snapshot: `${index}-${term}` } : undefined
      const received = await receiveSnapshotFrames(body, platform.files, store.incomingPath, offset, options.snapshotChunkBytes, mac)
      store.acceptIncoming(index, term, received.crc32c)
      this.#receivedMembers.set(`${index}-${term}`, members)
    } finally {
      this.#receiving = false
    }
    this.#ctx.driver().step(message)
  }

  /** A snapshot from the leader, already received and verified into the store's incoming file. */
  install(snapshot: Snapshot): void | Promise<void> {
    const { index, term, confState } = snapshot.metadata
    const members = this.#receivedMembers.get(`${index}-${term}`)
    if (!members) throw new StoreError(`snapshot: no verified file has been received for snapshot ${index} of term ${term}`)
    const swap = () => this.#ctx.store.install({ index, term, confState, members })
    const { engine } = this.#ctx
    if (engine) {
      // The worker closes its connections, the file is swapped here, then it opens them again.
      void this.#ctx.engineImages?.abandon('the database file is being replaced').catch(() => {})
      return engine.closeConnections().then(() => {
        try {
          swap()
        } finally {
          void engine.reopen()
        }
        this.#installed(index, term, members)
      })
    }
    // The store installs only the file received for this index and term, checksum verified.
    this.#ctx.db.reopenAround(swap)
    this.#installed(index, term, members)
  }

  #installed(index: number, term: number, members: Member[]): void {
    for (const key of this.#receivedMembers.keys()) if (Number(key.split('-')[0]) <= index) this.#receivedMembers.delete(key)
    this.#ctx.members.replaceAll(members)
    this.#lastIndex = index
    this.#ctx.stats.snapshotsInstalled++
    if (this.#ctx.metrics.enabled) this.#ctx.metrics.snapshots.inc({ kind: 'installed' })
    this.#ctx.logger.for('snapshot').info('snapshot installed from the leader', { index, term, bytes: this.#ctx.db.fileSize() })
    this.#ctx.membersChanged()
  }
}
