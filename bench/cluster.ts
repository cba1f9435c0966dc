/**
 * 3-node cluster workloads: raftlited processes on loopback with default election timeouts, all
 * three on one runtime (Node by default; `npm run bench -- --cluster-runtimes node,deno,bun`).
 * Clients talk to the leader, as rqlite's clients do once they know it. Peak RSS of every node
 * is sampled throughout. Each workload is bounded in time and count.
 */
import { rmSync } from 'node:fs'
import { runLoad } from './http-load.ts'
import { leaderOf, startCluster } from '../test/support/cluster-processes.ts'
import { RssSampler, rssNote } from './process-rss.ts'
import { fillMiB, sizeLabel } from './restart-time.ts'
import type { Row } from './row.ts'
import type { Runtime } from '../test/support/raftlited-process.ts'
import { type Budget, insert, measure, mixed, okMixed, okQueued, okRead, okWrite, okWriteAll, pointSelect, sleep } from './workload.ts'
import { CREATE_KV, fillKv, kvTransaction, kvUpsert, TXN_STATEMENTS, updateById } from './write-shapes.ts'

const json = { 'Content-Type': 'application/json' }
const system = 'raftlite 3 nodes' as const

export async function clusterBench(budget: Budget, snapshotMiB: number, runtime: Runtime = 'node'): Promise<Row[]> {
  const rows: Row[] = []
  const procs = await startCluster({ size: 3, fast: false, runtimes: [runtime, runtime, runtime] })
  const rss = new RssSampler(procs.map((p) => p.child.pid!))
  try {
    // Leadership can move under load on a busy machine: find the leader before each workload.
    const leaderUrl = async () => (await leaderOf(procs))?.url ?? procs[0].url
    let url = await leaderUrl()
    await fetch(`${url}/db/execute`, { method: 'POST', headers: json, body: '["CREATE TABLE bench (id INTEGER PRIMARY KEY, name TEXT, value INTEGER)"]' })
    for (const clients of [1, 8, 32]) {
      url = await leaderUrl()
      rss.phase(`insert, ${clients} clients`)
      rows.push(await measure({ system, workload: 'insert (1 statement/request)', url, clients, next: insert, ok: okWrite }, budget))
    }
    const batch = (i: number) => ({
      method: 'POST' as const,
      path: '/db/execute',
      body: JSON.stringify(Array.from({ length: 100 }, (_, j) => ['INSERT INTO bench(name, value) VALUES(?, ?)', `b-${i}-${j}`, j])),
    })
    url = await leaderUrl()
    rss.phase('batched inserts')
    rows.push(await measure({ system, workload: 'batched inserts (statements/s, 100/request)', url, clients: 8, next: batch, ok: okWrite, perOp: 100 }, budget))
    rss.phase('queued writes')
    rows.push(await queuedWrites(await leaderUrl(), budget))
    const count = 1000
    rows.push(...(await updateShapes(await leaderUrl(), count, budget, rss)))
    for (const level of ['none', 'weak', 'linearizable'] as const) {
      url = await leaderUrl()
      rss.phase(`point select, level=${level}`)
      rows.push(await measure({ system, workload: `point select, level=${level}`, url, clients: 32, next: pointSelect(level, count), ok: okRead }, budget))
    }
    url = await leaderUrl()
    rss.phase('mixed')
    rows.push(await measure({ system, workload: 'mixed 90% weak select / 10% insert', url, clients: 32, next: mixed(count), ok: okMixed }, budget))
    rss.phase(`fill and snapshot of ${sizeLabel(snapshotMiB)}`)
    rows.push(...(await snapshotPause(await leaderUrl(), snapshotMiB, budget)))
  } finally {
    const peaks = rss.stop()
    for (const p of procs) {
      await p.stop('SIGKILL')
      rmSync(p.dataDir, { recursive: true, force: true })
    }
    const known = peaks.filter((p): p is number => p !== undefined)
    console.error(`  peak RSS by phase (${runtime}, MiB): ${[...rss.phasePeaks].map(([k, v]) => `${k} ${v.toFixed(0)}`).join('; ')}`)
    const highest = rss.highestPhase()
    const where = highest ? `; highest during ${highest.phase}` : ''
    if (known.length) rows.push({ system, workload: 'peak RSS during the run', clients: 0, value: Math.max(...known), unit: 'MiB', ops: 0, note: rssNote(peaks) + where })
  }
  return rows.map((row) => ({ ...row, runtime }))
}

