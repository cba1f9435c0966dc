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

/** Starts a node whose data lives in `options.dataDir` (created if missing). */
export function startNode(options: Partial<NodeOptions> & { dataDir: string }): Promise<RaftliteNode> {
  return RaftliteNode.start(options, nodePlatform())
}
