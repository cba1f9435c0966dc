import { upgradeWebSocket } from 'hono/deno'
import type { RaftliteNode } from '../../src/node/raftlite-node.ts'
import { type DenoServeOptions, type Served, serveHttp } from './serve.ts'

/** Serves a node's cluster port, with Raft streams over Deno's WebSockets. */
export function serveCluster(node: RaftliteNode, addr: string, options: DenoServeOptions = {}): Promise<Served> {
  node.enableRaftStreams(upgradeWebSocket)
  return serveHttp(node.clusterApi(), addr, options)
}
