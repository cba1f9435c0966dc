/**
 * Change data capture on one node: every applied entry's row changes become a group in the
 * durable queue (on every voter), the leader's sender delivers them, the replicated high-water
 * mark prunes them, and readers follow them as a stream. docs/cdc.md has the design.
 */
import type { AppliedChanges } from '../cluster/database-state-machine.ts'
import type { SubsystemLogger } from '../observe/logger.ts'
import type { FilePort } from '../ports/file-port.ts'
import type { Timers } from '../ports/timers.ts'
import type { CdcConfig } from './cdc-config.ts'
import { captureGroup, type ChangeGroup, groupJson } from './change-events.ts'
import { fetchChanges } from './gap-filler.ts'
import { ChangeQueue } from './change-queue.ts'
import { type Transmit, WebhookSender } from './webhook-sender.ts'

/** The log command that replicates the high-water mark (registered on every node). */
export const HIGH_WATER_COMMAND = 'raftlite.cdc.high-water'

export interface CdcServiceContext {
  nodeId: string
  dataDir: string
  config: CdcConfig
  files: FilePort
  timers: Timers
  logger: SubsystemLogger
  /** Sends an envelope to the endpoint (http) or prints it (stdout). */
  transmit: Transmit
  leading(): Promise<boolean>
  propose(name: string, payload: Uint8Array): Promise<unknown>
  /** API base URLs of the other voters, the leader first: where missing changes are fetched. */
  peers(): string[]
  fetch: typeof fetch
}

/** How long one fetch of missing changes from a peer may take, and how much it may send. */
const FILL_TIMEOUT_MS = 30_000
const FILL_MAX_BYTES = 256 * 1024 * 1024

export interface ChangeReadOptions {
  /** Changes of entries after this log index (exclusive; 0 = all still kept). */
  since?: number
  /** Only events of tables whose name matches. */
  tables?: RegExp | null
  signal?: AbortSignal
  /** End after this index; refused (`ChangesNotYetError`) unless this node has reached it. */
  until?: number
  /** The queue's own form of each group (`[index, ms, [[table, json]…]]`): what peers fill gaps with. */
  raw?: boolean
}

/** One entry's changes as a reader gets them: the envelope's payload element. */
export interface ChangeText {
  index: number
  json: string
}

export class ChangesGoneError extends Error {
  constructor(since: number, readonly resumableAfter: number) {
    super(`changes after index ${since} are no longer kept on this node; the oldest that can be resumed from is ${resumableAfter}`)
    this.name = 'ChangesGoneError'
  }
}

export class ChangesNotYetError extends Error {
  constructor(until: number, highest: number) {
    super(`changes through index ${until} are not here yet (this node has reached ${highest})`)
    this.name = 'ChangesNotYetError'
  }
}

export class CdcService {
  readonly config: CdcConfig
  readonly queue: ChangeQueue
  readonly sender: WebhookSender | null
  readonly #ctx: CdcServiceContext
  readonly #waiters = new Set<() => void>()
  #dirty = false
  #cancelSync: (() => void) | null = null
  #wasFull = false
  #reportedWriteError: unknown = null
  #filling = false
  #closed = false

  constructor(ctx: CdcServiceContext) {
    this.#ctx = ctx
    this.config = ctx.config
    const delivering = ctx.config.endpoint.kind !== 'none'
    this.queue = new ChangeQueue(ctx.files, ctx.dataDir, { capacity: ctx.config.queueCapacity, retention: ctx.config.streamRetention, delivering })
    if (this.queue.tornBytes > 0) ctx.logger.warn('cut off a damaged tail of the CDC queue (the log replays it)', { bytes: this.queue.tornBytes })
    const propose = (index: number) => ctx.propose(HIGH_WATER_COMMAND, new TextEncoder().encode(String(index))).then(() => {})
    this.sender = delivering
      ? new WebhookSender({ nodeId: ctx.nodeId, config: ctx.config, queue: this.queue, timers: ctx.timers, logger: ctx.logger, transmit: ctx.transmit, leading: ctx.leading, proposeHighWater: propose })
      : null
    ctx.logger.info('change data capture enabled', { endpoint: this.endpoint, depth: this.queue.depth, highWater: this.queue.highWater })
  }

