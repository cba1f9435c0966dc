// Issue 26's acceptance: a long query and a long write do not stop any node. A real 3-node
// cluster at raftlited's default timings (1 s election): the endless recursive query runs on the
// leader and a CPU-bound INSERT … SELECT of several seconds goes through the log, while /readyz
// on every node is timed per request, and other clients keep writing and reading.
import { afterAll, expect, test } from 'vitest'
import { startCluster, settledLeader } from '../support/cluster-processes.ts'
import type { RaftlitedProcess } from '../support/raftlited-process.ts'

const READYZ_BOUND_MS = 200
let procs: RaftlitedProcess[] = []

afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop('SIGKILL').catch(() => {})))
})

const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })

async function raftState(p: RaftlitedProcess): Promise<{ term: number; leader: string }> {
  const status = JSON.parse(await (await fetch(`${p.url}/status`)).text())
  return { term: Number(status.store.raft.term), leader: String(status.store.leader?.node_id ?? '') }
}

test('the endless query and a long write leave /readyz fast on every node and the leader in place', async () => {
  procs = await startCluster({ size: 3, fast: false, extraArgs: ['-db-query-timeout', '4s', '-raft-apply-timeout', '60s'] })
  const leader = await settledLeader(procs)
  expect(leader).toBeDefined()
  expect(await (await post(`${leader.url}/db/execute`, ['CREATE TABLE w (v)', 'CREATE TABLE sums (s)'])).text()).toBe('{"results":[{},{}]}')
  const before = await Promise.all(procs.map(raftState))

  // Probes: /readyz on every node, each request timed; another client's writes and reads.
  let running = true
  const slow: string[] = []
  let probes = 0
  const readyz = procs.map(async (p) => {
    for (let i = 0; running && i < 400; i++) {
      const started = performance.now()
      let status = 0
      try {
        const res = await fetch(`${p.url}/readyz`, { signal: AbortSignal.timeout(5000) })
        await res.text()
        status = res.status
      } catch {
        // no answer within 5 s: counted below as a failed probe
      }
      const ms = performance.now() - started
      probes++
      if (status !== 200 || ms > READYZ_BOUND_MS) slow.push(`${p.url} ${status} ${ms.toFixed(0)} ms`)
      await new Promise((r) => setTimeout(r, 50))
    }
  })
  let written = 0
  let read = 0
  const client = (async () => {
    for (let i = 0; running && i < 200; i++) {
      const w = await post(`${leader.url}/db/execute`, [['INSERT INTO w VALUES (?)', i]])
      expect(await w.text()).toMatch(/"rows_affected":1/)
      written++
      const r = await fetch(`${leader.url}/db/query?q=${encodeURIComponent('SELECT count(*) FROM w')}`)
      expect(await r.text()).toMatch(/"values":\[\[\d+\]\]/)
      read++
      await new Promise((r) => setTimeout(r, 100))
    }
  })()

  const endless = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c'
  const query = fetch(`${leader.url}/db/query?q=${encodeURIComponent(endless)}`).then((r) => r.text())
  // Some 200 million VM steps: about ten seconds of CPU on every node, one row written (queued
  // behind the 4 s query in the worker, hence the longer apply timeout).
  const heavy = 'INSERT INTO sums SELECT sum(x) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 12000000) SELECT x FROM c)'
  const write = post(`${leader.url}/db/execute`, [heavy]).then((r) => r.text())
  expect(await query).toBe('{"results":[{"error":"query timeout"}]}')
  expect(await write).toBe('{"results":[{"last_insert_id":1,"rows_affected":1}]}')
  running = false
  await Promise.all([...readyz, client])

  expect(probes).toBeGreaterThan(30)
  expect(written).toBeGreaterThan(0)
  expect(read).toBeGreaterThan(0)
  const after = await Promise.all(procs.map(raftState))
  expect(after).toEqual(before) // same term and leader everywhere: no election happened
  for (const p of procs) {
    const sums = await fetch(`${p.url}/db/query?level=none&q=${encodeURIComponent('SELECT s FROM sums')}`)
    expect(await sums.text()).toMatch(/"values":\[\[72000006000000\]\]/)
  }
  expect(slow).toEqual([]) // every /readyz, on every node, answered 200 within the bound
}, 120_000)
