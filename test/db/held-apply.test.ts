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
    // A transaction batch that failed holds nothing; one that went through holds its transaction open.
    const failed = expected.some((r) => r.kind === 'error')
    if (!failed) expect(open, `batch ${i}`).toBe(true)
    if (batch.transaction && failed) expect(open, `batch ${i}`).toBe(false)
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

// Found by review: a single statement that fails under FAIL keeps the rows it changed before the
// failure, and autocommit commits them; holding it must too. The other conflict resolutions, a
// trigger's RAISE and a step budget behave alike held or not.
test('held or not, every conflict resolution keeps the same rows and gives the same answer', async () => {
  const setup = [
    'CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)',
    "INSERT INTO t VALUES (3, 'c')",
    'CREATE TABLE u (id INTEGER PRIMARY KEY ON CONFLICT FAIL, v TEXT)',
    "INSERT INTO u VALUES (2, 'x')",
    'CREATE TABLE w (id INTEGER PRIMARY KEY)',
    "CREATE TRIGGER fail3 BEFORE INSERT ON w WHEN NEW.id = 3 BEGIN SELECT RAISE(FAIL, 'no 3'); END",
    'CREATE TABLE r (id INTEGER PRIMARY KEY)',
    "CREATE TRIGGER rollback3 BEFORE INSERT ON r WHEN NEW.id = 3 BEGIN SELECT RAISE(ROLLBACK, 'no 3'); END",
    'CREATE TABLE ab (id INTEGER PRIMARY KEY)',
    "CREATE TRIGGER abort3 BEFORE INSERT ON ab WHEN NEW.id = 3 BEGIN SELECT RAISE(ABORT, 'no 3'); END",
    'CREATE TABLE big (id INTEGER PRIMARY KEY, b BLOB)',
  ]
  const writes = [
    "INSERT OR FAIL INTO t(id, v) VALUES (1, 'a'), (2, 'b'), (4, 'c'), (5, 'd')",
    "INSERT INTO u(id, v) VALUES (1, 'a'), (2, 'b'), (3, 'c')",
    'INSERT INTO w(id) VALUES (1), (2), (3), (4)',
    "UPDATE OR FAIL t SET v = 'c' WHERE id IN (1, 2)",
    "INSERT OR ROLLBACK INTO t VALUES (10, 'j'), (11, 'k'), (12, 'c')",
    "INSERT OR ABORT INTO t VALUES (20, 'l'), (21, 'm'), (22, 'c')",
    "INSERT OR IGNORE INTO t VALUES (30, 'n'), (31, 'c'), (32, 'o')",
    'INSERT INTO r VALUES (1), (2), (3), (4)',
    'INSERT INTO ab VALUES (1), (2), (3), (4)',
    "REPLACE INTO t VALUES (40, 'c')",
  ]
  const plain = await Database.open({ files: new MemoryFilePort(), path: '/p/db.sqlite' })
  const held = await Database.open({ files: new MemoryFilePort(), path: '/h/db.sqlite' })
  for (const sql of setup) for (const db of [plain, held]) db.applyBatch({ ...base, seed: 1n, statements: [stmt(sql)] })
  const dump = (db: Database) => ['t', 'u', 'w', 'r', 'ab', 'big'].map((table) => untimed(db.query([stmt(`SELECT * FROM ${table} ORDER BY 1`)])))
  const batches: WriteBatch[] = writes.map((sql, i) => ({ ...base, seed: BigInt(i), statements: [stmt(sql)] }))
  batches.push({ ...base, seed: 99n, timeoutMs: 1, statements: [stmt('INSERT INTO big SELECT x, randomblob(5000) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c)')] })
  for (const batch of batches) {
    const expected = untimed(plain.applyBatch(batch))
    const { results, open } = held.holdBatch(batch)
    expect(untimed(results), batch.statements[0].sql).toEqual(expected)
    if (open) held.commitHeld()
    expect(dump(held), batch.statements[0].sql).toEqual(dump(plain))
  }
  // The FAIL cases kept rows, so the comparison above saw partial writes, not only errors.
  expect(untimed(plain.query([stmt('SELECT id FROM w ORDER BY id')]))).toMatchObject([{ rows: { rows: [[1n], [2n]] } }])
  plain.close()
  held.close()
})

