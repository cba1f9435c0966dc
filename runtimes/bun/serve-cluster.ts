import { upgradeWebSocket, websocket } from 'hono/bun'
import type { RaftliteNode } from '../../src/node/raftlite-node.ts'
import { type BunServeOptions, type Served, serveHttp } from './serve.ts'

/** Serves a node's cluster port, with Raft streams over Bun's WebSockets. */
export function serveCluster(node: RaftliteNode, addr: string, options: BunServeOptions = {}): Promise<Served> {
  node.enableRaftStreams(upgradeWebSocket)
  return serveHttp(node.clusterApi(), addr, { ...options, websocket })
}
