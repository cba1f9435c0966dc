/**
 * Seeds that caught real bugs while the core and simulator were being built. They pass now;
 * each stays here so the bug cannot come back unnoticed.
 */
import { describe, expect, test } from 'vitest'
import { profiles, replayCommand } from './profiles.ts'
import { runSimulation } from './simulation.ts'

const cases: { name: string; profile: keyof typeof profiles; seeds: number[] }[] = [
  {
    // Leader in replicate state with a full inflight window never heard back (appends lost to a
    // crashed follower): replication to that follower stalled forever. Fix: a heartbeat
    // response frees one inflight slot (Inflights.freeFirstOne).
    name: 'replicate window stalls after lost appends',
    profile: 'mixed',
    seeds: [11, 16, 44],
  },
  {
    // Simulator: a crash armed for "before the next fsync" fired after the heal and the node
    // was never restarted, so the liveness phase failed.
    name: 'armed crash after heal leaves a node down',
    profile: 'mixed',
    seeds: [19, 116],
  },
  {
    // Invariant checker: votes were recorded when the Ready was taken, not when sent, so a vote
    // lost in a crash before fsync looked like a double vote.
    name: 'vote counted before it was sent (checker false positive)',
    profile: 'mixed',
    seeds: [109, 159],
  },
  {
    // A lone voter counted its own copy of an entry at append, so the entry committed at once
    // and the early appends told the learners before the leader's fsync; a power loss then took
    // back an entry that the learners had applied. Fix: the leader's own copy counts once durable.
    name: 'lone voter commits before its fsync (learners apply a lost entry)',
    profile: 'loneVoter',
    seeds: [5, 19, 23, 36, 39],
  },
  {
    // The same once a two-voter cluster shrank to one voter.
    name: 'shrunk to one voter: commits before its fsync',
    profile: 'shrinkToOne',
    seeds: [55, 127, 224],
  },
  {
    // A leader removed itself from two voters, lost its quorum before the removal committed and
    // could no longer campaign; the other voter lacked the removal and needed its vote. Fix: a
    // node whose removal is not yet committed may still campaign.
    name: 'self-removal in a two-voter cluster leaves no candidate',
    profile: 'shrinkToOne',
    seeds: [282],
  },
]

describe('simulation regressions', () => {
  for (const c of cases) {
    test(c.name, () => {
      for (const seed of c.seeds) {
        const r = runSimulation({ ...profiles[c.profile], seed })
        expect(r.ok, `${r.failure}\nreplay: ${replayCommand(c.profile, seed)}`).toBe(true)
      }
    })
  }
})
