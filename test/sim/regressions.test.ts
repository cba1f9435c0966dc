/**
 * Seeds that caught real bugs while the core and simulator were being built. They pass now;
 * each stays here so the bug cannot come back unnoticed.
 */
import { describe, expect, test } from 'vitest'
import { replayCommand } from './profiles.ts'
import { runSimulation } from './simulation.ts'

const cases: { name: string; profile: 'mixed'; seeds: number[] }[] = [
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
]

describe('simulation regressions', () => {
  for (const c of cases) {
    test(c.name, () => {
      for (const seed of c.seeds) {
        const r = runSimulation({ seed })
        expect(r.ok, `${r.failure}\nreplay: ${replayCommand(c.profile, seed)}`).toBe(true)
      }
    })
  }
})
