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
 * The leader refused forwarded work for want of permission: HTTP 401 with rqlite's text
 * (`remote Execute not authorized`). Not a StoreError: it is never a 200 with an error.
 */
export class NotAuthorizedError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'NotAuthorizedError'
  }
}
