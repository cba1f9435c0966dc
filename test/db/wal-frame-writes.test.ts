// The VFS writes each WAL frame (24-byte header, then its page) in one call instead of two:
// the same bytes at the same offsets, so SQLite's WAL recovery, which checks every frame's
// checksum and salt, still finds every committed transaction.
import { beforeAll, describe, expect, test } from 'vitest'
import { loadSqlite, type Sqlite3 } from '../../src/sqlite/sqlite-api.ts'
import { RaftliteVfs } from '../../src/sqlite/vfs.ts'
import { Connection } from '../../src/sqlite/connection.ts'
import { DelegatingFilePort } from '../../src/storage/delegating-file-port.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'
import type { FileHandle, OpenOptions } from '../../src/ports/file-port.ts'

const DB = '/d/db.sqlite'
let sqlite3: Sqlite3
let vfsCount = 0

beforeAll(async () => {
  sqlite3 = await loadSqlite()
})

/** Remembers every write to the WAL: its offset and length. */
class WalWritesPort extends DelegatingFilePort {
  readonly walWrites: { at: number; length: number }[] = []
  override open(path: string, options: OpenOptions): FileHandle {
    const handle = super.open(path, options)
    if (!path.endsWith('-wal')) return handle
    const writes = this.walWrites
    return new Proxy(handle, {
      get(target, key) {
        if (key === 'write') {
          return (source: Uint8Array, at: number) => {
            writes.push({ at, length: source.length })
            target.write(source, at)
          }
        }
        const value = Reflect.get(target, key)
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
  }
}

function openOn(files: DelegatingFilePort | MemoryFilePort) {
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

describe('WAL frame writes', () => {
  // 8 KiB is raftlite's page size; 64 KiB frames outgrow the VFS's frame buffer.
  test.each([8192, 65536])('page size %i: one call per frame, at its offset; a copy of the files (as after a crash) recovers every transaction', (size) => {
    const memory = new MemoryFilePort()
    memory.mkdirp('/d')
    const files = new WalWritesPort(memory)
    const db = openOn(files)
    db.exec(`PRAGMA page_size=${size}`)
    db.exec('PRAGMA journal_mode=WAL')
    db.exec('PRAGMA synchronous=OFF')
    db.exec('PRAGMA wal_autocheckpoint=0')
    db.exec('CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT)')
    const pageSize = Number(db.scalar('PRAGMA page_size'))
    expect(pageSize).toBe(size)
    for (let i = 0; i < 200; i++) db.exec(`INSERT OR REPLACE INTO kv VALUES ('key-${i % 50}', '${String(i).padEnd(300, 'v')}')`)

    const frame = 24 + pageSize
    const frames = files.walWrites.filter((w) => w.at >= 32)
    expect(frames.length).toBeGreaterThan(200)
    for (const w of frames) expect({ length: w.length, frameAligned: (w.at - 32) % frame === 0 }).toEqual({ length: frame, frameAligned: true })

    // Copy the database and its WAL before anything checkpoints them, and open the copy.
    const copy = new MemoryFilePort()
    copy.mkdirp('/d')
    copyFile(memory, copy, DB)
    copyFile(memory, copy, `${DB}-wal`)
    db.close()
    const recovered = openOn(copy)
    expect(Number(recovered.scalar('SELECT count(*) FROM kv'))).toBe(50)
    expect(recovered.scalar("SELECT v FROM kv WHERE k = 'key-49'")).toBe('199'.padEnd(300, 'v'))
    recovered.close()
  })
})
