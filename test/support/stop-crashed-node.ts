import { expect } from 'vitest'
import type { RaftliteNode } from '../../src/node/raftlite-node.ts'

/**
 * Returns how to stop `node` once a power cut has left its disk dead, before anything reopens
 * its store: a node left running would share the store with its own restart. Call it before the
 * cut: a storage failure may make the node stop itself, and its 'stopped' event must not be
 * missed. The stop may fail on the dead disk, but it must run to the end (timers cleared,
 * files closed, 'stopped' sent).
 */
export function crashedNodeStopper(node: RaftliteNode): () => Promise<void> {
  let stopped = false
  node.addEventListener('stopped', () => (stopped = true), { once: true })
  return async () => {
    await node.stop().catch(() => {})
    expect(stopped, 'the crashed node ran its stop to the end').toBe(true)
  }
}
