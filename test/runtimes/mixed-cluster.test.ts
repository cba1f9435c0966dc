// One cluster of a Node, a Deno and a Bun node: they replicate, fail over, and agree byte for byte.
import { afterAll, beforeAll, expect, test } from 'vitest'
import type { RaftlitedProcess } from '../support/raftlited-process.ts'
import { execute, leaderOf, queryText, restartRaftlited, startCluster, waitFor, settledLeader } from '../support/cluster-processes.ts'

let procs: RaftlitedProcess[] = []

beforeAll(async () => {
  procs = await startCluster({ size: 3, runtimes: ['node', 'deno', 'bun'] })
}, 90_000)

afterAll(async () => {
  for (const p of procs) await p.stop('SIGKILL')
})

async function agree(): Promise<string> {
  const leader = await settledLeader(procs)
  const expected = await queryText(leader.url, 'SELECT * FROM t ORDER BY id', '&level=linearizable')
  for (const p of procs) {
    await waitFor(`${p.runtime} to agree`, async () => (await queryText(p.url, 'SELECT * FROM t ORDER BY id', '&level=none')) === expected)
  }
  return expected
}

test('each node really runs on its runtime', async () => {
  const names = await Promise.all(procs.map(async (p) => JSON.parse(await (await fetch(`${p.url}/status`)).text()).runtime.name))
  expect(names).toEqual(['node', 'deno', 'bun'])
})

test('writes through every runtime replicate identically, RANDOM() and now() included', async () => {
  await execute(procs[1].url, ["CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT, r INTEGER, b BLOB, at TEXT DEFAULT CURRENT_TIMESTAMP)"])
  for (const p of procs) {
    for (let i = 0; i < 10; i++) {
      const res = await execute(p.url, [["INSERT INTO t(who, r, b) VALUES (?, RANDOM(), randomblob(16))", p.runtime]])
      expect(res.text, p.runtime).toContain('"rows_affected":1')
    }
  }
  const rows = JSON.parse(await agree()).results[0].values as unknown[][]
  expect(rows).toHaveLength(30)
})

test('every runtime streams Raft messages over WebSockets, as client and as server', async () => {
  const leader = await leaderOf(procs)
  for (const p of procs) {
    const cluster = JSON.parse(await (await fetch(`${p.url}/debug/vars`)).text()).cluster
    // The leader streams to both followers; a follower streams its answers to the leader.
    expect(cluster.raft_streams_opened, p.runtime).toBeGreaterThanOrEqual(p === leader ? 2 : 1)
    expect(cluster.raft_stream_batches, p.runtime).toBeGreaterThan(0)
  }
})

test('kill -9 the leader, whichever runtime it is on: the others carry on and it catches up', async () => {
  const leader = await settledLeader(procs)
  await leader.stop('SIGKILL')
  const survivors = procs.filter((p) => p !== leader)
  await waitFor('a new leader', () => leaderOf(survivors), 10_000)
  for (const p of survivors) {
    // A follower answers 503 "leader not found" until the new leader's first append reaches it
    // (as rqlite does; clients retry): nothing was written, so retrying is safe.
    const insert = () => execute(p.url, [["INSERT INTO t(who) VALUES (?)", `after ${leader.runtime} died`]])
    const res = await waitFor(`${p.runtime} to take a write`, async () => {
      const r = await insert()
      return r.status === 503 ? undefined : r
    }, 5_000)
    expect(res.status).toBe(200)
  }
  procs[procs.indexOf(leader)] = await restartRaftlited(leader)
  const rows = JSON.parse(await agree()).results[0].values as unknown[][]
  expect(rows).toHaveLength(32)
}, 90_000)
