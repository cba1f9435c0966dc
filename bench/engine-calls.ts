/**
 * `npx tsx bench/engine-calls.ts [--rounds N]` — what an apply costs in the engine itself, in one
 * Node process, without HTTP or Raft: the database in the thread, in a worker, and in a worker
 * with the WAL index shared with the event loop (what `raftlited` runs). Two shapes:
 * - a lone write: one single-statement apply at a time, right after the last, then after 1 ms
 *   idle (the threads go to sleep in between, as between a client's writes);
 * - runs: applies of 32 single-insert batches per call (entries that queued up under load),
 *   reported per entry;
 * - point reads: a point select by key, one per turn of the event loop (as requests arrive),
 *   µs each; with the shared index the engine is `raftlited`'s, short reads served on the loop.
 * Rounds rotate nothing (each engine gets a fresh database in each round); compare within a round.
 * Bounded: a fixed count of calls per shape.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Database } from '../src/db/database.ts'
import type { Engine } from '../src/db/engine.ts'
import { InThreadEngine } from '../src/db/in-thread-engine.ts'
import { LoopReadEngine } from '../src/db/loop-read-engine.ts'
import { LoopReader } from '../src/db/loop-reader.ts'
import type { WriteBatch } from '../src/db/write-batch.ts'
import { systemClock } from '../src/ports/clock.ts'
import { cryptoRandom } from '../src/ports/random.ts'
import { createSharedWalIndexBuffer } from '../src/sqlite/shared-wal-index.ts'
import { NodeFilePort } from '../runtimes/node/fs-file-port.ts'
import { startEngineWorker } from '../runtimes/node/start-engine-worker.ts'

const argv = process.argv.slice(2)
const rounds = Number(argv[argv.indexOf('--rounds') + 1] || 3)
if (!Number.isInteger(rounds) || rounds < 1 || rounds > 9) throw new Error('--rounds: expected 1 to 9')
const LONE = 1500
const RUNS = 500
const RUN = 32
const READS = 20_000
const options = { synchronous: 'off' as const, checkpointWalBytes: 0, checkpointOnClose: false }
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const write = (sql: string, positional: (string | number)[], seed: number): { batch: WriteBatch; recordChanges: boolean } => ({
  batch: { statements: [{ sql, positional, named: null }], timestampMs: 0, seed: BigInt(seed), transaction: false, mode: 'execute', timeoutMs: 0 },
  recordChanges: false,
})
const upsert = (i: number) => write('INSERT OR REPLACE INTO kv(k, v) VALUES (?, ?)', [`k${i % 1000}`, 'x'.repeat(128)], i)
const insert = (i: number) => write('INSERT INTO bench(name, value) VALUES (?, ?)', [`n${i}`, i], i)

async function measure(engine: Engine): Promise<{ lone: number; loneIdle: number; perEntry: number; perRead: number }> {
  await engine.applyBatches([write('CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT)', [], 0), write('CREATE TABLE bench (id INTEGER PRIMARY KEY, name TEXT, value INTEGER)', [], 0)])
  for (let i = 0; i < 300; i++) await engine.applyBatches([upsert(i)])
  const median = async (gapMs: number) => {
    const times: number[] = []
    for (let i = 0; i < LONE; i++) {
      if (gapMs) await sleep(gapMs)
      const t = performance.now()
      await engine.applyBatches([upsert(i)])
      times.push(performance.now() - t)
    }
    return times.sort((a, b) => a - b)[LONE >> 1] * 1000
  }
  const lone = await median(0)
  const loneIdle = await median(1)
  const start = performance.now()
  for (let r = 0; r < RUNS; r++) await engine.applyBatches(Array.from({ length: RUN }, (_, k) => insert(r * RUN + k)))
  const perEntry = ((performance.now() - start) / (RUNS * RUN)) * 1000
  const read = (i: number) => engine.query([{ sql: 'SELECT v FROM kv WHERE k = ?', positional: [`k${i % 300}`], named: null }])
  const turn = () => new Promise((r) => setImmediate(r))
  for (let i = 0; i < 2000; i++) await read(i).then(turn) // warm: the loop learns the read's shape
  const readStart = performance.now()
  for (let i = 0; i < READS; i++) await read(i).then(turn)
  const perRead = ((performance.now() - readStart) / READS) * 1000
  return { lone, loneIdle, perEntry, perRead }
}

const fmt = (n: number) => n.toFixed(1).padStart(6)
console.log(`engine calls, node ${process.version}: lone upsert p50 µs (back to back | after 1 ms idle); runs of ${RUN} inserts, µs per entry; point reads, µs each (one a turn)`)
for (let round = 1; round <= rounds; round++) {
  const dir = mkdtempSync(join(tmpdir(), 'raftlite-engine-calls-'))
  try {
    const db = await Database.open({ ...options, path: join(dir, 'thread.sqlite'), files: new NodeFilePort(), clock: systemClock, random: cryptoRandom })
    const thread = await measure(new InThreadEngine(db))
    db.close()
    const results = { thread } as Record<string, Awaited<ReturnType<typeof measure>>>
    for (const [name, shared] of [['worker', false], ['worker + shared index', true]] as const) {
      const path = join(dir, `${name.length}.sqlite`)
      const sharedWalIndex = shared ? createSharedWalIndexBuffer() : undefined
      const worker = await startEngineWorker({ ...options, path, ...(sharedWalIndex ? { sharedWalIndex } : {}) })
      // With the shared index, as raftlited runs it: short reads on this thread's reader.
      const reader = sharedWalIndex && (await LoopReader.open({ files: new NodeFilePort(), path, sharedWalIndex, clock: systemClock }))
      try {
        results[name] = await measure(reader ? new LoopReadEngine(worker, reader, (fn) => setImmediate(fn)) : worker)
      } finally {
        reader?.close()
        await worker.close()
      }
    }
    for (const [name, r] of Object.entries(results)) console.log(`round ${round} ${name.padEnd(22)} lone ${fmt(r.lone)} | ${fmt(r.loneIdle)}   runs ${fmt(r.perEntry)}   reads ${fmt(r.perRead)}`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
