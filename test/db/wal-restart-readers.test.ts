// The WAL started over without shortening its file (RESTART), as seen by the loop reader's
// shared WAL index and by determinism: frames left past the new end, from before, hold older
// versions of the same pages, and must never be read; a replica that checkpoints at other
// moments must still store the same bytes and draw the same random values.
import { beforeAll, expect, test } from 'vitest'
import { Database } from '../../src/db/database.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'
import type { WriteBatch } from '../../src/db/write-batch.ts'
import { Connection, type BoundStatement } from '../../src/sqlite/connection.ts'
import { loadSqlite, type Sqlite3 } from '../../src/sqlite/sqlite-api.ts'
import { RaftliteVfs } from '../../src/sqlite/vfs.ts'
import { createSharedWalIndexBuffer } from '../../src/sqlite/shared-wal-index.ts'

const PATH = '/w/db.sqlite'
const s = (sql: string): BoundStatement => ({ sql, positional: [], named: null })
let sqlite3: Sqlite3
let sides = 0

beforeAll(async () => {
  sqlite3 = await loadSqlite()
})

test('the loop reader reads every commit through restarts over a longer WAL, and recovers such a WAL after both sides close', () => {
  const files = new MemoryFilePort()
  files.mkdirp('/w')
  const buffer = createSharedWalIndexBuffer()
  const side = (reader: boolean) => {
    const vfs = new RaftliteVfs(sqlite3, `wal-restart-side-${++sides}`, { files, sharedWalIndex: { path: PATH, buffer, reader } })
    vfs.own(PATH)
    return vfs
  }
  const connect = (vfs: RaftliteVfs, readOnly: boolean) => Connection.open(sqlite3, PATH, { readOnly, vfs: vfs.name, fileRefusal: () => vfs.takeRefusal() })
  const writerVfs = side(false)
  const w = connect(writerVfs, false)
  w.exec('PRAGMA journal_mode=WAL')
  w.exec('PRAGMA wal_autocheckpoint=0')
  w.exec('PRAGMA cache_size=10')
  sqlite3.capi.sqlite3_db_config(w.db, sqlite3.capi.SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, 0)
  w.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)')
  const readerVfs = side(true)
  let r = connect(readerVfs, true)
  const digest = (c: Connection) => String(c.scalar("SELECT count(*) || ':' || total(length(v)) || ':' || group_concat(hex(substr(v, 1, 4)), '') FROM t"))
  for (let round = 0; round < 6; round++) {
    // Grow the WAL over several index regions, then start it over and rewrite pages whose
    // older versions sit in the frames past the new end.
    for (let i = 0; i < 10; i++) w.exec('WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 150) INSERT INTO t(v) SELECT randomblob(1500) FROM c')
    w.exec(`UPDATE t SET v = randomblob(1400) WHERE id % 5 = ${round}`)
    readerVfs.syncSharedWalIndex()
    expect(digest(r)).toBe(digest(w))
    expect(w.scalar('PRAGMA wal_checkpoint(RESTART)')).toBe(0n)
    w.exec('PRAGMA user_version=1') // as primeWal: the write that starts the WAL over
    for (let i = 0; i < 3; i++) {
      w.exec(`UPDATE t SET v = randomblob(1300) WHERE id % 7 = ${i}`)
      readerVfs.syncSharedWalIndex()
      expect(digest(r)).toBe(digest(w))
    }
    expect(r.scalar('PRAGMA integrity_check')).toBe('ok')
  }
  const expected = digest(w)
  r.close()
  w.close()
  // The next opener (here the reader side) rebuilds the index from the long, restarted WAL.
  const again = side(true)
  r = connect(again, true)
  again.syncSharedWalIndex()
  expect(digest(r)).toBe(expected)
  expect(r.scalar('PRAGMA integrity_check')).toBe('ok')
  r.close()
})

test('replicas that checkpoint at different moments draw the same random values and store the same bytes', async () => {
  const ports = [new MemoryFilePort(), new MemoryFilePort()]
  const dbs = await Promise.all(ports.map((files) => Database.open({ files, path: PATH, checkpointWalBytes: 0, checkpointOnClose: false, synchronous: 'off' })))
  const batch = (sql: string, seed: bigint): WriteBatch => ({ statements: [s(sql)], timestampMs: 1_700_000_000_000, seed, transaction: false, mode: 'execute', timeoutMs: 0 })
  for (const db of dbs) db.applyBatch(batch('CREATE TABLE t (id INTEGER PRIMARY KEY, r INTEGER, b BLOB)', 1n))
  for (let i = 0; i < 120; i++) {
    for (const db of dbs) db.applyBatch(batch('INSERT INTO t(r, b) VALUES (random(), randomblob(64))', BigInt(i) * 31n + 1n))
    if (i % 9 === 4) expect(dbs[0].checkpoint()).toBe(true)
    if (i % 13 === 2) expect(dbs[1].checkpoint()).toBe(true)
  }
  const rows = dbs.map((db) => {
    const [r] = db.query([s('SELECT * FROM t ORDER BY id')])
    return r.kind === 'rows' ? r.rows.rows : r
  })
  expect(rows[0]).toHaveLength(120)
  expect(rows[0]).toEqual(rows[1])
  for (const db of dbs) expect(db.checkpoint()).toBe(true)
  const bytes = ports.map((files) => {
    const h = files.open(PATH, { create: false, readOnly: true })
    const out = new Uint8Array(h.size())
    h.read(out, 0)
    h.close()
    return out
  })
  expect(bytes[0]).toEqual(bytes[1])
  for (const db of dbs) db.close()
})
