/**
 * `GET /db/changes?since=<index>&tables=<regex>`: the captured row changes as Server-Sent Events
 * (beyond rqlite). Each event is one log entry's group, `id:` its index, so a reconnecting
 * EventSource resumes with `Last-Event-ID` and misses nothing; older changes than this node keeps
 * are refused with 410 rather than skipped. The same over a WebSocket (`/db/changes` upgraded):
 * one text message per group.
 */
import { RequestError } from '../api/request-error.ts'
import { CdcDisabledError } from '../cdc/cdc-disabled-error.ts'
import { type ChangeReadOptions, ChangesGoneError, ChangesNotYetError, type ChangeText } from '../cdc/cdc-service.ts'
import type { ApiNode } from '../node/node-api-port.ts'
import type { DataRequest } from './data-routes.ts'
import { empty, textError } from './respond.ts'

/** A comment line now and then: proxies keep the stream open and a dead client is noticed. */
const KEEPALIVE_MS = 15_000

/** `since` (or `Last-Event-ID`, which wins: it is where the client got to) and `tables`. */
export function changeReadOptions(request: Request, get: (key: string) => string | undefined): Omit<ChangeReadOptions, 'signal'> {
  const lastEventId = request.headers.get('last-event-id')
  const sinceText = lastEventId ?? get('since')
  if (sinceText !== undefined && !/^\d{1,15}$/.test(sinceText.trim())) throw new RequestError(`${lastEventId !== null ? 'Last-Event-ID' : 'since'} must be a log index (a non-negative integer)`)
  const tablesText = get('tables')
  let tables: RegExp | null = null
  if (tablesText !== undefined && tablesText !== '') {
    try {
      tables = new RegExp(tablesText)
    } catch {
      throw new RequestError('tables is not a valid regular expression')
    }
  }
  const untilText = get('until')
  if (untilText !== undefined && !/^\d{1,15}$/.test(untilText)) throw new RequestError('until must be a log index (a non-negative integer)')
  const until = untilText === undefined ? undefined : Number(untilText)
  return { since: sinceText === undefined ? undefined : Number(sinceText.trim()), tables, until, raw: get('raw') !== undefined }
}

/** Opens the reader, or the error response saying why not (CDC off: 503; too old: 410). */
export function openChanges(node: ApiNode, options: ChangeReadOptions): AsyncGenerator<ChangeText> | Response {
  try {
    return node.changeTexts(options)
  } catch (e) {
    if (e instanceof CdcDisabledError) return textError(503, e.message)
    if (e instanceof ChangesGoneError) return textError(410, e.message)
    if (e instanceof ChangesNotYetError) return textError(503, e.message)
    throw e
  }
}

export function handleChanges(r: DataRequest): Response {
  if (r.request.method !== 'GET') return empty(405)
  const abort = new AbortController()
  const opened = openChanges(r.node, { ...changeReadOptions(r.request, r.params.get), signal: abort.signal })
  if (opened instanceof Response) return opened
  const reader = opened
  const encoder = new TextEncoder()
  const timers = r.node.platform.timers
  let cancelKeepalive = () => {}
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const keepalive = () => {
        cancelKeepalive = timers.setTimeout(() => {
          try {
            controller.enqueue(encoder.encode(': keepalive\n\n'))
            keepalive()
          } catch {
            abort.abort() // the stream is closed
          }
        }, KEEPALIVE_MS)
      }
      controller.enqueue(encoder.encode('retry: 1000\n\n'))
      keepalive()
    },
    async pull(controller) {
      try {
        const next = await reader.next()
        if (next.done) {
          cancelKeepalive()
          controller.close()
          return
        }
        controller.enqueue(encoder.encode(`id: ${next.value.index}\ndata: ${next.value.json}\n\n`))
      } catch (e) {
        // A reader left behind by pruning: say so, and end (resuming would skip changes).
        cancelKeepalive()
        const message = e instanceof Error ? e.message : String(e)
        controller.enqueue(encoder.encode(`event: error\ndata: ${JSON.stringify(message)}\n\n`))
        controller.close()
      }
    },
    cancel() {
      cancelKeepalive()
      abort.abort()
      void reader.return(undefined)
    },
  })
  return new Response(body, {
    headers: { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no' },
  })
}
