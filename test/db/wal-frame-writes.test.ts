// The VFS writes a WAL commit's frames (each a 24-byte header, then its page) in one call instead
// of two per frame: the same bytes at the same offsets, so SQLite's WAL recovery, which checks
// every frame's checksum and salt, still finds every committed transaction.
import { beforeAll, describe, expect, test } from 'vitest'
import { loadSqlite, type Sqlite3 } from '../../src/sqlite/sqlite-api.ts'
import { RaftliteVfs } from '../../src/sqlite/vfs.ts'
import { Connection } from '../../src/sqlite/connection.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'
import type { FilePort } from '../../src/ports/file-port.ts'
import { WalWritesPort } from '../support/wal-writes-port.ts'
import { MAX_HELD_BYTES } from '../../src/sqlite/wal-frame-writer.ts'

const DB = '/d/db.sqlite'
let sqlite3: Sqlite3
let vfsCount = 0

beforeAll(async () => {
  sqlite3 = await loadSqlite()
})

/** A memory disk that remembers every write to the WAL: its offset, length and bytes. */
function walWritesPort(memory: MemoryFilePort) {
  const walWrites: { at: number; length: number; bytes: Uint8Array }[] = []
  const port = new WalWritesPort(memory, (bytes, at) => walWrites.push({ at, length: bytes.length, bytes: bytes.slice() }))
  return Object.assign(port, { walWrites })
}

function openOn(files: FilePort) {
  const vfs = new RaftliteVfs(sqlite3, `wal-frames-test-${++vfsCount}`, { files })
  vfs.own(DB)
  return Connection.open(sqlite3, DB, { readOnly: false, vfs: vfs.name, fileRefusal: () => vfs.takeRefusal() })
}

function copyFile(from: MemoryFilePort, to: MemoryFilePort, path: string) {
  const src = from.open(path, { create: false, readOnly: true })
  const bytes = new Uint8Array(src.size())
  src.read(bytes, 0)
  src.close()
  const dst = to.open(path, { create: true })
  dst.write(bytes, 0)
  dst.close()
}

/** The commit field (database size after the commit, 0 if none) of each frame in a write of whole frames. */
function commitFields(bytes: Uint8Array, frame: number): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const fields: number[] = []
  for (let at = 0; at < bytes.length; at += frame) fields.push(view.getUint32(at + 4))
  return fields
}

function walDatabase(files: FilePort, size: number) {
  const db = openOn(files)
  db.exec(`PRAGMA page_size=${size}`)
  db.exec('PRAGMA journal_mode=WAL')
  db.exec('PRAGMA synchronous=OFF')
  db.exec('PRAGMA wal_autocheckpoint=0')
  return db
}

/** Copies the database and its WAL (as a crash would leave them) and opens the copy. */
function reopenCopy(memory: MemoryFilePort) {
  const copy = new MemoryFilePort()
  copy.mkdirp('/d')
  copyFile(memory, copy, DB)
  copyFile(memory, copy, `${DB}-wal`)
  return openOn(copy)
}

describe('WAL frame writes', () => {
  // 8 KiB is sqlite-wasm's page size; 64 KiB frames outgrow the VFS's first buffer.
  test.each([8192, 65536])('page size %i: one call per commit, its frames in a row ending in the commit frame; a copy of the files (as after a crash) recovers every transaction', (size) => {
    const memory = new MemoryFilePort()
    memory.mkdirp('/d')
    const files = walWritesPort(memory)
    const db = walDatabase(files, size)
    db.exec('CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT)')
    const pageSize = Number(db.scalar('PRAGMA page_size'))
    expect(pageSize).toBe(size)
    const before = files.walWrites.length
    for (let i = 0; i < 200; i++) db.exec(`INSERT OR REPLACE INTO kv VALUES ('key-${i % 50}', '${String(i).padEnd(300, 'v')}')`)

    const frame = 24 + pageSize
    const writes = files.walWrites.slice(before)
    // Each upsert commits more than one frame (the row's leaf, the key's leaf), in one call.
    expect(writes.length).toBe(200)
    let frames = 0
    for (const w of writes) {
      expect({ whole: w.length % frame, frameAligned: (w.at - 32) % frame }).toEqual({ whole: 0, frameAligned: 0 })
      const fields = commitFields(w.bytes, frame)
      frames += fields.length
      expect(fields.slice(0, -1).every((f) => f === 0)).toBe(true)
      expect(fields.at(-1)).toBeGreaterThan(0)
    }
    expect(frames).toBeGreaterThanOrEqual(2 * 200)

    const recovered = reopenCopy(memory) // before closing: the last close checkpoints and deletes the WAL
    db.close()
    expect(Number(recovered.scalar('SELECT count(*) FROM kv'))).toBe(50)
    expect(recovered.scalar("SELECT v FROM kv WHERE k = 'key-49'")).toBe('199'.padEnd(300, 'v'))
    recovered.close()
  })

  test('a transaction larger than its page cache: spilled frames leave in bounded calls, are read back, and recover', () => {
    const memory = new MemoryFilePort()
    memory.mkdirp('/d')
    const files = walWritesPort(memory)
    const db = walDatabase(files, 8192)
    db.exec('PRAGMA cache_size=4') // pages: the transaction spills to the WAL long before it commits
    db.exec('CREATE TABLE big (id INTEGER PRIMARY KEY, v TEXT)')
    const before = files.walWrites.length
    db.exec('BEGIN')
    for (let i = 0; i < 600; i++) db.exec(`INSERT INTO big VALUES (${i}, '${String(i).padEnd(2000, 'x')}')`)
    // Rewrite every row: SQLite reads back pages it spilled, some of them still held by the VFS.
    db.exec("UPDATE big SET v = 'y' || v")
    expect(Number(db.scalar("SELECT count(*) FROM big WHERE v LIKE 'y%'"))).toBe(600)
    db.exec('COMMIT')
    const writes = files.walWrites.slice(before)
    expect(writes.length).toBeGreaterThan(2)
    for (const w of writes) expect(w.length).toBeLessThanOrEqual(MAX_HELD_BYTES + 24 + 8192)
    expect(writes.some((w) => w.length > 10 * (24 + 8192))).toBe(true)

    const recovered = reopenCopy(memory) // before closing: the last close checkpoints and deletes the WAL
    db.close()
    expect(Number(recovered.scalar('SELECT count(*) FROM big'))).toBe(600)
    expect(recovered.scalar('SELECT v FROM big WHERE id = 599')).toBe('y' + '599'.padEnd(2000, 'x'))
    expect(recovered.scalar('PRAGMA integrity_check')).toBe('ok')
    recovered.close()
  })
})
