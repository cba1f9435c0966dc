// Failover mid-workload: a bounded workload of uniquely-keyed inserts runs through the remote
// client while the leader is killed with SIGKILL. Afterwards every acknowledged write is present
// exactly once, no write is duplicated, and a write the client reported as never applied
// (NoHostAvailableError) is absent. Only writes reported as OutcomeUnknownError may go either way.
import { afterAll, beforeAll, expect, test } from 'vitest'
import { leaderOf, startCluster, waitFor } from '../support/cluster-processes.ts'
import type { RaftlitedProcess } from '../support/raftlited-process.ts'
import { createClient, NoHostAvailableError, OutcomeUnknownError } from '../../src/remote-client/mod.ts'

let procs: RaftlitedProcess[]

beforeAll(async () => {
  procs = await startCluster({ size: 3 })
}, 90_000)

afterAll(async () => {
  await Promise.all((procs ?? []).map((p) => p.stop()))
})

test('kill -9 of the leader mid-workload: no duplicated write, every acknowledged write present', async () => {
  const leader = await waitFor('a leader', () => leaderOf(procs))
  // The leader first, so the kill breaks writes in flight on it, and the others after it.
  const hosts = [leader.url, ...procs.filter((p) => p !== leader).map((p) => p.url)]
  const db = createClient({ hosts, timeoutMs: 5_000, failoverTimeoutMs: 15_000 })
  await db.execute('CREATE TABLE w (k TEXT NOT NULL, worker INTEGER)')

  const TOTAL = 400
  const WORKERS = 4
  const deadline = Date.now() + 40_000
  const acked = new Set<string>()
  const unknown = new Set<string>()
  const notApplied = new Set<string>()
  let next = 0
  let killedAt = -1
  const ackedAfterKill = () => [...acked].filter((k) => Number(k.slice(2)) > killedAt).length

  const worker = async (id: number) => {
    while (next < TOTAL && Date.now() < deadline) {
      const n = next++
      const key = `k-${n}`
      if (n === 80) {
        killedAt = n
        await leader.stop('SIGKILL')
      }
      try {
        await db.execute({ sql: 'INSERT INTO w (k, worker) VALUES (?, ?)', args: [key, id] })
        acked.add(key)
      } catch (e) {
        if (e instanceof OutcomeUnknownError) unknown.add(key)
        else if (e instanceof NoHostAvailableError) notApplied.add(key)
        else throw e
      }
    }
  }
  await Promise.all(Array.from({ length: WORKERS }, (_, i) => worker(i)))

  expect(killedAt).toBe(80)
  expect(ackedAfterKill()).toBeGreaterThan(0) // the client found the new leader and went on
  const survivors = createClient({ hosts: hosts.slice(1) })
  const { rows } = await survivors.query('SELECT k, count(*) AS n FROM w GROUP BY k', { level: 'linearizable' })
  const counts = new Map(rows.map((r) => [r.k as string, r.n as number]))
  expect([...counts.values()].filter((n) => n > 1)).toEqual([]) // no duplicated write
  expect([...acked].filter((k) => counts.get(k) !== 1)).toEqual([]) // every acknowledged write present
  expect([...notApplied].filter((k) => counts.has(k))).toEqual([]) // "nothing was applied" holds
  for (const k of counts.keys()) expect(acked.has(k) || unknown.has(k)).toBe(true)
  console.log(`failover workload: ${acked.size} acknowledged, ${unknown.size} outcome unknown, ${notApplied.size} not applied, of ${next}`)
}, 90_000)
