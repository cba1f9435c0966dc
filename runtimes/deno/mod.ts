/**
 * raftlite on Deno: `startNode(options)` opens a node with Deno's file system (through node:fs),
 * clock and timers. The same names as `runtimes/node/mod.ts`; the rest is the shared core.
 * @module
 */
import { RaftliteNode } from '../../src/node/raftlite-node.ts'
import type { NodeOptions } from '../../src/node/node-options.ts'
import { denoPlatform } from './platform.ts'

export * from '../../src/mod.ts'
export { denoPlatform } from './platform.ts'
export { serveHttp } from './serve.ts'
export { serveCluster } from './serve-cluster.ts'

/**
 * Starts a node whose data lives in `options.dataDir` (created if missing) and, unless it must
 * join a cluster (then serve `node.clusterApi()` on its Raft address and await `node.ready`),
 * resolves once it is ready to serve.
 */
export async function startNode(options: Partial<NodeOptions> & { dataDir: string }): Promise<RaftliteNode> {
  const node = await RaftliteNode.start(options, denoPlatform())
  if (!options.join?.length) await node.ready
  return node
}
