/**
 * What observability costs: single-node inserts with metrics on and default logging (the
 * defaults) against `-metrics=false -log-level off -raft-log-level off`, measured so that the
 * answer to issue 16's target (under 3 % of writes/s) is clear on a noisy shared machine.
 *
 * Two nodes run side by side and every client alternates between them request by request (on
 * then off, then off then on, …): a change in the machine's load lasts many requests, so it hits
 * both sides alike. Requests are grouped in blocks of consecutive pairs. The result is the ratio
 * on/off of writes/s (the time spent in off's requests over the time spent in on's) with a 95 %
 * bootstrap confidence interval: the cost is shown when the whole interval lies below 1, and is
 * under 3 % when its lower end is above 0.97. Two processes differ by a few percent with the
 * same flags (where the scheduler puts them, their JIT's luck), so each client count runs
 * several sessions of fresh nodes, started in alternating order, and the interval covers that.
 *
 *   npx tsx bench/observe-overhead.ts [seconds per client count, default 120] [sessions, default 6]
 *   (npm run bench -- --only-observe-overhead runs it inside the bench)
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { Agent } from 'node:http'
import { join } from 'node:path'
import { buildDist } from '../scripts/build.mjs'
import { startRaftlited } from '../test/support/raftlited-process.ts'
import { send } from './http-load.ts'
import { observeMicroCosts } from './observe-micro.ts'
import type { Row } from './row.ts'
import { type Budget, insert, okWrite } from './workload.ts'

const OFF = ['-metrics=false', '-log-level', 'off', '-raft-log-level', 'off']
const json = { 'Content-Type': 'application/json' }

export interface OverheadOptions {
  /** How long each client count alternates between the two nodes, all sessions together. */
  seconds: number
  /** Pairs of fresh nodes per client count. */
  sessions: number
  clientCounts: readonly number[]
  /** Consecutive request pairs per block; default 10 per client, at least 100. */
  blockPairs?: number
}

export interface RatioSummary {
  ratio: number
  low: number
  high: number
  blocks: number
  sessions: number
}

/** Time spent in each side's requests during one block of consecutive pairs. */
export interface Block {
  onMs: number
  offMs: number
}

/**
 * The ratio on/off of writes/s over all blocks (off's total time over on's) and its 95 %
 * percentile-bootstrap interval. Resampling is two-level: sessions (pairs of fresh nodes) with
 * replacement, then blocks within each with replacement, so a difference between two processes
 * that has nothing to do with their flags widens the interval instead of hiding in it. A seeded
 * generator: the same blocks give the same interval.
 */
export function bootstrapRatio(sessions: readonly (readonly Block[])[], resamples = 4000, seed = 16): RatioSummary {
  let state = seed >>> 0 || 1
  const random = (n: number) => {
    // xorshift32: enough for resampling indexes.
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    return Math.floor(((state >>> 0) / 2 ** 32) * n)
  }
  const all = sessions.flat()
  const ratio = (on: number, off: number) => off / on
  const total = (bs: readonly Block[]) => bs.reduce((t, b) => ({ on: t.on + b.onMs, off: t.off + b.offMs }), { on: 0, off: 0 })
  const ratios: number[] = []
  for (let r = 0; r < resamples; r++) {
    let on = 0
    let off = 0
    for (let s = 0; s < sessions.length; s++) {
      const session = sessions[random(sessions.length)]
      for (let i = 0; i < session.length; i++) {
        const b = session[random(session.length)]
        on += b.onMs
        off += b.offMs
      }
    }
    ratios.push(ratio(on, off))
  }
  ratios.sort((a, b) => a - b)
  const t = total(all)
  return { ratio: ratio(t.on, t.off), low: ratios[Math.floor(resamples * 0.025)], high: ratios[Math.ceil(resamples * 0.975) - 1], blocks: all.length, sessions: sessions.length }
}

/** What the interval says about the 3 % target, in words. */
export function verdict(s: RatioSummary): string {
  const pct = (x: number) => `${((1 - x) * 100).toFixed(1)} %`
  const range = `cost ${pct(s.ratio)}, 95 % CI ${pct(s.high)} to ${pct(s.low)} (${s.sessions} sessions, ${s.blocks} blocks)`
  if (s.low > 0.97) return `${range}: under 3 %`
  if (s.high < 0.97) return `${range}: over 3 %`
  return `${range}: not decided at 3 %`
}

/**
 * The data directory of a node measured: in memory (/dev/shm) when there is one, so a write
 * costs CPU, not an fsync's wait. What observability adds is CPU, so its share shows at its
 * largest there: an upper bound on its share of a write that waits for a disk.
 */
function dataDir(): string | undefined {
  return existsSync('/dev/shm') && process.env.OBSERVE_ON_DISK === undefined ? mkdtempSync(join('/dev/shm', 'raftlite-observe-')) : undefined
}

async function startSide(args: string[]) {
  const node = await startRaftlited({ args, dataDir: dataDir() })
  await fetch(`${node.url}/db/execute`, { method: 'POST', headers: json, body: '["CREATE TABLE bench (id INTEGER PRIMARY KEY, name TEXT, value INTEGER)"]' })
  return node
}

