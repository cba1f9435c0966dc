/**
 * raftlite at the edge: the Worker routes every request (the rqlite API, and the cluster port's
 * routes when the node is in a cluster) to the Durable Object named after the node id. A single
 * node is the default; more ids can be allowed with RAFTLITE_NODE_IDS and chosen per request.
 */
import type { EdgeEnv } from './edge-env.ts'
import { NODE_ID_HEADER, drain } from './node-object.ts'

export { RaftliteNodeObject } from './node-object.ts'

const DEFAULT_NODE_ID = 'edge-1'

export default {
  async fetch(request: Request, env: EdgeEnv): Promise<Response> {
    const own = env.RAFTLITE_NODE_ID || DEFAULT_NODE_ID
    const asked = request.headers.get('x-raftlite-node') ?? own
    const allowed = new Set([own, ...(env.RAFTLITE_NODE_IDS ?? '').split(',').map((s) => s.trim()).filter(Boolean)])
    // Every name makes a new object (and its storage): only configured ids get one.
    if (!allowed.has(asked)) {
      if (request.body) await drain(request.body) // or the client's next request on this connection hangs
      return new Response(`unknown node ${asked}\n`, { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } })
    }
    const stub = env.RAFTLITE_NODE.get(env.RAFTLITE_NODE.idFromName(asked))
    const forwarded = new Request(request)
    forwarded.headers.set(NODE_ID_HEADER, asked)
    return stub.fetch(forwarded)
  },
}
