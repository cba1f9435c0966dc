/**
 * `npm run bench:engine -- [--rounds N] [--seconds S] [--warmup S] [--runtimes node,deno,bun]
 * [--engines thread,worker,worker-all] [--parts single,cluster]` — the database on the event loop
 * (`-db-engine thread`) against the database in a worker (the default, with short reads on the
 * loop) and, if asked, `worker-all` (every read in the worker), side by side in one run: every
 * round measures each engine on every runtime, in rotating order, so the machine's load hits
 * them alike. Shapes are `npm run bench`'s single-node and 3-node ones at 1 and 32 clients.
 * Prints medians over the rounds and each engine's ratio to the first one listed;
 * writes bench/results/engine-ab.{json,md} (`--from <json>` prints a saved run's table again).
 * Bounded: every workload is bounded in time and count.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { buildDist } from '../scripts/build.mjs'
import { leaderOf, startCluster, waitFor } from '../test/support/cluster-processes.ts'
import { ROOT, type RaftlitedProcess, type Runtime, startRaftlited } from '../test/support/raftlited-process.ts'
import { runLoad } from './http-load.ts'
import { type Budget, insert, measure, mixed, okMixed, okQueued, okRead, okWrite, pointSelect } from './workload.ts'

type Engine = 'thread' | 'worker' | 'worker-all'
interface Sample {
  runtime: Runtime
  shape: string
  engine: Engine
  value: number
  p50Ms: number
  errors: number
}

const argv = process.argv.slice(2)
function option(name: string): string | undefined {
  const i = argv.indexOf(name)
  return i >= 0 ? argv[i + 1] : undefined
}
const rounds = Number(option('--rounds') ?? 3)
const seconds = Number(option('--seconds') ?? 3)
const runtimes = (option('--runtimes') ?? 'node,deno,bun').split(',') as Runtime[]
const engines = (option('--engines') ?? 'thread,worker').split(',') as Engine[]
const parts = (option('--parts') ?? 'single,cluster').split(',')
if (engines.length < 2 || engines.some((e) => !['thread', 'worker', 'worker-all'].includes(e))) throw new Error('--engines: expected two or more of thread, worker, worker-all')
if (parts.some((p) => !['single', 'cluster'].includes(p))) throw new Error('--parts: expected single, cluster or both')
if (!Number.isInteger(rounds) || rounds < 1 || rounds > 9) throw new Error('--rounds: expected 1 to 9')
if (!(seconds > 0 && seconds <= 30)) throw new Error('--seconds: expected more than 0, at most 30')
if (runtimes.some((r) => !['node', 'deno', 'bun'].includes(r))) throw new Error('--runtimes: expected a list of node, deno, bun')
// Each shape runs unmeasured first. Short shapes measured JIT warm-up as much as the engine
// (the first 2–3 s of a read shape ran at half speed): `--warmup 3` takes that out of both.
const warmupSeconds = Number(option('--warmup') ?? 1)
if (!(warmupSeconds >= 0 && warmupSeconds <= 30)) throw new Error('--warmup: expected 0 to 30 seconds')
const budget: Budget = { seconds, maxOps: 500_000, warmupSeconds }
const json = { 'Content-Type': 'application/json' }
const CREATE = '["CREATE TABLE bench (id INTEGER PRIMARY KEY, name TEXT, value INTEGER)"]'

/** The engine a node reports: the comparison is void if a node silently ran the other one. */
async function assertEngine(procs: RaftlitedProcess[], engine: Engine): Promise<void> {
  for (const p of procs) {
    const got = JSON.parse(await (await fetch(`${p.url}/status`)).text()).store.sqlite3.engine
    if (got !== engine) throw new Error(`${p.url} runs the ${got} engine, not ${engine}`)
  }
}

async function singleNode(runtime: Runtime, engine: Engine, add: (shape: string, r: { value: number; p50Ms?: number; errors?: number }) => void) {
  const node = await startRaftlited({ runtime, args: ['-db-engine', engine] })
  try {
    await assertEngine([node], engine)
    await fetch(`${node.url}/db/execute`, { method: 'POST', headers: json, body: CREATE })
    for (const clients of [1, 32]) {
      add(`1 node: insert, ${clients} client(s)`, await measure({ system: 'raftlite 1 node', workload: '', url: node.url, clients, next: insert, ok: okWrite }, budget))
    }
    const count = Number(JSON.parse(await (await fetch(`${node.url}/db/query?q=SELECT%20count(*)%20FROM%20bench`)).text()).results[0].values[0][0])
    for (const level of ['none', 'weak'] as const) {
      for (const clients of [1, 32]) {
        add(`1 node: point select ${level}, ${clients} client(s)`, await measure({ system: 'raftlite 1 node', workload: '', url: node.url, clients, next: pointSelect(level, count), ok: okRead }, budget))
      }
    }
    add('1 node: mixed 90% weak select / 10% insert, 32 clients', await measure({ system: 'raftlite 1 node', workload: '', url: node.url, clients: 32, next: mixed(count), ok: okMixed }, budget))
  } finally {
    await node.stop()
    rmSync(node.dataDir, { recursive: true, force: true })
  }
}

