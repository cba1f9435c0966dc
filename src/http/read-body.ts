import { RequestError } from '../api/request-error.ts'

const decoder = new TextDecoder('utf-8', { fatal: true })

/**
 * Reads a request body as UTF-8 text, refusing more than `limit` bytes (413) without buffering
 * past the limit, and invalid UTF-8 (400).
 */
export async function readBodyText(request: Request, limit: number): Promise<string> {
  const bytes = await readBodyBytes(request, limit)
  try {
    return decoder.decode(bytes)
  } catch {
    throw new RequestError('invalid UTF-8 in request body')
  }
}

export async function readBodyBytes(request: Request, limit: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get('content-length') ?? NaN)
  if (declared > limit) throw tooLarge(limit)
  if (!request.body) return new Uint8Array(0)
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
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
