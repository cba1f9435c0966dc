// A queued batch retried with the same id is applied once, on every replica, across restarts
// (issue 24 item 1); the log codec carries the id and still reads entries written without one.
import { expect, test } from 'vitest'
import { Encoder } from 'cbor-x'
import { Database } from '../../src/db/database.ts'
import { decodeCommand, encodeCommand } from '../../src/db/command-codec.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'
import type { WriteBatch } from '../../src/db/write-batch.ts'

const batch = (sql: string, extra: Partial<WriteBatch> = {}): WriteBatch => ({
  statements: [{ sql, positional: [], named: null }],
  timestampMs: 1_700_000_000_000,
  seed: 7n,
  transaction: false,
  mode: 'execute',
  timeoutMs: 0,
  ...extra,
})


test('a batch with a queue id already applied is skipped, also after a reopen', async () => {
  const files = new MemoryFilePort()
  let db = await Database.open({ files, path: '/d/db.sqlite' })
  db.applyBatch(batch('CREATE TABLE t (x)'))
  const id = { origin: 'n1:1', sequence: 10n }
  expect(db.applyBatch(batch('INSERT INTO t VALUES (1)', { queueId: id }))).toHaveLength(1)
  // The retry of the same flush (its first attempt committed after all).
  expect(db.applyBatch(batch('INSERT INTO t VALUES (1)', { queueId: id, timestampMs: 1_700_000_001_000 }))).toEqual([])
  db.close()
  db = await Database.open({ files, path: '/d/db.sqlite' })
  expect(db.applyBatch(batch('INSERT INTO t VALUES (1)', { queueId: id }))).toEqual([])
  // A newer batch of that queue, and any batch of another queue, still apply.
  db.applyBatch(batch('INSERT INTO t VALUES (2)', { queueId: { origin: 'n1:1', sequence: 11n } }))
  db.applyBatch(batch('INSERT INTO t VALUES (3)', { queueId: { origin: 'n2:1', sequence: 5n } }))
  const rows = db.query([{ sql: 'SELECT x FROM t ORDER BY x', positional: [], named: null }])[0]
  expect(rows.kind === 'rows' && rows.rows.rows).toEqual([[1n], [2n], [3n]])
  db.close()
})

test('a failed queued batch counts as applied: its retry does not run it again', async () => {
  const db = await Database.open({ files: new MemoryFilePort(), path: '/d/db.sqlite' })
  db.applyBatch(batch('CREATE TABLE t (x UNIQUE)'))
  const id = { origin: 'n1:1', sequence: 3n }
  const first = db.applyBatch(batch('INSERT INTO t VALUES (1)', { queueId: id, transaction: true }))
  expect(first[0].kind).toBe('exec')
  expect(db.applyBatch(batch('INSERT INTO t VALUES (1)', { queueId: id, transaction: true }))).toEqual([])
  db.close()
})

test('the queue id travels in the log entry; entries written before it decode without one', () => {
  const id = { origin: 'n1:1700000000000000000', sequence: 1_700_000_000_000_000_042n }
  const decoded = decodeCommand(encodeCommand({ kind: 'write', batch: batch('INSERT INTO t VALUES (1)', { queueId: id }) }))
  expect(decoded.kind === 'write' && decoded.batch.queueId).toEqual(id)
  // What the previous version wrote: eight elements, no queue id.
  const old = new Encoder({ useRecords: false, mapsAsObjects: true }).encode([1, 'w', [['INSERT INTO t VALUES (1)', [], null]], 5, 9n, false, 'e', 0])
  const fromOld = decodeCommand(old)
  expect(fromOld.kind === 'write' && fromOld.batch).toMatchObject({ timestampMs: 5, seed: 9n, mode: 'execute' })
  expect(fromOld.kind === 'write' && fromOld.batch.queueId).toBeUndefined()
})
