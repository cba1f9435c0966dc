/**
 * Pushes metrics to an OpenTelemetry collector (OTLP/HTTP, JSON) every `intervalMs`, and once
 * more when stopped. A collector that is down or refuses costs a warning per failure streak,
 * never the node.
 */
import type { Timers } from '../ports/timers.ts'
import type { SubsystemLogger } from './logger.ts'
import type { MetricFamily } from './metrics.ts'
import { type OtlpResource, type OtlpScope, otlpMetricsRequest } from './otlp-json.ts'

export interface OtlpPushOptions {
  url: string
  intervalMs: number
  collect(): MetricFamily[]
  resource: OtlpResource
  scope: OtlpScope
  timers: Timers
  /** Wall clock, milliseconds since the epoch. */
  now(): number
  fetch: typeof fetch
  logger: SubsystemLogger
  /** How long one push may take (default: the interval, at most 10 s). */
  timeoutMs?: number
}

export interface OtlpPusher {
  /** Pushes now; resolves true if the collector accepted. */
  push(): Promise<boolean>
  /** Stops the timer and makes a last push. */
  stop(): Promise<void>
  readonly stats: { pushes: number; failures: number }
}

export function startOtlpPush(o: OtlpPushOptions): OtlpPusher {
  const startTimeMs = o.now()
  const stats = { pushes: 0, failures: 0 }
  let failing = false
  let stopped = false
  let cancel: (() => void) | null = null
  const timeoutMs = o.timeoutMs ?? Math.min(o.intervalMs, 10_000)

  const push = async (): Promise<boolean> => {
    const body = JSON.stringify(otlpMetricsRequest(o.collect(), o.resource, o.scope, startTimeMs, o.now()))
    try {
      const res = await o.fetch(o.url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body, signal: AbortSignal.timeout(timeoutMs) })
      const answer = await res.text()
      if (!res.ok) throw new Error(`HTTP ${res.status}: ${answer.slice(0, 200).trim()}`)
      stats.pushes++
      if (failing) o.logger.info('metrics push to the collector works again', { url: o.url })
      failing = false
      return true
    } catch (e) {
      stats.failures++
      if (!failing) o.logger.warn('metrics push to the collector failed; retrying every interval', { url: o.url, error: e instanceof Error ? e.message : String(e) })
      failing = true
      return false
    }
  }
  const schedule = () => {
    cancel = o.timers.setTimeout(() => {
      if (stopped) return
      void push().finally(() => {
        if (!stopped) schedule()
      })
    }, o.intervalMs)
  }
  schedule()
  return {
    push,
    stats,
    async stop() {
      if (stopped) return
      stopped = true
      cancel?.()
      await push()
    },
  }
}
