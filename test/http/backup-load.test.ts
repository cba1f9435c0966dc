// /db/backup, /db/load and /boot over real HTTP on in-process clusters: every backup format
// loaded or booted into fresh nodes gives the same rows, followers forward or redirect, bad
// input is refused with the data untouched, and a load is all or nothing.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { encodeLoadChunk, encodeLoadCommit, LOAD_CHUNK_COMMAND, LOAD_COMMIT_COMMAND } from '../../src/cluster/load-commands.ts'
import { startTestNode, type TestNode, until } from '../cluster/in-process-cluster.ts'

const dir = mkdtempSync(join(tmpdir(), 'raftlite-backup-'))
const source: TestNode[] = []
const target: TestNode[] = []

async function cluster(prefix: string, into: TestNode[]): Promise<void> {
  into.push(await startTestNode(`${prefix}1`))
  await into[0].node.ready
  into.push(await startTestNode(`${prefix}2`, { join: [into[0].raftAddr] }))
  into.push(await startTestNode(`${prefix}3`, { join: [into[0].raftAddr] }))
  await Promise.all(into.map((n) => n.node.ready))
}

const leaderOf = (nodes: TestNode[]) => until('a leader', () => nodes.find((n) => n.node.isLeader))
const followerOf = async (nodes: TestNode[]) => {
  const leader = await leaderOf(nodes)
  return nodes.find((n) => n !== leader)!
}

async function execute(url: string, ...sql: string[]): Promise<void> {
  const res = await fetch(`${url}/db/execute`, { method: 'POST', body: JSON.stringify(sql), headers: { 'Content-Type': 'application/json' } })
  const body = await res.text()
  expect(res.status, body).toBe(200)
  expect(body).not.toContain('"error"')
}

/** Every user table's rows in a stable order: equal for two databases holding the same data. */
async function digest(n: TestNode): Promise<string> {
  await n.node.waitCaughtUp()
  const q = (sql: string) => n.node.query([{ sql, positional: [], named: null }], { level: 'none' })
  const [tables] = await q("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE '\\_raftlite\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")
  if (tables.kind !== 'rows') throw new Error(JSON.stringify(tables))
  const parts: string[] = []
  for (const [name] of tables.rows.rows) {
    const [rows] = await q(`SELECT * FROM "${String(name)}" ORDER BY 1`)
    if (rows.kind !== 'rows') throw new Error(JSON.stringify(rows))
    parts.push(`${String(name)}=${JSON.stringify(rows.rows.rows, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? `x${Buffer.from(v).toString('hex')}` : v))}`)
  }
  return parts.join('\n')
}

async function backup(url: string, query = ''): Promise<{ status: number; bytes: Uint8Array; headers: Headers }> {
  const res = await fetch(`${url}/db/backup${query}`, { redirect: 'manual' })
  return { status: res.status, bytes: new Uint8Array(await res.arrayBuffer()), headers: res.headers }
}

async function load(url: string, body: Uint8Array | string, path = '/db/load'): Promise<{ status: number; text: string }> {
  const res = await fetch(`${url}${path}`, { method: 'POST', body: typeof body === 'string' ? body : Buffer.from(body) })
  return { status: res.status, text: await res.text() }
}

let expected = ''

beforeAll(async () => {
  await cluster('s', source)
  await cluster('t', target)
  const leader = await leaderOf(source)
  await execute(
    leader.url,
    'CREATE TABLE foo (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, score REAL, raw BLOB)',
    'CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID',
    'CREATE INDEX foo_name ON foo(name)',
    "INSERT INTO kv VALUES ('a', 'x''y'), ('b', 'line\nbreak')",
  )
  // About 3 MiB: several chunks through the log on a load.
  const statements = Array.from({ length: 30 }, (_, i) => `WITH RECURSIVE s(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM s WHERE value < 100) INSERT INTO foo(name, score, raw) SELECT 'n' || value || '-${i}', value / 7.0, randomblob(1000) FROM s`)
  await execute(leader.url, ...statements)
  expected = await digest(leader)
  expect(expected).toContain('foo=')
  // Fold the WAL now: a snapshot falling due mid-backup would abandon the backup's image.
  for (const n of source) await n.node.waitCaughtUp().then(() => n.node.snapshot())
}, 120_000)

