/**
 * `npx tsx bench/edge.ts [--seconds N] [--clients N]`: single-node writes/s and reads/s of the
 * edge node (a Durable Object under `wrangler dev`, workerd) and of the same node on Node
 * (`raftlited`), side by side in one run, with the same workload and load generator
 * (bench/http-load.ts). Each phase is bounded in time and count. Not niced: it measures.
 */
import { startRaftlited } from '../test/support/raftlited-process.ts'
import { startWranglerDev } from '../test/support/wrangler-dev-process.ts'
import { runLoad, type LoadResult } from './http-load.ts'
import { insert, okRead, okWrite, pointSelect } from './workload.ts'

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`)
  return at >= 0 ? Number(process.argv[at + 1]) : fallback
}
const seconds = arg('seconds', 10)
const clients = arg('clients', 8)
const maxOps = 200_000

interface Target {
  name: string
  url: string
  stop(): Promise<unknown>
}

async function phases(target: Target): Promise<Record<string, LoadResult>> {
  const setup = await fetch(`${target.url}/db/execute`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '["CREATE TABLE bench (id INTEGER PRIMARY KEY, name TEXT, value INTEGER)"]' })
  if (setup.status !== 200) throw new Error(`${target.name}: setup failed: ${setup.status} ${await setup.text()}`)
  const writes = await runLoad(target.url, { clients, seconds, maxOps, next: insert, ok: okWrite })
  const rows = Math.max(1, writes.ops - writes.errors)
  const readsNone = await runLoad(target.url, { clients, seconds, maxOps, next: pointSelect('none', rows), ok: okRead })
  const readsWeak = await runLoad(target.url, { clients, seconds, maxOps, next: pointSelect('weak', rows), ok: okRead })
  return { 'writes (1 insert each)': writes, 'reads none (point select)': readsNone, 'reads weak (point select)': readsWeak }
}

const results: Record<string, Record<string, LoadResult>> = {}
for (const start of [
  async (): Promise<Target> => {
    const p = await startRaftlited({ runtime: 'node' })
    return { name: 'node (raftlited)', url: p.url, stop: () => p.stop() }
  },
  async (): Promise<Target> => {
    const dev = await startWranglerDev()
    await fetch(`${dev.url}/status`) // the object starts its node on its first request
    return { name: 'edge (wrangler dev)', url: dev.url, stop: () => dev.stop() }
  },
]) {
  const target = await start()
  try {
    results[target.name] = await phases(target)
  } finally {
    await target.stop()
  }
}

const names = Object.keys(results)
const workloads = Object.keys(results[names[0]])
const cell = (r: LoadResult) => `${Math.round(r.opsPerSecond)}/s (p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms${r.errors ? `, ${r.errors} errors: ${r.firstError}` : ''})`
console.log(`\n${clients} clients, ${seconds} s per workload, one node each\n`)
console.log(`| workload | ${names.join(' | ')} |`)
console.log(`|---|${names.map(() => '---').join('|')}|`)
for (const w of workloads) console.log(`| ${w} | ${names.map((n) => cell(results[n][w])).join(' | ')} |`)
process.exit(0)
