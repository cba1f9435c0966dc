/**
 * The Durable Object that holds one raftlite node (its name is the node id). It starts the node
 * on the first request, from the same library every runtime uses (`RaftliteNode.start`), and
 * serves the rqlite API and, when the node is in a cluster, the cluster port's routes.
 *
 * Timers tick Raft while the object is awake; an alarm wakes it every ALARM_MS while it is part
 * of a cluster, so an evicted member restarts (from its storage) and keeps heartbeating.
 * Peers' Raft streams are accepted as hibernatable WebSockets: their frames arrive through
 * `webSocketMessage` and friends (hibernatable-sockets.ts).
 */
import { RaftliteNode } from '../../src/node/raftlite-node.ts'
import { HibernatableSockets } from './hibernatable-sockets.ts'
import { edgeNodeOptions } from './edge-options.ts'
import type { EdgeEnv } from './edge-env.ts'
import { workersPlatform } from './platform.ts'
import { prepareSqliteForWorkers } from './sqlite-wasm-init.ts'

/** Header the Worker uses to tell the object its name (workerd does not always expose it). */
export const NODE_ID_HEADER = 'x-raftlite-node-id'
const ALARM_MS = 5_000
const CLUSTER_PATHS = /^\/(raft|cluster)\//

export class RaftliteNodeObject {
  #node: Promise<RaftliteNode> | undefined
  #clustered = false
  readonly #sockets: HibernatableSockets

  constructor(private readonly ctx: DurableObjectState, private readonly env: EdgeEnv) {
    this.#sockets = new HibernatableSockets(ctx)
  }

  async fetch(request: Request): Promise<Response> {
    const response = await this.#serve(request)
    // A body refused unread (404, 413, a failed start) is still read to its end before the answer
    // leaves, or the connection it arrived on stalls and the client's next request on it hangs.
    // Cloudflare's own request size limit (100 MB and up by plan) bounds what this reads.
    if (request.body && !request.bodyUsed) await drain(request.body)
    return response
  }

  async #serve(request: Request): Promise<Response> {
    const nodeId = request.headers.get(NODE_ID_HEADER)
    if (!nodeId) return new Response('missing node id\n', { status: 400 })
    let node: RaftliteNode
    try {
      node = await this.#start(nodeId, new URL(request.url).host)
    } catch (e) {
      this.#node = undefined
      return new Response(`node failed to start: ${(e as Error).message}\n`, { status: 503 })
    }
    const path = new URL(request.url).pathname
    if (CLUSTER_PATHS.test(path)) {
      if (!this.#clustered) return new Response('', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } })
      return node.clusterApi().fetch(request)
    }
    return node.api().fetch(request)
  }

  async alarm(): Promise<void> {
    const nodeId = await this.ctx.storage.get<string>('raftlite:node-id')
    if (!nodeId) return
    await this.#start(nodeId, (await this.ctx.storage.get<string>('raftlite:host')) ?? 'localhost')
    if (this.#clustered) await this.ctx.storage.setAlarm(Date.now() + ALARM_MS)
  }

  webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): void {
    this.#sockets.message(ws, message)
  }

  webSocketClose(ws: WebSocket, code: number, reason: string, wasClean: boolean): void {
    this.#sockets.close(ws, code, reason, wasClean)
  }

  webSocketError(ws: WebSocket, error: unknown): void {
    this.#sockets.error(ws, error)
  }

  #start(nodeId: string, host: string): Promise<RaftliteNode> {
    if (this.#node) return this.#node
    const options = edgeNodeOptions(nodeId, this.env.RAFTLITE_FLAGS ?? '', this.env.RAFTLITE_CLUSTER_SECRET ?? '', host)
    // One start, which every request awaits (a failed one is forgotten by fetch and retried).
    this.#node = (async () => {
      const stored = await this.ctx.storage.get<string>('raftlite:node-id')
      if (stored && stored !== nodeId) throw new Error(`this object holds node ${stored}, not ${nodeId}`)
      if (!stored) await this.ctx.storage.put('raftlite:node-id', nodeId)
      await this.ctx.storage.put('raftlite:host', host)
      prepareSqliteForWorkers()
      const node = await RaftliteNode.start(options, workersPlatform(this.ctx.storage, this.env.RAFTLITE_LOG_LEVEL ?? 'warn'))
      this.#clustered = (options.join?.length ?? 0) > 0 || node.members().length > 1
      if (this.#clustered) {
        node.enableRaftStreams(this.#sockets.upgradeWebSocket)
        const stats = this.#sockets.stats
        const streams = () => ({ raft_streams_accepted: stats.accepted, raft_stream_frames_received: stats.messages, raft_streams_orphaned: stats.orphaned, raft_streams_open: this.#sockets.open })
        node.reporters.set('edge_streams', { status: streams, expvar: streams, expvarKey: 'edge_streams' })
        await this.ctx.storage.setAlarm(Date.now() + ALARM_MS)
      } else {
        await node.ready
      }
      return node
    })()
    return this.#node
  }
}

/** Reads `body` to its end, discarding it. */
export async function drain(body: ReadableStream<Uint8Array>): Promise<void> {
  try {
    const reader = body.getReader()
    while (!(await reader.read()).done) { /* discard */ }
  } catch {
    // the client went away: nothing to keep clean
  }
}