// Found by review: a ROLLBACK does not restore what last_insert_rowid() and changes() answer, and
// the write connection carries them from batch to batch: an undone hold must put them back.
test('an undone hold leaves last_insert_rowid() and changes() as they were, for the entry applied anew and the next ones', async () => {
  const engines = await Promise.all(['/f/db.sqlite', '/l/db.sqlite'].map(async (path) => new InThreadEngine(await Database.open({ files: new MemoryFilePort(), path, checkpointWalBytes: 0 }))))
  const [follower, leader] = engines
  const one = (sql: string, seed: bigint, mode: 'execute' | 'request' = 'execute'): WriteBatch => ({ ...base, seed, mode, statements: [stmt(sql)] })
  const both = async (batch: WriteBatch) => {
    for (const e of engines) await e.applyBatches([{ batch, recordChanges: false }])
  }
  await both(one('CREATE TABLE a (id INTEGER PRIMARY KEY, x INTEGER)', 1n))
  await both(one('CREATE TABLE t (id INTEGER PRIMARY KEY, x INTEGER)', 2n))
  await both(one('INSERT INTO a(id) VALUES (10), (11), (12)', 3n)) // last_insert_rowid 12, changes 3
  // Held, undone by a checkpoint (a snapshot), applied anew: the answer, the leader and the
  // follower agree on what last_insert_rowid() and changes() said.
  const write = one('INSERT INTO t(id, x) VALUES (100, last_insert_rowid() * 1000 + changes()) RETURNING x', 4n, 'request')
  const [usual] = await follower.applyBatches([{ batch: write, recordChanges: false }])
  const answer = await leader.holdApply({ index: 9, term: 1 }, write)
  await leader.checkpoint()
  expect(await leader.commitHeld({ index: 9, term: 1 }, write)).toBe(false) // applied anew
  expect(untimed(answer)).toEqual(untimed(usual.results))
  // Held and dropped (leadership lost): the next leader's entries see the counters as the follower does.
  await leader.holdApply({ index: 10, term: 1 }, one('INSERT INTO a(id, x) VALUES (555, 0), (556, 0)', 5n))
  await leader.rollbackHeld()
  await both(one('INSERT INTO t(id, x) VALUES (200, last_insert_rowid() * 1000 + changes())', 6n))
  // changes() after an UPDATE held, undone and applied anew.
  await both(one('INSERT INTO t(id) VALUES (300)', 7n))
  const update = one('UPDATE a SET x = changes() + 1000', 8n)
  await follower.applyBatches([{ batch: update, recordChanges: false }])
  await leader.holdApply({ index: 12, term: 2 }, update)
  await leader.checkpoint()
  await leader.commitHeld({ index: 12, term: 2 }, update)
  const dump = async (e: InThreadEngine) => untimed(await e.query([stmt('SELECT * FROM t ORDER BY id'), stmt('SELECT * FROM a ORDER BY id')]))
  expect(await dump(leader)).toEqual(await dump(follower))
  expect(await dump(leader)).toMatchObject([{ rows: { rows: [[100n, 12003n], [200n, 100001n], [300n, null]] } }, { rows: { rows: [[10n, 1001n], [11n, 1001n], [12n, 1001n]] } }])
  for (const e of engines) await e.close()
})

test('an undone hold applied anew to another outcome than the one answered fails (the node stops) instead of diverging', async () => {
  const database = await Database.open({ files: new MemoryFilePort(), path: '/x/db.sqlite', checkpointWalBytes: 0 })
  const engine = new InThreadEngine(database)
  await engine.applyBatches([{ batch: schema, recordChanges: false }])
  const write: WriteBatch = { ...base, seed: 2n, statements: [stmt("INSERT INTO t(id, v) VALUES (1, 'held')")] }
  await engine.holdApply({ index: 3, term: 1 }, write) // answered: inserted
  await engine.checkpoint() // undone
  database.applyBatch({ ...base, seed: 3n, statements: [stmt("INSERT INTO t(id, v) VALUES (1, 'other')")] }) // what the engine's order rules out
  await expect(engine.commitHeld({ index: 3, term: 1 }, write)).rejects.toThrow(/applied anew gave another outcome/)
  await engine.close()
})

