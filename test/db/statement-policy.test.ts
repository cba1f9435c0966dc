// What SQL may do to the node's database: SQLite's authorizer refuses the pragmas rqlite refuses
// (in every spelling) and every statement that opens a file, on the write and the read path.
import { describe, expect, test } from 'vitest'
import { Database } from '../../src/db/database.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'
import type { FilePort } from '../../src/ports/file-port.ts'
import { RecordingFilePort } from '../support/recording-file-port.ts'
import type { WriteBatch } from '../../src/db/write-batch.ts'
import type { BoundStatement } from '../../src/sqlite/connection.ts'
import type { StatementResult } from '../../src/db/statement-result.ts'
import { Gen, disallowedPragma, inChain, readablePragma } from '../support/sql-forms.ts'

const s = (sql: string, ...positional: BoundStatement['positional']): BoundStatement => ({ sql, positional, named: null })
const batch = (statements: BoundStatement[], extra: Partial<WriteBatch> = {}): WriteBatch => ({
  statements,
  timestampMs: 1_700_000_000_000,
  seed: 42n,
  transaction: false,
  mode: 'execute',
  timeoutMs: 0,
  ...extra,
})

/** As a node opens it: unsynced, checkpointed only by snapshots. */
const openDb = (files: FilePort = new MemoryFilePort()) =>
  Database.open({ files, path: '/d/db.sqlite', synchronous: 'off', checkpointWalBytes: 0, checkpointOnClose: false })

const OWN_FILES = ['/d/db.sqlite', '/d/db.sqlite-journal', '/d/db.sqlite-wal']
const strangers = (files: RecordingFilePort) => files.strangers(OWN_FILES)

const errorOf = (r: StatementResult | undefined) => (r?.kind === 'error' ? r.error : `no error (${r?.kind})`)
const withoutTime = (results: StatementResult[]) => results.map(({ time: _t, ...rest }) => rest)
const GENERATED = 300

