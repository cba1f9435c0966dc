import { upgradeWebSocket } from 'hono/deno'
import type { RaftliteNode } from '../../src/node/raftlite-node.ts'
import { type Served, serveHttp } from './serve.ts'

/** Serves a node's cluster port, with Raft streams over Deno's WebSockets. */
export function serveCluster(node: RaftliteNode, addr: string): Promise<Served> {
  node.enableRaftStreams(upgradeWebSocket)
  return serveHttp(node.clusterApi(), addr)
}
