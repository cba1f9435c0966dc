/**
 * Cluster workloads for `npm run bench`: a 3-node cluster of raftlited processes on loopback,
 * clients spread over all nodes (followers forward to the leader), plus restart time with a
 * large database. Each workload is bounded in time and count.
 */
import { rmSync } from 'node:fs'
import { type LoadResult, runLoad } from './http-load.ts'
import { type RaftlitedProcess, restartRaftlited, startRaftlited } from '../test/support/raftlited-process.ts'
import { leaderOf, startCluster, waitFor } from '../test/support/cluster-processes.ts'

export interface BenchRow {
  workload: string
  clients: number
  opsPerSecond: number
  p50Ms?: number
  p99Ms?: number
  ops: number
  errors?: number
  note?: string
}

export interface ClusterBenchOptions {
  seconds: number
  maxOps: number
  warmupSeconds: number
  /** Database sizes (MiB) whose restart time is measured. */
  restartSizesMiB: number[]
}

const json = { 'Content-Type': 'application/json' }
const okWrite = (status: number, body: string) => status === 200 && body.includes('"rows_affected":')
const okRead = (status: number, body: string) => status === 200 && body.includes('"values"')

export async function clusterBench(o: ClusterBenchOptions): Promise<BenchRow[]> {
  const rows: BenchRow[] = []
  const procs = await startCluster({ size: 3, fast: false })
  try {
    const leader = (await leaderOf(procs))!
    await fetch(`${leader.url}/db/execute`, { method: 'POST', headers: json, body: '["CREATE TABLE bench (id INTEGER PRIMARY KEY, name TEXT, value INTEGER)"]' })
    // Clients talk to the leader, as rqlite's clients do once they know it.
    const load = async (label: string, clients: number, next: Parameters<typeof runLoad>[1]['next'], ok: Parameters<typeof runLoad>[1]['ok'], statementsPerOp = 1) => {
      await runLoad(leader.url, { clients, seconds: o.warmupSeconds, maxOps: 5000, next, ok })
      const r: LoadResult = await runLoad(leader.url, { clients, seconds: o.seconds, maxOps: o.maxOps, next, ok })
      rows.push({ workload: `3 nodes: ${label}`, clients, opsPerSecond: r.opsPerSecond * statementsPerOp, p50Ms: r.p50Ms, p99Ms: r.p99Ms, ops: r.ops, errors: r.errors })
    }
    const insert = (i: number) => ({ method: 'POST' as const, path: '/db/execute', body: JSON.stringify([['INSERT INTO bench(name, value) VALUES(?, ?)', `name-${i}`, i]]) })
    for (const clients of [1, 32]) await load('insert (1 statement/request)', clients, insert, okWrite)
    const batch = (i: number) => ({
      method: 'POST' as const,
      path: '/db/execute',
      body: JSON.stringify(Array.from({ length: 100 }, (_, j) => ['INSERT INTO bench(name, value) VALUES(?, ?)', `b-${i}-${j}`, j])),
    })
    await load('batched inserts (statements/s, 100 per request)', 8, batch, okWrite, 100)
    const count = 1000
    for (const level of ['weak', 'linearizable'] as const) {
      const select = (i: number) => ({ method: 'GET' as const, path: `/db/query?level=${level}&q=${encodeURIComponent(`SELECT * FROM bench WHERE id = ${(i % count) + 1}`)}` })
      await load(`point select, level=${level}`, 32, select, okRead)
    }
  } finally {
    for (const p of procs) {
      await p.stop('SIGKILL')
      rmSync(p.dataDir, { recursive: true, force: true })
    }
  }
  for (const size of o.restartSizesMiB) rows.push(await restartTime(size))
  return rows
}

/** Time from process start to /readyz on a node holding `sizeMiB` of data (after a snapshot). */
async function restartTime(sizeMiB: number): Promise<BenchRow> {
  let node: RaftlitedProcess = await startRaftlited({})
  try {
    await fetch(`${node.url}/db/execute`, { method: 'POST', headers: json, body: '["CREATE TABLE big (id INTEGER PRIMARY KEY, b BLOB)"]' })
    for (let written = 0; written < sizeMiB; written += 64) {
      const chunk = Math.min(64, sizeMiB - written)
      const sql = `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${chunk}) INSERT INTO big(b) SELECT randomblob(1048576) FROM c`
      const res = await fetch(`${node.url}/db/execute?timeout=120s`, { method: 'POST', headers: json, body: JSON.stringify([sql]) })
      if (!res.ok) throw new Error(`filling the database failed: HTTP ${res.status} ${await res.text()}`)
      await res.text()
    }
    await fetch(`${node.url}/snapshot`, { method: 'POST' })
    await fetch(`${node.url}/db/execute`, { method: 'POST', headers: json, body: '["INSERT INTO big(b) VALUES (x\'00\')"]' }) // a log tail to replay
    await node.stop('SIGTERM')
    const started = performance.now()
    node = await restartRaftlited(node)
    const seconds = (performance.now() - started) / 1000
    const rows = await waitFor('the restarted node to answer', async () => {
      const text = await (await fetch(`${node.url}/db/query?q=SELECT%20count(*)%20FROM%20big`)).text()
      return text.includes('"values"') ? text : undefined
    })
    const vars = JSON.parse(await (await fetch(`${node.url}/debug/vars`)).text())
    const fast = vars.store.num_restores_start_skipped === 1
    return {
      workload: `restart to ready with a ${sizeMiB >= 1024 ? `${sizeMiB / 1024} GiB` : `${sizeMiB} MiB`} database (s)`,
      clients: 0,
      opsPerSecond: seconds,
      ops: 0,
      note: `${fast ? 'fast path (file kept)' : 'snapshot restored'}; rows ${JSON.parse(rows).results[0].values[0][0]}`,
    }
  } finally {
    await node.stop('SIGKILL')
    rmSync(node.dataDir, { recursive: true, force: true })
  }
}