describe('refused pragmas', () => {
  test('every generated spelling is refused on the write and read paths, and nothing changes', async () => {
    const db = await openDb()
    const before = db.pragmas()
    expect(before.rw).toMatchObject({ journal_mode: 'wal', synchronous: '0', wal_autocheckpoint: '0' })
    const g = new Gen(25_23)
    for (let i = 0; i < GENERATED; i++) {
      const sql = inChain(g, disallowedPragma(g))
      expect(errorOf(db.applyBatch(batch([s(sql)]))[0]), `write: ${JSON.stringify(sql)}`).toBe('disallowed pragma')
      expect(errorOf(db.query([s(sql)])[0]), `read: ${JSON.stringify(sql)}`).toBe('disallowed pragma')
      expect(db.pragmas(), `after ${JSON.stringify(sql)}`).toEqual(before)
    }
    db.close()
  })

  test('the pre-check names the refusal before anything runs; reads and other SQL pass', async () => {
    const db = await openDb()
    const g = new Gen(7)
    for (let i = 0; i < GENERATED; i++) {
      const sql = inChain(g, disallowedPragma(g))
      expect(db.refusal(sql), JSON.stringify(sql)).toBe('disallowed pragma')
    }
    for (let i = 0; i < 50; i++) {
      const sql = inChain(g, readablePragma(g))
      expect(db.refusal(sql), JSON.stringify(sql)).toBeNull()
    }
    for (let i = 0; i < 2; i++) {
      // Asked again (answers are remembered for allowed SQL only).
      expect(db.refusal('SELECT 1; PRAGMA synchronous(1)')).toBe('disallowed pragma')
      expect(db.refusal('SELECT 1; PRAGMA synchronous')).toBeNull()
    }
    expect(db.refusal('CREATE TABLE t (x); SELECT 1')).toBeNull()
    // Not this check's business: left for execution to report.
    expect(db.refusal('SELECT * FROM nowhere; PRAGMA synchronous=0')).toBeNull()
    expect(db.refusal('SELEKT 1')).toBeNull()
    db.close()
  })

  test("raftlite's own pragmas run, but the same text from a client is refused", async () => {
    const db = await openDb()
    db.applyBatch(batch([s('CREATE TABLE t (x)'), s('INSERT INTO t VALUES (1)')]))
    expect(db.checkpoint()).toBe(true) // PRAGMA wal_checkpoint(TRUNCATE), trusted
    expect(errorOf(db.applyBatch(batch([s('PRAGMA wal_checkpoint(TRUNCATE)')]))[0])).toBe('disallowed pragma')
    expect(db.refusal('PRAGMA wal_checkpoint(TRUNCATE)')).toBe('disallowed pragma')
    expect(db.checkpoint()).toBe(true)
    db.close()
  })

  test('reading those pragmas stays allowed, on both paths', async () => {
    const db = await openDb()
    const g = new Gen(11)
    for (let i = 0; i < 60; i++) {
      const sql = readablePragma(g)
      expect(db.applyBatch(batch([s(sql)], { mode: 'request' }))[0].kind, JSON.stringify(sql)).toBe('rows')
      // The query path takes only what sqlite3_stmt_readonly calls read-only, which some pragma
      // reads are not (as before); what matters here is that none is refused as a setting.
      expect(errorOf(db.query([s(sql)])[0]), JSON.stringify(sql)).not.toBe('disallowed pragma')
    }
    expect(db.applyBatch(batch([s('PRAGMA journal_mode')], { mode: 'request' }))[0]).toMatchObject({ rows: { rows: [['wal']] } })
    db.close()
  })

  test('a trigger cannot carry one: PRAGMA is no trigger statement, and pragma functions only read', async () => {
    const db = await openDb()
    const before = db.pragmas()
    db.applyBatch(batch([s('CREATE TABLE t (x)')]))
    const [bad] = db.applyBatch(batch([s('CREATE TRIGGER tr AFTER INSERT ON t BEGIN PRAGMA synchronous=2; END')]))
    expect(bad.kind).toBe('error')
    const [tvf] = db.applyBatch(batch([s('CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT * FROM pragma_synchronous(2); END')]))
    expect(tvf.kind).toBe('exec') // (2) names a schema here, not a value
    expect(errorOf(db.applyBatch(batch([s('INSERT INTO t VALUES (1)')]))[0])).toBe("unknown database '2'")
    expect(db.pragmas()).toEqual(before)
    db.close()
  })

  test('a refused statement already in the log applies to the same error on every replica', async () => {
    const filesA = new RecordingFilePort()
    const filesB = new RecordingFilePort()
    const a = await openDb(filesA)
    const b = await openDb(filesB)
    const log: WriteBatch[] = [
      batch([s('CREATE TABLE t (x)'), s('INSERT INTO t VALUES (random())')]),
      batch([s('PRAGMA journal_mode=DELETE'), s('INSERT INTO t VALUES (random())')]),
      batch([s("ATTACH '/elsewhere/e.db' AS e"), s('CREATE TABLE e.t (x)'), s('INSERT INTO t VALUES (2)')], { seed: 7n }),
      batch([s("VACUUM INTO '/elsewhere/v.db'"), s('PRAGMA wal_autocheckpoint(1)'), s('INSERT INTO t VALUES (3)')]),
      batch([s('INSERT INTO t VALUES (4)'), s('PRAGMA synchronous=FULL'), s('INSERT INTO t VALUES (5)')], { transaction: true }),
      batch([s('INSERT INTO t VALUES (6)')]),
    ]
    const resultsA = log.map((entry) => withoutTime(a.applyBatch(entry)))
    const resultsB = log.map((entry) => withoutTime(b.applyBatch(entry)))
    expect(resultsA).toEqual(resultsB)
    expect(resultsA[1][0]).toEqual({ kind: 'error', error: 'disallowed pragma' })
    expect(resultsA[2].map(errorOf)).toEqual(['disallowed attach', 'unknown database e', expect.stringContaining('no error')])
    expect(resultsA[3].map(errorOf)).toEqual(['disallowed vacuum into', 'disallowed pragma', expect.stringContaining('no error')])
    expect(resultsA[4].map(errorOf)).toEqual([expect.stringContaining('no error'), 'disallowed pragma']) // and rolled back
    expect(a.query([s('SELECT * FROM t')])).toEqual(b.query([s('SELECT * FROM t')]).map((r) => ({ ...r, time: expect.any(Number) })))
    expect(a.query([s('SELECT count(*) FROM t')])[0]).toMatchObject({ rows: { rows: [[5n]] } })
    for (const files of [filesA, filesB]) expect(strangers(files)).toEqual([])
    expect(a.pragmas().rw).toMatchObject({ journal_mode: 'wal', wal_autocheckpoint: '0' })
    a.close()
    b.close()
  })
})