afterAll(async () => {
  for (const n of [...source, ...target]) await n.stop()
  rmSync(dir, { recursive: true, force: true })
})

describe('GET /db/backup', () => {
  test('the formats: a SQLite file (WAL or rollback header), a SQL dump, gzip, vacuum', async () => {
    const leader = await leaderOf(source)
    const binary = await backup(leader.url)
    expect(binary.status).toBe(200)
    expect(binary.headers.get('content-type')).toBe('application/octet-stream')
    expect(new TextDecoder().decode(binary.bytes.subarray(0, 16))).toBe('SQLite format 3\0')
    expect([binary.bytes[18], binary.bytes[19]]).toEqual([2, 2])
    const del = await backup(leader.url, '?fmt=DELETE')
    expect([del.bytes[18], del.bytes[19]]).toEqual([1, 1])
    const sql = await backup(leader.url, '?fmt=sql')
    expect(sql.headers.get('content-type')).toBe('application/sql')
    const text = new TextDecoder().decode(sql.bytes)
    expect(text.startsWith('PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n')).toBe(true)
    expect(text.trimEnd().endsWith('COMMIT;')).toBe(true)
    const gz = await backup(leader.url, '?compress')
    expect([gz.bytes[0], gz.bytes[1]]).toEqual([0x1f, 0x8b])
    expect(Buffer.from(gunzipSync(gz.bytes)).equals(binary.bytes)).toBe(true) // toEqual on MiBs takes minutes
    const vacuumed = await backup(leader.url, '?vacuum')
    expect(vacuumed.status).toBe(200)
    const file = join(dir, 'vacuumed.db')
    writeFileSync(file, vacuumed.bytes)
    expect(execFileSync('sqlite3', [file, 'PRAGMA integrity_check; SELECT count(*) FROM foo;']).toString()).toBe('ok\n3000\n')
    expect((await backup(leader.url, '?vacuum&fmt=sql')).status).toBe(400)
    expect((await fetch(`${leader.url}/db/backup`, { method: 'POST' })).status).toBe(405)
  }, 120_000)

  test('the SQL dump loads into sqlite3 and the SQLite file opens in it, with the same rows', async () => {
    const leader = await leaderOf(source)
    const dumpFile = join(dir, 'from-dump.db')
    execFileSync('sqlite3', [dumpFile], { input: Buffer.from((await backup(leader.url, '?fmt=sql')).bytes) })
    const binFile = join(dir, 'binary.db')
    writeFileSync(binFile, (await backup(leader.url)).bytes)
    const sum = "SELECT count(*), sum(length(raw)), total(score), group_concat(name, ',') FROM (SELECT * FROM foo ORDER BY id); SELECT * FROM kv;"
    const fromDump = execFileSync('sqlite3', [dumpFile, sum]).toString()
    expect(fromDump).toContain('3000|3000000|')
    expect(execFileSync('sqlite3', [binFile, sum]).toString()).toBe(fromDump)
    // tables= picks tables.
    const kvOnly = new TextDecoder().decode((await backup(leader.url, '?fmt=sql&tables=kv')).bytes)
    expect(kvOnly).toContain('CREATE TABLE kv')
    expect(kvOnly).not.toContain('CREATE TABLE foo')
  }, 60_000)

  test('a follower forwards to the leader, redirects with ?redirect, serves its own copy with ?noleader', async () => {
    const leader = await leaderOf(source)
    const follower = await followerOf(source)
    const viaFollower = await backup(follower.url)
    expect(viaFollower.status).toBe(200)
    expect(viaFollower.headers.get('x-rqlite-served-by')).toBe(leader.raftAddr)
    const redirected = await backup(follower.url, '?redirect&fmt=sql')
    expect(redirected.status).toBe(301)
    expect(redirected.headers.get('location')).toBe(`${leader.url}/db/backup?redirect&fmt=sql`)
    const own = await backup(follower.url, '?noleader&fmt=sql')
    expect(own.headers.get('x-rqlite-served-by')).toBe(follower.raftAddr)
    expect(new TextDecoder().decode(own.bytes)).toBe(new TextDecoder().decode((await backup(leader.url, '?fmt=sql')).bytes))
  }, 60_000)

  test('a backup taken while writes go on is a consistent database', async () => {
    const leader = await leaderOf(source)
    await execute(leader.url, 'CREATE TABLE IF NOT EXISTS busy (n INTEGER)')
    let writing = true
    let written = 0
    const writer = (async () => {
      const deadline = Date.now() + 10_000
      while (writing && written < 500 && Date.now() < deadline) {
        await execute(leader.url, `INSERT INTO busy VALUES (${written})`)
        written++
      }
    })()
    let taken: Awaited<ReturnType<typeof backup>>
    try {
      await until('some writes', () => written >= 20, 30_000)
      taken = await backup(leader.url)
    } finally {
      writing = false
      await writer
    }
    const file = join(dir, 'during-writes.db')
    writeFileSync(file, taken.bytes)
    const [check, count, max] = execFileSync('sqlite3', [file, 'PRAGMA integrity_check; SELECT count(*), coalesce(max(n), -1) + 1 FROM busy;']).toString().trim().split(/\n|\|/)
    expect(check).toBe('ok')
    expect(Number(count)).toBe(Number(max)) // a prefix of the writes, none torn
    expect(Number(count)).toBeGreaterThanOrEqual(20)
    await execute(leader.url, 'DROP TABLE busy')
    expected = await digest(leader)
    for (const n of source) await n.node.waitCaughtUp().then(() => n.node.snapshot())
  }, 60_000)
})

