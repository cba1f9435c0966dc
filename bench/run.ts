/**
 * `npm run bench` — raftlite measured against its ceiling on this machine, in one run.
 * `npm run bench -- --quick` is the one-minute smoke run CI executes (numbers not judged).
 * `--runtimes node,deno,bun` runs the single-node workloads against a node on each runtime;
 * a 3-node cluster (writes, batches, weak and linearizable reads, restart time with a large
 * database) follows unless `--no-cluster`.
 * (default: node only), shown side by side.
 * Results: a table on the terminal and bench/results/latest.json.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type Runtime, startRaftlited, tempDataDir, ROOT } from '../test/support/raftlited-process.ts'
import { type LoadResult, runLoad } from './http-load.ts'
import { nativeInserts, nativePointSelects } from './native-sqlite.ts'
import { clusterBench } from './cluster.ts'

const quick = process.argv.includes('--quick')
const SECONDS = quick ? 2 : 10
const MAX_OPS = quick ? 20_000 : 500_000
const RUNTIMES = runtimesArg()

function runtimesArg(): Runtime[] {
  const i = process.argv.findIndex((a) => a === '--runtimes' || a.startsWith('--runtimes='))
  if (i < 0) return ['node']
  const value = process.argv[i].includes('=') ? process.argv[i].split('=')[1] : (process.argv[i + 1] ?? '')
  const list = value.split(',').filter(Boolean)
  const bad = list.filter((r) => !['node', 'deno', 'bun'].includes(r))
  if (list.length === 0 || bad.length > 0) {
    console.error(`--runtimes: expected a list of node, deno, bun; got "${value}"`)
    process.exit(2)
  }
  return list as Runtime[]
}

interface Row {
  workload: string
  /** The runtime of the node measured; absent for in-process baselines. */
  runtime?: Runtime
  clients: number
  opsPerSecond: number
  p50Ms?: number
  p99Ms?: number
  ops: number
  errors?: number
  note?: string
}

const rows: Row[] = []
const WARMUP_SECONDS = quick ? 0.5 : 2

/** Runs a workload unmeasured first, so JIT and first-request compilation are not counted. */
async function measured(url: string, options: Parameters<typeof runLoad>[1]): Promise<LoadResult> {
  await runLoad(url, { ...options, seconds: WARMUP_SECONDS, maxOps: Math.min(options.maxOps, 5000) })
  return runLoad(url, options)
}
const fromLoad = (workload: string, clients: number, r: LoadResult): Row => ({
  workload, clients, opsPerSecond: r.opsPerSecond, p50Ms: r.p50Ms, p99Ms: r.p99Ms, ops: r.ops, errors: r.errors,
})

const okWrite = (status: number, body: string) => status === 200 && body.includes('"rows_affected":1')
const okRead = (status: number, body: string) => status === 200 && body.includes('"values"')

async function singleNode(runtime: Runtime): Promise<void> {
  const node = await startRaftlited({ runtime })
  const push = (row: Row) => rows.push({ ...row, runtime })
  try {
    const exec = (sql: string) => fetch(`${node.url}/db/execute`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify([sql]) })
    await exec('CREATE TABLE bench (id INTEGER PRIMARY KEY, name TEXT, value INTEGER)')
    const insert = (i: number) => ({ method: 'POST' as const, path: '/db/execute', body: JSON.stringify([['INSERT INTO bench(name, value) VALUES(?, ?)', `name-${i}`, i]]) })
    for (const clients of [1, 32]) {
      const r = await measured(node.url, { clients, seconds: SECONDS, maxOps: MAX_OPS, next: insert, ok: okWrite })
      push(fromLoad('insert (1 statement/request)', clients, r))
    }
    const count = Number(JSON.parse(await (await fetch(`${node.url}/db/query?q=SELECT%20count(*)%20FROM%20bench`)).text()).results[0].values[0][0])
    for (const level of ['none', 'weak'] as const) {
      const select = (i: number) => ({ method: 'GET' as const, path: `/db/query?level=${level}&q=${encodeURIComponent(`SELECT * FROM bench WHERE id = ${(i % count) + 1}`)}` })
      const r = await measured(node.url, { clients: 32, seconds: SECONDS, maxOps: MAX_OPS, next: select, ok: okRead })
      push(fromLoad(`point select, level=${level}`, 32, r))
    }
    const rss = await processRssMiB(node.child.pid!)
    if (rss) push({ workload: 'node resident memory (MiB) after the run', clients: 0, opsPerSecond: rss, ops: 0 })
  } finally {
    await node.stop()
    rmSync(node.dataDir, { recursive: true, force: true })
  }
}

