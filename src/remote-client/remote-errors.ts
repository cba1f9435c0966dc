/**
 * What the remote client throws besides a statement's `RaftliteError`. Each says whether the
 * write it carried may have been applied, because that decides what a caller may do next.
 */

/**
 * A write was sent, and the connection failed (or timed out) before an answer came: it may or
 * may not have been applied. The client never re-sends such a write on its own (that could apply
 * it twice); read back to find out, or opt in with `retryUnknownWrites` for idempotent writes.
 */
export class OutcomeUnknownError extends Error {
  constructor(readonly host: string, cause: unknown) {
    super(`the outcome of the write sent to ${host} is unknown (${describe(cause)}); it was not re-sent`, { cause })
    this.name = 'OutcomeUnknownError'
  }
}

/** No host could take the request before the failover time ran out; nothing was applied. */
export class NoHostAvailableError extends Error {
  constructor(readonly hosts: readonly string[], readonly elapsedMs: number, cause: unknown) {
    super(`no host of ${hosts.join(', ')} served the request within ${elapsedMs} ms (last: ${describe(cause)}); nothing was applied`, { cause })
    this.name = 'NoHostAvailableError'
  }
}

/**
 * The server refused the request with an HTTP status (bad request, not authorized, queue wait
 * timeout...) or a request-level error (`stale read`, `disallowed pragma`...). `status` is 200 for
 * the latter.
 */
export class RemoteRequestError extends Error {
  constructor(message: string, readonly status: number, readonly host: string) {
    super(message)
    this.name = 'RemoteRequestError'
  }
}

/** The server's answer is not what the rqlite API promises (bad JSON, missing `results`). */
export class MalformedResponseError extends Error {
  constructor(message: string, readonly host: string) {
    super(`${host}: ${message}`)
    this.name = 'MalformedResponseError'
  }
}

export function describe(e: unknown): string {
  if (!(e instanceof Error)) return String(e)
  const cause = e.cause instanceof Error ? `: ${e.cause.message}` : ''
  return `${e.message}${cause}`
}