// Found by a second review: undoing a hold once restored the counters through a temporary table
// that only that leader had, under a name clients could use. Clients could then tell the
// leader's write connection from a follower's (its temporary schema, a table of theirs it
// shadowed), break every undo (a view of that name), or write data outside the log (a trigger
// on it). The table now exists on every node from the start, under a reserved name.
test('what an undo leaves on the write connection is the same on every node, and no client SQL can reach it', async () => {
  const engines = await Promise.all(['/f/db.sqlite', '/l/db.sqlite'].map(async (path) => new InThreadEngine(await Database.open({ files: new MemoryFilePort(), path, checkpointWalBytes: 0 }))))
  const [follower, leader] = engines
  const one = (sql: string, seed: bigint, mode: 'execute' | 'request' = 'execute'): WriteBatch => ({ ...base, seed, mode, statements: [stmt(sql)] })
  const both = async (batch: WriteBatch) => {
    const out: unknown[] = []
    for (const e of engines) out.push(untimed((await e.applyBatches([{ batch, recordChanges: false }]))[0].results))
    expect(out[1], batch.statements[0].sql).toEqual(out[0])
    return out[0] as StatementResult[]
  }
  let index = 10
  const heldUndone = async (batch: WriteBatch) => {
    const [usual] = await follower.applyBatches([{ batch, recordChanges: false }])
    const held = await leader.holdApply({ index, term: 1 }, batch)
    await leader.checkpoint() // a snapshot undoes the hold
    expect(await leader.commitHeld({ index: index++, term: 1 }, batch)).toBe(false) // applied anew, same outcome
    expect(untimed(held)).toEqual(untimed(usual.results))
  }
  await both(one('CREATE TABLE t (id INTEGER PRIMARY KEY, v)', 1n))
  await both(one('CREATE TABLE audit (x)', 2n))
  await both(one('CREATE TABLE raftlite_counters (x)', 3n)) // a client's own table, not shadowed
  await both(one('INSERT INTO t(v) VALUES (1), (2), (3)', 4n))
  await heldUndone(one('INSERT INTO t(v) SELECT count(*) FROM sqlite_temp_schema', 5n))
  await heldUndone(one('INSERT INTO raftlite_counters VALUES (42)', 6n))
  await heldUndone(one("INSERT INTO t(v) SELECT group_concat(name) FROM sqlite_temp_schema", 7n, 'request'))
  // The reserved table cannot be shadowed, written, viewed over or triggered on by a client.
  for (const sql of [
    'CREATE TEMP VIEW _raftlite_counters AS SELECT 1 AS x',
    'CREATE TEMP TRIGGER spy AFTER DELETE ON _raftlite_counters BEGIN INSERT INTO main.audit VALUES (old.x); END',
    'INSERT INTO temp._raftlite_counters VALUES (1)',
    'DROP TABLE temp._raftlite_counters',
  ]) expect(await both(one(sql, 8n)), sql).toMatchObject([{ kind: 'error', error: expect.stringMatching(/reserved/) }])
  await both(one('UPDATE raftlite_counters SET x = x + 1', 9n))
  const dump = async (e: InThreadEngine) => untimed(await e.query([stmt('SELECT * FROM t ORDER BY id'), stmt('SELECT * FROM raftlite_counters'), stmt('SELECT count(*) FROM audit')]))
  expect(await dump(leader)).toEqual(await dump(follower))
  expect(await dump(leader)).toMatchObject([{ rows: { rows: [[1n, 1n], [2n, 2n], [3n, 3n], [4n, 1n], [5n, '_raftlite_counters']] } }, { rows: { rows: [[43n]] } }, { rows: { rows: [[0n]] } }])
  // A write reading total_changes() is not held: undone and applied anew, it would not agree.
  expect(isHoldable(one('INSERT INTO t(v) VALUES (total_changes())', 10n))).toBe(false)
  for (const e of engines) await e.close()
})
