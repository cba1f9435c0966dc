/**
 * A client error detected while reading a request (body or query string).
 * `message` is the exact text rqlite puts in the `text/plain` 400 body
 * (the HTTP layer appends the trailing newline, as Go's http.Error does).
 */
export class RequestError extends Error {
  readonly status: number

  constructor(message: string, status = 400) {
    super(message)
    this.name = 'RequestError'
    this.status = status
  }
}
