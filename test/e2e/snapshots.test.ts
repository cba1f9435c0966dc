// Snapshots, fast restart, and catching up through a snapshot: compat scenarios 18 and 19.
import { afterEach, expect, test } from 'vitest'
import { type RaftlitedProcess, restartRaftlited, startRaftlited } from '../support/raftlited-process.ts'
import { execute, leaderOf, queryText, startCluster, waitFor } from '../support/cluster-processes.ts'

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
  expect((await vars(auto.url)).http.user_snapshots ?? 0).toBe(0)
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
  await again.stop('SIGKILL')
  const third = await restartRaftlited(again)
  procs = [third]
  expect(await queryText(third.url, 'SELECT count(*) FROM t')).toContain('"values":[[201]]')
  expect(await queryText(third.url, 'PRAGMA integrity_check')).toContain('"ok"')
}, 60_000)

test('a follower that was down while the log was compacted catches up through a snapshot', async () => {
  procs = await startCluster({ size: 3 })
  const leader = (await leaderOf(procs))!
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
