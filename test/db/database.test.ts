import { describe, expect, test } from 'vitest'
import { Database } from '../../src/db/database.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'
import type { WriteBatch } from '../../src/db/write-batch.ts'
import type { BoundStatement } from '../../src/sqlite/connection.ts'

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

describe('Database', () => {
  test('a transaction whose COMMIT SQLite refuses (deferred foreign keys) is rolled back, not left open to swallow later writes', async () => {
    const db = await Database.open({ files: new MemoryFilePort(), path: '/fk/db.sqlite', foreignKeys: true })
    db.applyBatch(batch([s('CREATE TABLE parent (id INTEGER PRIMARY KEY)'), s('CREATE TABLE child (id INTEGER PRIMARY KEY, p INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)')]))
    const refused = db.applyBatch(batch([s('INSERT INTO parent VALUES (1)'), s('INSERT INTO child VALUES (1, 99)')], { transaction: true }))
    // The refusal is the last statement's error, as for a statement that fails in the transaction.
    expect(refused).toMatchObject([{ kind: 'exec' }, { kind: 'error', error: expect.stringMatching(/FOREIGN KEY constraint failed/) }])
    // The next write is committed on its own (before: it ran inside the open transaction, unseen).
    expect(db.applyBatch(batch([s('INSERT INTO parent VALUES (2)')]))).toMatchObject([{ kind: 'exec' }])
    expect(db.query([s('SELECT id FROM parent'), s('SELECT count(*) FROM child')])).toMatchObject([
      { kind: 'rows', rows: { rows: [[2n]] } },
      { kind: 'rows', rows: { rows: [[0n]] } },
    ])
    db.close()
  })

  test('writes through the rw connection and reads through the ro one', async () => {
    const db = await Database.open({ files: new MemoryFilePort(), path: '/d/db.sqlite' })
    const r = db.applyBatch(batch([
      s('CREATE TABLE foo (id INTEGER NOT NULL PRIMARY KEY, name TEXT, age INTEGER)'),
      s('INSERT INTO foo(name, age) VALUES(?, ?)', 'fiona', 20n),
      s('INSERT INTO foo(name) VALUES("declan")'),
    ]))
    expect(r.map((x) => x.kind)).toEqual(['exec', 'exec', 'exec'])
    expect(r[1]).toMatchObject({ lastInsertId: 1n, rowsAffected: 1n })
    expect(r[2]).toMatchObject({ lastInsertId: 2n, rowsAffected: 1n })
    const q = db.query([s('SELECT * FROM foo')])
    expect(q[0]).toMatchObject({
      kind: 'rows',
      rows: { columns: ['id', 'name', 'age'], decltypes: ['INTEGER', 'TEXT', 'INTEGER'], rows: [[1n, 'fiona', 20n], [2n, 'declan', null]] },
    })
    db.close()
  })

  test('refuses writes on the query path and reports SQL errors per statement', async () => {
    const db = await Database.open({ files: new MemoryFilePort(), path: '/d/db.sqlite' })
    db.applyBatch(batch([s('CREATE TABLE t (v)')]))
    const q = db.query([s('INSERT INTO t VALUES (1)'), s('SELECT blah FROM'), s('SELECT * FROM nope')])
    expect(q).toEqual([
      { kind: 'error', error: 'attempt to change database via query operation' },
      { kind: 'error', error: 'incomplete input', time: expect.any(Number) },
      { kind: 'error', error: 'no such table: nope', time: expect.any(Number) },
    ])
    // Asked twice (the second time from the statement cache), and hidden behind a read.
    for (let i = 0; i < 2; i++) {
      expect(db.query([s('SELECT 1; INSERT INTO t VALUES (2)'), s('INSERT INTO t VALUES (3)')])).toEqual([
        { kind: 'error', error: 'attempt to change database via query operation' },
        { kind: 'error', error: 'attempt to change database via query operation' },
      ])
    }
    expect(db.query([s('EXPLAIN INSERT INTO t VALUES (4)')])[0].kind).toBe('rows')
    expect(db.query([s('SELECT count(*) FROM t')])[0]).toMatchObject({ rows: { rows: [[0n]] } })
    db.close()
  })

  test('a failing statement in a transaction rolls the whole batch back', async () => {
    const db = await Database.open({ files: new MemoryFilePort(), path: '/d/db.sqlite' })
    db.applyBatch(batch([s('CREATE TABLE t (v UNIQUE)')]))
    const r = db.applyBatch(batch([s('INSERT INTO t VALUES (1)'), s('INSERT INTO t VALUES (1)'), s('INSERT INTO t VALUES (2)')], { transaction: true }))
    expect(r.map((x) => x.kind)).toEqual(['exec', 'error'])
    expect(db.query([s('SELECT count(*) FROM t')])[0]).toMatchObject({ rows: { rows: [[0n]] } })
    db.close()
  })

  test('RETURNING on the write path returns rows', async () => {
    const db = await Database.open({ files: new MemoryFilePort(), path: '/d/db.sqlite' })
    const r = db.applyBatch(batch([s('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)'), s("INSERT INTO t(name) VALUES ('a') RETURNING *")]))
    expect(r[1]).toMatchObject({ kind: 'rows', rows: { columns: ['id', 'name'], decltypes: ['INTEGER', 'TEXT'], rows: [[1n, 'a']] } })
    db.close()
  })

  test('int64 extremes and blobs round-trip exactly', async () => {
    const db = await Database.open({ files: new MemoryFilePort(), path: '/d/db.sqlite' })
    db.applyBatch(batch([s('CREATE TABLE t (i INTEGER, b BLOB, r REAL)'), s('INSERT INTO t VALUES (?, ?, ?)', 9223372036854775807n, new Uint8Array([222, 173, 190, 239]), 20)]))
    expect(db.query([s('SELECT * FROM t')])[0]).toMatchObject({ rows: { rows: [[9223372036854775807n, new Uint8Array([222, 173, 190, 239]), 20]] } })
    db.close()
  })
})
