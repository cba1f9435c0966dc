// kill -9 under load: no acknowledged write is lost, replicas agree byte for byte.
import { afterAll, beforeAll, expect, test } from 'vitest'
import type { RaftlitedProcess } from '../support/raftlited-process.ts'
import { becameLeaderAt, execute, leaderOf, queryText, restartRaftlited, startCluster, waitFor, settledLeader } from '../support/cluster-processes.ts'

let procs: RaftlitedProcess[] = []

beforeAll(async () => {
  procs = await startCluster({ size: 3, fast: false }) // raftlited's default timeouts
  await execute(procs[0].url, ["CREATE TABLE w (client INTEGER, n INTEGER, r INTEGER, at TEXT, PRIMARY KEY (client, n))"])
}, 60_000)

afterAll(async () => {
  for (const p of procs) await p.stop('SIGKILL')
})

interface Load {
  /** `client:n` of every write acknowledged to this load's clients (and only theirs). */
  readonly acked: Set<string>
  stop(): Promise<void>
}

/** 32 clients writing to every node in turn until `stop()`, bounded in count and time. */
function writers(tag: number): Load {
  const acked = new Set<string>()
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
    acked,
    async stop() {
      stopped = true
      await Promise.all(loops)
    },
  }
}

/** Waits (bounded) until `load` has `count` acknowledged writes; returns how many it has. */
async function untilAcked(load: Load, count: number, what: string): Promise<number> {
  await waitFor(`${count} acknowledged writes ${what}`, async () => load.acked.size >= count, 15_000)
  return load.acked.size
}

const lastLogIndex = async (p: RaftlitedProcess): Promise<number> =>
  JSON.parse(await (await fetch(`${p.url}/status`)).text()).store.raft.last_log_index as number

/** Every write `acked` holds is on the leader, and every node holds the leader's rows. */
async function checkEveryNode(acked: Set<string>): Promise<void> {
  const leader = await settledLeader(procs)
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
  // Counts, not sleeps: how many writes a second fit is the machine's business, not the test's.
  await untilAcked(load, 150, 'before the kill')
  const leader = await settledLeader(procs)
  const killedAt = Date.now()
  await leader.stop('SIGKILL')
  try {
    const next = await waitFor('a new leader', () => leaderOf(procs.filter((p) => p !== leader)), 10_000)
    // The election is timed by the winner's own log line, not by when a poll under load saw it.
    const electedIn = (await waitFor("the new leader's log line", async () => becameLeaderAt(next, killedAt), 5_000)) - killedAt
    const atElection = load.acked.size
    await untilAcked(load, atElection + 50, 'after the failover')
    await load.stop()
    expect(electedIn, 'ms from kill -9 to a new leader').toBeLessThan(3000)
    expect(load.acked.size).toBeGreaterThan(200)
  } finally {
    await load.stop()
    // Restarted whatever happened above, so that the next tests find three nodes.
    procs[procs.indexOf(leader)] = await restartRaftlited(leader)
  }
  await checkEveryNode(load.acked)
}, 120_000)

test('kill -9 of a follower mid-append; it restarts and catches up', async () => {
  const load = writers(2)
  await untilAcked(load, 50, 'before the kill')
  const leader = await settledLeader(procs)
  const follower = procs.find((p) => p !== leader)!
  // Kill it while the leader holds entries it does not have yet: appends to it are in flight.
  let behind: { leaderLast: number; followerLast: number } | undefined
  for (let i = 0; i < 200 && !behind; i++) {
    const leaderLast = await lastLogIndex(leader)
    const followerLast = await lastLogIndex(follower)
    if (followerLast < leaderLast) behind = { leaderLast, followerLast }
  }
  expect(behind, 'the follower seen behind the leader, under load').toBeDefined()
  await follower.stop('SIGKILL')
  const atKill = load.acked.size
  // The other two go on committing without it.
  const later = await untilAcked(load, atKill + 50, 'after the kill')
  await load.stop()
  expect(later - atKill).toBeGreaterThanOrEqual(50)
  procs[procs.indexOf(follower)] = await restartRaftlited(follower)
  await checkEveryNode(load.acked) // the restarted follower included
}, 120_000)

test('all three killed at once and restarted: a leader, every acknowledged write present', async () => {
  const load = writers(3)
  const atKill = await untilAcked(load, 100, 'before the kill')
  await Promise.all(procs.map((p) => p.stop('SIGKILL')))
  await load.stop()
  expect(load.acked.size).toBeGreaterThanOrEqual(atKill)
  procs = await Promise.all(procs.map((p) => restartRaftlited(p)))
  await checkEveryNode(load.acked)
}, 120_000)
