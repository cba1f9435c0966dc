import type { RaftliteNode } from '../../src/node/raftlite-node.ts'
import { type NodeServeOptions, type Served, serveWithSockets } from './serve.ts'

/** Serves a node's public API, with `/db/changes` also over WebSockets. */
export function serveApi(node: RaftliteNode, addr: string, options: NodeServeOptions = {}): Promise<Served> {
  return serveWithSockets(node.api(), (upgrade) => node.enableChangeSockets(upgrade), addr, options)
}
