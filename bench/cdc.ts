/**
 * Change data capture on one node: the writes/s cost of turning it on, and for the webhook and
 * the /db/changes stream their throughput (change groups received per second under insert load)
 * and end-to-end latency from commit to receipt (receipt time minus the entry's
 * `commit_timestamp`, both on this machine's clock; millisecond resolution).
 *
 * Alone: `npx tsx bench/cdc.ts [--quick]`; `npm run bench` runs it with the rest.
 */
import { createServer, type Server } from 'node:http'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { freePort } from '../test/support/free-port.ts'
import { startRaftlited, tempDataDir } from '../test/support/raftlited-process.ts'
import { buildDist } from '../scripts/build.mjs'
import type { Row } from './row.ts'
import { type Budget, insert, measure, okWrite } from './workload.ts'

const CLIENTS = 8
const system = 'raftlite 1 node' as const

/** index → receipt time (ms), for each group seen once. */
type Receipts = Map<number, { at: number; commit: number }>

function record(receipts: Receipts, payloadGroups: { index: number; commit_timestamp: number }[]): void {
  const at = Date.now()
  for (const g of payloadGroups) if (!receipts.has(g.index)) receipts.set(g.index, { at, commit: g.commit_timestamp })
}

/** A webhook receiver in this process (answers 200 at once; the bench measures raftlite). */
async function startReceiver(receipts: Receipts): Promise<{ url: string; server: Server }> {
  const port = await freePort()
  const server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (d) => (body += d))
    req.on('end', () => {
      record(receipts, (JSON.parse(body) as { payload: { index: number; commit_timestamp: number }[] }).payload)
      res.writeHead(200).end()
    })
  })
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r))
  return { url: `http://127.0.0.1:${port}/hook`, server }
}

/** Follows /db/changes until aborted, recording each group's receipt. */
async function followStream(url: string, receipts: Receipts, signal: AbortSignal): Promise<void> {
  try {
    const res = await fetch(`${url}/db/changes`, { signal })
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader()
    let buffer = ''
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return
      buffer += value
      let end: number
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const data = buffer.slice(0, end).split('\n').find((l) => l.startsWith('data: '))
        buffer = buffer.slice(end + 2)
        if (data) record(receipts, [JSON.parse(data.slice(6))])
      }
    }
  } catch (e) {
    if (!signal.aborted) throw e
  }
}

function latencyRow(workload: string, receipts: Receipts): Row {
  const times = [...receipts.values()].map((r) => r.at)
  const seconds = Math.max(0.001, (Math.max(...times) - Math.min(...times)) / 1000)
  const latencies = [...receipts.values()].map((r) => r.at - r.commit).sort((a, b) => a - b)
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]
  return { system, workload, clients: CLIENTS, value: receipts.size / seconds, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: latencies[latencies.length - 1], ops: receipts.size, note: 'value: change groups received/s; latency: commit to receipt' }
}

async function createTable(url: string): Promise<void> {
  await fetch(`${url}/db/execute`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '["CREATE TABLE bench (id INTEGER PRIMARY KEY, name TEXT, value INTEGER)"]' })
}

export async function cdcBench(budget: Budget): Promise<Row[]> {
  const rows: Row[] = []
  const off = await startRaftlited({ args: ['-node-id', '1'] })
  try {
    await createTable(off.url)
    rows.push(await measure({ system, workload: 'insert, CDC off', url: off.url, clients: CLIENTS, next: insert, ok: okWrite }, budget))
  } finally {
    await off.stop()
    rmSync(off.dataDir, { recursive: true, force: true })
  }

  const webhook: Receipts = new Map()
  const stream: Receipts = new Map()
  const receiver = await startReceiver(webhook)
  const config = join(tempDataDir('raftlite-cdc-bench-'), 'cdc.json')
  // No batching delay: the latency measured is raftlite's path; a delay (rqlite's default is
  // 200 ms) adds to it one for one.
  writeFileSync(config, JSON.stringify({ endpoint: receiver.url, max_batch_size: 100, max_batch_delay: '0s' }))
  const on = await startRaftlited({ args: ['-node-id', '1', '-cdc-config', config] })
  const abort = new AbortController()
  try {
    await createTable(on.url)
    const following = followStream(on.url, stream, abort.signal)
    const measured = await measure({ system, workload: 'insert, CDC on (webhook + 1 stream reader)', url: on.url, clients: CLIENTS, next: insert, ok: okWrite }, budget)
    rows.push(measured)
    // Let delivery finish what the load committed (warm-up included), within a bound.
    const counted = await fetch(`${on.url}/db/query?q=${encodeURIComponent('SELECT count(*) FROM bench')}`)
    const expected = Number(JSON.parse(await counted.text()).results[0].values[0][0])
    const deadline = Date.now() + 30_000
    while (Date.now() < deadline && (webhook.size < expected || stream.size < expected)) await new Promise((r) => setTimeout(r, 50))
    rows.push(latencyRow('CDC webhook: groups/s, commit→receipt', webhook))
    rows.push(latencyRow('CDC stream (SSE): groups/s, commit→receipt', stream))
    abort.abort()
    await following
  } finally {
    abort.abort()
    await on.stop()
    receiver.server.close()
    rmSync(on.dataDir, { recursive: true, force: true })
  }
  return rows
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const quick = process.argv.includes('--quick')
  await buildDist() // the nodes measured are the bundle, as in `npm run bench`
  const budget: Budget = quick ? { seconds: 1.5, maxOps: 20_000, warmupSeconds: 0.5 } : { seconds: 5, maxOps: 500_000, warmupSeconds: 1 }
  for (const r of await cdcBench(budget)) {
    console.log(`${r.workload.padEnd(48)} ${r.value.toFixed(0).padStart(7)}/s  p50 ${r.p50Ms?.toFixed(1) ?? '-'} ms  p99 ${r.p99Ms?.toFixed(1) ?? '-'} ms  (${r.ops} ops${r.errors ? `, ${r.errors} errors` : ''})`)
  }
}
