import { RequestError } from '../api/request-error.ts'

const decoder = new TextDecoder('utf-8', { fatal: true })

/**
 * A request body as the runtime's server hands it over, where it does (Node's IncomingMessage,
 * `c.env.incoming` under @hono/node-server, is one): read directly, it spares building a Web
 * Request, its stream and its abort signal for every write (issue #19).
 */
export type BodySource = AsyncIterable<Uint8Array>

/** The server's own body source in a Hono context's `env`, if it has one. */
export function bodySourceOf(env: unknown): BodySource | undefined {
  const incoming = (env as { incoming?: unknown } | undefined)?.incoming
  return incoming !== null && typeof incoming === 'object' && Symbol.asyncIterator in incoming ? (incoming as BodySource) : undefined
}

/**
 * Reads a request body as UTF-8 text, refusing more than `limit` bytes (413) without buffering
 * past the limit, and invalid UTF-8 (400). From `source` when given (see `BodySource`).
 */
export async function readBodyText(request: Request, limit: number, source?: BodySource): Promise<string> {
  const bytes = await readBodyBytes(request, limit, source)
  try {
    return decoder.decode(bytes)
  } catch {
    throw new RequestError('invalid UTF-8 in request body')
  }
}

export async function readBodyBytes(request: Request, limit: number, source?: BodySource): Promise<Uint8Array> {
  const declared = Number(request.headers.get('content-length') ?? NaN)
  if (declared > limit) throw tooLarge(limit)
  const chunks: Uint8Array[] = []
  let total = 0
  if (source) {
    // Past the limit the rest is left unread: the server discards it after the 413.
    for await (const chunk of source) {
      total += chunk.length
      if (total > limit) throw tooLarge(limit)
      chunks.push(chunk)
    }
  } else {
    if (!request.body) return new Uint8Array(0)
    const reader = request.body.getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      total += value.length
      if (total > limit) {
        await reader.cancel()
        throw tooLarge(limit)
      }
      chunks.push(value)
    }
  }
  if (chunks.length === 0) return new Uint8Array(0)
  if (chunks.length === 1) return chunks[0]
  const out = new Uint8Array(total)
  let offset = 0
  for (const c of chunks) {
    out.set(c, offset)
    offset += c.length
  }
  return out
}

function tooLarge(limit: number): RequestError {
  return new RequestError(`request body too large (limit ${limit} bytes; see -http-max-body)`, 413)
}
