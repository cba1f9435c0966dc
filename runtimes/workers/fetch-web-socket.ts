/**
 * A client WebSocket for workerd, opened the way Workers open one: `fetch` with `Upgrade:
 * websocket`, then `accept()` on the response's socket. (workerd's `new WebSocket(url)` did not
 * open streams to the servers here, and the Raft transport fell back to HTTP POST for every
 * batch.) Presents the port's `WebSocketLike`: connecting at once, `open` once accepted.
 */
import type { WebSocketLike } from '../../src/ports/web-socket.ts'

const CONNECTING = 0
const OPEN = 1
const CLOSED = 3

type Listener = (event: { data: unknown }) => void

export function openFetchWebSocket(url: string): WebSocketLike {
  const listeners: Record<string, Listener[]> = { open: [], close: [], error: [], message: [] }
  const emit = (type: string, data?: unknown) => { for (const l of listeners[type]) l({ data }) }
  let socket: WorkerdWebSocket | null = null
  let state = CONNECTING
  const fail = () => {
    if (state === CLOSED) return
    state = CLOSED
    emit('error')
    emit('close')
  }
  const target = url.replace(/^ws/, 'http')
  fetch(target, { headers: { Upgrade: 'websocket' } }).then((res) => {
    const ws = (res as Response & { webSocket?: WorkerdWebSocket | null }).webSocket
    if (res.status !== 101 || !ws) {
      void res.body?.cancel()
      return fail()
    }
    if (state === CLOSED) return ws.accept(), ws.close()
    ws.accept()
    socket = ws
    state = OPEN
    ws.addEventListener('message', (event) => emit('message', (event as MessageEvent).data))
    ws.addEventListener('close', () => { if (state !== CLOSED) { state = CLOSED; emit('close') } })
    ws.addEventListener('error', fail)
    emit('open')
  }, fail)
  return {
    get readyState() {
      return state
    },
    get bufferedAmount() {
      return 0
    },
    binaryType: 'arraybuffer',
    send(data: Uint8Array) {
      if (state !== OPEN || !socket) throw new Error('WebSocket is not open')
      socket.send(data as Uint8Array<ArrayBuffer>)
    },
    close() {
      if (state === CLOSED) return
      state = CLOSED
      socket?.close()
    },
    addEventListener(type: string, listener: Listener) {
      listeners[type]?.push(listener)
    },
  } as WebSocketLike
}
