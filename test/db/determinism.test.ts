import { expect, test } from 'vitest'
import { Database } from '../../src/db/database.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'
import type { WriteBatch } from '../../src/db/write-batch.ts'
import type { Clock } from '../../src/ports/clock.ts'
import type { RandomSource } from '../../src/ports/random.ts'

const stmt = (sql: string) => ({ sql, positional: [], named: null })

function batches(): WriteBatch[] {
  const schema: WriteBatch = {
    statements: [
      stmt('CREATE TABLE t (id INTEGER PRIMARY KEY, r INTEGER, b BLOB, now TEXT, created TEXT DEFAULT CURRENT_TIMESTAMP, j REAL DEFAULT (julianday(\'now\')))'),
      stmt('CREATE TABLE audit (id INTEGER PRIMARY KEY, at TEXT, r INTEGER)'),
      stmt("CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO audit(at, r) VALUES (datetime('now'), random()); END"),
    ],
    timestampMs: 1_600_000_000_000,
    seed: 1n,
    transaction: false,
    mode: 'execute',
    timeoutMs: 0,
  }
  const out = [schema]
  for (let i = 0; i < 40; i++) {
    out.push({
      statements: [
        stmt("INSERT INTO t(r, b, now) VALUES (random(), randomblob(16), datetime('now'))"),
        stmt("INSERT INTO t(r, b, now) VALUES (abs(random()) % 1000, randomblob(200), strftime('%Y-%m-%d %H:%M:%f', 'now'))"),
        stmt('UPDATE t SET r = r + random() % 7 WHERE id % 3 = 0'),
      ],
      timestampMs: 1_700_000_000_000 + i * 1234,
      seed: BigInt(i) * 7919n + 3n,
      transaction: i % 2 === 0,
      mode: 'execute',
      timeoutMs: 0,
    })
  }
  return out
}

function fakeClock(offset: number): Clock {
  return { now: () => Date.now() + offset, monotonic: () => performance.now() }
}
function fakeRandom(fillByte: number): RandomSource {
  return { fill: (t) => t.fill(fillByte) }
}

function readAll(files: MemoryFilePort, path: string): Uint8Array {
  const h = files.open(path, { create: false })
  const out = new Uint8Array(h.size())
  h.read(out, 0)
  return out
}

test('the same batches give byte-identical databases, whatever the clock, randomness and checkpoints', async () => {
  const filesA = new MemoryFilePort()
  const filesB = new MemoryFilePort()
  const a = await Database.open({ files: filesA, path: '/a/db.sqlite', clock: fakeClock(-86_400_000 * 365), random: fakeRandom(1) })
  const b = await Database.open({ files: filesB, path: '/b/db.sqlite', clock: fakeClock(86_400_000 * 30), random: fakeRandom(2), checkpointWalBytes: 0 })
  const all = batches()
  all.forEach((batch, i) => {
    const ra = a.applyBatch(batch)
    expect(ra.filter((r) => r.kind === 'error')).toEqual([])
    b.applyBatch(batch)
    // Checkpoint at different moments on each side: WAL restarts must not shift randomness.
    if (i % 7 === 3) a.checkpoint()
    if (i % 11 === 5) b.checkpoint()
  })
  // Reads between writes consume SQLite's PRNG too; they must not affect later writes.
  a.query([stmt('SELECT random(), randomblob(64)')])
  const rowsA = a.query([stmt('SELECT * FROM t ORDER BY id'), stmt('SELECT * FROM audit ORDER BY id')])
  const rowsB = b.query([stmt('SELECT * FROM t ORDER BY id'), stmt('SELECT * FROM audit ORDER BY id')])
  expect(rowsA).toEqual(rowsB.map((r, i) => ({ ...r, time: rowsA[i].time })))
  const sample = rowsA[0].kind === 'rows' ? rowsA[0].rows.rows[0] : []
  expect(sample[3]).toBe('2023-11-14 22:13:20') // the batch's time, not either wall clock
  expect(sample[4]).toBe('2023-11-14 22:13:20') // CURRENT_TIMESTAMP default too
  a.checkpoint()
  b.checkpoint()
  expect(Buffer.from(readAll(filesA, '/a/db.sqlite')).equals(Buffer.from(readAll(filesB, '/b/db.sqlite')))).toBe(true)
  a.close()
  b.close()
})

