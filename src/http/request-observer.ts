/**
 * What the HTTP API records of each request: a count by route, method and status and a latency
 * histogram (`/metrics`), a warning for a slow request, and a log line for each refused one
 * with its reason. A request that succeeds in time logs nothing.
 */
import type { LogFields, SubsystemLogger } from '../observe/logger.ts'
import type { BoundCounter, BoundHistogram } from '../observe/metrics.ts'
import type { ApiNode } from '../node/node-api-port.ts'
import { errorReason } from './respond.ts'

const REASONS: Record<number, string> = { 401: 'not authorized', 404: 'no such route', 405: 'method not allowed' }

export type RequestObserver = (route: string, request: Request, startedAt: number, response: Response) => void

/** One route's series, resolved on its first request: later ones build no labels or keys. */
interface RouteSeries {
  duration: BoundHistogram
  /** By method, then status. */
  requests: Map<string, Map<number, BoundCounter>>
}

export function requestObserver(node: Pick<ApiNode, 'metrics' | 'options' | 'platform'>, logger: SubsystemLogger): RequestObserver {
  const { metrics, options, platform } = node
  const slowMs = options.logSlowRequestMs
  const routes = new Map<string, RouteSeries>()
  const count = (route: string, method: string, status: number, seconds: number) => {
    let series = routes.get(route)
    if (!series) routes.set(route, (series = { duration: metrics.httpDuration.labels({ route }), requests: new Map() }))
    series.duration.observe(seconds)
    let byStatus = series.requests.get(method)
    if (!byStatus) series.requests.set(method, (byStatus = new Map()))
    let counter = byStatus.get(status)
    if (!counter) byStatus.set(status, (counter = metrics.httpRequests.labels({ route, method, status: String(status) })))
    counter.inc()
  }
  return (route, request, startedAt, response) => {
    const ms = platform.clock.monotonic() - startedAt
    const status = response.status
    if (metrics.enabled) count(route, request.method, status, ms / 1000)
    // /readyz answers 503 by design while a node is not ready: that is its answer, not a refusal.
    const refused = status >= 400 && route !== 'readyz'
    if (!refused && !(slowMs > 0 && ms >= slowMs)) return
    const url = new URL(request.url)
    const fields: LogFields = { method: request.method, path: url.pathname, status, ms: Math.round(ms) }
    if (!refused) return logger.warn('slow request', fields)
    const reason = errorReason(response) ?? REASONS[status] ?? `HTTP ${status}`
    // 4xx: the client's doing (info); 5xx: the node could not serve it (warn).
    if (status < 500) logger.info('request refused', { ...fields, reason })
    else logger.warn('request failed', { ...fields, reason })
  }
}
