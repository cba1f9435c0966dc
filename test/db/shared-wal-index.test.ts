// The WAL index shared through a SharedArrayBuffer (src/sqlite/shared-wal-index.ts): a writer
// and a reader that each keep their own copy of it (two VFS sides, as two threads would) must
// behave as two connections on one shared index: the reader sees every commit once it starts
// a read, never a half-written one, across checkpoints and WAL restarts, and a checkpoint never
// moves the WAL out from under an open read. The worker thread version is in
// test/db/loop-reader-worker.test.ts.
import { beforeAll, describe, expect, test } from 'vitest'
import { loadSqlite, type Sqlite3 } from '../../src/sqlite/sqlite-api.ts'
import { RaftliteVfs } from '../../src/sqlite/vfs.ts'
import { Connection } from '../../src/sqlite/connection.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'
import { createSharedWalIndexBuffer } from '../../src/sqlite/shared-wal-index.ts'

const DB = '/d/db.sqlite'
let sqlite3: Sqlite3
let vfsCount = 0

beforeAll(async () => {
  sqlite3 = await loadSqlite()
})

function side(files: MemoryFilePort, buffer: SharedArrayBuffer, reader: boolean) {
  const vfs = new RaftliteVfs(sqlite3, `shared-index-test-${++vfsCount}`, { files, sharedWalIndex: { path: DB, buffer, reader } })
  vfs.own(DB)
  const connection = Connection.open(sqlite3, DB, { readOnly: reader, vfs: vfs.name, fileRefusal: () => vfs.takeRefusal() })
  return { vfs, connection }
}

function setup() {
  const files = new MemoryFilePort()
  files.mkdirp('/d')
  const buffer = createSharedWalIndexBuffer()
  const writer = side(files, buffer, false)
  writer.connection.exec('PRAGMA journal_mode=WAL')
  writer.connection.exec('PRAGMA wal_autocheckpoint=0')
  writer.connection.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)')
  const reader = side(files, buffer, true)
  return { files, buffer, writer, reader }
}

const count = (c: Connection) => Number(c.scalar('SELECT count(*) FROM t'))

describe('shared WAL index', () => {
  test('a reader on another side sees each commit, through checkpoints and WAL restarts', () => {
    const { writer, reader } = setup()
    try {
      for (let i = 1; i <= 600; i++) {
        writer.connection.exec(`INSERT INTO t(v) VALUES ('${'x'.repeat(i % 300)}')`)
        if (i % 97 === 0) writer.connection.exec('PRAGMA wal_checkpoint(TRUNCATE)')
        if (i % 41 === 0) writer.connection.exec('PRAGMA wal_checkpoint(PASSIVE)')
        reader.vfs.syncSharedWalIndex()
        expect(count(reader.connection)).toBe(i)
      }
      // Updates of existing rows (pages already in the reader's cache must be re-read).
      for (let i = 1; i <= 50; i++) {
        writer.connection.exec(`UPDATE t SET v = 'u${i}' WHERE id = ${i}`)
        reader.vfs.syncSharedWalIndex()
        expect(reader.connection.scalar(`SELECT v FROM t WHERE id = ${i}`)).toBe(`u${i}`)
      }
    } finally {
      reader.connection.close()
      writer.connection.close()
    }
  })

  test('an open read keeps its snapshot, and a TRUNCATE checkpoint waits for it', () => {
    const { writer, reader } = setup()
    try {
      writer.connection.exec("INSERT INTO t(v) VALUES ('a'), ('b')")
      reader.vfs.syncSharedWalIndex()
      reader.connection.exec('BEGIN')
      expect(count(reader.connection)).toBe(2)
      writer.connection.exec("INSERT INTO t(v) VALUES ('c')")
      expect(count(reader.connection)).toBe(2) // same read transaction: same snapshot
      // The checkpoint cannot reset the WAL under the read (busy = 1), and loses nothing.
      expect(writer.connection.scalar('PRAGMA wal_checkpoint(TRUNCATE)')).toBe(1n)
      expect(count(reader.connection)).toBe(2)
      reader.connection.exec('COMMIT')
      reader.vfs.syncSharedWalIndex()
      expect(count(reader.connection)).toBe(3)
      expect(writer.connection.scalar('PRAGMA wal_checkpoint(TRUNCATE)')).toBe(0n)
      writer.connection.exec("INSERT INTO t(v) VALUES ('d')")
      reader.vfs.syncSharedWalIndex()
      expect(count(reader.connection)).toBe(4)
    } finally {
      reader.connection.close()
      writer.connection.close()
    }
  })

  test('a reader side cannot take the file past SHARED, nor the writer while the reader holds it; closing the reader leaves the WAL in place', () => {
    const { files, buffer, writer, reader } = setup()
    writer.connection.exec("INSERT INTO t(v) VALUES ('a')")
    reader.vfs.syncSharedWalIndex()
    expect(count(reader.connection)).toBe(1)
    const walBefore = files.open(`${DB}-wal`, { create: false, readOnly: true })
    const size = walBefore.size()
    walBefore.close()
    expect(size).toBeGreaterThan(0)
    // A reader's last close would checkpoint and delete the WAL if it got the file EXCLUSIVE.
    reader.connection.close()
    expect(files.exists(`${DB}-wal`)).toBe(true)
    expect(count(writer.connection)).toBe(1)
    writer.connection.exec("INSERT INTO t(v) VALUES ('b')")
    // A new reader after the old one left sees everything; while it reads, the writer's
    // connection cannot take the file EXCLUSIVE (its close then leaves the WAL alone too).
    const again = side(files, buffer, true)
    again.vfs.syncSharedWalIndex()
    expect(count(again.connection)).toBe(2)
    writer.connection.close()
    expect(files.exists(`${DB}-wal`)).toBe(true)
    again.vfs.syncSharedWalIndex()
    expect(count(again.connection)).toBe(2)
    again.connection.close()
  })

  test('the last side to close empties the index; the next to open rebuilds it from the WAL', () => {
    const { files, buffer, writer, reader } = setup()
    writer.connection.exec("INSERT INTO t(v) VALUES ('a'), ('b'), ('c')")
    reader.connection.close()
    writer.connection.exec("INSERT INTO t(v) VALUES ('d')")
    writer.connection.close()
    // Both gone: the next writer and reader start from the files alone.
    const w2 = side(files, buffer, false)
    const r2 = side(files, buffer, true)
    try {
      expect(count(w2.connection)).toBe(4)
      r2.vfs.syncSharedWalIndex()
      expect(count(r2.connection)).toBe(4)
      w2.connection.exec("INSERT INTO t(v) VALUES ('e')")
      r2.vfs.syncSharedWalIndex()
      expect(count(r2.connection)).toBe(5)
    } finally {
      r2.connection.close()
      w2.connection.close()
    }
  })
})
