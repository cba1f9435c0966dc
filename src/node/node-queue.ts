/** The node's write queue (rqlite's queued writes), flushing through the data path. */
import type { BoundStatement } from '../sqlite/connection.ts'
import type { QueueId } from '../db/write-batch.ts'
import type { NodeContext } from './node-context.ts'
import { LeaderNotFoundError, NotLeaderError } from './store-error.ts'
import { WriteQueue } from './write-queue.ts'

export function createNodeQueue(
  ctx: Pick<NodeContext, 'options' | 'platform' | 'emitError'>,
  startedAt: number,
  flush: (statements: BoundStatement[], queueId: QueueId) => Promise<void>,
): WriteQueue {
  const { options, platform } = ctx
  // Sequence numbers start from the start time, so a restarted node's never repeat its last run's.
  const firstSequence = BigInt(Math.floor(startedAt)) * 1_000_000n
  return new WriteQueue({
    capacity: options.writeQueueCapacity,
    batchSize: options.writeQueueBatchSize,
    timeoutMs: options.writeQueueTimeoutMs,
    timers: platform.timers,
    firstSequence,
    origin: `${options.nodeId}:${firstSequence}`,
    enqueueTimeoutMs: options.raftApplyTimeoutMs,
    flush,
    provesNotWritten: (error) => error instanceof LeaderNotFoundError || error instanceof NotLeaderError,
    onError: (error) => ctx.emitError(error),
    onLost: ({ sequences, outcome }) =>
      ctx.emitError(new Error(`write queue: gave up on ${sequences.length} queued write(s), outcome ${outcome}; sequence numbers ${sequences.join(',')}`)),
  })
}
