import { RequestError } from '../api/request-error.ts'
import type { HeaderReader } from './request-headers.ts'
import type { ServerIncoming } from './server-incoming.ts'

const decoder = new TextDecoder('utf-8', { fatal: true })

/**
 * A request body as the runtime's server hands it over, where it does (Node's IncomingMessage,
 * `c.env.incoming` under @hono/node-server, is one): read directly, it spares building a Web
 * Request, its stream and its abort signal for every write (issue #19).
 */
export type BodySource = AsyncIterable<Uint8Array>

/** The body of the server's message behind the request (`serverIncoming`), if it iterates. */
export function bodySourceOf(incoming: ServerIncoming | undefined): BodySource | undefined {
  return incoming && Symbol.asyncIterator in incoming ? (incoming as unknown as BodySource) : undefined
}

/**
 * Reads a request body as UTF-8 text, refusing more than `limit` bytes (413) without buffering
 * past the limit, and invalid UTF-8 (400). From `source` when given (see `BodySource`).
 */
export async function readBodyText(request: Request, limit: number, source?: BodySource, header?: HeaderReader): Promise<string> {
  const bytes = await readBodyBytes(request, limit, source, header)
  try {
    return decoder.decode(bytes)
  } catch {
    throw new RequestError('invalid UTF-8 in request body')
  }
}

export async function readBodyBytes(request: Request, limit: number, source?: BodySource, header?: HeaderReader): Promise<Uint8Array> {
  const declared = Number((header ? header('content-length') : request.headers.get('content-length')) ?? NaN)
  if (declared > limit) throw tooLarge(limit)
  const body = source ?? (request.body ? chunksOf(request.body) : null)
  const chunks: Uint8Array[] = []
  let total = 0
  // Leaving the loop early (past the limit) ends the source: the stream is cancelled.
  if (body) {
    for await (const chunk of body) {
      total += chunk.length
      if (total > limit) throw tooLarge(limit)
      chunks.push(chunk)
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

/** A Web stream's chunks, cancelling the stream if the reader stops early. */
async function* chunksOf(stream: ReadableStream<Uint8Array>): BodySource {
  const reader = stream.getReader()
  let done = false
  try {
    for (;;) {
      const next = await reader.read()
      if (next.done) break
      yield next.value
    }
    done = true
  } finally {
    if (!done) await reader.cancel()
  }
}

function tooLarge(limit: number): RequestError {
  return new RequestError(`request body too large (limit ${limit} bytes; see -http-max-body)`, 413)
}
