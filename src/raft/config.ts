/** Configuration of a RaftNode. Time is counted in ticks; the app decides how long a tick is. */
import type { RandomSource } from './random.ts'
import type { RaftStorage } from './storage.ts'
import type { NodeId } from './types.ts'

/**
 * Deliberately broken rules, used only by tests to prove the simulator catches them.
 * Production code must never set these.
 */
export interface TestingFaults {
  /** Commit any entry replicated on a quorum, even from an earlier term (violates §5.4.2). */
  readonly commitPreviousTermByCounting?: boolean
  /** Answer ReadIndex from the local commit index without confirming leadership (stale reads). */
  readonly readWithoutQuorum?: boolean
  /** Grant votes without checking that the candidate's log is up to date (violates §5.4.1). */
  readonly skipUpToDateCheck?: boolean
}

export type ReadOnlyOption = 'safe' | 'lease'

export interface RaftConfig {
  readonly id: NodeId
  readonly storage: RaftStorage
  readonly random: RandomSource
  /** Followers campaign after a random timeout in [electionTick, 2 * electionTick). */
  readonly electionTick?: number
  readonly heartbeatTick?: number
  /** Last index the app's state machine has applied (e.g. restored from its snapshot). */
  readonly applied?: number
  /** Soft cap on entry bytes per append message (one entry always fits). */
  readonly maxSizePerMsg?: number
  /** Append messages in flight per follower while replicating. */
  readonly maxInflightMsgs?: number
  readonly maxInflightBytes?: number
  /** Leader refuses proposals once this many payload bytes are uncommitted (0 = unlimited). */
  readonly maxUncommittedEntriesSize?: number
  /** Cap on committed-entry bytes handed out per Ready. */
  readonly maxCommittedSizePerReady?: number
  readonly preVote?: boolean
  readonly checkQuorum?: boolean
  /**
   * How often (ticks) a leader checks it heard from a quorum, stepping down if not. At most
   * electionTick (the default): stepping down sooner is always safe, later never is.
   */
  readonly checkQuorumTick?: number
  /**
   * 'safe' confirms leadership with a heartbeat quorum for every ReadIndex. 'lease' answers
   * from a lease derived from heartbeat acks, which is only correct if clocks drift by less
   * than `leaseDriftTicks` over an election timeout (requires checkQuorum).
   */
  readonly readOnlyOption?: ReadOnlyOption
  readonly leaseDriftTicks?: number
  readonly testingFaults?: TestingFaults
}

export type ResolvedConfig = Required<Omit<RaftConfig, 'applied' | 'testingFaults'>> &
  Pick<RaftConfig, 'applied'> & { readonly testingFaults: TestingFaults }

export function resolveConfig(c: RaftConfig): ResolvedConfig {
  const r: ResolvedConfig = {
    electionTick: 10,
    heartbeatTick: 1,
    maxSizePerMsg: 64 * 1024,
    maxInflightMsgs: 64,
    maxInflightBytes: 0,
    maxUncommittedEntriesSize: 0,
    maxCommittedSizePerReady: 1024 * 1024,
    preVote: true,
    checkQuorum: true,
    checkQuorumTick: c.electionTick ?? 10,
    readOnlyOption: 'safe',
    leaseDriftTicks: 1,
    ...stripUndefined(c),
    testingFaults: c.testingFaults ?? {},
  }
  if (r.id === '') throw new Error('raft: node id must be non-empty')
  if (r.heartbeatTick <= 0) throw new Error('raft: heartbeatTick must be > 0')
  if (r.electionTick <= r.heartbeatTick) throw new Error('raft: electionTick must exceed heartbeatTick')
  if (r.maxInflightMsgs <= 0) throw new Error('raft: maxInflightMsgs must be > 0')
  if (r.checkQuorumTick <= 0 || r.checkQuorumTick > r.electionTick) {
    throw new Error('raft: checkQuorumTick must be between 1 and electionTick')
  }
  if (r.readOnlyOption === 'lease' && !r.checkQuorum) {
    throw new Error('raft: lease-based reads require checkQuorum')
  }
  return r
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T
}
