/** Builds the Raft core for a node, the driver that runs it (persist, send, apply) and its transport. */
import { HttpTransport, type HttpTransportOptions } from '../cluster/http-transport.ts'
import type { LogStore } from '../cluster/log-store.ts'
import { RaftDriver, type StateMachine, type Transport } from '../cluster/raft-driver.ts'
import { randomUint64 } from '../ports/random.ts'
import { RaftNode } from '../raft/raft-node.ts'
import { createSeededRandom } from '../raft/random.ts'
import type { SoftState } from '../raft/types.ts'
import type { NodeContext } from './node-context.ts'
import type { NodeOptions } from './node-options.ts'
import type { Platform } from './platform.ts'
import { raftTiming } from './raft-timing.ts'

export interface DriverParts {
  options: NodeOptions
  platform: Platform
  log: LogStore
  fsm: StateMachine
  transport: Transport
  onSoftState(state: SoftState): void
  onError(error: unknown): void
  onFatal(error: unknown): void
  onFsync?(ms: number): void
}

/** `applied`: the snapshot the database holds; the log replays from there. */
export function createRaftDriver(parts: DriverParts, applied: number): RaftDriver {
  const { options, platform } = parts
  // The core is pure: its randomness (election jitter) comes seeded from the platform's.
  const seed = new Uint32Array(1)
  platform.random.fill(new Uint8Array(seed.buffer))
  const timing = raftTiming(options)
  const raft = new RaftNode({
    id: options.nodeId,
    storage: parts.log,
    random: createSeededRandom(seed[0]),
    electionTick: timing.electionTick,
    checkQuorumTick: timing.checkQuorumTick,
    heartbeatTick: 1,
    applied,
    preVote: true,
    checkQuorum: true,
  })
  return new RaftDriver({
    raft,
    log: parts.log,
    fsm: parts.fsm,
    transport: parts.transport,
    timers: platform.timers,
    clock: platform.clock,
    tickMs: timing.tickMs,
    applied,
    readContextNonce: randomUint64(platform.random).toString(36),
    onSoftState: parts.onSoftState,
    onError: parts.onError,
    onFatal: parts.onFatal,
    onFsync: parts.onFsync,
  })
}

/** The Raft transport to peers (WebSocket streams, else HTTP POST); snapshots go their own way. */
export function createTransport(
  ctx: Pick<NodeContext, 'options' | 'platform' | 'fetch'>,
  hooks: Pick<HttpTransportOptions, 'addressOf' | 'onUnreachable' | 'sendSnapshot'>,
): HttpTransport {
  const { options, platform } = ctx
  return new HttpTransport({
    ...hooks,
    sender: `${options.nodeId}@${options.raftAdvAddr}`,
    timers: platform.timers,
    now: () => platform.clock.monotonic(),
    fetch: ctx.fetch,
    openWebSocket: platform.openWebSocket,
    maxBatchBytes: options.raftMaxBatchBytes,
  })
}
