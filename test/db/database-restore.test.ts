// A database image as a file and as SQL, and a database replaced by another file: staged
// chunks, checks of what is loaded, and all-or-nothing replacement.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { Database } from '../../src/db/database.ts'
import { InvalidDatabaseError, stageChunk } from '../../src/db/database-restore.ts'
import type { WriteBatch } from '../../src/db/write-batch.ts'
import { crc32c } from '../../src/log/crc32c.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'

const dir = mkdtempSync(join(tmpdir(), 'raftlite-restore-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const batch = (...sql: string[]): WriteBatch => ({
  statements: sql.map((s) => ({ sql: s, positional: [], named: null })),
  timestampMs: 1_700_000_000_000,
  seed: 1n,
  transaction: false,
  mode: 'execute',
  timeoutMs: 0,
})

const SCHEMA = [
  'CREATE TABLE foo (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, score REAL, raw BLOB, n INTEGER)',
  `INSERT INTO foo(name, score, raw, n) VALUES ('it''s "quoted"', 0.1, x'00ff10', 9007199254740993), ('line1
line2', 1e300, NULL, -1), (NULL, 2.0, x'', 0)`,
  'CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID',
  "INSERT INTO kv VALUES ('a', 'x'), ('b', 'y')",
  'CREATE TABLE gen (a INTEGER, b INTEGER GENERATED ALWAYS AS (a * 2) STORED)',
  'INSERT INTO gen(a) VALUES (21)',
  'CREATE INDEX foo_name ON foo(name)',
  'CREATE VIEW big AS SELECT * FROM foo WHERE score > 1',
  "CREATE TRIGGER kv_t AFTER INSERT ON kv BEGIN UPDATE kv SET v = v || '!' WHERE k = new.k; END",
]

async function filled(): Promise<Database> {
  const db = await Database.open({ files: new MemoryFilePort(), path: '/d/db.sqlite' })
  const results = db.applyBatch(batch(...SCHEMA))
  expect(results.filter((r) => r.kind === 'error')).toEqual([])
  return db
}

/** Every table's rows, in a stable order, as text: what two equal databases share. */
function contents(db: Database): string {
  const tables = db.query([{ sql: "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE '\\_raftlite\\_%' ESCAPE '\\' ORDER BY name", positional: [], named: null }])[0]
  if (tables.kind !== 'rows') throw new Error('no tables')
  const out: string[] = []
  for (const [name] of tables.rows.rows) {
    const r = db.query([{ sql: `SELECT * FROM "${String(name)}" ORDER BY 1`, positional: [], named: null }])[0]
    out.push(`${String(name)}: ${JSON.stringify(r.kind === 'rows' ? r.rows.rows : r, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? [...v] : v))}`)
  }
  return out.join('\n')
}

function imageBytes(db: Database): Uint8Array {
  const image = db.openImage()
  try {
    return Buffer.concat([...image.chunks(3)])
  } finally {
    image.close()
  }
}

describe('SQL dump', () => {
  test("loads into Debian's sqlite3 with every value intact, and sqlite3's .dump loads back", async () => {
    const db = await filled()
    const image = db.openImage()
    const dump = [...image.sql()].join('')
    image.close()
    expect(dump.startsWith('PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n')).toBe(true)
    expect(dump.endsWith('COMMIT;\n')).toBe(true)
    const file = join(dir, 'from-dump.db')
    execFileSync('sqlite3', [file], { input: dump })
    const check = (sql: string) => execFileSync('sqlite3', ['-json', file, sql]).toString()
    expect(JSON.parse(check('SELECT id, name, score, hex(raw) AS raw, n FROM foo ORDER BY id'))).toEqual([
      { id: 1, name: 'it\'s "quoted"', score: 0.1, raw: '00FF10', n: 9007199254740993 },
      { id: 2, name: 'line1\nline2', score: 1e300, raw: '', n: -1 },
      { id: 3, name: null, score: 2.0, raw: '', n: 0 },
    ])
    expect(check("SELECT typeof(raw) FROM foo WHERE id = 3")).toContain('blob')
    expect(JSON.parse(check('SELECT * FROM gen'))).toEqual([{ a: 21, b: 42 }])
    expect(JSON.parse(check('SELECT seq FROM sqlite_sequence'))).toEqual([{ seq: 3 }])
    expect(JSON.parse(check("SELECT count(*) AS n FROM sqlite_schema WHERE name IN ('foo_name', 'big', 'kv_t')"))).toEqual([{ n: 3 }])

    // Back: sqlite3's own dump of that file, run as one batch, gives the same rows.
    const theirs = execFileSync('sqlite3', [file, '.dump']).toString()
    const copy = await Database.open({ files: new MemoryFilePort(), path: '/e/db.sqlite' })
    const results = copy.applyBatch(batch(...copy.splitStatements(theirs)))
    expect(results.filter((r) => r.kind === 'error')).toEqual([])
    expect(contents(copy)).toBe(contents(db))
  })

  test('tables= limits the dump to the tables named, with their indexes and triggers', async () => {
    const db = await filled()
    const image = db.openImage()
    const dump = [...image.sql(['kv'])].join('')
    image.close()
    expect(dump).toContain('CREATE TABLE kv')
    expect(dump).toContain('CREATE TRIGGER kv_t')
    expect(dump).not.toContain('foo')
  })
})

