/**
 * Hono's `upgradeWebSocket` for a Durable Object, with hibernatable WebSockets: an accepted
 * socket is handed to the runtime (`ctx.acceptWebSocket`), which delivers its frames, close and
 * errors to the object's `webSocketMessage` / `webSocketClose` / `webSocketError` handlers
 * instead of to listeners on the socket. Those handlers call `message`/`close`/`error` here,
 * which pass them on to the route's events: the same transport code as on every runtime.
 *
 * The events live in memory. If the object was evicted and a new instance gets a frame for a
 * socket it never saw, the socket is closed: the peer opens a new stream (which starts the node
 * again) and resends by POST meanwhile.
 */
import { WSContext, type WSEvents, createWSMessageEvent, defineWebSocketHelper } from 'hono/ws'

/** Close code for a stream whose receiver no longer exists (RFC 6455: service restart). */
const SERVICE_RESTART = 1012

interface Accepted {
  events: WSEvents<WebSocket>
  context: WSContext<WebSocket>
}

export class HibernatableSockets {
  readonly #accepted = new Map<WebSocket, Accepted>()
  /** Streams accepted, frames delivered to them, and frames for sockets this instance never saw. */
  readonly stats = { accepted: 0, messages: 0, orphaned: 0 }

  constructor(private readonly state: DurableObjectState) {}

  readonly upgradeWebSocket = defineWebSocketHelper<WebSocket>((c, events) => {
    if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') return
    const pair = new WebSocketPair()
    const [client, server] = [pair[0], pair[1]]
    this.state.acceptWebSocket(server)
    const context = new WSContext<WebSocket>({
      send: (data) => server.send(data),
      close: (code, reason) => server.close(code, reason),
      raw: server,
      get readyState() {
        return server.readyState as 0 | 1 | 2 | 3
      },
      get protocol() {
        return server.protocol
      },
      url: server.url ? new URL(server.url) : null,
    })
    this.#accepted.set(server, { events, context })
    this.stats.accepted++
    return new Response(null, { status: 101, webSocket: client })
  })

  /** From the object's `webSocketMessage`. */
  message(ws: WebSocket, data: string | ArrayBuffer): void {
    const accepted = this.#accepted.get(ws)
    if (!accepted) {
      this.stats.orphaned++
      return closeQuietly(ws, SERVICE_RESTART, 'node restarted')
    }
    this.stats.messages++
    accepted.events.onMessage?.(createWSMessageEvent(data), accepted.context)
  }

  /** From the object's `webSocketClose`. */
  close(ws: WebSocket, code: number, reason: string, wasClean: boolean): void {
    const accepted = this.#accepted.get(ws)
    this.#accepted.delete(ws)
    // Completes the closing handshake (older compatibility dates do not reply on their own).
    closeQuietly(ws, code === 1005 || code === 1006 ? 1000 : code, reason)
    accepted?.events.onClose?.(new CloseEvent('close', { code, reason, wasClean }), accepted.context)
  }

  /** From the object's `webSocketError`. */
  error(ws: WebSocket, error: unknown): void {
    const accepted = this.#accepted.get(ws)
    this.#accepted.delete(ws)
    accepted?.events.onError?.(Object.assign(new Event('error'), { error }), accepted.context)
  }

  /** Open accepted streams this instance serves. */
  get open(): number {
    return this.#accepted.size
  }
}

function closeQuietly(ws: WebSocket, code: number, reason: string): void {
  try {
    ws.close(code, reason)
  } catch {
    // already closed or closing
  }
}