  get endpoint(): string {
    const e = this.config.endpoint
    return e.kind === 'http' ? e.url : e.kind === 'stdout' ? 'stdout' : ''
  }

  start(): void {
    this.sender?.start()
    this.#scheduleSync()
    if (this.queue.gap) void this.#fill()
  }

  /** The row-change listener: one applied entry. Replays (index already queued) are ignored. */
  onApplied(applied: AppliedChanges): void {
    if (this.#closed || applied.index <= this.queue.highest) return
    const group = captureGroup(applied, this.config)
    if (!group || !this.queue.append(group)) return
    this.#dirty = true
    this.#reportFull()
    this.sender?.notify()
    for (const wake of this.#waiters) wake()
    this.#waiters.clear()
  }

  /** The high-water command, applied on every node: deterministic, never throws. */
  onHighWater(payload: Uint8Array): void {
    const index = Number(new TextDecoder().decode(payload))
    if (this.#closed || !Number.isSafeInteger(index) || index < 0) return
    this.queue.setHighWater(index)
    this.#dirty = true
    this.#reportFull()
  }

  /** This node installed a snapshot from the leader (see `ChangeQueue.skipTo`). */
  snapshotInstalled(index: number): void {
    if (this.#closed) return
    const highWater = this.queue.highWater
    const from = this.queue.highest
    if (this.queue.skipTo(index) === 0) return
    this.#dirty = true
    // Only undelivered changes matter, and only if this node leads before the mark passes them.
    if (index > highWater) this.#ctx.logger.warn('installed a snapshot: fetching the undelivered changes it covers from a peer', { after: Math.max(from, highWater), through: index })
    if (this.queue.gap) void this.#fill()
  }

  /** Fetches the changes of `queue.gap` from a peer until they are here or delivered anyway. */
  async #fill(): Promise<void> {
    if (this.#filling) return
    this.#filling = true
    const log = this.#ctx.logger
    try {
      for (let attempt = 1; !this.#closed && this.queue.gap; attempt++) {
        const gap = this.queue.gap
        for (const peer of this.#ctx.peers()) {
          try {
            const groups = await fetchChanges(this.#ctx.fetch, peer, gap.from, gap.to, FILL_TIMEOUT_MS, FILL_MAX_BYTES)
            if (this.#closed || !this.queue.gap) return
            this.queue.fill(groups, gap.to)
            this.#dirty = true
            log.info('fetched the missing changes from a peer', { peer, after: gap.from, through: gap.to, groups: groups.length })
            this.sender?.notify()
            break
          } catch (e) {
            log.debug('could not fetch missing changes from a peer', { peer, error: e instanceof Error ? e.message : String(e) })
          }
        }
        if (!this.queue.gap) break
        if (attempt % 10 === 1) log.warn('changes still missing after a snapshot install; delivery waits for them', { after: gap.from, through: gap.to, attempts: attempt })
        await new Promise<void>((r) => this.#ctx.timers.setTimeout(r, Math.min(500 * attempt, 5000)))
      }
    } finally {
      this.#filling = false
    }
  }

  leadershipChanged(): void {
    this.sender?.notify()
  }

  /** Before a snapshot becomes the restart point: the log behind it will not replay. */
  syncForSnapshot(): void {
    if (this.#closed) return
    this.queue.sync()
    this.#dirty = false
  }

  /**
   * The queued changes after `since`, then new ones as they are applied, until aborted. Throws
   * `ChangesGoneError` at once when this node no longer keeps them (and later, if a reader falls
   * so far behind that pruning overtakes it).
   */
  read(options: ChangeReadOptions = {}): AsyncGenerator<ChangeText> {
    const since = options.since ?? this.queue.resumableAfter
    if (since < this.queue.resumableAfter) throw new ChangesGoneError(since, this.queue.resumableAfter)
    const gap = this.queue.gap
    if (options.until !== undefined && (this.queue.highest < options.until || (gap && gap.from < options.until && gap.to > since))) {
      throw new ChangesNotYetError(options.until, gap ? gap.from : this.queue.highest)
    }
    return this.#read(options)
  }

  async *#read(options: ChangeReadOptions): AsyncGenerator<ChangeText> {
    let after = options.since ?? this.queue.resumableAfter
    const { signal, tables, until } = options
    while (!this.#closed && !signal?.aborted && (until === undefined || after < until)) {
      if (after < this.queue.resumableAfter) throw new ChangesGoneError(after, this.queue.resumableAfter)
      const groups = this.queue.after(after, 256)
      if (groups.length === 0) {
        if (until !== undefined) return // everything through `until` is here: the rest changed no row
        await this.#next(signal)
        continue
      }
      for (const group of groups) {
        if (until !== undefined && group.index > until) return
        after = group.index
        const json = options.raw ? rawGroup(group) : groupJson(group, tables)
        if (json !== null) yield { index: group.index, json }
      }
    }
  }

  status(): Record<string, unknown> {
    const q = this.queue
    const s = this.sender?.stats
    return {
      enabled: true,
      endpoint: this.endpoint,
      service_id: this.config.serviceId,
      queue_depth: q.depth,
      queue_events: q.events,
      queue_capacity: this.config.queueCapacity,
      queue_full: q.full,
      dropped_events: q.droppedEvents,
      highest_index: q.highest,
      high_watermark: q.highWater,
      sent_through: this.sender?.sentThrough ?? 0,
      batches_sent: s?.batchesSent ?? 0,
      events_sent: s?.eventsSent ?? 0,
      transmit_failures: s?.transmitFailures ?? 0,
      batches_dropped: s?.batchesDropped ?? 0,
      last_error: s?.lastError ?? '',
      resumable_after: q.resumableAfter,
      missing_after: q.gap?.from ?? 0,
      missing_through: q.gap?.to ?? 0,
      queue_write_error: q.writeError === null ? '' : q.writeError instanceof Error ? q.writeError.message : String(q.writeError),
    }
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.sender?.stop()
    this.#cancelSync?.()
    for (const wake of this.#waiters) wake()
    this.#waiters.clear()
    this.queue.close()
  }

  #next(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.#waiters.delete(done)
        signal?.removeEventListener('abort', done)
        resolve()
      }
      this.#waiters.add(done)
      signal?.addEventListener('abort', done)
    })
  }

  /** Appends reach the disk at least every mark interval, so a restart replays little. */
  #scheduleSync(): void {
    this.#cancelSync = this.#ctx.timers.setTimeout(() => {
      if (this.#closed) return
      if (this.#dirty) {
        this.#dirty = false
        try {
          this.queue.sync()
        } catch (e) {
          this.#ctx.logger.error('CDC queue fsync failed', { error: e instanceof Error ? e.message : String(e) })
        }
      }
      this.#scheduleSync()
    }, this.config.highWatermarkIntervalMs)
  }

  #reportFull(): void {
    const writeError = this.queue.writeError
    if (writeError !== null && writeError !== this.#reportedWriteError) {
      this.#ctx.logger.error('CDC queue write failed; the next sync rewrites the file from memory', { error: writeError instanceof Error ? writeError.message : String(writeError) })
    }
    this.#reportedWriteError = writeError
    const full = this.queue.full
    if (full && !this.#wasFull) this.#ctx.logger.error('CDC queue full: dropping the oldest undelivered changes', { capacity: this.config.queueCapacity, dropped: this.queue.droppedEvents })
    if (!full && this.#wasFull) this.#ctx.logger.info('CDC queue has room again', { depth: this.queue.depth, dropped: this.queue.droppedEvents })
    this.#wasFull = full
  }
}

function rawGroup(g: ChangeGroup): string {
  return JSON.stringify([g.index, g.timestampMs, g.events.map((e) => [e.table, e.json])])
}
