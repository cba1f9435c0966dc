/**
 * Delivery to the CDC endpoint, on the leader only: batches of queued groups, in index order,
 * POSTed as rqlite's envelope. 200 and 202 count as delivered; anything else (or no answer within
 * the transmit timeout) is retried with the configured backoff, and after `transmit_max_retries`
 * the batch is dropped and counted, as in rqlite. What was delivered is replicated as the
 * high-water mark every `high_watermark_interval`, so every voter prunes and a new leader resumes
 * right after it (at least once: it may repeat what the old leader sent since its last mark).
 */
import type { SubsystemLogger } from '../observe/logger.ts'
import type { Timers } from '../ports/timers.ts'
import { backoffMs, type CdcConfig } from './cdc-config.ts'
import { envelopeJson } from './change-events.ts'
import type { ChangeQueue } from './change-queue.ts'

/** Sends one envelope; resolves with the HTTP status (rejects when nothing came back). */
export type Transmit = (body: string, timeoutMs: number) => Promise<number>

export interface WebhookSenderContext {
  nodeId: string
  config: CdcConfig
  queue: ChangeQueue
  timers: Timers
  logger: SubsystemLogger
  transmit: Transmit
  /** Leading, and caught up with the previous terms' entries (so the mark is current). */
  leading(): Promise<boolean>
  /** Proposes the high-water mark through the log. */
  proposeHighWater(index: number): Promise<void>
}

export interface SenderStats {
  batchesSent: number
  eventsSent: number
  transmitFailures: number
  batchesDropped: number
  lastError: string
}

export class WebhookSender {
  readonly stats: SenderStats = { batchesSent: 0, eventsSent: 0, transmitFailures: 0, batchesDropped: 0, lastError: '' }
  readonly #ctx: WebhookSenderContext
  /** Newest index delivered (or dropped) by this node while leading. */
  #sentThrough = 0
  #proposedThrough = 0
  #running = false
  #stopped = false
  #wake: (() => void) | null = null
  #stopWake: (() => void) | null = null
  #cancelMarkTimer: (() => void) | null = null

  constructor(ctx: WebhookSenderContext) {
    this.#ctx = ctx
  }

  get sentThrough(): number {
    return this.#sentThrough
  }

  /** Starts the loop (idempotent); it idles while this node does not lead. */
  start(): void {
    if (this.#running || this.#stopped) return
    this.#running = true
    void this.#loop().finally(() => (this.#running = false))
    this.#scheduleMark()
  }

  /** New groups were queued, or leadership changed. */
  notify(): void {
    const wake = this.#wake
    this.#wake = null
    wake?.()
  }

  stop(): void {
    this.#stopped = true
    this.#cancelMarkTimer?.()
    this.#stopWake?.()
  }

  async #loop(): Promise<void> {
    const { queue, config } = this.#ctx
    let leading = false
    while (!this.#stopped) {
      if (!(await this.#ctx.leading())) {
        leading = false
        await this.#sleep(config.highWatermarkIntervalMs)
        continue
      }
      if (!leading) {
        // A new term of ours: resume right after what the cluster knows was delivered.
        leading = true
        this.#sentThrough = queue.highWater
        this.#proposedThrough = queue.highWater
        this.#ctx.logger.info('leading CDC delivery', { resumeAfter: queue.highWater, depth: queue.depth })
      }
      let batch = queue.pending(this.#sentThrough, config.maxBatchSize)
      if (batch.length === 0) {
        await this.#sleep(config.highWatermarkIntervalMs)
        continue
      }
      if (count(batch) < config.maxBatchSize && config.maxBatchDelayMs > 0) {
        await this.#sleep(config.maxBatchDelayMs, false)
        batch = queue.pending(this.#sentThrough, config.maxBatchSize)
        if (batch.length === 0) continue
      }
      await this.#deliver(batch)
    }
  }

  async #deliver(batch: ReturnType<ChangeQueue['pending']>): Promise<void> {
    const { config, logger } = this.#ctx
    const body = envelopeJson(config.serviceId, this.#ctx.nodeId, batch)
    const last = batch[batch.length - 1].index
    for (let attempt = 0; !this.#stopped; attempt++) {
      if (attempt > 0) await this.#sleep(backoffMs(config, attempt), false)
      if (this.#stopped || !(await this.#ctx.leading())) return
      // Passed meanwhile (a full queue dropped it, or a mark from elsewhere): take a fresh batch.
      if (batch[0].index <= this.#ctx.queue.highWater) return
      let outcome: string
      try {
        const status = await this.#ctx.transmit(body, config.transmitTimeoutMs)
        if (status === 200 || status === 202) {
          this.#sentThrough = Math.max(this.#sentThrough, last)
          this.stats.batchesSent++
          this.stats.eventsSent += count(batch)
          return
        }
        outcome = `endpoint answered ${status}`
      } catch (e) {
        outcome = e instanceof Error ? e.message : String(e)
      }
      this.stats.transmitFailures++
      this.stats.lastError = outcome
      const max = config.transmitMaxRetries
      if (max !== null && attempt >= max) {
        this.stats.batchesDropped++
        this.#sentThrough = Math.max(this.#sentThrough, last)
        logger.error('CDC batch dropped after its retries', { firstIndex: batch[0].index, lastIndex: last, attempts: attempt + 1, error: outcome })
        return
      }
      logger.warn('CDC transmit failed; retrying', { firstIndex: batch[0].index, lastIndex: last, attempt: attempt + 1, error: outcome })
    }
  }

  #scheduleMark(): void {
    if (this.#stopped) return
    this.#cancelMarkTimer = this.#ctx.timers.setTimeout(() => void this.#proposeMark().finally(() => this.#scheduleMark()), this.#ctx.config.highWatermarkIntervalMs)
  }

  async #proposeMark(): Promise<void> {
    const through = this.#sentThrough
    if (through <= this.#proposedThrough || through <= this.#ctx.queue.highWater) return
    try {
      await this.#ctx.proposeHighWater(through)
      this.#proposedThrough = through
    } catch (e) {
      this.#ctx.logger.debug('CDC high-water mark not replicated (will retry)', { index: through, error: e instanceof Error ? e.message : String(e) })
    }
  }

  /** Waits `ms`, or until notified (unless `wakeable` is false). */
  #sleep(ms: number, wakeable = true): Promise<void> {
    return new Promise((resolve) => {
      const cancel = this.#ctx.timers.setTimeout(done, ms)
      function done() {
        cancel()
        resolve()
      }
      if (wakeable) this.#wake = done
      this.#stopWake = done
    })
  }
}

function count(batch: readonly { events: readonly unknown[] }[]): number {
  return batch.reduce((n, g) => n + g.events.length, 0)
}