/** The shapes most writes take: upserts and updates of existing rows, and small transactions. */
async function updateShapes(url: string, rows: number, budget: Budget, rss: RssSampler): Promise<Row[]> {
  rss.phase('key/value fill')
  await fetch(`${url}/db/execute`, { method: 'POST', headers: json, body: JSON.stringify([CREATE_KV]) })
  await fillKv(url)
  const out: Row[] = []
  for (const clients of [1, 32]) {
    rss.phase(`key/value upserts, ${clients} clients`)
    out.push(await measure({ system, workload: 'key/value upsert of existing keys', url, clients, next: kvUpsert, ok: okWriteAll }, budget))
  }
  rss.phase('update by id')
  out.push(await measure({ system, workload: 'update by id of existing rows', url, clients: 32, next: updateById(rows), ok: okWriteAll }, budget))
  rss.phase('transactions')
  out.push(await measure({ system, workload: `transaction of ${TXN_STATEMENTS} upserts (transactions/s)`, url, clients: 32, next: kvTransaction, ok: okWriteAll }, budget))
  return out
}

/**
 * `?queue`: the node acknowledges before the write is committed and batches queued statements.
 * Reported as durable statements/s: the load plus the time to drain the queue after it
 * (a `?queue&wait` barrier); latencies are acknowledgement times.
 */
async function queuedWrites(url: string, budget: Budget): Promise<Row> {
  const next = (i: number) => ({ ...insert(i), path: '/db/execute?queue' })
  await runLoad(url, { clients: 32, next, ok: okQueued, seconds: budget.warmupSeconds, maxOps: 5000 })
  const r = await runLoad(url, { clients: 32, next, ok: okQueued, seconds: budget.seconds, maxOps: budget.maxOps })
  const t0 = performance.now()
  const drained = await fetch(`${url}/db/execute?queue&wait&timeout=60s`, { method: 'POST', headers: json, body: '[]' })
  await drained.text()
  const drainSeconds = (performance.now() - t0) / 1000
  return {
    system,
    workload: 'queued writes (?queue, 1 statement/request)',
    clients: 32,
    value: r.ops / (r.seconds + drainSeconds),
    p50Ms: r.p50Ms,
    p99Ms: r.p99Ms,
    maxMs: r.maxMs,
    ops: r.ops,
    errors: r.errors + (drained.ok ? 0 : 1),
    note: `acknowledged ${r.opsPerSecond.toFixed(0)}/s; drained ${drainSeconds.toFixed(2)} s after the load`,
  }
}

/**
 * A user snapshot (POST /snapshot on the leader) with `sizeMiB` of data, taken one second into
 * a 4-client write load: how long it takes, and the slowest write while it ran (the request
 * returns when the snapshot is written, so a write pause close to the snapshot time means the
 * leader served nothing meanwhile).
 */
async function snapshotPause(url: string, sizeMiB: number, budget: Budget): Promise<Row[]> {
  await fillMiB(url, sizeMiB)
  const load = runLoad(url, { clients: 4, next: insert, ok: okWrite, seconds: Math.max(3, budget.seconds), maxOps: budget.maxOps })
  await sleep(1000)
  const t0 = performance.now()
  const res = await fetch(`${url}/snapshot`, { method: 'POST' })
  await res.text()
  const seconds = (performance.now() - t0) / 1000
  const r = await load
  const size = sizeLabel(sizeMiB)
  const base = { system, clients: 4, ops: r.ops, errors: r.errors + (res.ok ? 0 : 1) }
  // 204: an automatic snapshot got there first and nothing was left to take; the time is not a
  // snapshot's, but the pause (the automatic one's) still is.
  const took = res.status === 200
  return [
    ...(took ? [{ ...base, workload: `snapshot time, ${size} database`, value: seconds, unit: 's' as const }] : []),
    { ...base, note: took ? undefined : `HTTP ${res.status}: an automatic snapshot ran instead`, workload: `longest write pause during the snapshot, ${size} database`, value: r.maxMs, unit: 'ms', p50Ms: r.p50Ms, p99Ms: r.p99Ms, maxMs: r.maxMs },
  ]
}