test('different seeds give different random values (the pin is real)', async () => {
  const files = new MemoryFilePort()
  const db = await Database.open({ files, path: '/c/db.sqlite' })
  const base = { timestampMs: 0, transaction: false, mode: 'request' as const, timeoutMs: 0 }
  const one = db.applyBatch({ ...base, seed: 1n, statements: [stmt('SELECT random()')] })
  const again = db.applyBatch({ ...base, seed: 1n, statements: [stmt('SELECT random()')] })
  const two = db.applyBatch({ ...base, seed: 2n, statements: [stmt('SELECT random()')] })
  expect(one).toEqual(again.map((r, i) => ({ ...r, time: one[i].time })))
  expect(JSON.stringify(one, (_, v) => (typeof v === 'bigint' ? String(v) : v))).not.toEqual(
    JSON.stringify(two, (_, v) => (typeof v === 'bigint' ? String(v) : v)),
  )
  db.close()
})

/** A node that runs SQL this many times slower than real time: its monotonic clock runs fast. */
function slowNodeClock(factor: number): Clock {
  const origin = performance.now()
  return { now: () => Date.now(), monotonic: () => origin + (performance.now() - origin) * factor }
}

test('a write time limit interrupts at the same step on a fast and a slow node: byte-identical databases', async () => {
  const filesA = new MemoryFilePort()
  const filesB = new MemoryFilePort()
  const fast = await Database.open({ files: filesA, path: '/fast/db.sqlite' })
  const slow = await Database.open({ files: filesB, path: '/slow/db.sqlite', clock: slowNodeClock(10_000) })
  const base = { timestampMs: 1_700_000_000_000, seed: 5n, transaction: false, mode: 'execute' as const }
  const infinite = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) INSERT INTO n(x) SELECT x FROM c'
  const limited: WriteBatch[] = [
    { ...base, timeoutMs: 0, statements: [stmt('CREATE TABLE n (x INTEGER, r BLOB)')] },
    // Well within its limit on a real node; a node 10,000 times slower must not interrupt it.
    { ...base, timeoutMs: 1000, statements: [stmt('WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 2000) INSERT INTO n(x, r) SELECT x, randomblob(8) FROM c')] },
    // Never ends: interrupted everywhere, and the statement after it still runs.
    { ...base, timeoutMs: 20, statements: [stmt(infinite), stmt('INSERT INTO n(x) VALUES (-1)')] },
    { ...base, timeoutMs: 20, transaction: true, statements: [stmt('INSERT INTO n(x) VALUES (-2)'), stmt(infinite)] },
  ]
  const outcomes = limited.map((batch) => [fast.applyBatch(batch), slow.applyBatch(batch)])
  const shape = (results: { kind: string; error?: string }[]) => results.map((r) => (r.kind === 'error' ? r.error : r.kind))
  for (const [a, b] of outcomes) expect(shape(b)).toEqual(shape(a))
  expect(shape(outcomes[1][0])).toEqual(['exec'])
  expect(shape(outcomes[2][0])).toEqual(['execute timeout', 'exec'])
  expect(shape(outcomes[3][0])).toEqual(['exec', 'execute timeout'])
  fast.checkpoint()
  slow.checkpoint()
  expect(Buffer.from(readAll(filesA, '/fast/db.sqlite')).equals(Buffer.from(readAll(filesB, '/slow/db.sqlite')))).toBe(true)
  const count = fast.query([stmt('SELECT count(*) FROM n')])
  expect(count[0].kind === 'rows' ? count[0].rows.rows[0][0] : null).toBe(2001n)
  fast.close()
  slow.close()
})

test('an entry with only timeoutMs (written before step budgets) is limited by the fixed rate, not the clock', async () => {
  const fast = await Database.open({ files: new MemoryFilePort(), path: '/f/db.sqlite' })
  const slow = await Database.open({ files: new MemoryFilePort(), path: '/s/db.sqlite', clock: slowNodeClock(10_000) })
  const count = (limit: number) => `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < ${limit}) SELECT count(*) FROM c`
  const base = { timestampMs: 0, seed: 1n, transaction: false, mode: 'request' as const }
  // About 17 VM steps a row: 1,000 rows fit in 1 ms of budget (25,000 steps), 100,000 do not.
  const batch = { ...base, timeoutMs: 1, statements: [stmt(count(1000)), stmt(count(100_000))] }
  const shape = (db: Database) => db.applyBatch(batch).map((r) => (r.kind === 'error' ? r.error : r.kind))
  expect(shape(fast)).toEqual(['rows', 'execute timeout'])
  expect(shape(slow)).toEqual(['rows', 'execute timeout'])
  fast.close()
  slow.close()
})
