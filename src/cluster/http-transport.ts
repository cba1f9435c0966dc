/**
 * Raft messages to peers as CBOR: over a persistent WebSocket per peer (`/raft/stream` on its
 * Raft address) when the platform can open one, and over HTTP POST (`/raft/messages`) while the
 * stream is down or not available. Several POSTs may be in flight to a peer at once: waiting
 * for each response before sending the next batch would add a round trip to every hop (Raft
 * copes with the reordering this allows). A slow or dead peer only fills its own bounded queue:
 * the others keep flowing. Failures report the peer unreachable to Raft (which retries) and
 * back off; a broken stream is reopened with backoff.
 */
import type { Timers } from '../ports/timers.ts'
import { type OpenWebSocket, WEB_SOCKET_OPEN, type WebSocketLike } from '../ports/web-socket.ts'
import type { Message } from '../raft/messages.ts'
import type { NodeId } from '../raft/types.ts'
import type { Transport } from './raft-driver.ts'
import { CBOR_TYPE, SENDER_HEADER, encodeMessages, messageBytes } from './wire.ts'

export interface HttpTransportOptions {
  /** `id@raftAddr` of this node, sent with every batch so receivers can answer before the
   * membership that names us is committed (a joining node knows nobody yet). */
  sender: string
  /** Raft address of a node, if known. */
  addressOf(id: NodeId): string | undefined
  timers: Timers
  /** Monotonic milliseconds, for backoff. */
  now(): number
  onUnreachable(id: NodeId): void
  /** Snapshots travel on their own path (they can be large). */
  sendSnapshot(message: Message): void
  fetch?: typeof fetch
  /** Opens WebSockets; without it every batch is a POST. */
  openWebSocket?: OpenWebSocket
  /** Bytes of messages per batch (at least one message goes); see body-limits.ts. */
  maxBatchBytes?: number
  /** Messages buffered per peer before the oldest are dropped. */
  maxQueue?: number
  requestTimeoutMs?: number
}

class Peer {
  queue: Message[] = []
  inFlight = 0
  backoffMs = 0
  /** Monotonic ms before which nothing is sent (after a failure). */
  resumeAt = 0
  resumeScheduled = false
  socket: WebSocketLike | null = null
  /** Monotonic ms before which no new socket is opened (after one failed or closed). */
  reconnectAt = 0
  reconnectBackoffMs = 0
}

/** Bytes a stream may buffer before batches go by POST instead (a stalled peer). */
const MAX_STREAM_BUFFER = 8 * 1024 * 1024

const MAX_BATCH = 256
const MAX_IN_FLIGHT = 8

export class HttpTransport implements Transport {
  readonly #o: HttpTransportOptions
  readonly #peers = new Map<NodeId, Peer>()
  #closed = false
  /** Batches sent by stream and by POST: what /debug/vars reports. */
  readonly stats = { streamBatches: 0, postBatches: 0, streamsOpened: 0 }

  constructor(options: HttpTransportOptions) {
    this.#o = options
  }

