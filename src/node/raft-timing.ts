import type { NodeOptions } from './node-options.ts'

/** Raft's clock, from the flags: heartbeats every tick, elections counted in ticks. */
export function raftTiming(o: Pick<NodeOptions, 'raftHeartbeatTimeoutMs' | 'raftElectionTimeoutMs' | 'raftLeaderLeaseTimeoutMs'>): {
  tickMs: number
  electionTick: number
  checkQuorumTick: number
} {
  const tickMs = Math.min(1000, Math.max(5, Math.round(o.raftHeartbeatTimeoutMs / 10)))
  const electionTick = Math.max(3, Math.round(Math.max(o.raftElectionTimeoutMs, o.raftHeartbeatTimeoutMs) / tickMs))
  if (o.raftLeaderLeaseTimeoutMs > Math.max(o.raftElectionTimeoutMs, o.raftHeartbeatTimeoutMs)) {
    throw new Error('-raft-leader-lease-timeout must not exceed the election timeout: a leader could outlive its lease')
  }
  const checkQuorumTick = o.raftLeaderLeaseTimeoutMs > 0 ? Math.max(1, Math.min(electionTick, Math.round(o.raftLeaderLeaseTimeoutMs / tickMs))) : electionTick
  return { tickMs, electionTick, checkQuorumTick }
}