describe('POST /db/load and /boot', () => {
  test.each([
    ['binary', ''],
    ['fmt=delete', '?fmt=delete'],
    ['vacuum', '?vacuum'],
    ['compressed, unpacked by the client', '?compress'],
    ['SQL dump', '?fmt=sql'],
  ])('a %s backup loaded through a follower of a fresh cluster gives the same rows on every node', async (_name, query) => {
    const leader = await leaderOf(source)
    let bytes = (await backup(leader.url, query)).bytes
    if (query === '?compress') bytes = new Uint8Array(gunzipSync(bytes))
    const tLeader = await leaderOf(target)
    await execute(tLeader.url, 'DROP TABLE IF EXISTS stale', 'CREATE TABLE stale (x)', 'INSERT INTO stale VALUES (1)')
    // SQL adds to what is there (as in rqlite): give it an empty database, as a fresh cluster has.
    if (query === '?fmt=sql') await execute(tLeader.url, 'DROP TABLE IF EXISTS stale', 'DROP TABLE IF EXISTS foo', 'DROP TABLE IF EXISTS kv')
    const before = tLeader.node.appliedIndex
    const res = await load((await followerOf(target)).url, bytes)
    expect(res.status, res.text).toBe(200)
    if (query === '?fmt=sql') {
      expect(JSON.parse(res.text)).toMatchObject({ results: [{}] })
    } else {
      expect(res.text).toBe('{"results":[]}')
      expect(tLeader.node.appliedIndex - before).toBeGreaterThanOrEqual(4) // chunks, not one giant entry
    }
    for (const n of target) {
      await until(`${n.node.id} caught up`, () => n.node.appliedIndex >= tLeader.node.appliedIndex)
      expect(await digest(n), n.node.id).toBe(expected)
    }
  }, 120_000)

  test('a dump made by sqlite3 .dump loads', async () => {
    const file = join(dir, 'theirs.db')
    execFileSync('sqlite3', [file], { input: "CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT); INSERT INTO t VALUES (1, 'semi;colon'), (2, 'it''s'); CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET b = b || '!' WHERE a = new.a; END;" })
    const dump = execFileSync('sqlite3', [file, '.dump']).toString()
    const tLeader = await leaderOf(target)
    const res = await load(tLeader.url, dump)
    expect(res.status, res.text).toBe(200)
    const rows = await tLeader.node.query([{ sql: 'SELECT a, b FROM t ORDER BY a', positional: [], named: null }])
    expect(rows[0]).toMatchObject({ rows: { rows: [[1n, 'semi;colon'], [2n, "it's"]] } })
  }, 60_000)

  test('not a database nor SQL, a corrupt file, a truncated file, failing SQL: 400 with the reason, data untouched', async () => {
    const leader = await leaderOf(source)
    const good = (await backup(leader.url)).bytes
    const tLeader = await leaderOf(target)
    const before = await digest(tLeader)
    const truncated = good.subarray(0, good.length - 1000)
    const corrupt = good.slice()
    const pageSize = corrupt[16] * 256 + corrupt[17]
    corrupt.fill(0xab, pageSize, pageSize * 3)
    const cases: [Uint8Array | string, RegExp][] = [
      [truncated, /^invalid SQLite data: .*not a whole number/],
      [corrupt, /^invalid SQLite data/],
      ['INSERT INTO nowhere VALUES (1)', /^invalid SQL, nothing loaded: no such table: nowhere/],
      ['CREATE TABLE fresh (x); INSERT INTO fresh VALUES (1); INSERT INTO nowhere VALUES (2);', /no such table: nowhere/],
      ['', /^invalid load data/],
    ]
    for (const [body, message] of cases) {
      const res = await load(tLeader.url, body)
      expect(res.status, res.text).toBe(400)
      expect(res.text).toMatch(message)
    }
    expect(await digest(tLeader)).toBe(before)
    const boot = await load(tLeader.url, 'not sqlite', '/boot')
    expect(boot.status).toBe(503) // three nodes: not single-node (leader) — checked before the body
  }, 60_000)

  test('a load that stops half way, or whose chunks do not match, leaves the old data on every node', async () => {
    const leader = await leaderOf(source)
    const good = (await backup(leader.url, '?fmt=delete')).bytes
    const tLeader = await leaderOf(target)
    const before = await digest(tLeader)
    // Half the chunks, then nothing: staged, never swapped in.
    await tLeader.node.command(LOAD_CHUNK_COMMAND, encodeLoadChunk('half', 0, good.subarray(0, 4096)))
    // A commit that does not match what was staged: refused on every node.
    await expect(tLeader.node.command(LOAD_COMMIT_COMMAND, encodeLoadCommit({ id: 'half', chunks: 1, bytes: good.length, crc32c: 0 }))).rejects.toThrow(/do not match/)
    for (const n of target) {
      await until(`${n.node.id} caught up`, () => n.node.appliedIndex >= tLeader.node.appliedIndex)
      expect(await digest(n), n.node.id).toBe(before)
    }
    // And a whole load still works afterwards.
    expect((await load(tLeader.url, good)).status).toBe(200)
    expect(await digest(tLeader)).toBe(expected)
  }, 60_000)

  test('/boot loads a lone node, and only a lone leader', async () => {
    const leader = await leaderOf(source)
    const bytes = (await backup(leader.url)).bytes
    const lone = await startTestNode('boot1')
    try {
      await lone.node.ready
      const bad = await load(lone.url, 'definitely not SQLite', '/boot')
      expect(bad).toEqual({ status: 400, text: 'invalid SQLite data\n' })
      const res = await load(lone.url, bytes, '/boot')
      expect(res.status, res.text).toBe(200)
      expect(res.text).toBe('')
      expect(await digest(lone)).toBe(expected)
      expect(lone.node.lastSnapshotIndex).toBeGreaterThan(0)
    } finally {
      await lone.stop()
    }
  }, 60_000)
})
