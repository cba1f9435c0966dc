/**
 * `GET /db/changes` (Server-Sent Events) as an async iterator of change groups. Groups carry
 * their log index, so a broken connection is resumed after the last one yielded, on any host,
 * without a gap or a repeat. A reader the server says it left behind (`event: error`, or 410 for
 * a `since` it no longer keeps) ends with an error rather than silently skip changes.
 */
import type { ChangeGroupJson } from '../cdc/change-json.ts'
import { RemoteRequestError } from './remote-errors.ts'
import type { Transport } from './transport.ts'

export interface ChangeReadOptions {
  since?: number
  tables?: string
  signal?: AbortSignal
}

export async function* readChanges(transport: Transport, options: ChangeReadOptions): AsyncGenerator<ChangeGroupJson> {
  let since = options.since
  for (;;) {
    const params = new URLSearchParams()
    if (since !== undefined) params.set('since', String(since))
    if (options.tables !== undefined) params.set('tables', options.tables)
    const { host, response } = await transport.send({ method: 'GET', path: '/db/changes', params, kind: 'read', signal: options.signal })
    if (!response.body) throw new RemoteRequestError('the change stream has no body', response.status, host)
    try {
      for await (const event of serverSentEvents(response.body)) {
        if (event.type === 'error') throw new RemoteRequestError(`change stream: ${parseErrorData(event.data)}`, 200, host)
        if (event.type !== 'message' || event.data === '') continue
        const group = JSON.parse(event.data) as ChangeGroupJson
        since = group.index
        yield group
      }
    } catch (e) {
      if (options.signal?.aborted) throw options.signal.reason
      if (e instanceof RemoteRequestError || e instanceof SyntaxError) throw e
      // The connection broke: resume after the last group, wherever the transport finds a host.
    }
    if (options.signal?.aborted) throw options.signal.reason
  }
}

interface SseEvent {
  type: string
  data: string
}

/** The Server-Sent Events parsing rules (WHATWG HTML §9.2.6), enough for `event`, `data`, `id`. */
async function* serverSentEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder()
  const reader = body.getReader()
  let buffer = ''
  let type = ''
  let data: string[] = []
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      buffer += decoder.decode(value, { stream: true })
      let nl: number
      while ((nl = buffer.search(/\r\n|\r|\n/)) >= 0) {
        const line = buffer.slice(0, nl)
        buffer = buffer.slice(nl + (buffer.startsWith('\r\n', nl) ? 2 : 1))
        if (line === '') {
          if (data.length > 0 || type !== '') yield { type: type || 'message', data: data.join('\n') }
          type = ''
          data = []
          continue
        }
        if (line.startsWith(':')) continue
        const colon = line.indexOf(':')
        const field = colon < 0 ? line : line.slice(0, colon)
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
        if (field === 'event') type = value
        else if (field === 'data') data.push(value)
      }
    }
  } finally {
    await reader.cancel().catch(() => {})
  }
}

function parseErrorData(data: string): string {
  try {
    const v: unknown = JSON.parse(data)
    return typeof v === 'string' ? v : data
  } catch {
    return data
  }
}