  send(messages: readonly Message[]): void {
    if (this.#closed) return
    for (const m of messages) {
      if (m.type === 'snapshot') {
        this.#o.sendSnapshot(m)
        continue
      }
      const peer = this.#peer(m.to)
      peer.queue.push(m)
      const max = this.#o.maxQueue ?? 4096
      if (peer.queue.length > max) peer.queue.splice(0, peer.queue.length - max)
    }
    for (const [id, peer] of this.#peers) this.#pump(id, peer)
  }

  close(): void {
    this.#closed = true
    for (const peer of this.#peers.values()) peer.socket?.close()
    this.#peers.clear()
  }

  #peer(id: NodeId): Peer {
    let p = this.#peers.get(id)
    if (!p) {
      p = new Peer()
      this.#peers.set(id, p)
    }
    return p
  }

  /** Sends what is queued for `peer`: all of it by stream if open, else as the POST window allows. */
  #pump(id: NodeId, peer: Peer): void {
    if (this.#closed) return
    const socket = this.#stream(id, peer)
    if (socket && socket.readyState === WEB_SOCKET_OPEN && socket.bufferedAmount < MAX_STREAM_BUFFER) {
      while (peer.queue.length > 0) {
        try {
          socket.send(encodeMessages(this.#takeBatch(peer)))
          this.stats.streamBatches++
        } catch {
          socket.close() // the close handler reports and reconnects; this batch is lost, Raft retries
          this.#o.onUnreachable(id)
          return
        }
      }
      return
    }
    while (!this.#closed && peer.queue.length > 0 && peer.inFlight < MAX_IN_FLIGHT) {
      const wait = peer.resumeAt - this.#o.now()
      if (wait > 0) {
        if (!peer.resumeScheduled) {
          peer.resumeScheduled = true
          this.#o.timers.setTimeout(() => {
            peer.resumeScheduled = false
            this.#pump(id, peer)
          }, wait)
        }
        return
      }
      const batch = this.#takeBatch(peer)
      peer.inFlight++
      this.stats.postBatches++
      void this.#post(id, peer, batch).finally(() => {
        peer.inFlight--
        this.#pump(id, peer)
      })
    }
  }

  /** The next batch: up to MAX_BATCH messages within the byte budget, and never none. */
  #takeBatch(peer: Peer): Message[] {
    const budget = this.#o.maxBatchBytes ?? Infinity
    let n = 0
    let bytes = 0
    while (n < peer.queue.length && n < MAX_BATCH) {
      bytes += messageBytes(peer.queue[n])
      if (n > 0 && bytes > budget) break
      n++
    }
    return peer.queue.splice(0, n)
  }

  /** The peer's stream, opening one if there is none and it is time to try. */
  #stream(id: NodeId, peer: Peer): WebSocketLike | null {
    if (peer.socket || !this.#o.openWebSocket || this.#o.now() < peer.reconnectAt) return peer.socket
    const addr = this.#o.addressOf(id)
    if (!addr) return null
    let socket: WebSocketLike
    try {
      socket = this.#o.openWebSocket(`ws://${addr}/raft/stream?from=${encodeURIComponent(this.#o.sender)}`)
      socket.binaryType = 'arraybuffer'
    } catch {
      this.#streamFailed(peer)
      return null
    }
    peer.socket = socket
    socket.addEventListener('open', () => {
      peer.reconnectBackoffMs = 0
      this.stats.streamsOpened++
      this.#pump(id, peer)
    })
    const lost = () => {
      if (peer.socket !== socket) return
      peer.socket = null
      this.#streamFailed(peer)
    }
    socket.addEventListener('close', lost)
    socket.addEventListener('error', lost)
    return socket
  }

  #streamFailed(peer: Peer): void {
    peer.reconnectBackoffMs = Math.min(5000, Math.max(100, peer.reconnectBackoffMs * 2))
    peer.reconnectAt = this.#o.now() + peer.reconnectBackoffMs
  }

  async #post(id: NodeId, peer: Peer, batch: Message[]): Promise<void> {
    const addr = this.#o.addressOf(id)
    if (!addr) {
      this.#o.onUnreachable(id)
      return
    }
    try {
      const res = await (this.#o.fetch ?? fetch)(`http://${addr}/raft/messages`, {
        method: 'POST',
        headers: { 'Content-Type': CBOR_TYPE, [SENDER_HEADER]: this.#o.sender },
        body: encodeMessages(batch) as Uint8Array<ArrayBuffer>,
        signal: AbortSignal.timeout(this.#o.requestTimeoutMs ?? 5000),
      })
      await res.arrayBuffer()
      if (!res.ok) throw new Error(`HTTP ${res.status}`)
      peer.backoffMs = 0
    } catch {
      // Raft retransmits; drop this batch, tell Raft, and slow down for this peer only.
      peer.backoffMs = Math.min(1000, Math.max(50, peer.backoffMs * 2))
      peer.resumeAt = this.#o.now() + peer.backoffMs
      this.#o.onUnreachable(id)
    }
  }
}
