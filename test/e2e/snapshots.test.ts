// Snapshots, fast restart, and catching up through a snapshot: compat scenarios 18 and 19.
import { afterEach, expect, test } from 'vitest'
import { type RaftlitedProcess, restartRaftlited, startRaftlited } from '../support/raftlited-process.ts'
import { execute, queryText, startCluster, waitFor, settledLeader } from '../support/cluster-processes.ts'

let procs: RaftlitedProcess[] = []
afterEach(async () => {
  for (const p of procs) await p.stop('SIGKILL')
  procs = []
})

const vars = async (url: string) => JSON.parse(await (await fetch(`${url}/debug/vars`)).text())
const status = async (url: string) => JSON.parse(await (await fetch(`${url}/status`)).text())

test('scenario 18: POST /snapshot, and automatic snapshots with -raft-snap', async () => {
  // A user snapshot, on a node whose automatic threshold is far away (the default).
  const node = await startRaftlited({})
  procs.push(node)
  await execute(node.url, ['CREATE TABLE t (v)'])
  const user = await fetch(`${node.url}/snapshot`, { method: 'POST' })
  expect(user.status).toBe(200)
  expect((await vars(node.url)).http.user_snapshots).toBe(1)
  expect((await fetch(`${node.url}/snapshot`, { method: 'POST' })).status).toBe(204) // nothing new
  // Automatic snapshots, on another node, every 2 entries.
  const auto = await startRaftlited({ args: ['-raft-snap', '2', '-raft-snap-int', '200ms'] })
  procs.push(auto)
  await execute(auto.url, ['CREATE TABLE t (v)'])
  for (let i = 0; i < 5; i++) await execute(auto.url, [['INSERT INTO t VALUES (?)', i]])
  await waitFor('automatic snapshots', async () => (await status(auto.url)).store.num_snapshots > 0)
  // Automatic snapshots are not user snapshots: the counter is absent (it appears on the first
  // POST /snapshot, as on the first node), in an http map that is there.
  const http = (await vars(auto.url)).http
  expect(http.execute_requests).toBeGreaterThan(0)
  expect(http).not.toHaveProperty('user_snapshots')
})

test('scenario 19: restart keeps the file and replays only the log after the snapshot', async () => {
  const node = await startRaftlited({ args: ['-raft-snap', '10', '-raft-snap-int', '200ms'] })
  procs.push(node)
  await execute(node.url, ['CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)'])
  for (let i = 0; i < 200; i++) await execute(node.url, [['INSERT INTO t(v) VALUES (?)', `row ${i}`]])
  await waitFor('last_snapshot_index >= 175', async () => (await status(node.url)).store.raft.last_snapshot_index >= 175)
  await node.stop('SIGTERM')
  const again = await restartRaftlited(node)
  procs = [again]
  expect(await queryText(again.url, 'SELECT count(*) FROM t')).toBe('{"results":[{"columns":["count(*)"],"types":["integer"],"values":[[200]]}]}')
  const store = (await vars(again.url)).store
  expect(store.num_restores_start_skipped).toBe(1)
  expect(store.num_restores_start).toBe(0)
  expect((await status(again.url)).store.snapshot_store.snapshots).not.toEqual([])
  // A kill -9 restart takes the same path: unsynced WAL dropped, log tail replayed.
  await execute(again.url, [['INSERT INTO t(v) VALUES (?)', 'after restart']])
  // Not in the middle of a snapshot (one is due from 10 entries on): a kill there restores from
  // the snapshot copy instead, by design.
  await waitFor('no snapshot due', async () => {
    const raft = (await status(again.url)).store.raft
    return raft.applied_index >= 201 && raft.applied_index - raft.last_snapshot_index < 10
  })
  await again.stop('SIGKILL')
  const third = await restartRaftlited(again)
  procs = [third]
  expect(await queryText(third.url, 'SELECT count(*) FROM t')).toContain('"values":[[201]]')
  expect(await queryText(third.url, 'PRAGMA integrity_check')).toContain('"ok"')
  const afterKill = (await vars(third.url)).store
  expect(afterKill.num_restores_start_skipped, 'the file was kept after kill -9').toBe(1)
  expect(afterKill.num_restores_start).toBe(0)
}, 60_000)

test('a follower that was down while the log was compacted catches up through a snapshot', async () => {
  procs = await startCluster({ size: 3 })
  const leader = await settledLeader(procs)
  const follower = procs.find((p) => p !== leader)!
  await execute(leader.url, ['CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER, r INTEGER)'])
  await follower.stop('SIGKILL')
  for (let i = 0; i < 300; i++) await execute(leader.url, [['INSERT INTO t(v, r) VALUES (?, RANDOM())', i]])
  const snap = await fetch(`${leader.url}/snapshot?trailing_logs=0`, { method: 'POST' })
  expect(snap.status).toBe(200)
  for (let i = 300; i < 320; i++) await execute(leader.url, [['INSERT INTO t(v, r) VALUES (?, RANDOM())', i]])
  const back = await restartRaftlited(follower)
  procs[procs.indexOf(follower)] = back
  const expected = await queryText(leader.url, 'SELECT * FROM t ORDER BY id')
  await waitFor('the follower to catch up', async () => (await queryText(back.url, 'SELECT * FROM t ORDER BY id', '&level=none')) === expected, 20_000)
  expect((await vars(back.url)).store.num_restores).toBe(1) // it installed a snapshot
  // ...and restarts cleanly on top of it.
  await back.stop('SIGTERM')
  const again = await restartRaftlited(back)
  procs[procs.indexOf(back)] = again
  expect(await queryText(again.url, 'SELECT * FROM t ORDER BY id', '&level=none')).toBe(expected)
}, 90_000)
