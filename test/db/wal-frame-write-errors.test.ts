// The VFS holds a commit's WAL frames and writes them together (wal-frame-writer.ts). When such a
// write fails, SQLite must hear of it in the transaction that wrote the frames: frames spilled by
// a transaction too large for its page cache can be written out by another connection's call
// (whose result SQLite may ignore), and the rewritten checksums of a commit by a call after it.
// Either way, a commit whose frames never reached the WAL must fail, never succeed.
import { beforeAll, expect, test } from 'vitest'
import { Database } from '../../src/db/database.ts'
import type { WriteBatch } from '../../src/db/write-batch.ts'
import { loadSqlite, type Sqlite3 } from '../../src/sqlite/sqlite-api.ts'
import { RaftliteVfs } from '../../src/sqlite/vfs.ts'
import { Connection } from '../../src/sqlite/connection.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'
import type { FilePort } from '../../src/ports/file-port.ts'
import { WalWritesPort } from '../support/wal-writes-port.ts'

const DB = '/d/db.sqlite'
let sqlite3: Sqlite3
let vfsCount = 0
beforeAll(async () => {
  sqlite3 = await loadSqlite()
})

/** A disk whose WAL writes throw (as on a full or failing disk) when `fails` says so. */
class FlakyWalPort extends WalWritesPort {
  failures = 0
  fails: (bytes: Uint8Array) => boolean = () => false
  constructor(inner: FilePort) {
    super(inner, (bytes) => {
      if (!this.fails(bytes)) return
      this.failures++
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })
    })
  }
}

function connect(files: FilePort) {
  const vfs = new RaftliteVfs(sqlite3, `wal-frame-errors-${++vfsCount}`, { files })
  vfs.own(DB)
  return (readOnly: boolean) => Connection.open(sqlite3, DB, { readOnly, vfs: vfs.name, fileRefusal: () => vfs.takeRefusal() })
}

function walDatabase(rw: Connection) {
  rw.exec('PRAGMA journal_mode=WAL')
  rw.exec('PRAGMA synchronous=OFF')
  rw.exec('PRAGMA wal_autocheckpoint=0')
  rw.exec('PRAGMA cache_size=4') // pages: a transaction of any size spills to the WAL
  rw.exec('CREATE TABLE big (id INTEGER PRIMARY KEY, v TEXT)')
}

const tryRun = (fn: () => unknown): unknown => {
  try {
    fn()
    return null
  } catch (e) {
    return e
  }
}

test("spilled frames that another connection's call failed to write: the transaction can no longer commit, and the database stays whole", () => {
  const memory = new MemoryFilePort()
  memory.mkdirp('/d')
  const files = new FlakyWalPort(memory)
  const open = connect(files)
  const rw = open(false)
  walDatabase(rw)
  const ro = open(true)
  expect(Number(ro.scalar('SELECT count(*) FROM big'))).toBe(0)

  // A write transaction left open between calls, as a held apply leaves it.
  rw.exec('BEGIN')
  for (let i = 0; i < 200; i++) rw.exec(`INSERT INTO big VALUES (${i}, '${String(i).padEnd(2000, 'x')}')`)
  files.fails = () => true
  const readError = tryRun(() => ro.scalar('SELECT count(*) FROM big'))
  files.fails = () => false
  expect(files.failures).toBe(1) // the read's call wrote the writer's held frames, and that failed
  expect(readError).toBeNull() // in a call whose result SQLite ignores: the read itself is fine

  expect(tryRun(() => rw.exec('COMMIT'))).toBeInstanceOf(Error)
  tryRun(() => rw.exec('ROLLBACK'))
  expect(rw.scalar('PRAGMA integrity_check')).toBe('ok')
  expect(Number(rw.scalar('SELECT count(*) FROM big'))).toBe(0)
  // The WAL works again once the failed transaction is gone.
  rw.exec("INSERT INTO big VALUES (1, 'after')")
  expect(ro.scalar('SELECT v FROM big WHERE id = 1')).toBe('after')
  ro.close()
  rw.close()
})

test('a held apply whose spilled frames failed to reach the WAL never commits', async () => {
  const files = new FlakyWalPort(new MemoryFilePort())
  const db = await Database.open({ files, path: DB, checkpointWalBytes: 0, synchronous: 'off' })
  const stmt = (sql: string) => ({ sql, positional: [], named: null })
  const base = { timestampMs: 1_700_000_000_000, seed: 1n, transaction: false, mode: 'execute' as const, timeoutMs: 0 }
  db.applyBatch({ ...base, statements: [stmt('CREATE TABLE big (id INTEGER PRIMARY KEY, v TEXT)')] })
  // 3 MB of rows: more than the 2 MB page cache, so the held statement spills to the WAL.
  const batch: WriteBatch = {
    ...base,
    statements: [stmt("INSERT INTO big WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 1500) SELECT x, x || replace(hex(zeroblob(1000)), '0', 'x') FROM c")],
  }
  const { results, open } = db.holdBatch(batch)
  expect(results[0].kind).not.toBe('error')
  expect(open).toBe(true)
  files.fails = () => true
  const readError = tryRun(() => db.query([stmt('SELECT count(*) FROM big')]))
  files.fails = () => false
  expect(files.failures).toBe(1)
  expect(readError).toBeNull()

  // Committing it fails (the node then stops: the answer given is not what is stored).
  expect(tryRun(() => db.commitHeld())).toBeInstanceOf(Error)
  const [check] = db.query([stmt('PRAGMA integrity_check')])
  expect(check).toMatchObject({ kind: 'rows', rows: { rows: [['ok']] } })
  db.close()
})

test("a failed write of a commit's rewritten checksums fails that COMMIT", () => {
  const memory = new MemoryFilePort()
  memory.mkdirp('/d')
  const files = new FlakyWalPort(memory)
  const rw = connect(files)(false)
  walDatabase(rw)
  rw.exec('BEGIN')
  for (let i = 0; i < 600; i++) rw.exec(`INSERT INTO big VALUES (${i}, '${String(i).padEnd(2000, 'x')}')`)
  rw.exec("UPDATE big SET v = 'y' || v") // overwrites frames spilled in this transaction: their checksums are rewritten at commit
  // Only walRewriteChecksums writes a commit frame's header on its own.
  files.fails = (bytes) => files.failures === 0 && bytes.length === 24 && new DataView(bytes.buffer, bytes.byteOffset).getUint32(4) !== 0
  const commitError = tryRun(() => rw.exec('COMMIT'))
  expect(files.failures).toBe(1)
  expect(commitError).toBeInstanceOf(Error)
  rw.close()
})
