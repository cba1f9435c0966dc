import type { ServerIncoming } from './server-incoming.ts'

/**
 * A request's headers as `Headers.get` reads them, from the raw list the runtime's server hands
 * over where it does (Node's `IncomingMessage.rawHeaders`, `c.env.incoming` under
 * @hono/node-server). There, `request.headers` builds a Web `Headers` from that list for every
 * request: ~2.5 KiB of the ~43 KiB a key/value write allocated on a Node leader
 * (`bench/alloc-profile.ts`), for the two or three headers a data request reads.
 */
export type HeaderReader = (lowerCaseName: string) => string | null

/**
 * Reads from the raw header list of the server's message behind the request (`serverIncoming`,
 * server-incoming.ts), else from `request.headers`.
 */
export function headerReader(request: Request, incoming: ServerIncoming | undefined): HeaderReader {
  const raw = incoming?.rawHeaders
  return Array.isArray(raw) ? (name) => fromRawHeaders(raw as string[], name) : (name) => request.headers.get(name)
}

/**
 * What `new Headers(pairs).get(name)` answers for a list of alternating names and values: every
 * value of that name, in order, with leading and trailing HTTP whitespace removed, joined by
 * ", "; null when there is none.
 */
export function fromRawHeaders(raw: readonly string[], lowerCaseName: string): string | null {
  let value: string | null = null
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const key = raw[i]
    if (key.length !== lowerCaseName.length || key.toLowerCase() !== lowerCaseName) continue
    const v = trimHttpWhitespace(raw[i + 1])
    value = value === null ? v : `${value}, ${v}`
  }
  return value
}

const HTTP_WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g

function trimHttpWhitespace(value: string): string {
  const first = value.charCodeAt(0)
  const last = value.charCodeAt(value.length - 1)
  const edge = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d
  return value.length > 0 && (edge(first) || edge(last)) ? value.replace(HTTP_WHITESPACE, '') : value
}
