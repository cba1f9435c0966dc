/**
 * The order a node stops in. Best effort first, and bounded: a queue that cannot flush (no
 * leader) or a cluster that cannot be left must not keep the node from stopping; what the queue
 * could not write is reported (onLost) and dropped. Then nothing may touch the files closed last.
 */
import type { HttpTransport } from '../cluster/http-transport.ts'
import type { RaftDriver } from '../cluster/raft-driver.ts'
import type { Leadership } from './leadership.ts'
import type { NodeContext } from './node-context.ts'
import type { NodeSnapshots } from './node-snapshots.ts'
import type { NodeStorage } from './open-node-storage.ts'
import type { WriteQueue } from './write-queue.ts'

export interface ShutdownParts extends Pick<NodeContext, 'options' | 'emitError'> {
  queue: WriteQueue
  leadership: Pick<Leadership, 'leaveGracefully'>
  snapshots: Pick<NodeSnapshots, 'settle' | 'sender'>
  driver: () => RaftDriver
  transport: Pick<HttpTransport, 'close'>
  storage: Pick<NodeStorage, 'log' | 'close'>
  /** Persisting failed: the log must not be synced again. */
  failed: () => boolean
  /** Runs last, whatever happened (the node's `stopped` event). */
  closed: () => void
}

export async function shutDown(p: ShutdownParts): Promise<void> {
  await p.queue.drain(p.options.shutdownFlushTimeoutMs)
  await p.leadership.leaveGracefully().catch((e: unknown) => p.emitError(e))
  p.queue.close()
  await p.snapshots.settle() // or the next start copies the whole file again
  p.driver().stop()
  p.transport.close()
  await p.snapshots.sender.abortAll('the node is stopping') // they read files closed below
  await p.driver().idle() // a Ready waiting for its fsync still holds the log
  try {
    if (!p.failed()) p.storage.log.sync() // the newest commit index, so a restart replays less
  } finally {
    p.storage.close()
    p.closed()
  }
}
