// A held apply (docs/engine.md, "Applies during the fsync"): the leader runs its own entry while
// Raft makes it durable and commits it once the entry commits. Whatever happens to what is held
// (committed, undone and applied again, never held), the results and the database file must be
// exactly those of the batch applied the usual way.
import { expect, test } from 'vitest'
import { Database } from '../../src/db/database.ts'
import { InThreadEngine } from '../../src/db/in-thread-engine.ts'
import { isHoldable, type WriteBatch } from '../../src/db/write-batch.ts'
import type { StatementResult } from '../../src/db/statement-result.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'

const stmt = (sql: string, ...positional: (string | number)[]) => ({ sql, positional, named: null })
const base = { timestampMs: 1_700_000_000_000, transaction: false, mode: 'execute' as const, timeoutMs: 0 }
const endless = 'INSERT INTO t(r, v) WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT random(), x FROM c'

/** Holdable batches of every outcome: plain writes, time and randomness, a constraint error, a step limit, transactions. */
function batches(): WriteBatch[] {
  const out: WriteBatch[] = []
  for (let i = 0; i < 60; i++) {
    const seed = BigInt(i) * 7919n + 11n
    const timestampMs = base.timestampMs + i * 997
    if (i % 10 === 3) out.push({ ...base, seed, timestampMs, statements: [stmt('INSERT INTO t(id, v) VALUES (1, ?)', `dup${i}`)] }) // UNIQUE fails
    else if (i % 10 === 5) out.push({ ...base, seed, timestampMs, timeoutMs: 5, statements: [stmt(endless)] }) // step budget ends it
    else if (i % 10 === 7) {
      out.push({ ...base, seed, timestampMs, transaction: true, statements: [stmt("INSERT INTO t(r, v, at) VALUES (random(), ?, datetime('now'))", `tx${i}`), stmt('UPDATE t SET v = v || ? WHERE id % 5 = ?', 'u', i % 5)] })
    } else if (i % 10 === 9) {
      out.push({ ...base, seed, timestampMs, transaction: true, statements: [stmt('INSERT INTO t(r, v) VALUES (random(), ?)', `tx${i}`), stmt('INSERT INTO t(id) VALUES (1)')] }) // fails: all undone
    } else out.push({ ...base, seed, timestampMs, statements: [stmt("REPLACE INTO t(id, r, v, at, b) VALUES (?, random(), ?, datetime('now'), randomblob(300))", 1 + (i % 17), `v${i}`)] })
  }
  return out
}

const schema: WriteBatch = { ...base, seed: 1n, statements: [stmt('CREATE TABLE t (id INTEGER PRIMARY KEY, r INTEGER, v TEXT, at TEXT, b BLOB)')] }

function fileOf(files: MemoryFilePort, path: string): Uint8Array {
  const h = files.open(path, { create: false })
  const out = new Uint8Array(h.size())
  h.read(out, 0)
  return out
}

/** Results without their timings, which differ from run to run. */
const untimed = (results: StatementResult[]) => results.map((r) => ({ ...r, time: undefined }))

test('held, committed, undone and applied again: the same results and a byte-identical database as applied the usual way', async () => {
  const plainFiles = new MemoryFilePort()
  const heldFiles = new MemoryFilePort()
  const plain = await Database.open({ files: plainFiles, path: '/plain/db.sqlite', checkpointWalBytes: 0 })
  const held = await Database.open({ files: heldFiles, path: '/held/db.sqlite', checkpointWalBytes: 0 })
  plain.applyBatch(schema)
  held.applyBatch(schema)
  let opened = 0
  for (const [i, batch] of batches().entries()) {
    expect(isHoldable(batch), `batch ${i}`).toBe(true)
    const expected = plain.applyBatch(batch)
    const { results, open } = held.holdBatch(batch)
    expect(untimed(results), `batch ${i}`).toEqual(untimed(expected))
    // A batch that failed holds nothing; one that changed rows holds its transaction open.
    expect(open, `batch ${i}`).toBe(!expected.some((r) => r.kind === 'error'))
    if (open) opened++
    if (i % 4 === 1) {
      // Undone (a snapshot came first, say), then applied the usual way.
      held.rollbackHeld()
      expect(untimed(held.applyBatch(batch))).toEqual(untimed(expected))
    } else held.commitHeld()
  }
  expect(opened).toBeGreaterThan(30)
  const read = (db: Database) => db.query([stmt('SELECT * FROM t ORDER BY id')])
  expect(untimed(read(held))).toEqual(untimed(read(plain)))
  plain.checkpoint()
  held.checkpoint()
  expect(Buffer.from(fileOf(heldFiles, '/held/db.sqlite')).equals(Buffer.from(fileOf(plainFiles, '/plain/db.sqlite')))).toBe(true)
  plain.close()
  held.close()
})