async function cluster(runtime: Runtime, engine: Engine, add: (shape: string, r: { value: number; p50Ms?: number; errors?: number }) => void) {
  const procs = await startCluster({ size: 3, fast: false, runtimes: [runtime, runtime, runtime], extraArgs: ['-db-engine', engine] })
  try {
    // Leadership can move under load on a busy machine: find the leader before each workload.
    const leaderUrl = async () => (await waitFor('a leader', () => leaderOf(procs), 30_000)).url
    await waitFor('3 members', async () => Object.keys(JSON.parse(await (await fetch(`${procs[0].url}/nodes`)).text())).length === 3, 30_000)
    await assertEngine(procs, engine)
    await fetch(`${await leaderUrl()}/db/execute`, { method: 'POST', headers: json, body: CREATE })
    for (const clients of [1, 32]) {
      add(`3 nodes: insert, ${clients} client(s)`, await measure({ system: 'raftlite 3 nodes', workload: '', url: await leaderUrl(), clients, next: insert, ok: okWrite }, budget))
    }
    const batch = (i: number) => ({
      method: 'POST' as const,
      path: '/db/execute',
      body: JSON.stringify(Array.from({ length: 100 }, (_, j) => ['INSERT INTO bench(name, value) VALUES(?, ?)', `b-${i}-${j}`, j])),
    })
    add('3 nodes: batched inserts (statements/s), 8 clients', await measure({ system: 'raftlite 3 nodes', workload: '', url: await leaderUrl(), clients: 8, next: batch, ok: okWrite, perOp: 100 }, budget))
    add('3 nodes: queued writes (durable/s), 32 clients', await queued(await leaderUrl()))
    for (const level of ['none', 'weak', 'linearizable'] as const) {
      for (const clients of [1, 32]) {
        add(`3 nodes: point select ${level}, ${clients} client(s)`, await measure({ system: 'raftlite 3 nodes', workload: '', url: await leaderUrl(), clients, next: pointSelect(level, 1000), ok: okRead }, budget))
      }
    }
    add('3 nodes: mixed 90% weak select / 10% insert, 32 clients', await measure({ system: 'raftlite 3 nodes', workload: '', url: await leaderUrl(), clients: 32, next: mixed(1000), ok: okMixed }, budget))
  } finally {
    for (const p of procs) {
      await p.stop('SIGKILL')
      rmSync(p.dataDir, { recursive: true, force: true })
    }
  }
}

