// The node's side of a worker engine (RemoteEngine) over a real message channel: concurrent
// reads cross together, each still settling on its own, and nothing overtakes a later call.
import { MessageChannel, type MessagePort } from 'node:worker_threads'
import { afterEach, beforeEach, expect, test } from 'vitest'
import { Database } from '../../src/db/database.ts'
import { InThreadEngine } from '../../src/db/in-thread-engine.ts'
import { RemoteEngine, serveEngine } from '../../src/db/engine-protocol.ts'
import type { WriteBatch } from '../../src/db/write-batch.ts'
import { ResultTooLargeError } from '../../src/sqlite/result-cap.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'

const stmt = (sql: string) => ({ sql, positional: [], named: null })
const batch = (sql: string): WriteBatch => ({ statements: [stmt(sql)], timestampMs: 1_700_000_000_000, seed: 1n, transaction: false, mode: 'execute', timeoutMs: 0 })

let ports: MessagePort[]
let served: InThreadEngine
let remote: RemoteEngine
/** The methods of the messages that crossed to the engine, in order. */
let sent: string[]
let fail: (error: Error) => void

beforeEach(async () => {
  const { port1, port2 } = new MessageChannel()
  ports = [port1, port2]
  served = new InThreadEngine(await Database.open({ path: '/m/db.sqlite', files: new MemoryFilePort() }))
  serveEngine(served, { send: (m, transfer) => port2.postMessage(m, transfer), onMessage: (h) => port2.on('message', h) })
  sent = []
  let onFailure: ((error: Error) => void) | undefined
  fail = (error) => onFailure?.(error)
  remote = new RemoteEngine({
    send: (m, transfer) => {
      sent.push((m as { method: string }).method)
      port1.postMessage(m, transfer)
    },
    onMessage: (h) => port1.on('message', h),
    onFailure: (h) => (onFailure = h),
  })
  await remote.applyBatches([{ batch: batch('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)'), recordChanges: false }])
  await remote.applyBatches([{ batch: batch("WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 40) INSERT INTO t(v) SELECT 'row-' || x FROM n"), recordChanges: false }])
  sent = []
})

afterEach(async () => {
  await served.close()
  for (const p of ports) p.close()
})

test('32 reads asked together cross in one message, and each gets its own answer', async () => {
  const answers = await Promise.all(Array.from({ length: 32 }, (_, i) => remote.query([stmt(`SELECT v FROM t WHERE id = ${i + 1}`)])))
  expect(answers.map((a) => a[0].kind === 'rows' && a[0].rows.rows[0][0])).toEqual(Array.from({ length: 32 }, (_, i) => `row-${i + 1}`))
  // A burst (a ReadIndex round releases its reads together) waits for its last read.
  expect(sent).toEqual(['queryEach'])
})

test('reads asked one after another: two messages in flight, the reads that come meanwhile together', async () => {
  const reads: Promise<unknown>[] = []
  for (let i = 0; i < 32; i++) {
    reads.push(remote.query([stmt(`SELECT v FROM t WHERE id = ${i + 1}`)]))
    await Promise.resolve() // each in a later microtask than the send before it
  }
  await Promise.all(reads)
  expect(sent[0]).toBe('queryEach')
  expect(sent.length).toBeGreaterThanOrEqual(3) // the first two alone, then the rest in few
  expect(sent.length).toBeLessThan(10)
})

test('a read that fails in a batch fails alone, with its own error class', async () => {
  const reads = [
    remote.query([stmt('SELECT 1')]),
    remote.query([stmt('SELECT 2')]),
    remote.query([stmt('SELECT v FROM t')], { maxResultBytes: 64 }),
    remote.query([stmt('SELECT 3')]),
  ]
  const settled = await Promise.allSettled(reads)
  expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled'])
  expect((settled[2] as PromiseRejectedResult).reason).toBeInstanceOf(ResultTooLargeError)
  expect(sent).toEqual(['queryEach'])
})

test('reads asked for before an apply go before it; reads after it see its rows', async () => {
  const before = Array.from({ length: 6 }, () => remote.query([stmt('SELECT count(*) FROM t')]))
  const applied = remote.applyBatches([{ batch: batch("INSERT INTO t(v) VALUES ('late')"), recordChanges: false }])
  const after = remote.query([stmt('SELECT count(*) FROM t')])
  const count = async (p: Promise<Awaited<typeof after>>) => {
    const r = (await p)[0]
    return r.kind === 'rows' ? r.rows.rows[0][0] : r
  }
  expect(await Promise.all(before.map(count))).toEqual(Array(6).fill(40n))
  await applied
  expect(await count(after)).toBe(41n)
  expect(sent).toEqual(['queryEach', 'applyBatches', 'queryEach'])
})

test('SQL without PRAGMA, ATTACH or DETACH is cleared without a hop; with one, the engine judges it', async () => {
  expect(await remote.refusal('SELECT * FROM t')).toBeNull()
  expect(sent).toEqual([])
  expect(await remote.refusal('PRAGMA journal_mode=DELETE')).toBe('disallowed pragma')
  expect(await remote.refusal('SELECT * FROM pragma_table_info(\'t\')')).toBeNull()
  expect(sent).toEqual(['refusal', 'refusal'])
})

test('when the worker fails, reads in flight and reads waiting all fail with its error', async () => {
  const reads = Array.from({ length: 8 }, () => remote.query([stmt('SELECT count(*) FROM t')]))
  fail(new Error('the engine worker exited (code 1)'))
  const settled = await Promise.allSettled(reads)
  expect(settled.map((s) => s.status === 'rejected' && (s.reason as Error).message)).toEqual(Array(8).fill('the engine worker exited (code 1)'))
  await expect(remote.query([stmt('SELECT 1')])).rejects.toThrow('the engine worker exited (code 1)')
})
