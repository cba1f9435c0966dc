import { upgradeWebSocket, websocket } from 'hono/bun'
import type { RaftliteNode } from '../../src/node/raftlite-node.ts'
import { type BunServeOptions, type Served, serveHttp } from './serve.ts'

/** Serves a node's public API, with `/db/changes` also over Bun's WebSockets. */
export function serveApi(node: RaftliteNode, addr: string, options: BunServeOptions = {}): Promise<Served> {
  node.enableChangeSockets(upgradeWebSocket)
  return serveHttp(node.api(), addr, { ...options, websocket })
}
