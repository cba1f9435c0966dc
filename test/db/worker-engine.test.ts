// The engine in a worker thread (runtimes/node): same answers as in the thread, and the event
// loop keeps running while SQLite works.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { Database } from '../../src/db/database.ts'
import type { Engine } from '../../src/db/engine.ts'
import { InThreadEngine } from '../../src/db/in-thread-engine.ts'
import type { WriteBatch } from '../../src/db/write-batch.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'
import { startEngineWorker } from '../../runtimes/node/start-engine-worker.ts'

const stmt = (sql: string, ...positional: (bigint | string | Uint8Array)[]) => ({ sql, positional, named: null })
const batch = (...statements: ReturnType<typeof stmt>[]): WriteBatch => ({ statements, timestampMs: 1_700_000_000_000, seed: 9n, transaction: false, mode: 'execute', timeoutMs: 0 })
const endless = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c'

let dir: string
let worker: Engine
let local: Engine

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'engine-worker-'))
  const options = { path: join(dir, 'db.sqlite'), synchronous: 'off' as const, checkpointWalBytes: 0, checkpointOnClose: false }
  worker = await startEngineWorker(options)
  local = new InThreadEngine(await Database.open({ ...options, path: '/m/db.sqlite', files: new MemoryFilePort() }))
})

afterAll(async () => {
  await worker?.close()
  await local?.close()
  rmSync(dir, { recursive: true, force: true })
})

/** Counts timer callbacks while `work` runs: zero means the event loop was blocked all along. */
async function ticksDuring(work: () => Promise<unknown>): Promise<number> {
  let ticks = 0
  const timer = setInterval(() => ticks++, 5)
  try {
    await work()
  } finally {
    clearInterval(timer)
  }
  return ticks
}

test('the worker applies, records row changes and answers queries as the in-thread engine does', async () => {
  for (const engine of [worker, local]) {
    const applied = await engine.applyBatches([
      { batch: batch(stmt('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, b BLOB)')), recordChanges: false },
      { batch: batch(stmt('INSERT INTO t(v, b) VALUES (?, ?)', 'x', new Uint8Array([1, 2, 3])), stmt('INSERT INTO nope VALUES (1)')), recordChanges: true },
    ])
    expect(applied.map((a) => a.results.map((r) => r.kind))).toEqual([['exec'], ['exec', 'error']])
    expect(applied[1].changes?.map((c) => [c.table, c.op])).toEqual([['t', 'insert']])
    const rows = await engine.query([stmt('SELECT id, v, b FROM t')])
    expect(rows[0].kind === 'rows' && rows[0].rows.rows).toEqual([[1n, 'x', new Uint8Array([1, 2, 3])]])
    expect(await engine.refusal('PRAGMA journal_mode=DELETE')).toBe('disallowed pragma')
    expect(await engine.isReadOnly('SELECT 1')).toBe(true)
    expect(await engine.checkpoint()).toBe(true)
    expect((await engine.sizes()).file).toBeGreaterThan(0)
  }
})

test('a long query in the worker leaves the event loop running; in the thread it blocks it', async () => {
  const limited = (engine: Engine) => engine.query([stmt(endless)], { timeoutMs: 400 })
  let result: unknown
  expect(await ticksDuring(async () => (result = await limited(worker)))).toBeGreaterThan(0)
  expect(result).toMatchObject([{ kind: 'error', error: 'query timeout' }])
  expect(await ticksDuring(() => limited(local))).toBe(0)
})

test('calls are answered in order, and an engine error arrives with its name and message', async () => {
  const order: string[] = []
  await Promise.all([
    worker.query([stmt(endless)], { timeoutMs: 200 }).then(() => order.push('slow')),
    worker.sqliteVersion().then(() => order.push('fast')),
  ])
  expect(order).toEqual(['slow', 'fast'])
  await worker.closeConnections()
  await expect(worker.closeConnections()).rejects.toThrow(/closed|misuse|not open/i)
  await worker.reopen()
  expect(await worker.query([stmt('SELECT count(*) FROM t')])).toMatchObject([{ kind: 'rows' }])
})