test('a write its COMMIT would refuse (a deferred foreign key) is answered as on its own, not held', async () => {
  const outcome = (run: () => StatementResult[]) => {
    try {
      return untimed(run())
    } catch (e) {
      return `threw: ${(e as Error).message}`
    }
  }
  const dbs = await Promise.all(['/p/db.sqlite', '/h/db.sqlite'].map((path) => Database.open({ files: new MemoryFilePort(), path, foreignKeys: true })))
  const setup: WriteBatch = {
    ...base,
    seed: 1n,
    statements: [stmt('CREATE TABLE parent (id INTEGER PRIMARY KEY)'), stmt('CREATE TABLE child (id INTEGER PRIMARY KEY, p INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)'), stmt('INSERT INTO parent VALUES (1)')],
  }
  for (const db of dbs) db.applyBatch(setup)
  const [plain, held] = dbs
  const orphans: WriteBatch[] = [
    { ...base, seed: 2n, statements: [stmt('INSERT INTO child VALUES (1, 99)')] },
    { ...base, seed: 3n, transaction: true, statements: [stmt('INSERT INTO child VALUES (2, 98)'), stmt('INSERT INTO child VALUES (3, 1)')] },
    { ...base, seed: 4n, statements: [stmt('INSERT INTO child VALUES (4, 1)')] }, // fine: held
  ]
  for (const batch of orphans) {
    const expected = outcome(() => plain.applyBatch(batch))
    let open = false
    const got = outcome(() => {
      const r = held.holdBatch(batch)
      open = r.open
      return r.results
    })
    expect(got).toEqual(expected)
    if (open) held.commitHeld()
  }
  expect(outcome(() => plain.applyBatch(orphans[0]))).toMatchObject([{ kind: 'error', error: expect.stringMatching(/FOREIGN KEY/) }])
  // The transaction's refused COMMIT is its last statement's error, and it is rolled back, not
  // left open to swallow the writes after it (they were invisible to readers before the fix).
  expect(outcome(() => plain.applyBatch({ ...orphans[1], seed: 9n }))).toMatchObject([{ kind: 'exec' }, { kind: 'error', error: expect.stringMatching(/FOREIGN KEY/) }])
  held.applyBatch({ ...orphans[1], seed: 9n })
  const rows = (db: Database) => db.query([stmt('SELECT id, p FROM child ORDER BY id')]).map((r) => (r.kind === 'rows' ? r.rows.rows : r))
  expect(rows(plain)).toEqual([[[4n, 1n]]])
  expect(rows(held)).toEqual(rows(plain))
  for (const db of dbs) db.close()
})

test('only batches that run alike inside one held transaction are holdable', () => {
  const one = (sql: string, extra: Partial<WriteBatch> = {}): WriteBatch => ({ ...base, seed: 1n, statements: [stmt(sql)], ...extra })
  expect(isHoldable(one('INSERT INTO t VALUES (1)'))).toBe(true)
  expect(isHoldable(one('  update t set v = 1;  '))).toBe(true)
  expect(isHoldable(one('DELETE FROM t'))).toBe(true)
  expect(isHoldable(one('REPLACE INTO t VALUES (1)'))).toBe(true)
  for (const sql of ['BEGIN', 'COMMIT', 'VACUUM', 'PRAGMA user_version = 3', "ATTACH 'x' AS y", 'CREATE TABLE u (x)', 'INSERT INTO t VALUES (1); COMMIT', 'SELECT 1', '/* c */ INSERT INTO t VALUES (1)']) {
    expect(isHoldable(one(sql)), sql).toBe(false)
  }
  const two = { ...base, seed: 1n, statements: [stmt('INSERT INTO t VALUES (1)'), stmt('INSERT INTO t VALUES (2)')] }
  expect(isHoldable(two)).toBe(false) // two autocommit statements are two transactions
  expect(isHoldable({ ...two, transaction: true })).toBe(true)
  expect(isHoldable(one('INSERT INTO t VALUES (1)', { queueId: { origin: 'n', sequence: 1n } }))).toBe(false)
})

test('the engine undoes what it holds before any other write, checkpoint or file swap, and applies it again at commit', async () => {
  const files = new MemoryFilePort()
  const engine = new InThreadEngine(await Database.open({ files, path: '/e/db.sqlite', checkpointWalBytes: 0 }))
  await engine.applyBatches([{ batch: schema, recordChanges: false }])
  const insert = (v: string, seed: bigint): WriteBatch => ({ ...base, seed, statements: [stmt('INSERT INTO t(v, r) VALUES (?, random())', v)] })
  const count = async () => {
    const [r] = await engine.query([stmt('SELECT v, count(*) FROM t GROUP BY v ORDER BY v')])
    return r.kind === 'rows' ? r.rows.rows : r
  }
  // Held, then a checkpoint (a snapshot) undoes it: the commit applies it again, once.
  await engine.holdApply({ index: 5, term: 2 }, insert('a', 1n))
  expect(await count()).toEqual([]) // nothing committed yet
  await engine.checkpoint()
  await engine.commitHeld({ index: 5, term: 2 }, insert('a', 1n))
  // Held for one entry, but another entry commits at that index: the batch applied is the one committed.
  await engine.holdApply({ index: 6, term: 2 }, insert('lost', 2n))
  await engine.commitHeld({ index: 6, term: 3 }, insert('b', 3n))
  // Held, then another write comes first (it can only be a different entry): undone.
  await engine.holdApply({ index: 7, term: 3 }, insert('dropped', 4n))
  await engine.applyBatches([{ batch: insert('c', 5n), recordChanges: false }])
  // Held and undone on purpose (leadership lost).
  await engine.holdApply({ index: 8, term: 3 }, insert('rolled back', 6n))
  await engine.rollbackHeld()
  // Held and committed.
  await engine.holdApply({ index: 9, term: 3 }, insert('d', 7n))
  await engine.commitHeld({ index: 9, term: 3 }, insert('d', 7n))
  expect(await count()).toEqual([['a', 1n], ['b', 1n], ['c', 1n], ['d', 1n]])
  await engine.close()
})
