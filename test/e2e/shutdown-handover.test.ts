// -raft-shutdown-stepdown (on by default): a leader stopped with SIGTERM hands leadership over
// before it exits. The claim is about speed (no election timeout to wait), so this file runs in
// the isolated `timed` project (vitest.config.ts), where no other test competes for the CPU.
import { afterEach, expect, test } from 'vitest'
import type { RaftlitedProcess } from '../support/raftlited-process.ts'
import { becameLeaderAt, leaderOf, startCluster, waitFor, settledLeader } from '../support/cluster-processes.ts'

let procs: RaftlitedProcess[] = []
afterEach(async () => {
  for (const p of procs) await p.stop('SIGKILL')
  procs = []
})

const termOf = async (p: RaftlitedProcess): Promise<number> => JSON.parse(await (await fetch(`${p.url}/status`)).text()).store.raft.term

test('a leader stopped with SIGTERM hands leadership over first (no election timeout to wait)', async () => {
  procs = await startCluster({ size: 3, fast: false }) // 1 s election timeout
  const leader = await settledLeader(procs)
  const term = await termOf(leader)
  const others = procs.filter((p) => p !== leader)
  const t0 = Date.now()
  const stopping = leader.stop('SIGTERM')
  const next = await waitFor('a new leader', () => leaderOf(others), 10_000)
  expect(await stopping).toBe(0)
  // Timed by the new leader's own log line, not by when a poll (a /status round to each node,
  // every 50 ms, on a loaded machine) happened to see it.
  const handedOverIn = (await waitFor("the new leader's log line", async () => becameLeaderAt(next, t0), 5_000)) - t0
  expect(handedOverIn, 'ms from SIGTERM to the new leader').toBeLessThan(900) // faster than any election could be
  expect(others).toContain(next)
  expect(await termOf(next), 'one campaign, by the transfer target').toBe(term + 1)
}, 60_000)
