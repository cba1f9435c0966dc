/**
 * Observability's cost with the process taken out of the comparison: two nodes in this one
 * process (the real node, API and files, on /dev/shm when there is one, else the temp dir), one
 * with metrics and default logging, one with `metrics: false` and a silent logger, called
 * through their Hono apps (no sockets) and alternated request by request as in
 * observe-overhead.ts. Two processes with the same flags differ by several percent on a busy
 * machine; two nodes in one process share its JIT, heap and CPU, so what differs is the flags.
 * The HTTP server's own work is left out, so the share measured is an upper bound.
 *
 *   npx tsx bench/observe-in-process.ts [seconds per client count, default 60] [sessions, default 4]
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { platformWith } from '../src/node/platform.ts'
import { RaftliteNode } from '../src/node/raftlite-node.ts'
import { jsonLineSink, Logger } from '../src/observe/logger.ts'
import { NodeFilePort } from '../runtimes/node/fs-file-port.ts'
import { type Block, bootstrapRatio, verdict } from './observe-overhead.ts'
import { insert, okWrite } from './workload.ts'

const json = { 'Content-Type': 'application/json' }

async function startNode(observed: boolean): Promise<{ node: RaftliteNode; dir: string }> {
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'raftlite-observe-'))
  // raftlited's defaults: INFO, raft at WARN, JSON lines (here to nowhere: none is written per request).
  const logger = observed ? new Logger({ sink: jsonLineSink(() => {}), level: 'info', levels: { raft: 'warn' } }) : new Logger({ sink: { write() {} }, level: 'off' })
  const node = await RaftliteNode.start({ dataDir: dir, metrics: observed }, platformWith(new NodeFilePort(), { logger }))
  await node.ready
  const res = await node.api().request('http://node/db/execute', { method: 'POST', headers: json, body: '["CREATE TABLE bench (id INTEGER PRIMARY KEY, name TEXT, value INTEGER)"]' })
  if (res.status !== 200) throw new Error(`create table: HTTP ${res.status}`)
  return { node, dir }
}

async function alternate(on: RaftliteNode, off: RaftliteNode, clients: number, seconds: number, blockPairs: number): Promise<{ blocks: Block[]; errors: number; pairs: number }> {
  const sides = [{ app: on.api(), ms: [0] }, { app: off.api(), ms: [0] }]
  let pairs = 0
  let done = 0
  let errors = 0
  const deadline = performance.now() + seconds * 1000
  const client = async () => {
    while (performance.now() < deadline && pairs < 2_000_000) {
      const n = pairs++
      const order = n % 2 === 0 ? [sides[0], sides[1]] : [sides[1], sides[0]]
      const took: number[] = []
      for (const side of order) {
        const spec = insert(n)
        const t0 = performance.now()
        const res = await side.app.request(`http://node${spec.path}`, { method: spec.method, headers: json, body: spec.body })
        const body = await res.text()
        took.push(performance.now() - t0)
        if (!okWrite(res.status, body)) errors++
      }
      const block = Math.floor(done++ / blockPairs)
      order.forEach((side, k) => (side.ms[block] = (side.ms[block] ?? 0) + took[k]))
    }
  }
  await Promise.all(Array.from({ length: clients }, client))
  const whole = Math.floor(done / blockPairs)
  return { blocks: sides[0].ms.slice(0, whole).map((onMs, i) => ({ onMs, offMs: sides[1].ms[i] })), errors, pairs: done }
}

export async function observeInProcess(seconds = 60, sessions = 4, clientCounts: readonly number[] = [1, 32]): Promise<string[]> {
  const lines: string[] = []
  for (const clients of clientCounts) {
    const blocks: Block[][] = []
    let errors = 0
    let pairs = 0
    for (let session = 0; session < sessions; session++) {
      const first = await startNode(session % 2 === 0)
      const second = await startNode(session % 2 !== 0)
      const [on, off] = session % 2 === 0 ? [first, second] : [second, first]
      try {
        const blockPairs = Math.max(100, 10 * clients)
        await alternate(on.node, off.node, clients, 3, blockPairs) // warm-up
        const r = await alternate(on.node, off.node, clients, seconds / sessions, blockPairs)
        blocks.push(r.blocks)
        errors += r.errors
        pairs += r.pairs
      } finally {
        for (const { node, dir } of [first, second]) {
          await node.stop()
          rmSync(dir, { recursive: true, force: true })
        }
      }
    }
    const perSession = blocks.map((bs) => (bs.reduce((n, b) => n + b.offMs, 0) / bs.reduce((n, b) => n + b.onMs, 0)).toFixed(3))
    lines.push(`in process, ${clients} client(s), ${pairs} pairs, ${errors} errors: ${verdict(bootstrapRatio(blocks))}; ratio per session ${perSession.join(' ')}`)
  }
  return lines
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const started = performance.now()
  for (const line of await observeInProcess(Number(process.argv[2] ?? 60), Number(process.argv[3] ?? 4), process.argv[4] ? process.argv[4].split(',').map(Number) : undefined)) console.log(line)
  console.log(`${((performance.now() - started) / 1000).toFixed(0)} s`)
}
