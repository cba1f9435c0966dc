// Reads on the event loop beside the engine worker (src/db/loop-reader.ts, loop-read-engine.ts):
// the two threads share the WAL index through a SharedArrayBuffer, so a read on the loop,
// even while the worker writes and checkpoints, sees a committed state, never a torn one, and
// after an apply resolves it sees that apply. A long read leaves the loop for the worker.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import type { WriteBatch } from '../../src/db/write-batch.ts'
import type { RemoteEngine } from '../../src/db/engine-protocol.ts'
import { LoopReader } from '../../src/db/loop-reader.ts'
import { LoopReadEngine } from '../../src/db/loop-read-engine.ts'
import { createSharedWalIndexBuffer } from '../../src/sqlite/shared-wal-index.ts'
import { systemClock } from '../../src/ports/clock.ts'
import { startEngineWorker } from '../../runtimes/node/start-engine-worker.ts'
import { NodeFilePort } from '../../runtimes/node/fs-file-port.ts'
import type { StatementResult } from '../../src/db/statement-result.ts'

const stmt = (sql: string, ...positional: (bigint | string)[]) => ({ sql, positional, named: null })
const batch = (transaction: boolean, ...statements: ReturnType<typeof stmt>[]): WriteBatch => ({ statements, timestampMs: 1_700_000_000_000, seed: 9n, transaction, mode: 'execute', timeoutMs: 0 })
const endless = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c'
const ACCOUNTS = 20
const TOTAL = 1000n * BigInt(ACCOUNTS)

let dir: string
let worker: RemoteEngine
let reader: LoopReader

const rowsOf = (results: StatementResult[] | null) => {
  const r = results?.[0]
  if (!r || r.kind !== 'rows') throw new Error(`expected rows, got ${JSON.stringify(r)}`)
  return r.rows.rows
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loop-reader-'))
  const path = join(dir, 'db.sqlite')
  const sharedWalIndex = createSharedWalIndexBuffer()
  worker = await startEngineWorker({ path, synchronous: 'off', checkpointWalBytes: 0, checkpointOnClose: false, sharedWalIndex })
  await worker.applyBatches([
    { batch: batch(true, stmt('CREATE TABLE acct (id INTEGER PRIMARY KEY, balance INTEGER)'), stmt('CREATE TABLE tick (n INTEGER)'), stmt('INSERT INTO tick VALUES (0)')), recordChanges: false },
    ...Array.from({ length: ACCOUNTS }, (_, i) => ({ batch: batch(false, stmt('INSERT INTO acct VALUES (?, 1000)', BigInt(i + 1))), recordChanges: false })),
  ])
  reader = await LoopReader.open({ files: new NodeFilePort(), path, sharedWalIndex, clock: systemClock })
})

afterAll(async () => {
  reader?.close()
  await worker?.close()
  rmSync(dir, { recursive: true, force: true })
})

test('reads on the loop while the worker writes and checkpoints: every read a committed state, each apply seen once it resolves', async () => {
  const check = stmt('SELECT (SELECT sum(balance) FROM acct), (SELECT n FROM tick)')
  let lastTick = 0n
  let reads = 0
  let busyMisses = 0
  const deadline = Date.now() + 4000
  for (let round = 1; round <= 400 && Date.now() < deadline; round++) {
    // Move money between accounts (the sum never changes) and count the round, in one transaction.
    const from = BigInt((round % ACCOUNTS) + 1)
    const to = BigInt(((round * 7) % ACCOUNTS) + 1)
    const applying = worker.applyBatches([
      { batch: batch(true, stmt('UPDATE acct SET balance = balance - ? WHERE id = ?', BigInt(round % 13), from), stmt('UPDATE acct SET balance = balance + ? WHERE id = ?', BigInt(round % 13), to), stmt('UPDATE tick SET n = ?', BigInt(round))), recordChanges: false },
    ])
    const checkpointing = round % 25 === 0 ? worker.checkpoint() : null
    // Read on the loop while the worker is busy with the apply (and sometimes a checkpoint).
    let settled = false
    void applying.finally(() => (settled = true))
    while (!settled) {
      const { results } = reader.query([check], {})
      if (results === null) {
        busyMisses++ // the index was busy: the read would go to the worker
      } else {
        const [[sum, tick]] = rowsOf(results)
        expect(sum).toBe(TOTAL)
        expect(tick as bigint).toBeGreaterThanOrEqual(lastTick)
        lastTick = tick as bigint
        reads++
      }
      await new Promise((r) => setImmediate(r))
    }
    await applying
    await checkpointing
    // The apply resolved: a read now sees it.
    const [[sum, tick]] = rowsOf(reader.query([check], {}).results)
    expect(sum).toBe(TOTAL)
    expect(tick).toBe(BigInt(round))
    lastTick = tick as bigint
  }
  expect(reads).toBeGreaterThan(100)
  expect(busyMisses).toBeLessThan(reads)
})

