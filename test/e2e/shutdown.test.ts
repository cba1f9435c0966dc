// -raft-shutdown-stepdown (on by default) and -raft-cluster-remove-shutdown.
import { afterEach, expect, test } from 'vitest'
import type { RaftlitedProcess } from '../support/raftlited-process.ts'
import { leaderOf, startCluster, waitFor } from '../support/cluster-processes.ts'

let procs: RaftlitedProcess[] = []
afterEach(async () => {
  for (const p of procs) await p.stop('SIGKILL')
  procs = []
})

test('a leader stopped with SIGTERM hands leadership over first (no election timeout to wait)', async () => {
  procs = await startCluster({ size: 3, fast: false }) // 1 s election timeout
  const leader = (await leaderOf(procs))!
  const stopping = leader.stop('SIGTERM')
  const others = procs.filter((p) => p !== leader)
  const t0 = Date.now()
  const next = await waitFor('a new leader', () => leaderOf(others), 10_000)
  expect(await stopping).toBe(0)
  expect(Date.now() - t0).toBeLessThan(900) // faster than any election could be
  expect(others).toContain(next)
}, 60_000)

test('-raft-cluster-remove-shutdown: a node leaves the cluster when it stops', async () => {
  procs = await startCluster({ size: 3, extraArgs: ['-raft-cluster-remove-shutdown'] })
  const leader = (await leaderOf(procs))!
  const leaving = procs.find((p) => p !== leader)!
  expect(await leaving.stop('SIGTERM')).toBe(0)
  const nodes = JSON.parse(await (await fetch(`${leader.url}/nodes`)).text())
  expect(Object.keys(nodes)).toHaveLength(2)
  expect(Object.values(nodes).every((n) => (n as { reachable: boolean }).reachable)).toBe(true)
}, 60_000)