function native(): void {
  const dir = tempDataDir('raftlite-native-')
  try {
    const ins = nativeInserts(dir, SECONDS, MAX_OPS)
    rows.push({ workload: 'native SQLite insert (better-sqlite3, in-process, fsync)', clients: 1, opsPerSecond: ins.opsPerSecond, ops: ins.ops })
    const sel = nativePointSelects(dir, SECONDS, MAX_OPS, ins.ops)
    rows.push({ workload: 'native SQLite point select (in-process)', clients: 1, opsPerSecond: sel.opsPerSecond, ops: sel.ops })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

async function processRssMiB(pid: number): Promise<number | undefined> {
  try {
    const { readFileSync } = await import('node:fs')
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1])
    return kb ? kb / 1024 : undefined
  } catch {
    return undefined
  }
}

/** Rows of one workload next to each other, runtimes in the order asked for. */
function sideBySide(all: Row[]): Row[] {
  const workloads = [...new Set(all.map((r) => `${r.workload}/${r.clients}`))]
  const rank = (r: Row) => workloads.indexOf(`${r.workload}/${r.clients}`) * 10 + (r.runtime ? RUNTIMES.indexOf(r.runtime) : 0)
  return [...all].sort((a, b) => rank(a) - rank(b))
}

function printTable(): void {
  const header = ['workload', 'runtime', 'clients', 'ops/s', 'p50 ms', 'p99 ms', 'ops', 'errors']
  const lines = sideBySide(rows).map((r) => [
    r.workload, r.runtime ?? '', r.clients ? String(r.clients) : '', r.opsPerSecond.toFixed(r.opsPerSecond < 100 ? 1 : 0),
    r.p50Ms?.toFixed(2) ?? '', r.p99Ms?.toFixed(2) ?? '', String(r.ops || ''), r.errors === undefined ? '' : String(r.errors),
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)))
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')
  console.log(fmt(header))
  console.log(widths.map((w) => '-'.repeat(w)).join('  '))
  for (const l of lines) console.log(fmt(l))
}

const started = Date.now()
console.log(`raftlite bench (${quick ? 'quick' : 'full'}: ${SECONDS}s per workload), node ${process.version}, runtimes ${RUNTIMES.join(',')}`)
for (const runtime of RUNTIMES) await singleNode(runtime)
if (!process.argv.includes('--no-cluster')) {
  rows.push(
    ...(await clusterBench({
      seconds: SECONDS,
      maxOps: MAX_OPS,
      warmupSeconds: WARMUP_SECONDS,
      restartSizesMiB: quick ? [16] : [100, 1024],
    })),
  )
}
native()
printTable()
const out = join(ROOT, 'bench/results')
mkdirSync(out, { recursive: true })
writeFileSync(join(out, 'latest.json'), JSON.stringify({ date: new Date().toISOString(), quick, node: process.version, runtimes: RUNTIMES, rows }, null, 2))
console.log(`\nwrote bench/results/latest.json in ${((Date.now() - started) / 1000).toFixed(0)} s`)
const failed = rows.some((r) => (r.errors ?? 0) > 0)
if (failed) {
  console.error('some requests failed: see the errors column')
  process.exit(1)
}
