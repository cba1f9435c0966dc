// A checkpoint starts the WAL over without shortening the file (RESTART, not TRUNCATE): SQLite
// writes over it from the start, and a new header's salts keep recovery from taking any frame
// left from before. `walSize()` counts what is in use, not the file's length.
import { describe, expect, test } from 'vitest'
import { Database } from '../../src/db/database.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'
import type { WriteBatch } from '../../src/db/write-batch.ts'
import type { BoundStatement } from '../../src/sqlite/connection.ts'

const PATH = '/w/db.sqlite'
const s = (sql: string, ...positional: BoundStatement['positional']): BoundStatement => ({ sql, positional, named: null })
const write = (db: Database, sql: string, ...positional: BoundStatement['positional']) => {
  const batch: WriteBatch = { statements: [s(sql, ...positional)], timestampMs: 1_700_000_000_000, seed: 7n, transaction: false, mode: 'execute', timeoutMs: 0 }
  const [r] = db.applyBatch(batch)
  expect(r.kind).toBe('exec')
}
const open = (files: MemoryFilePort, walFileLimit?: number) => Database.open({ files, path: PATH, checkpointWalBytes: 0, checkpointOnClose: false, walFileLimit })
const fileLength = (files: MemoryFilePort, path: string) => {
  const h = files.open(path, { create: false, readOnly: true })
  try {
    return h.size()
  } finally {
    h.close()
  }
}
/** The files as a crash would leave them: copied while the database is open. */
function crashCopy(files: MemoryFilePort): MemoryFilePort {
  const copy = new MemoryFilePort()
  for (const path of [PATH, `${PATH}-wal`]) {
    const from = files.open(path, { create: false, readOnly: true })
    const bytes = new Uint8Array(from.size())
    from.read(bytes, 0)
    from.close()
    const to = copy.open(path, { create: true })
    to.write(bytes, 0)
    to.close()
  }
  return copy
}
const rows = (db: Database, sql: string) => {
  const [r] = db.query([s(sql)])
  if (r.kind !== 'rows') throw new Error(`not rows: ${JSON.stringify(r)}`)
  return r.rows.rows
}

describe('the WAL after a checkpoint', () => {
  test('keeps its length and is written over from the start; walSize() counts only the frames since', async () => {
    const files = new MemoryFilePort()
    const db = await open(files)
    write(db, 'CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)')
    for (let i = 0; i < 100; i++) write(db, 'INSERT INTO t (v) VALUES (?)', 'x'.repeat(1000))
    const grown = fileLength(files, `${PATH}-wal`)
    expect(grown).toBeGreaterThan(100 * 1000)
    expect(db.walSize()).toBe(grown) // never started over yet: all of it is in use
    const pageSize = Number(rows(db, 'PRAGMA page_size')[0][0])
    expect(db.checkpoint()).toBe(true)
    expect(fileLength(files, `${PATH}-wal`)).toBe(grown)
    // The header and the one frame the checkpoint's own small write leaves (primeWal).
    expect(db.walSize()).toBe(32 + (24 + pageSize))
    write(db, "UPDATE t SET v = 'y' WHERE id = 1")
    expect(db.walSize()).toBe(32 + 2 * (24 + pageSize))
    expect(fileLength(files, `${PATH}-wal`)).toBe(grown)
    db.close()
  })

  test('a crash after it started over recovers exactly the writes since, never a frame from before', async () => {
    const files = new MemoryFilePort()
    const db = await open(files)
    write(db, 'CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)')
    for (let i = 0; i < 200; i++) write(db, 'INSERT INTO t (v) VALUES (?)', `old-${i}`.padEnd(500, '.'))
    // Rewrite every row, so the WAL's old frames hold versions that must not come back.
    for (let i = 0; i < 3; i++) write(db, 'UPDATE t SET v = ?', `stale-${i}`)
    expect(db.checkpoint()).toBe(true)
    const atCheckpoint = crashCopy(files)
    write(db, "UPDATE t SET v = 'new' WHERE id <= 5")
    write(db, 'DELETE FROM t WHERE id > 150')
    const afterWrites = crashCopy(files)
    db.close()

    const recovered = await open(atCheckpoint)
    expect(rows(recovered, 'SELECT count(*), count(DISTINCT v), max(v) FROM t')).toEqual([[200n, 1n, 'stale-2']])
    recovered.close()
    const later = await open(afterWrites)
    expect(rows(later, "SELECT count(*), sum(v = 'new'), sum(v = 'stale-2') FROM t")).toEqual([[150n, 5n, 145n]])
    expect(rows(later, 'PRAGMA integrity_check')).toEqual([['ok']])
    later.close()
  })

  test('opened again after it was started over, only its current frames count (the worker opens what recovery left)', async () => {
    const files = new MemoryFilePort()
    const db = await open(files)
    write(db, 'CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)')
    for (let i = 0; i < 200; i++) write(db, 'INSERT INTO t (v) VALUES (?)', 'x'.repeat(2000))
    const grown = fileLength(files, `${PATH}-wal`)
    expect(db.checkpoint()).toBe(true)
    write(db, "UPDATE t SET v = 'y' WHERE id = 1")
    const inUse = db.walSize()
    expect(inUse).toBeLessThan(grown / 10)
    db.close()
    expect(db.walSize()).toBe(inUse) // closed: the size when it closed, not the file's length
    const reopened = await open(files)
    const pageSize = Number(rows(reopened, 'PRAGMA page_size')[0][0])
    expect(fileLength(files, `${PATH}-wal`)).toBe(grown)
    expect(reopened.walSize()).toBe(inUse + 24 + pageSize) // opening appends one small write (primeWal)
    expect(rows(reopened, "SELECT count(*), sum(v = 'y') FROM t")).toEqual([[200n, 1n]])
    reopened.close()
  })

  test('while the connections are closed for a file swap, the size in use when they closed', async () => {
    const files = new MemoryFilePort()
    const db = await open(files)
    write(db, 'CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)')
    for (let i = 0; i < 200; i++) write(db, 'INSERT INTO t (v) VALUES (?)', 'x'.repeat(2000))
    expect(db.checkpoint()).toBe(true)
    const inUse = db.walSize()
    const recording = db.suspend()
    expect(db.walSize()).toBe(inUse)
    db.resume(recording)
    const pageSize = Number(rows(db, 'PRAGMA page_size')[0][0])
    expect(db.walSize()).toBe(inUse + 24 + pageSize) // opening appends one small write (primeWal)
    db.close()
  })

  test('a WAL file grown past the limit is cut back to it when the checkpoint starts it over', async () => {
    const files = new MemoryFilePort()
    const limit = 64 * 1024
    const db = await open(files, limit)
    write(db, 'CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)')
    for (let i = 0; i < 100; i++) write(db, 'INSERT INTO t (v) VALUES (?)', 'x'.repeat(2000))
    expect(fileLength(files, `${PATH}-wal`)).toBeGreaterThan(10 * limit)
    expect(db.checkpoint()).toBe(true)
    expect(fileLength(files, `${PATH}-wal`)).toBe(limit)
    const pageSize = Number(rows(db, 'PRAGMA page_size')[0][0])
    expect(db.walSize()).toBe(32 + (24 + pageSize))
    expect(rows(db, 'SELECT count(*) FROM t')).toEqual([[100n]])
    db.close()
  })
})
