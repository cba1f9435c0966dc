/**
 * One client's latency over a fresh 3-node cluster's first seconds (is the first workload of
 * `npm run bench` measuring a cold node?): `npx tsx bench/latency-warmup.ts [rounds] [seconds]`.
 * Runs single-insert rounds back to back and prints each round's rate and p50. `RUNTIME=deno`
 * (or `bun`) runs the cluster on that runtime; `IDLE=s` lets it sit idle first.
 */
import { leaderOf, startCluster } from '../test/support/cluster-processes.ts'
import { runLoad } from './http-load.ts'
import { insert, okWrite } from './workload.ts'
import { CREATE_KV, fillKv, kvUpsert } from './write-shapes.ts'
import type { Runtime } from '../test/support/raftlited-process.ts'

const rounds = Number(process.argv[2] ?? 6)
const seconds = Number(process.argv[3] ?? 3)
const runtime = (process.env.RUNTIME ?? 'node') as Runtime
const procs = await startCluster({ size: 3, fast: false, runtimes: [runtime, runtime, runtime] })
try {
  const url = (await leaderOf(procs))?.url ?? procs[0].url
  const json = { 'Content-Type': 'application/json' }
  await fetch(`${url}/db/execute`, { method: 'POST', headers: json, body: '["CREATE TABLE bench (id INTEGER PRIMARY KEY, name TEXT, value INTEGER)"]' })
  await fetch(`${url}/db/execute`, { method: 'POST', headers: json, body: JSON.stringify([CREATE_KV]) })
  await fillKv(url)
  // Idle first, if asked: is the slow start driven by load (the JIT) or by time?
  await new Promise((r) => setTimeout(r, Number(process.env.IDLE ?? 0) * 1000))
  const t0 = performance.now()
  for (let round = 1; round <= rounds; round++) {
    for (const [name, next] of [['insert', insert], ['kv upsert', kvUpsert]] as const) {
      const r = await runLoad(url, { clients: 1, next, ok: okWrite, seconds, maxOps: 100_000 })
      console.log(`${((performance.now() - t0) / 1000).toFixed(0).padStart(3)} s  ${name.padEnd(10)} ${r.opsPerSecond.toFixed(0).padStart(5)}/s  p50 ${r.p50Ms.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms`)
    }
  }
} finally {
  for (const p of procs) await p.stop('SIGKILL')
}
