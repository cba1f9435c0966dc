// Compat scenarios 26-29 and 31 against real raftlited processes.
import { afterEach, expect, test } from 'vitest'
import { type RaftlitedProcess, restartRaftlited, startRaftlited, tempDataDir } from '../support/raftlited-process.ts'
import { FAST_ELECTION, execute, leaderOf, queryText, startCluster, waitFor, settledLeader } from '../support/cluster-processes.ts'
import { freePort } from '../support/free-port.ts'

let procs: RaftlitedProcess[] = []
afterEach(async () => {
  for (const p of procs) {
    if (p.child.signalCode === 'SIGSTOP') p.child.kill('SIGCONT')
    await p.stop('SIGKILL')
  }
  procs = []
})

const COUNT = '{"results":[{"columns":["count(*)"],"types":["integer"],"values":[[1]]}]}'

test('scenarios 26 and 27: quorum reads, stale reads with freshness, no leader without quorum', async () => {
  procs = await startCluster({ size: 2 })
  const leader = await settledLeader(procs)
  const follower = procs.find((p) => p !== leader)!
  await execute(leader.url, ['CREATE TABLE t (v)', 'INSERT INTO t VALUES (1)'])
  for (const level of ['weak', 'linearizable', 'strong']) {
    expect(await queryText(follower.url, 'SELECT count(*) FROM t', `&level=${level}`), level).toBe(COUNT)
  }
  // Scenario 27: the follower stops hearing from the leader; a fresh-enough read is refused.
  leader.child.kill('SIGSTOP')
  await new Promise((r) => setTimeout(r, 1500))
  expect(await queryText(follower.url, 'SELECT count(*) FROM t', '&level=none&freshness=1s')).toBe('{"results":[],"error":"stale read"}')
  expect(await queryText(follower.url, 'SELECT count(*) FROM t', '&level=none')).toBe(COUNT)
  leader.child.kill('SIGCONT')
  await waitFor('the follower to hear from the leader again', async () => (await queryText(follower.url, 'SELECT count(*) FROM t', '&level=none&freshness=1s')) === COUNT)
  // Scenario 26: without a quorum the leader steps down, and quorum reads fail.
  await follower.stop('SIGKILL')
  await waitFor('the leader to step down', async () => JSON.parse(await (await fetch(`${leader.url}/status`)).text()).store.raft.state !== 'Leader')
  for (const level of ['linearizable', 'strong']) {
    const res = await fetch(`${leader.url}/db/query?q=SELECT%201&level=${level}`)
    expect(res.status, level).toBe(503)
    expect(await res.text()).toBe('leader not found\n')
  }
  expect((await fetch(`${leader.url}/readyz`)).status).toBe(503)
}, 60_000)

test('scenario 28: a read replica', async () => {
  procs = await startCluster({ size: 2 })
  const replica = await startRaftlited({ args: ['-node-id', 'replica', '-raft-non-voter', '-join', procs[0].raftAddr, ...FAST_ELECTION] })
  procs.push(replica)
  expect(Object.keys(JSON.parse(await (await fetch(`${replica.url}/nodes`)).text()))).toEqual(['1', '2'])
  const all = JSON.parse(await (await fetch(`${replica.url}/nodes?nonvoters`)).text())
  expect(all.replica).toMatchObject({ voter: false, reachable: true, leader: false })
  const write = await execute(replica.url, ['CREATE TABLE t (v)', 'INSERT INTO t VALUES (1)'])
  expect(write.text).toBe('{"results":[{},{"last_insert_id":1,"rows_affected":1}]}')
  await waitFor('the replica to apply', async () => (await queryText(replica.url, 'SELECT count(*) FROM t', '&level=auto')) === COUNT)
  // A non-voter cannot found a cluster.
  const alone = await startRaftlited({ args: ['-raft-non-voter'] }).catch((e: unknown) => e)
  expect(String(alone)).toContain('a non-voting node cannot bootstrap a cluster')
}, 60_000)

