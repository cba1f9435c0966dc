import { upgradeWebSocket } from 'hono/deno'
import type { RaftliteNode } from '../../src/node/raftlite-node.ts'
import { type DenoServeOptions, type Served, serveHttp } from './serve.ts'

/** Serves a node's public API, with `/db/changes` also over Deno's WebSockets. */
export function serveApi(node: RaftliteNode, addr: string, options: DenoServeOptions = {}): Promise<Served> {
  node.enableChangeSockets(upgradeWebSocket)
  return serveHttp(node.api(), addr, options)
}
