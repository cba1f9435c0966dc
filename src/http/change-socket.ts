/**
 * `/db/changes` over a WebSocket: the same groups as the Server-Sent Events, one text message
 * each (the payload element's JSON), resumable with `since`. Parameters are checked, and the
 * reader opened, before the upgrade, so a bad request still gets its HTTP status (400, 410, 503).
 * The socket closes with 1011 and the reason when the reader falls behind what the node keeps.
 */
import type { MiddlewareHandler } from 'hono'
import type { UpgradeWebSocket } from 'hono/ws'
import { RequestError } from '../api/request-error.ts'
import type { ApiNode } from '../node/node-api-port.ts'
import { changeReadOptions, openChanges } from './change-stream.ts'
import { textError } from './respond.ts'

/** Serves the upgrade, or passes the request on (to the SSE route) when it is not one. */
export function changeSocketRoute(node: ApiNode, upgrade: () => UpgradeWebSocket | null): MiddlewareHandler {
  return async (c, next) => {
    const upgradeWebSocket = upgrade()
    if (!upgradeWebSocket || c.req.header('upgrade')?.toLowerCase() !== 'websocket') return next()
    const abort = new AbortController()
    let options
    try {
      options = changeReadOptions(c.req.raw, (k) => c.req.query(k))
    } catch (e) {
      if (e instanceof RequestError) return textError(e.status, e.message)
      throw e
    }
    const opened = openChanges(node, { ...options, signal: abort.signal })
    if (opened instanceof Response) return opened
    const reader = opened
    const handler = upgradeWebSocket(() => ({
      async onOpen(_event, ws) {
        try {
          for await (const change of reader) ws.send(change.json)
        } catch (e) {
          if (!abort.signal.aborted) ws.close(1011, (e instanceof Error ? e.message : String(e)).slice(0, 120))
        }
      },
      onClose() {
        abort.abort()
      },
      onError() {
        abort.abort()
      },
    }))
    return (await handler(c, next)) ?? undefined
  }
}
