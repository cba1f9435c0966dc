/**
 * `-cdc-config`: a webhook URL, `stdout`, `stream` (capture for /db/changes only), or a JSON
 * file with rqlite's fields (`cdc/config.go`). rqlite's docs write durations as strings
 * ("250ms") and its binary reads integer nanoseconds: both are accepted, as is the retry policy
 * as 0/1 or by name.
 */
import { DurationError, parseGoDurationNs } from '../api/go-duration.ts'
import { type FilePort, readTextFile } from '../ports/file-port.ts'

export type CdcEndpoint = { kind: 'http'; url: string } | { kind: 'stdout' } | { kind: 'none' }

/** The webhook's TLS settings (file paths, read when the node starts). */
export interface CdcTls {
  caCertFile: string
  certFile: string
  keyFile: string
  insecureSkipVerify: boolean
  serverName: string
}

export interface CdcConfig {
  endpoint: CdcEndpoint
  serviceId: string
  rowIdsOnly: boolean
  /** Only tables whose name matches are captured (rqlite: a Go regexp on the table name). */
  tableFilter: RegExp | null
  /** Events per POST (rqlite counts events, not log entries). */
  maxBatchSize: number
  maxBatchDelayMs: number
  highWatermarkIntervalMs: number
  transmitTimeoutMs: number
  /** Attempts after the first; null retries forever (rqlite's default). */
  transmitMaxRetries: number | null
  retryPolicy: 'linear' | 'exponential'
  transmitMinBackoffMs: number
  transmitMaxBackoffMs: number
  /** Undelivered log entries kept at most; beyond, the oldest are dropped and counted (raftlite). */
  queueCapacity: number
  /** Delivered log entries kept for /db/changes readers to resume from (raftlite). */
  streamRetention: number
  /** TLS settings for an https endpoint; null for the system's defaults. */
  tls: CdcTls | null
}

export const CDC_DEFAULTS: Omit<CdcConfig, 'endpoint'> = {
  serviceId: '',
  rowIdsOnly: false,
  tableFilter: null,
  maxBatchSize: 10,
  maxBatchDelayMs: 200,
  highWatermarkIntervalMs: 1000,
  transmitTimeoutMs: 5000,
  transmitMaxRetries: null,
  retryPolicy: 'linear',
  transmitMinBackoffMs: 1000,
  transmitMaxBackoffMs: 30_000,
  queueCapacity: 100_000,
  streamRetention: 10_000,
  tls: null,
}

export class CdcConfigError extends Error {
  constructor(message: string) {
    super(`invalid CDC config: ${message}`)
    this.name = 'CdcConfigError'
  }
}

