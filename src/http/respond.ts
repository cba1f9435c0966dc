/** Response helpers that reproduce rqlite's (Go net/http) bodies and headers. */
import { type JsonValue, toJson } from '../api/json-writer.ts'

const JSON_TYPE = 'application/json; charset=utf-8'
const TEXT_TYPE = 'text/plain; charset=utf-8'

/** The message of each error response, for the log (reading the body back would consume it). */
const reasons = new WeakMap<Response, string>()

/** Like Go's http.Error: text/plain, the message and a trailing newline. */
export function textError(status: number, message: string): Response {
  const response = new Response(`${message}\n`, {
    status,
    headers: { 'Content-Type': TEXT_TYPE, 'X-Content-Type-Options': 'nosniff' },
  })
  reasons.set(response, message)
  return response
}

/** Why `response` refused its request, when `textError` made it. */
export function errorReason(response: Response): string | undefined {
  return reasons.get(response)
}

/**
 * An empty-bodied response (405s, auth failures, plain successes). The content type is set
 * explicitly because Node's Hono adapter adds one when it is missing and Deno and Bun do not:
 * every runtime must answer byte for byte alike.
 */
export function empty(status: number, headers?: Record<string, string>): Response {
  return new Response(null, { status, headers: { 'Content-Type': TEXT_TYPE, ...headers } })
}

export function json(value: JsonValue, options: { pretty?: boolean; status?: number; headers?: Record<string, string> } = {}): Response {
  return new Response(toJson(value, { pretty: options.pretty }), {
    status: options.status ?? 200,
    headers: { 'Content-Type': JSON_TYPE, ...options.headers },
  })
}

export function text(body: string, status = 200): Response {
  return new Response(body, { status, headers: { 'Content-Type': TEXT_TYPE } })
}

/** Responses created with the API's common headers already in place. */
const complete = new WeakSet<Response>()

/** Marks `response` as carrying the common headers (it was created with them). */
export function withCommonHeaders(response: Response): Response {
  complete.add(response)
  return response
}

export function hasCommonHeaders(response: Response): boolean {
  return complete.has(response)
}
