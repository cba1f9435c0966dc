/**
 * raftlite on Node.js: `startNode(options)` opens a node with Node's file system, clock and
 * timers. Everything else is re-exported from the runtime-agnostic core.
 * @module
 */
import { RaftliteNode } from '../../src/node/raftlite-node.ts'
import type { NodeOptions } from '../../src/node/node-options.ts'
import { nodePlatform } from './platform.ts'

export * from '../../src/mod.ts'
export { nodePlatform } from './platform.ts'
export { serveHttp } from './serve.ts'
export { serveCluster } from './serve-cluster.ts'

/**
 * Starts a node whose data lives in `options.dataDir` (created if missing) and, unless it must
 * join a cluster (then serve `node.clusterApi()` on its Raft address and await `node.ready`),
 * resolves once it is ready to serve.
 */
export async function startNode(options: Partial<NodeOptions> & { dataDir: string }): Promise<RaftliteNode> {
  const node = await RaftliteNode.start(options, nodePlatform())
  if (!options.join?.length) await node.ready
  return node
}