/** What `-cdc-config` names: a JSON file to read, or a complete config. */
export function cdcConfigSource(value: string): { kind: 'file'; path: string } | { kind: 'config'; config: CdcConfig } {
  const v = value.trim()
  if (v === 'stdout') return { kind: 'config', config: { ...CDC_DEFAULTS, endpoint: { kind: 'stdout' } } }
  if (v === 'stream') return { kind: 'config', config: { ...CDC_DEFAULTS, endpoint: { kind: 'none' } } }
  if (/^https?:\/\//i.test(v)) return { kind: 'config', config: { ...CDC_DEFAULTS, endpoint: { kind: 'http', url: checkUrl(v) } } }
  return { kind: 'file', path: v }
}

/** `-cdc-config`'s value as a config, reading the JSON file it names; null when empty. */
export function loadCdcConfig(value: string, files: FilePort): CdcConfig | null {
  if (value.trim() === '') return null
  const source = cdcConfigSource(value)
  if (source.kind === 'config') return source.config
  let text: string
  try {
    text = readTextFile(files, source.path)
  } catch (e) {
    throw new CdcConfigError(`cannot read ${source.path}: ${e instanceof Error ? e.message : String(e)} (expected a URL, "stdout", or a JSON file)`)
  }
  return parseCdcConfigJson(text)
}

const FIELDS = new Set([
  'endpoint', 'service_id', 'row_ids_only', 'table_filter', 'tls', 'max_batch_size', 'max_batch_delay',
  'high_watermark_interval', 'transmit_timeout', 'transmit_max_retries', 'transmit_retry_policy',
  'transmit_min_backoff', 'transmit_max_backoff', 'queue_capacity', 'stream_retention',
])

/** Parses the JSON file's text. Unknown fields are refused: a typo must not pass silently. */
export function parseCdcConfigJson(text: string): CdcConfig {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (e) {
    throw new CdcConfigError(`not JSON (${e instanceof Error ? e.message : String(e)})`)
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new CdcConfigError('expected a JSON object')
  const o = raw as Record<string, unknown>
  for (const key of Object.keys(o)) if (!FIELDS.has(key)) throw new CdcConfigError(`unknown field "${key}"`)
  const endpointText = str(o, 'endpoint')
  if (endpointText === undefined || endpointText === '') throw new CdcConfigError('"endpoint" is required')
  const endpoint = cdcConfigSource(endpointText)
  if (endpoint.kind === 'file') throw new CdcConfigError(`"endpoint" must be an http(s) URL, "stdout" or "stream", not ${JSON.stringify(endpointText)}`)
  const d = CDC_DEFAULTS
  const filter = str(o, 'table_filter')
  const config: CdcConfig = {
    endpoint: endpoint.config.endpoint,
    serviceId: str(o, 'service_id') ?? d.serviceId,
    rowIdsOnly: bool(o, 'row_ids_only') ?? d.rowIdsOnly,
    tableFilter: filter ? regex(filter) : null,
    maxBatchSize: count(o, 'max_batch_size', 1) ?? d.maxBatchSize,
    maxBatchDelayMs: duration(o, 'max_batch_delay') ?? d.maxBatchDelayMs,
    highWatermarkIntervalMs: duration(o, 'high_watermark_interval') ?? d.highWatermarkIntervalMs,
    transmitTimeoutMs: duration(o, 'transmit_timeout') ?? d.transmitTimeoutMs,
    transmitMaxRetries: count(o, 'transmit_max_retries', 0) ?? d.transmitMaxRetries,
    retryPolicy: policy(o.transmit_retry_policy) ?? d.retryPolicy,
    transmitMinBackoffMs: duration(o, 'transmit_min_backoff') ?? d.transmitMinBackoffMs,
    transmitMaxBackoffMs: duration(o, 'transmit_max_backoff') ?? d.transmitMaxBackoffMs,
    queueCapacity: count(o, 'queue_capacity', 1) ?? d.queueCapacity,
    streamRetention: count(o, 'stream_retention', 0) ?? d.streamRetention,
    tls: o.tls === undefined || o.tls === null ? null : parseTls(o.tls),
  }
  if (config.transmitTimeoutMs <= 0) throw new CdcConfigError('"transmit_timeout" must be positive')
  if (config.highWatermarkIntervalMs <= 0) throw new CdcConfigError('"high_watermark_interval" must be positive')
  if (config.transmitMaxBackoffMs < config.transmitMinBackoffMs) throw new CdcConfigError('"transmit_max_backoff" is less than "transmit_min_backoff"')
  return config
}

/** The backoff before retry number `attempt` (1 = the first retry). */
export function backoffMs(config: Pick<CdcConfig, 'retryPolicy' | 'transmitMinBackoffMs' | 'transmitMaxBackoffMs'>, attempt: number): number {
  const { transmitMinBackoffMs: min, transmitMaxBackoffMs: max } = config
  const ms = config.retryPolicy === 'exponential' ? min * 2 ** Math.min(attempt - 1, 40) : min * attempt
  return Math.min(ms, max)
}

function checkUrl(url: string): string {
  try {
    return new URL(url).href
  } catch {
    throw new CdcConfigError(`endpoint ${JSON.stringify(url)} is not a valid URL`)
  }
}

const TLS_FIELDS = new Set(['ca_cert_file', 'cert_file', 'key_file', 'insecure_skip_verify', 'server_name'])

function parseTls(raw: unknown): CdcTls | null {
  if (typeof raw !== 'object' || Array.isArray(raw) || raw === null) throw new CdcConfigError('"tls" must be an object')
  const o = raw as Record<string, unknown>
  for (const key of Object.keys(o)) if (!TLS_FIELDS.has(key)) throw new CdcConfigError(`unknown field "tls.${key}"`)
  const field = (key: string) => {
    try {
      return str(o, key) ?? ''
    } catch {
      throw new CdcConfigError(`"tls.${key}" must be a string`)
    }
  }
  const tls: CdcTls = {
    caCertFile: field('ca_cert_file'),
    certFile: field('cert_file'),
    keyFile: field('key_file'),
    serverName: field('server_name'),
    insecureSkipVerify: (() => {
      const v = o.insecure_skip_verify
      if (v === undefined || v === null) return false
      if (typeof v !== 'boolean') throw new CdcConfigError('"tls.insecure_skip_verify" must be true or false')
      return v
    })(),
  }
  if ((tls.certFile === '') !== (tls.keyFile === '')) throw new CdcConfigError('"tls.cert_file" and "tls.key_file" go together')
  const any = tls.caCertFile || tls.certFile || tls.serverName || tls.insecureSkipVerify
  return any ? tls : null
}

function str(o: Record<string, unknown>, key: string): string | undefined {
  const v = o[key]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'string') throw new CdcConfigError(`"${key}" must be a string`)
  return v
}

function bool(o: Record<string, unknown>, key: string): boolean | undefined {
  const v = o[key]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'boolean') throw new CdcConfigError(`"${key}" must be true or false`)
  return v
}

function count(o: Record<string, unknown>, key: string, min: number): number | undefined {
  const v = o[key]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) throw new CdcConfigError(`"${key}" must be an integer ≥ ${min}`)
  return v
}

/** A Go duration string ("250ms") or integer nanoseconds (what Go's encoding/json reads). */
function duration(o: Record<string, unknown>, key: string): number | undefined {
  const v = o[key]
  if (v === undefined || v === null) return undefined
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) throw new CdcConfigError(`"${key}" must be a duration ("250ms") or non-negative integer nanoseconds`)
    return v / 1e6
  }
  if (typeof v !== 'string') throw new CdcConfigError(`"${key}" must be a duration ("250ms") or integer nanoseconds`)
  try {
    const ns = parseGoDurationNs(v)
    if (ns < 0n) throw new CdcConfigError(`"${key}" must not be negative`)
    return Number(ns) / 1e6
  } catch (e) {
    if (e instanceof DurationError) throw new CdcConfigError(`"${key}": ${e.message}`)
    throw e
  }
}

function policy(v: unknown): CdcConfig['retryPolicy'] | undefined {
  if (v === undefined || v === null) return undefined
  if (v === 0 || v === 'LinearRetryPolicy' || v === 'linear') return 'linear'
  if (v === 1 || v === 'ExponentialRetryPolicy' || v === 'exponential') return 'exponential'
  throw new CdcConfigError('"transmit_retry_policy" must be 0 (linear), 1 (exponential), "LinearRetryPolicy" or "ExponentialRetryPolicy"')
}

function regex(source: string): RegExp {
  try {
    return new RegExp(source)
  } catch (e) {
    throw new CdcConfigError(`"table_filter" is not a valid regular expression (${e instanceof Error ? e.message : String(e)})`)
  }
}
