// -raft-cluster-remove-shutdown. -raft-shutdown-stepdown (on by default) is timed, so it runs alone:
// see shutdown-handover.test.ts.
import { afterEach, expect, test } from 'vitest'
import type { RaftlitedProcess } from '../support/raftlited-process.ts'
import { startCluster, settledLeader } from '../support/cluster-processes.ts'

let procs: RaftlitedProcess[] = []
afterEach(async () => {
  for (const p of procs) await p.stop('SIGKILL')
  procs = []
})

test('-raft-cluster-remove-shutdown: a node leaves the cluster when it stops', async () => {
  procs = await startCluster({ size: 3, extraArgs: ['-raft-cluster-remove-shutdown'] })
  const leader = await settledLeader(procs)
  const leaving = procs.find((p) => p !== leader)!
  expect(await leaving.stop('SIGTERM')).toBe(0)
  const nodes = JSON.parse(await (await fetch(`${leader.url}/nodes`)).text())
  expect(Object.keys(nodes)).toHaveLength(2)
  expect(Object.values(nodes).every((n) => (n as { reachable: boolean }).reachable)).toBe(true)
}, 60_000)
