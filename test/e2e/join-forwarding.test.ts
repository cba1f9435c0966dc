// Issue 11 item 2 and the join counters of item 3: a join sent to a follower reaches the leader,
// and rqlite's join counters count what happened, against real raftlited processes.
import { afterEach, expect, test } from 'vitest'
import { type RaftlitedProcess, restartRaftlited, startRaftlited } from '../support/raftlited-process.ts'
import { FAST_ELECTION, leaderOf, startCluster, waitFor, settledLeader } from '../support/cluster-processes.ts'
import { freePort } from '../support/free-port.ts'

let procs: RaftlitedProcess[] = []
afterEach(async () => {
  for (const p of procs) await p.stop('SIGKILL')
  procs = []
})

const vars = async (p: RaftlitedProcess) => JSON.parse(await (await fetch(`${p.url}/debug/vars`)).text())
const nodeIds = async (p: RaftlitedProcess) => Object.keys(JSON.parse(await (await fetch(`${p.url}/nodes?nonvoters`)).text())).sort()

test('n1 joins n0, n2 joins the follower n1: one 3-node cluster', async () => {
  const n0 = await startRaftlited({ args: ['-node-id', 'n0', ...FAST_ELECTION] })
  procs.push(n0)
  const n1 = await startRaftlited({ args: ['-node-id', 'n1', '-join', n0.raftAddr, ...FAST_ELECTION] })
  procs.push(n1)
  expect(await leaderOf([n0, n1])).toBe(n0)
  // n2 names only the follower; with -raft-adv-addr set explicitly, as Kubernetes manifests do.
  const raftPort = await freePort()
  const n2 = await startRaftlited({
    raftPort,
    args: ['-node-id', 'n2', '-join', n1.raftAddr, '-raft-adv-addr', `127.0.0.1:${raftPort}`, '-join-attempts', '2', ...FAST_ELECTION],
  })
  procs.push(n2)
  for (const p of procs) await waitFor(`${p.url} to see 3 nodes`, async () => (await nodeIds(p)).join() === 'n0,n1,n2')
  const leader = await leaderOf(procs)
  expect(leader).toBe(n0)
  expect((await vars(n1)).cluster.num_join_req).toBe(1) // the follower received n2's join and passed it on
  expect((await vars(n0)).cluster.num_join_req).toBe(2) // n1's own, and n2's forwarded one
  expect((await vars(n0)).store.num_joins).toBe(2)
}, 90_000)

test('an idempotent re-join is ignored; a re-join with a new address removes the old entry first', async () => {
  // Three voters, so the cluster keeps its leader while one of them restarts.
  procs = await startCluster({ size: 3, extraArgs: ['-join-attempts', '30'] })
  const leader = await settledLeader(procs)
  let node = procs.find((p) => p !== leader)!
  const id = String(procs.indexOf(node) + 1)
  expect((await vars(leader)).store.num_ignored_joins ?? 0).toBe(0)

  // Restarted with the same addresses: it asks again, and the leader has nothing to change.
  await node.stop('SIGTERM')
  node = await restartRaftlited(node)
  procs.push(node)
  await waitFor('the ignored re-join', async () => (await vars(leader)).store.num_ignored_joins === 1)
  expect((await vars(leader)).store.num_removed_before_joins ?? 0).toBe(0)

  // Restarted on a new Raft port: the old entry goes, the new one comes.
  await node.stop('SIGTERM')
  node = await startRaftlited({ dataDir: node.dataDir, args: node.args })
  procs.push(node)
  await waitFor('the re-join with the new address', async () => (await vars(leader)).store.num_removed_before_joins === 1)
  await waitFor('the new address in the membership', async () => {
    const nodes = JSON.parse(await (await fetch(`${leader.url}/nodes`)).text())
    return nodes[id]?.addr === node.raftAddr && nodes[id]?.reachable === true
  })
}, 90_000)

test('a new node that catches up through one snapshot counts one restore', async () => {
  const n0 = await startRaftlited({ args: ['-node-id', 'n0', ...FAST_ELECTION] })
  procs.push(n0)
  const write = await fetch(`${n0.url}/db/execute`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(['CREATE TABLE t (v)', ...Array.from({ length: 20 }, (_, i) => `INSERT INTO t VALUES (${i})`)]),
  })
  expect(write.status).toBe(200)
  expect((await fetch(`${n0.url}/snapshot?trailing_logs=0`, { method: 'POST' })).status).toBe(200)
  const n1 = await startRaftlited({ args: ['-node-id', 'n1', '-join', n0.raftAddr, ...FAST_ELECTION] })
  procs.push(n1)
  const count = async () => (await (await fetch(`${n1.url}/db/query?q=SELECT%20count(*)%20FROM%20t&level=none`)).text())
  await waitFor('n1 to have the rows', async () => (await count()).includes('[[20]]'))
  expect((await vars(n1)).store.num_restores).toBe(1)
}, 60_000)
