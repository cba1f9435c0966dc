/**
 * Named simulation profiles. A profile fixes the knobs that are not drawn from the seed, so
 * `npm run sim -- --profile NAME --seed N` replays a run exactly.
 */
import type { SimOptions } from './simulation.ts'

export type Profile = Omit<SimOptions, 'seed' | 'trace'>

export const profiles: Record<string, Profile> = {
  /** 3 or 5 voters (by seed), every fault kind, ReadIndex reads. */
  mixed: {},
  five: { nodes: 5 },
  /** Lease-based reads (no process pauses: they violate the bounded clock drift premise). */
  lease: { raft: { readOnlyOption: 'lease' } },
  /** One entry per message, one message in flight, small uncommitted budget. */
  tight: { raft: { maxSizePerMsg: 1, maxInflightMsgs: 1, maxUncommittedEntriesSize: 200 } },
  /** A fault every 2-10 ticks. */
  nasty: { nemesisTicks: [2, 10] },
  /** A leader's appends and heartbeats leave before its own write is synced (raftlite's driver). */
  earlySend: { earlySend: true },
  /** The same under a fault every 2-10 ticks. */
  earlySendNasty: { earlySend: true, nemesisTicks: [2, 10] },
  /** One voter and two read replicas (learners), early send as the driver does. */
  loneVoter: { nodes: 1, learners: 2, minVoters: 1, maxVoters: 1, earlySend: true },
  /** Two voters and a learner; the nemesis may shrink the voters to one and grow them again. */
  shrinkToOne: { nodes: 2, learners: 1, minVoters: 1, earlySend: true },
  /** Check-quorum off (pre-vote still on); the control for the stale-read bug below. */
  noCheckQuorum: { raft: { checkQuorum: false } },

  // Deliberately broken variants: the simulator must catch each of them.
  bugSendBeforeSync: { sendBeforeSync: true },
  bugSkipUpToDate: { raft: { testingFaults: { skipUpToDateCheck: true } } },
  bugStaleReads: { raft: { checkQuorum: false, testingFaults: { readWithoutQuorum: true } } },
  bugCommitPrevTerm: { raft: { maxSizePerMsg: 1, testingFaults: { commitPreviousTermByCounting: true } } },
}

export function replayCommand(profile: string, seed: number): string {
  return `npm run sim -- --profile ${profile} --seed ${seed}`
}
