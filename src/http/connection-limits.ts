/**
 * Limits a server adapter applies to connections, before any request reaches the API: how many
 * one client address may hold open, and how long a client may take to send its headers and its
 * whole request (slow clients that trickle bytes to hold connections).
 */
import type { TlsServerOptions } from '../tls/tls-options.ts'

export interface ConnectionLimits {
  /** Open connections per client address; 0 for no limit. */
  maxConnsPerClient: number
  /** Time to receive a request's headers, in ms (408 after). */
  headersTimeoutMs: number
  /** Time to receive a whole request, body included, in ms (408 after); 0 for no limit. */
  requestTimeoutMs: number
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  maxConnsPerClient: 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 300_000,
}

/** What a runtime's `serve` is given beyond the app and address. */
export interface ServeOptions {
  tls?: TlsServerOptions | null
  limits?: ConnectionLimits
}
