import type { RaftliteNode } from '../../src/node/raftlite-node.ts'
import { type NodeServeOptions, type Served, serveWithSockets } from './serve.ts'

/** Serves a node's cluster port, with Raft streams over WebSockets. */
export function serveCluster(node: RaftliteNode, addr: string, options: NodeServeOptions = {}): Promise<Served> {
  return serveWithSockets(node.clusterApi(), (upgrade) => node.enableRaftStreams(upgrade), addr, options)
}
