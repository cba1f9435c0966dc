/**
 * Raft messages to peers as CBOR over HTTP POST (`/raft/messages` on their Raft address), one
 * queue per peer. Several POSTs may be in flight to a peer at once: waiting for each response
 * before sending the next batch would add a round trip to every hop (Raft copes with the
 * reordering this allows). A slow or dead peer only fills its own bounded queue: the others keep
 * flowing. Failures report the peer unreachable to Raft (which retries) and back off.
 */
import type { Timers } from '../ports/timers.ts'
import type { Message } from '../raft/messages.ts'
import type { NodeId } from '../raft/types.ts'
import type { Transport } from './raft-driver.ts'
import { CBOR_TYPE, SENDER_HEADER, encodeMessages } from './wire.ts'

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
}

const MAX_BATCH = 256
const MAX_IN_FLIGHT = 8

export class HttpTransport implements Transport {
  readonly #o: HttpTransportOptions
  readonly #peers = new Map<NodeId, Peer>()
  #closed = false

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

  /** Starts as many sends to `peer` as its window allows. */
  #pump(id: NodeId, peer: Peer): void {
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
      const batch = peer.queue.splice(0, MAX_BATCH)
      peer.inFlight++
      void this.#post(id, peer, batch).finally(() => {
        peer.inFlight--
        this.#pump(id, peer)
      })
    }
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