/**
 * `clients` clients, each sending inserts to `on` and `off` in turn for `seconds`; the time each
 * side's requests took, per block of `blockPairs` consecutive pairs (in the order they finished).
 */
async function alternate(on: string, off: string, clients: number, seconds: number, blockPairs: number, maxPairs: number) {
  const sides = [
    { url: new URL(on), agent: new Agent({ keepAlive: true, maxSockets: clients }), ms: [0], ops: 0, errors: 0 },
    { url: new URL(off), agent: new Agent({ keepAlive: true, maxSockets: clients }), ms: [0], ops: 0, errors: 0 },
  ]
  let pairs = 0
  let done = 0
  const deadline = performance.now() + seconds * 1000
  const client = async () => {
    while (performance.now() < deadline && pairs < maxPairs) {
      const n = pairs++
      const order = n % 2 === 0 ? [sides[0], sides[1]] : [sides[1], sides[0]]
      const took: number[] = []
      for (const side of order) {
        const t0 = performance.now()
        const { status, body } = await send(side.agent, side.url, insert(n)).catch(() => ({ status: 0, body: '' }))
        took.push(performance.now() - t0)
        side.ops++
        if (!okWrite(status, body)) side.errors++
      }
      const block = Math.floor(done++ / blockPairs)
      order.forEach((side, k) => (side.ms[block] = (side.ms[block] ?? 0) + took[k]))
    }
  }
  await Promise.all(Array.from({ length: clients }, client))
  for (const side of sides) side.agent.destroy()
  const whole = Math.floor(done / blockPairs) // the last, partial block is left out
  const [a, b] = sides
  const blocks: Block[] = a.ms.slice(0, whole).map((onMs, i) => ({ onMs, offMs: b.ms[i] }))
  // As if all clients used that side alone: clients / its mean latency.
  const rate = (side: (typeof sides)[number]) => (clients * side.ops) / (side.ms.reduce((x, y) => x + y, 0) / 1000)
  return { blocks, on: { value: rate(a), ops: a.ops, errors: a.errors }, off: { value: rate(b), ops: b.ops, errors: b.errors } }
}

/** Rows per client count: each side's writes/s, with the cost's interval in the note. */
export async function observeOverheadBench(budget: Budget, options: Partial<OverheadOptions> = {}): Promise<Row[]> {
  const { seconds = 120, sessions = 6, clientCounts = [1, 32], blockPairs } = options
  const rows: Row[] = []
  const added = (await observeMicroCosts()).find((m) => m.what === 'request observer, added by metrics')
  for (const clients of clientCounts) {
    // Blocks long enough that each client contributes several pairs to each.
    const pairsPerBlock = blockPairs ?? Math.max(100, 10 * clients)
    const blocks: Block[][] = []
    const sides = { on: { value: 0, ops: 0, errors: 0 }, off: { value: 0, ops: 0, errors: 0 } }
    for (let session = 0; session < sessions; session++) {
      // Fresh nodes each session, started in turn first: neither flag set keeps one process's luck.
      const first = await startSide(session % 2 === 0 ? [] : OFF)
      const second = await startSide(session % 2 === 0 ? OFF : [])
      const [on, off] = session % 2 === 0 ? [first, second] : [second, first]
      try {
        // Unmeasured warm-up of both (JIT, first compilations, the table's first pages).
        await alternate(on.url, off.url, clients, budget.warmupSeconds, pairsPerBlock, 2500)
        const r = await alternate(on.url, off.url, clients, seconds / sessions, pairsPerBlock, budget.maxOps)
        blocks.push(r.blocks)
        for (const side of ['on', 'off'] as const) {
          sides[side].value += r[side].value / sessions
          sides[side].ops += r[side].ops
          sides[side].errors += r[side].errors
        }
      } finally {
        for (const node of [first, second]) {
          await node.stop()
          rmSync(node.dataDir, { recursive: true, force: true })
        }
      }
    }
    const note = `${verdict(bootstrapRatio(blocks))}; in process, metrics add ${added?.nanoseconds.toFixed(0)} ns per request`
    const base = { system: 'raftlite 1 node' as const, clients, note }
    rows.push({ ...base, workload: 'insert, metrics + default logging on', ...sides.on })
    rows.push({ ...base, workload: 'insert, metrics + logging off', ...sides.off })
  }
  return rows
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildDist() // measure the bundle, not the tsx fallback (see run.ts)
  const seconds = Number(process.argv[2] ?? 120)
  const sessions = Number(process.argv[3] ?? 6)
  const started = performance.now()
  for (const m of await observeMicroCosts()) console.log(`in process: ${m.what}: ${m.nanoseconds.toFixed(0)} ns`)
  const rows = await observeOverheadBench({ seconds, maxOps: 1_000_000, warmupSeconds: 3 }, { seconds, sessions })
  for (const r of rows) console.log(`${r.workload}, ${r.clients} client(s): ${r.value.toFixed(0)} writes/s (${r.ops} ops, ${r.errors ?? 0} errors)`)
  for (const r of rows.filter((_, i) => i % 2 === 0)) console.log(`${r.clients} client(s): ${r.note}`)
  console.log(`${((performance.now() - started) / 1000).toFixed(0)} s`)
}