describe('statements that open files', () => {
  // VACUUM INTO changes nothing in the database but is no read: the query path refuses it as a
  // write before it runs (SQLite does not call it read-only).
  const AS_WRITE = 'attempt to change database via query operation'
  const refused: [string, string][] = [
    ["ATTACH '/elsewhere/e.db' AS e", 'disallowed attach'],
    ["ATTACH DATABASE 'relative.db' AS e", 'disallowed attach'],
    ["attach 'file:/elsewhere/u.db?mode=rwc' as e", 'disallowed attach'],
    ["ATTACH ':memory:' AS m", 'disallowed attach'],
    ["ATTACH '' AS m", 'disallowed attach'],
    ["ATTACH '/d/db.sqlite' AS again", 'disallowed attach'],
    ['DETACH DATABASE m', 'disallowed detach'],
    ["VACUUM INTO '/elsewhere/v.db'", 'disallowed vacuum into'],
    ["VACUUM main INTO 'relative-v.db'", 'disallowed vacuum into'],
    ["vacuum INTO 'file:/elsewhere/u.db'", 'disallowed vacuum into'],
  ]

  test.each(refused)('%s is refused on the write and read paths, and no file appears', async (sql, error) => {
    const files = new RecordingFilePort()
    const db = await openDb(files)
    db.applyBatch(batch([s('CREATE TABLE t (x)'), s('INSERT INTO t VALUES (1)')]))
    expect(errorOf(db.applyBatch(batch([s(sql)]))[0])).toBe(error)
    expect(errorOf(db.applyBatch(batch([s(`SELECT 1; ${sql}`)], { mode: 'request' }))[0])).toBe(error)
    expect(errorOf(db.query([s(sql)])[0])).toBe(error === 'disallowed vacuum into' ? AS_WRITE : error)
    expect(strangers(files)).toEqual([])
    expect(db.query([s('SELECT * FROM t')])[0]).toMatchObject({ rows: { rows: [[1n]] } })
    db.close()
  })

  test('a bound filename is refused too', async () => {
    const files = new RecordingFilePort()
    const db = await openDb(files)
    expect(errorOf(db.applyBatch(batch([s('ATTACH ? AS e', '/elsewhere/p.db')]))[0])).toBe('disallowed attach')
    expect(errorOf(db.applyBatch(batch([s('VACUUM INTO ?', '/elsewhere/p.db')]))[0])).toBe('disallowed vacuum into')
    expect(strangers(files)).toEqual([])
    db.close()
  })

  test('load_extension does not exist, on either path', async () => {
    const db = await openDb()
    expect(errorOf(db.applyBatch(batch([s("SELECT load_extension('/elsewhere/x.so')")]))[0])).toBe('no such function: load_extension')
    expect(errorOf(db.query([s("SELECT load_extension('x')")])[0])).toBe('no such function: load_extension')
    db.close()
  })

  test('ordinary use still works: VACUUM, temp tables, transactions, sorts that spill', async () => {
    const db = await openDb()
    const r = db.applyBatch(batch([
      s('CREATE TABLE big (id INTEGER PRIMARY KEY, v TEXT)'),
      // ~8 MB of text: more than the 2 MB cache, so sorting it spills to temp files.
      s('WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 40000) INSERT INTO big SELECT x, hex(randomblob(100)) FROM c'),
      s('CREATE INDEX big_v ON big (v)'),
      s('CREATE TEMP TABLE scratch (x)'),
      s('INSERT INTO scratch SELECT id FROM big WHERE id <= 10'),
    ]))
    expect(r.map(errorOf).filter((e) => !e.startsWith('no error'))).toEqual([])
    expect(db.applyBatch(batch([s('DELETE FROM big WHERE id % 2 = 0')]))[0]).toMatchObject({ rowsAffected: 20000n })
    expect(db.applyBatch(batch([s('VACUUM')]))[0].kind).toBe('exec')
    expect(db.applyBatch(batch([s('SELECT count(*) FROM scratch')], { mode: 'request' }))[0]).toMatchObject({ rows: { rows: [[10n]] } })
    // Grouping by an expression sorts all of it on the read connection (spills, as CREATE INDEX did).
    const sorted = db.query([s('SELECT count(*) FROM (SELECT substr(v, 2) AS w FROM big GROUP BY w)')])
    expect(sorted[0]).toMatchObject({ rows: { rows: [[20000n]] } })
    const tx = db.applyBatch(batch([s('BEGIN'), s('INSERT INTO big (v) VALUES (1)'), s('COMMIT')]))
    expect(tx.map((x) => x.kind)).toEqual(['exec', 'exec', 'exec'])
    expect(db.query([s('PRAGMA integrity_check')])[0]).toMatchObject({ rows: { rows: [['ok']] } })
    db.close()
  })
})
