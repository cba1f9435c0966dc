/** Checks of the logging and metrics flags (raftlite's own, plus rqlite's `-raft-log-level`). */
import { parseLogLevel } from '../observe/logger.ts'

export const LOG_FORMATS = ['auto', 'json', 'text'] as const
export type LogFormat = (typeof LOG_FORMATS)[number]

export interface ObserveFlags {
  raftLogLevel: string
  logLevel: string
  logFormat: string
  logSlowRequest: number
  otlpEndpoint: string
  otlpInterval: number
}

/** An error message for the first bad value, or undefined. */
export function validateObserveFlags(o: ObserveFlags): string | undefined {
  for (const [flag, value] of [['raft-log-level', o.raftLogLevel], ['log-level', o.logLevel]] as const) {
    if (parseLogLevel(value) === null) return `-${flag}: unknown level ${JSON.stringify(value)} (want DEBUG, INFO, WARN, ERROR or OFF)`
  }
  if (!(LOG_FORMATS as readonly string[]).includes(o.logFormat)) return `-log-format: unknown format ${JSON.stringify(o.logFormat)} (want auto, json or text)`
  if (o.logSlowRequest < 0) return '-log-slow-request must not be negative'
  if (o.otlpEndpoint !== '') {
    let url: URL
    try {
      url = new URL(o.otlpEndpoint)
    } catch {
      return `-otlp-endpoint: not a URL: ${JSON.stringify(o.otlpEndpoint)}`
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return `-otlp-endpoint: want an http:// or https:// URL, got ${url.protocol}`
    if (o.otlpInterval <= 0) return '-otlp-interval must be greater than 0'
  }
  return undefined
}
