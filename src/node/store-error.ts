/**
 * A request-level failure of the store (disallowed pragma, not leader, closed…). rqlite answers
 * these with HTTP 200 and `{"results":[],"error":"…"}`; the HTTP layer maps them.
 */
export class StoreError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'StoreError'
  }
}

/** No leader is known, so nothing can be forwarded: HTTP 503 `leader not found`, as rqlite. */
export class LeaderNotFoundError extends StoreError {
  constructor() {
    super('leader not found')
    this.name = 'LeaderNotFoundError'
  }
}

/**
 * This node is not (or no longer) the leader and did nothing: a read that could not be
 * confirmed, a write never proposed, or one whose log entry was replaced by a new leader's (so
 * it can never commit). Safe to send to the leader again; rqlite forwards it, never answers 200.
 */
export class NotLeaderError extends StoreError {
  constructor(message = 'not leader') {
    super(message)
    this.name = 'NotLeaderError'
  }
}

/**
 * The leader refused forwarded work for want of permission: HTTP 401 with rqlite's text
 * (`remote Execute not authorized`). Not a StoreError: it is never a 200 with an error.
 */
export class NotAuthorizedError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'NotAuthorizedError'
  }
}
