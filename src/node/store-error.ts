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
