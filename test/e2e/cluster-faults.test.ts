// kill -9 under load: no acknowledged write is lost, replicas agree byte for byte.
import { afterAll, beforeAll, expect, test } from 'vitest'
import type { RaftlitedProcess } from '../support/raftlited-process.ts'
import { execute, leaderOf, queryText, restartRaftlited, startCluster, waitFor } from '../support/cluster-processes.ts'

let procs: RaftlitedProcess[] = []
const acked = new Set<string>()

beforeAll(async () => {
  procs = await startCluster({ size: 3, fast: false }) // raftlited's default timeouts
  await execute(procs[0].url, ["CREATE TABLE w (client INTEGER, n INTEGER, r INTEGER, at TEXT, PRIMARY KEY (client, n))"])
}, 60_000)

afterAll(async () => {
  for (const p of procs) await p.stop('SIGKILL')
})

/** 32 clients writing to every node in turn until `stop()`, bounded in count and time. */
function writers(tag: number): { stop(): Promise<void> } {
  let stopped = false
  const deadline = Date.now() + 30_000
  const loops = Array.from({ length: 32 }, async (_, client) => {
    for (let n = 0; !stopped && Date.now() < deadline && n < 2000; n++) {
      const target = procs[(client + n) % procs.length]
      try {
        const res = await execute(target.url, [["INSERT INTO w VALUES (?, ?, RANDOM(), datetime('now'))", tag * 100 + client, n]])
        if (res.status === 200 && res.text.includes('"rows_affected":1')) acked.add(`${tag * 100 + client}:${n}`)
      } catch {
        await new Promise((r) => setTimeout(r, 20)) // node down: outcome unknown, try elsewhere
      }
    }
  })
  return {
    async stop() {
      stopped = true
      await Promise.all(loops)
    },
  }
}

async function checkEveryNode(): Promise<void> {
  const leader = await waitFor('a leader', () => leaderOf(procs), 15_000)
  const expected = await queryText(leader.url, 'SELECT client, n, r, at FROM w ORDER BY client, n', '&level=linearizable')
  const rows: [number, number][] = JSON.parse(expected).results[0].values ?? []
  const present = new Set(rows.map(([c, n]) => `${c}:${n}`))
  expect([...acked].filter((k) => !present.has(k)), 'acknowledged writes missing').toEqual([])
  for (const p of procs) {
    await waitFor(`${p.url} to hold the same rows`, async () => (await queryText(p.url, 'SELECT client, n, r, at FROM w ORDER BY client, n', '&level=none')) === expected, 20_000)
  }
}

test('kill -9 of the leader while 32 clients write: a new leader within 3 s, nothing acknowledged lost', async () => {
  const load = writers(1)
  await new Promise((r) => setTimeout(r, 1500))
  const leader = (await leaderOf(procs))!
  await leader.stop('SIGKILL')
  const killedAt = Date.now()
  await waitFor('a new leader', () => leaderOf(procs.filter((p) => p !== leader)), 10_000)
  const electedIn = Date.now() - killedAt
  await new Promise((r) => setTimeout(r, 1000))
  await load.stop()
  expect(electedIn, 'ms from kill -9 to a new leader').toBeLessThan(3000)
  procs[procs.indexOf(leader)] = await restartRaftlited(leader)
  await checkEveryNode()
  expect(acked.size).toBeGreaterThan(200)
}, 120_000)

test('kill -9 of a follower mid-append; it restarts and catches up', async () => {
  const load = writers(2)
  await new Promise((r) => setTimeout(r, 1000))
  const leader = (await leaderOf(procs))!
  const follower = procs.find((p) => p !== leader)!
  await follower.stop('SIGKILL')
  await new Promise((r) => setTimeout(r, 1000))
  await load.stop()
  procs[procs.indexOf(follower)] = await restartRaftlited(follower)
  await checkEveryNode()
}, 120_000)

test('all three killed at once and restarted: a leader, every acknowledged write present', async () => {
  const load = writers(3)
  await new Promise((r) => setTimeout(r, 1000))
  await Promise.all(procs.map((p) => p.stop('SIGKILL')))
  await load.stop()
  procs = await Promise.all(procs.map((p) => restartRaftlited(p)))
  await checkEveryNode()
}, 120_000)
