// The VFS is the last line: whatever SQL reaches SQLite (here raftlite's own, trusted `exec`,
// which the statement policy does not check), it opens only the database's own files.
import { beforeAll, describe, expect, test } from 'vitest'
import { loadSqlite, type Sqlite3 } from '../../src/sqlite/sqlite-api.ts'
import { RaftliteVfs } from '../../src/sqlite/vfs.ts'
import { Connection, SqliteError } from '../../src/sqlite/connection.ts'
import { RecordingFilePort } from '../support/recording-file-port.ts'

const SQLITE_CANTOPEN = 14
const OWN = ['/d/db.sqlite', '/d/db.sqlite-wal', '/d/db.sqlite-journal']
let sqlite3: Sqlite3
let vfsCount = 0

beforeAll(async () => {
  sqlite3 = await loadSqlite()
})

function confined(files = new RecordingFilePort()) {
  const vfs = new RaftliteVfs(sqlite3, `confined-test-${++vfsCount}`, { files })
  vfs.own('/d/db.sqlite')
  const open = (path: string, readOnly = false) =>
    Connection.open(sqlite3, path, { readOnly, vfs: vfs.name, fileRefusal: () => vfs.takeRefusal() })
  return { files, vfs, open }
}

function errorOf(run: () => unknown): SqliteError {
  try {
    run()
  } catch (e) {
    if (e instanceof SqliteError) return e
    throw e
  }
  throw new Error('no error')
}

describe('the confined VFS', () => {
  test('opens its database, WAL and journal; any other name is CANTOPEN with the reason, unseen by the port', () => {
    const { files, open } = confined()
    const db = open('/d/db.sqlite')
    db.exec('PRAGMA journal_mode=DELETE')
    db.exec('CREATE TABLE t (x)') // a rollback journal, then a WAL
    db.exec('INSERT INTO t VALUES (1)')
    expect(db.scalar('PRAGMA journal_mode=WAL')).toBe('wal')
    db.exec('INSERT INTO t VALUES (2)')
    expect(db.scalar('SELECT count(*) FROM t')).toBe(2n)
    for (const path of ['/d/other.db', '/d/db.sqlite2', 'db.sqlite', '/d/../d/db.sqlite', '/d/db.sqlite-shm']) {
      const e = errorOf(() => open(path))
      expect(e.code & 0xff, path).toBe(SQLITE_CANTOPEN)
      expect(e.message, path).toContain(`refused to open ${JSON.stringify(path)}: not a file of this node's database`)
    }
    expect(files.strangers(OWN)).toEqual([])
    db.close()
  })

  test('SQL that got past the policy still opens nothing: ATTACH and VACUUM INTO fail, no file appears', () => {
    const { files, open } = confined()
    const db = open('/d/db.sqlite')
    db.exec('CREATE TABLE t (x)')
    db.exec('INSERT INTO t VALUES (1)')
    for (const sql of ["ATTACH '/elsewhere/e.db' AS e", "ATTACH 'relative.db' AS e", "VACUUM INTO '/elsewhere/v.db'", "ATTACH '/d/db.sqlite-wal2' AS e"]) {
      const e = errorOf(() => db.exec(sql))
      expect(e.code & 0xff, sql).toBe(SQLITE_CANTOPEN)
      expect(e.message, sql).toMatch(/refused to open ".*": not a file of this node's database/)
    }
    expect(files.strangers(OWN)).toEqual([])
    // The connection is unharmed.
    expect(db.scalar('SELECT count(*) FROM t')).toBe(1n)
    db.close()
  })

  test("SQLite's nameless temporary files still work: temp tables, and a sort that spills", () => {
    const { files, open } = confined()
    const db = open('/d/db.sqlite')
    db.exec('PRAGMA temp_store=FILE')
    db.exec('PRAGMA cache_size=-500')
    db.exec('CREATE TEMP TABLE scratch (v)')
    db.exec('WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000) INSERT INTO scratch SELECT hex(randomblob(60)) FROM c')
    expect(db.scalar('SELECT count(*) FROM (SELECT substr(v, 2) AS w FROM scratch GROUP BY w)')).toBe(20000n)
    expect(files.strangers(OWN)).toEqual([])
    db.close()
  })

  test('a refusal is reported once: a later failure of an owned file carries its own message', () => {
    const { vfs, open } = confined()
    vfs.own('/d/missing.db')
    expect(errorOf(() => open('/d/elsewhere.db')).message).toContain('refused to open')
    // Read-only open of an owned file that does not exist: the port's error, no stale refusal.
    const e = errorOf(() => open('/d/missing.db', true))
    expect(e.code & 0xff).toBe(SQLITE_CANTOPEN)
    expect(e.message).not.toContain('refused')
    expect(vfs.takeRefusal()).toBeNull()
  })
})
