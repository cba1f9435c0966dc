/**
 * ReadIndex bookkeeping on the leader: each request remembers the commit index at arrival and
 * waits for a quorum of heartbeat acks carrying its context (or a later one) to prove that we
 * were still leader when it arrived.
 */
import type { ReadIndexMessage } from './messages.ts'
import type { NodeId } from './types.ts'

export interface ReadIndexStatus {
  readonly request: ReadIndexMessage
  readonly index: number
  readonly acks: Set<NodeId>
}

export class ReadOnly {
  private readonly pending = new Map<string, ReadIndexStatus>()
  private queue: string[] = []

  /** The pending request with this context, if any. */
  get(context: string): ReadIndexMessage | undefined {
    return this.pending.get(context)?.request
  }

  /** Callers check `get` first: a context names one request (see RaftNode.readIndex). */
  add(index: number, request: ReadIndexMessage): void {
    if (this.pending.has(request.context)) throw new Error(`read context ${request.context} is already pending`)
    this.pending.set(request.context, { request, index, acks: new Set() })
    this.queue.push(request.context)
  }

  /** Record an ack; returns the ack set for the context, if still pending. */
  recvAck(id: NodeId, context: string): Set<NodeId> | undefined {
    const rs = this.pending.get(context)
    if (!rs) return undefined
    rs.acks.add(id)
    return rs.acks
  }

  /** Release every request queued up to and including `context`. */
  advance(context: string): ReadIndexStatus[] {
    const at = this.queue.indexOf(context)
    if (at < 0) return []
    const released = this.queue.slice(0, at + 1).map((c) => this.pending.get(c) as ReadIndexStatus)
    for (const c of this.queue.slice(0, at + 1)) this.pending.delete(c)
    this.queue = this.queue.slice(at + 1)
    return released
  }

  lastPendingContext(): string {
    return this.queue.length > 0 ? this.queue[this.queue.length - 1] : ''
  }
}