/** As bench/cluster.ts: acknowledged queued writes, counted once the queue has drained. */
async function queued(url: string): Promise<{ value: number; p50Ms: number; errors: number }> {
  const next = (i: number) => ({ ...insert(i), path: '/db/execute?queue' })
  await runLoad(url, { clients: 32, next, ok: okQueued, seconds: budget.warmupSeconds, maxOps: 5000 })
  const r = await runLoad(url, { clients: 32, next, ok: okQueued, seconds: budget.seconds, maxOps: budget.maxOps })
  const t0 = performance.now()
  const drained = await fetch(`${url}/db/execute?queue&wait&timeout=60s`, { method: 'POST', headers: json, body: '[]' })
  await drained.text()
  return { value: (r.ops - r.errors) / (r.seconds + (performance.now() - t0) / 1000), p50Ms: r.p50Ms, errors: r.errors + (drained.ok ? 0 : 1) }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

/** The table: per runtime and shape, each engine's median and range, and each ratio of medians to the first engine's. */
function render(samples: Sample[], header: string): { lines: string[]; rows: Record<string, unknown>[] } {
  const measured = [...new Set(samples.map((s) => s.engine))]
  const [base, ...others] = measured
  const lines = [
    header,
    '',
    `| runtime | shape | ${measured.join(' | ')} | ${others.map((o) => `${o}/${base} (each round)`).join(' | ')} |`,
    `|---|---|${measured.map(() => '---:|').join('')}${others.map(() => '---:|').join('')}`,
  ]
  const rows: Record<string, unknown>[] = []
  for (const runtime of [...new Set(samples.map((s) => s.runtime))]) {
    const shapes = [...new Set(samples.filter((s) => s.runtime === runtime).map((s) => s.shape))]
    for (const shape of shapes) {
      const of = (engine: Engine) => samples.filter((s) => s.runtime === runtime && s.shape === shape && s.engine === engine)
      const values = (engine: Engine) => median(of(engine).map((s) => s.value))
      const errors = measured.reduce((n, e) => n + of(e).reduce((m, s) => m + s.errors, 0), 0)
      const cell = (engine: Engine) => {
        const ss = of(engine)
        const vs = ss.map((s) => s.value)
        return `${Math.round(values(engine))} [${Math.round(Math.min(...vs))}–${Math.round(Math.max(...vs))}] (${median(ss.map((s) => s.p50Ms)).toFixed(2)})`
      }
      const ratios = others.map((o) => {
        const ratio = values(o) / values(base)
        // Every engine ran in every round, next to each other: the round's own ratio.
        const each = of(base).map((s, i) => (of(o)[i] ? (of(o)[i].value / s.value).toFixed(2) : '?')).join(' ')
        return `${ratio.toFixed(2)}${ratio < 0.95 ? ' **loses**' : ratio > 1.05 ? ' gains' : ''} (${each})`
      })
      rows.push({ runtime, shape, ...Object.fromEntries(measured.map((e) => [e, values(e)])), ...Object.fromEntries(measured.map((e) => [`${e}P50Ms`, median(of(e).map((s) => s.p50Ms))])), errors })
      lines.push(`| ${runtime} | ${shape} | ${measured.map(cell).join(' | ')} | ${ratios.join(' | ')}${errors ? ` (${errors} errors)` : ''} |`)
    }
  }
  return { lines, rows }
}

const header = (rounds: number, seconds: number, date: string, node: string) =>
  `Engine A/B (\`npm run bench:engine -- --rounds ${rounds} --seconds ${seconds} --warmup ${warmupSeconds} --engines ${engines.join(',')} --parts ${parts.join(',')}\`), ${date}, node ${node}: per engine the median ops/s of ${rounds} interleaved rounds, [slowest–fastest round], (median p50 ms).`

// --from <json>: render a saved run again, measuring nothing.
const from = option('--from')
if (from) {
  const saved = JSON.parse(readFileSync(from, 'utf8')) as { rounds: number; seconds: number; node: string; date?: string; samples: Sample[] }
  console.log(render(saved.samples, header(saved.rounds, saved.seconds, saved.date ?? '', saved.node)).lines.join('\n'))
  process.exit(0)
}

await buildDist() // the nodes measured are the bundle, as in `npm run bench`
const started = Date.now()
console.log(`engine A/B: ${rounds} round(s), ${seconds} s per workload, runtimes ${runtimes.join(',')}, node ${process.version}`)
const samples: Sample[] = []
for (let round = 0; round < rounds; round++) {
  for (const runtime of runtimes) {
    const shift = (round + runtimes.indexOf(runtime)) % engines.length
    const order = [...engines.slice(shift), ...engines.slice(0, shift)]
    for (const part of parts.map((p) => (p === 'single' ? singleNode : cluster))) {
      for (const engine of order) {
        const add = (shape: string, r: { value: number; p50Ms?: number; errors?: number }) => {
          samples.push({ runtime, shape, engine, value: r.value, p50Ms: r.p50Ms ?? 0, errors: r.errors ?? 0 })
          console.log(`round ${round + 1} ${runtime} ${engine.padEnd(6)} ${shape}: ${Math.round(r.value)}/s p50 ${(r.p50Ms ?? 0).toFixed(2)} ms${r.errors ? ` errors ${r.errors}` : ''}`)
        }
        await part(runtime, engine, add)
      }
    }
  }
}

const date = new Date().toISOString()
const { lines, rows } = render(samples, header(rounds, seconds, date, process.version))
const dir = join(ROOT, 'bench/results')
mkdirSync(dir, { recursive: true })
writeFileSync(join(dir, 'engine-ab.md'), lines.join('\n') + '\n')
writeFileSync(join(dir, 'engine-ab.json'), JSON.stringify({ rounds, seconds, runtimes, node: process.version, date, rows, samples }, null, 2))
console.log('\n' + lines.join('\n'))
console.log(`\nwrote bench/results/engine-ab.{md,json} in ${((Date.now() - started) / 1000).toFixed(0)} s`)