describe('replacing the database', () => {
  test('a file checked and copied in replaces every table, and the database stays in WAL mode', async () => {
    const source = await filled()
    const port = new MemoryFilePort()
    const target = await Database.open({ files: port, path: '/t/db.sqlite' })
    target.applyBatch(batch('CREATE TABLE old (x)', 'INSERT INTO old VALUES (1)'))
    const bytes = imageBytes(source)
    const upload = '/t/db.sqlite-upload'
    const h = port.open(upload, { create: true })
    h.write(bytes, 0)
    h.close()
    await target.checkLoadable(upload)
    await target.replaceWith(upload)
    expect(contents(target)).toBe(contents(source))
    expect(target.pragmas().rw.journal_mode).toBe('wal')
    // Writes go on as before.
    expect(target.applyBatch(batch("INSERT INTO kv VALUES ('c', 'z')"))[0].kind).toBe('exec')
    // A file of another page size (sqlite3's 4096) is rewritten to ours on the way in.
    const file = join(dir, 'small-pages.db')
    execFileSync('sqlite3', [file], { input: 'PRAGMA page_size=1024; CREATE TABLE small (x); INSERT INTO small VALUES (1), (2);' })
    const small = new Uint8Array(readFileSync(file))
    port.delete(upload)
    const h2 = port.open(upload, { create: true })
    h2.write(small, 0)
    h2.close()
    await target.checkLoadable(upload)
    await target.replaceWith(upload)
    expect(target.query([{ sql: 'SELECT sum(x) FROM small', positional: [], named: null }])[0]).toMatchObject({ rows: { rows: [[3n]] } })
    expect(target.query([{ sql: 'SELECT count(*) FROM sqlite_schema WHERE name = ?', positional: ['foo'], named: null }])[0]).toMatchObject({ rows: { rows: [[0n]] } })
  })

  test('garbage, a truncated file and a corrupt one are refused with the reason, the data untouched', async () => {
    const source = await filled()
    const bytes = imageBytes(source)
    const port = new MemoryFilePort()
    const target = await Database.open({ files: port, path: '/t/db.sqlite' })
    target.applyBatch(batch('CREATE TABLE old (x)', 'INSERT INTO old VALUES (1)'))
    const before = contents(target)
    const attempt = async (data: Uint8Array) => {
      const path = '/t/db.sqlite-upload'
      if (port.exists(path)) port.delete(path)
      const h = port.open(path, { create: true })
      h.write(data, 0)
      h.close()
      return target.checkLoadable(path).then(() => 'accepted', (e: unknown) => e)
    }
    const garbage = await attempt(new TextEncoder().encode('this is not a database at all, not even close to one. '.repeat(4)))
    expect(garbage).toBeInstanceOf(InvalidDatabaseError)
    expect(String(garbage)).toContain('does not start with the SQLite header')
    const truncated = await attempt(bytes.subarray(0, bytes.length - 100))
    expect(String(truncated)).toContain('not a whole number')
    const corrupt = bytes.slice()
    const pageSize = bytes[16] * 256 + bytes[17]
    corrupt.fill(0x55, pageSize + 8, pageSize + 200) // the first table's root page
    const verdict = await attempt(corrupt)
    expect(verdict).toBeInstanceOf(InvalidDatabaseError)
    expect(contents(target)).toBe(before)
  })

  test('a staged load applies only when its chunks match the commit, else the data stays', async () => {
    const source = await filled()
    const bytes = imageBytes(source)
    bytes[18] = 1
    bytes[19] = 1
    const target = await Database.open({ files: new MemoryFilePort(), path: '/t/db.sqlite' })
    target.applyBatch(batch('CREATE TABLE old (x)', 'INSERT INTO old VALUES (1)'))
    const before = contents(target)
    const chunk = 4096
    let n = 0
    for (let off = 0; off < bytes.length; off += chunk, n++) {
      const piece = bytes.slice(off, off + chunk)
      target.applyCommand(0, 0n, (rw) => stageChunk(rw, 'L1', n, piece))
    }
    expect(() => target.applyStagedLoad({ id: 'L1', chunks: n, bytes: bytes.length, crc32c: crc32c(bytes) ^ 1 })).toThrow(/do not match/)
    expect(() => target.applyStagedLoad({ id: 'L1', chunks: n + 1, bytes: bytes.length, crc32c: crc32c(bytes) })).toThrow(/missing/)
    expect(contents(target)).toBe(before)
    target.applyStagedLoad({ id: 'L1', chunks: n, bytes: bytes.length, crc32c: crc32c(bytes) })
    expect(contents(target)).toBe(contents(source))
  })
})