test('around a file swap the loop reader closes first and opens last; it reads the file the worker has open', async () => {
  const engine = new LoopReadEngine(worker, reader, (fn) => setImmediate(fn))
  await engine.closeConnections()
  expect(reader.isOpen).toBe(false)
  expect(reader.query([stmt('SELECT 1')], {}).results).toBeNull()
  await engine.reopen()
  expect(reader.isOpen).toBe(true)
  const [[n]] = rowsOf(reader.query([stmt('SELECT count(*) FROM acct')], {}).results)
  expect(n).toBe(BigInt(ACCOUNTS))
})

/** A read in a later turn of the event loop, as a lone client's next request comes. */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve))
const inTurns = (engine: LoopReadEngine) => ({
  counts: engine.counts,
  query: async (...args: Parameters<LoopReadEngine['query']>) => {
    await nextTurn()
    return engine.query(...args)
  },
})

test('reads that arrive in one turn: the first on the loop, the rest to the worker together', async () => {
  const engine = new LoopReadEngine(worker, reader, (fn) => setImmediate(fn))
  const point = (id: bigint) => [stmt('SELECT balance FROM acct WHERE id = ?', id)]
  while (engine.counts.loop === 0 && engine.counts.worker < 10) await inTurns(engine).query(point(1n))
  const before = { ...engine.counts }
  await nextTurn()
  const all = await Promise.all([1n, 2n, 3n, 4n].map((id) => engine.query(point(id))))
  expect(all.map((r) => rowsOf(r).length)).toEqual([1, 1, 1, 1])
  expect(engine.counts.loop - before.loop).toBe(1)
  expect(engine.counts.worker - before.worker).toBe(3)
})

test('a read too long for the loop is interrupted there and answered by the worker; its text then stays in the worker', async () => {
  const engine = inTurns(new LoopReadEngine(worker, reader, (fn) => setImmediate(fn)))
  const point = [stmt('SELECT balance FROM acct WHERE id = ?', 3n)]
  // In the worker until a run there is quick (a first run compiles cold): then on the loop.
  while (engine.counts.loop === 0 && engine.counts.worker < 10) await engine.query(point)
  const inWorker = engine.counts.worker
  await engine.query(point)
  expect(engine.counts).toMatchObject({ worker: inWorker, loop: 2 })
  // A text that ran fast in the worker once, then is slow (its parameter changed the work).
  const sum = (n: bigint) => [stmt('WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < ?) SELECT count(*) FROM c', n)]
  while (engine.counts.loop === 2) await engine.query(sum(10n))
  const workerBefore = engine.counts.worker
  const started = performance.now()
  const results = await engine.query(sum(3_000_000n))
  expect(rowsOf(results)).toEqual([[3_000_000n]])
  expect(engine.counts.movedToWorker).toBe(1)
  expect(engine.counts.worker).toBe(workerBefore + 1)
  // The loop gave up within its budget; the worker did the rest.
  expect(performance.now() - started).toBeGreaterThan(5)
  await engine.query(sum(10n))
  expect(engine.counts.worker).toBe(workerBefore + 2) // remembered as unfit for the loop
  // The endless query: in the worker, ended by the client's limit.
  const endlessResult = await engine.query([stmt(endless)], { timeoutMs: 300 })
  expect(endlessResult[0]).toMatchObject({ kind: 'error', error: 'query timeout' })
})

test('a value over the loop reader\'s 1 MiB limit makes the read move to the worker, which returns it', async () => {
  const engine = inTurns(new LoopReadEngine(worker, reader, (fn) => setImmediate(fn)))
  const blob = (n: bigint) => [stmt('SELECT length(CAST(zeroblob(?) AS BLOB))', n)]
  while (engine.counts.loop === 0 && engine.counts.worker < 10) expect(rowsOf(await engine.query(blob(10n)))).toEqual([[10n]])
  const { worker: inWorker } = engine.counts
  expect(engine.counts).toMatchObject({ loop: 1, movedToWorker: 0 })
  expect(rowsOf(await engine.query(blob(2_000_000n)))).toEqual([[2_000_000n]])
  expect(engine.counts).toMatchObject({ loop: 1, worker: inWorker + 1, movedToWorker: 1 })
})