test('scenario 29: GET /leader, POST /leader, transfer to a named node', async () => {
  procs = await startCluster({ size: 3 })
  const leader = await settledLeader(procs)
  const info = JSON.parse(await (await fetch(`${procs[2].url}/leader`)).text())
  expect(info).toMatchObject({ addr: leader.raftAddr, api_addr: leader.url, leader: true, reachable: true, voter: true })
  expect((await fetch(`${procs[1].url}/leader?wait`, { method: 'POST' })).status).toBe(200)
  const next = await waitFor('another leader', async () => {
    const l = await leaderOf(procs)
    return l && l !== leader ? l : undefined
  })
  const target = procs.find((p) => p !== next)!
  const targetId = String(procs.indexOf(target) + 1)
  const moved = await fetch(`${next.url}/leader?wait`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ id: targetId }) })
  expect(moved.status).toBe(200)
  expect(await leaderOf(procs)).toBe(target)
  const single = await startRaftlited({})
  procs.push(single)
  const refused = await fetch(`${single.url}/leader?wait`, { method: 'POST' })
  expect(refused.status).toBe(500)
  expect(await refused.text()).toContain('no other voter')
}, 60_000)

test('scenario 31: idempotent rejoin, a changed address replaces the entry, a single node with data cannot join', async () => {
  procs = await startCluster({ size: 3 })
  // Same id and address: restarting with -join changes nothing.
  procs[1] = await restartRaftlited(await stopped(procs[1]))
  const nodes = async () => JSON.parse(await (await fetch(`${procs[0].url}/nodes`)).text()) as Record<string, { addr: string }>
  expect(Object.keys(await nodes())).toEqual(['1', '2', '3'])
  // Node 3 comes back on a new Raft address (same id, same data).
  const old3 = await stopped(procs[2])
  const newRaftPort = await freePort()
  procs[2] = await startRaftlited({
    dataDir: old3.dataDir,
    httpPort: Number(old3.httpAddr.split(':')[1]),
    raftPort: newRaftPort,
    args: old3.args,
  })
  await waitFor('node 3 at its new address', async () => (await nodes())['3']?.addr === `127.0.0.1:${newRaftPort}`)
  expect(Object.keys(await nodes())).toEqual(['1', '2', '3'])
  expect((await execute(procs[0].url, ['CREATE TABLE IF NOT EXISTS t (v)'])).status).toBe(200)
  // A single-node cluster with data refuses to join another cluster.
  const solo = await startRaftlited({})
  await execute(solo.url, ['CREATE TABLE mine (v)'])
  const soloStopped = await stopped(solo)
  const refused = await restartRaftlited(soloStopped, { args: ['-join', procs[0].raftAddr] }).catch((e: unknown) => e)
  expect(String(refused)).toContain('single-node cluster with data and cannot join')
}, 90_000)

async function stopped(p: RaftlitedProcess): Promise<RaftlitedProcess> {
  await p.stop('SIGTERM')
  return p
}

test('scenario 25: DELETE /remove through the leader and through a follower', async () => {
  procs = await startCluster({ size: 4 })
  const leader = await settledLeader(procs)
  const followers = procs.filter((p) => p !== leader)
  const idOf = (p: RaftlitedProcess) => String(procs.indexOf(p) + 1)
  const viaLeader = await fetch(`${leader.url}/remove`, { method: 'DELETE', body: JSON.stringify({ id: idOf(followers[0]) }) })
  expect(viaLeader.status).toBe(200)
  const viaFollower = await fetch(`${followers[1].url}/remove`, { method: 'DELETE', body: JSON.stringify({ id: idOf(followers[2]) }) })
  expect(viaFollower.status).toBe(200)
  const nodes = JSON.parse(await (await fetch(`${leader.url}/nodes`)).text())
  expect(Object.keys(nodes).sort()).toEqual([idOf(leader), idOf(followers[1])].sort())
  expect((await execute(followers[1].url, ['CREATE TABLE after_removal (v)'])).status).toBe(200) // two voters still commit
  const unknown = await fetch(`${leader.url}/remove`, { method: 'DELETE', body: '{"id":"nope"}' })
  expect(unknown.status).toBe(500)
  expect(await unknown.text()).toBe('node nope is not a member of the cluster\n')
}, 60_000)
