// SQL against a real node cannot escape the database: statements that open files and the
// pragmas rqlite refuses are refused on every path (HTTP, a forged cluster RPC, a log replay),
// no file appears anywhere, and ordinary SQL keeps working.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT, type RaftlitedProcess, restartRaftlited, startRaftlited, tempDataDir } from '../support/raftlited-process.ts'
import { CBOR_TYPE, decodeWire, encodeWire } from '../../src/cluster/wire.ts'
import type { RpcRequest, RpcResponse } from '../../src/cluster/rpc.ts'

/** Relative names resolve against the node's working directory (the repository). */
const RELATIVE = `raftlite-escape-${process.pid}-`
let node: RaftlitedProcess
let outside: string

beforeAll(async () => {
  node = await startRaftlited()
  outside = tempDataDir('raftlite-outside-')
})

afterAll(async () => {
  await node?.stop()
  for (const name of readdirSync(ROOT)) if (name.startsWith(RELATIVE)) rmSync(join(ROOT, name), { force: true })
})

interface Reply {
  status: number
  body: { results: { error?: string; values?: unknown[][]; rows_affected?: number }[]; error?: string }
}

async function post(path: string, body: unknown): Promise<Reply> {
  const res = await fetch(`${node.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
  return { status: res.status, body: await res.json() }
}

async function rpc(request: RpcRequest): Promise<RpcResponse> {
  const res = await fetch(`http://${node.raftAddr}/cluster/rpc`, { method: 'POST', headers: { 'Content-Type': CBOR_TYPE }, body: encodeWire(request) as Uint8Array<ArrayBuffer> })
  expect(res.status).toBe(200)
  return decodeWire<RpcResponse>(new Uint8Array(await res.arrayBuffer()))
}

async function rwPragmas(): Promise<Record<string, string>> {
  const status = await (await fetch(`${node.url}/status`)).json()
  return status.store.sqlite3.pragmas.rw
}

/** Every file below `dir`, as paths relative to it. */
function walk(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
}

/** No file with a name the tests used exists, inside the data directory or out. */
function expectNoEscape(): void {
  expect(walk(outside)).toEqual([])
  expect(readdirSync(ROOT).filter((n) => n.startsWith(RELATIVE))).toEqual([])
  expect(walk(node.dataDir).filter((p) => p.includes('escape') || p.includes('evil'))).toEqual([])
}

const errorOf = (reply: Reply) => reply.body.error ?? reply.body.results[0]?.error

describe('statements that name files', () => {
  const cases = () => [
    { sql: `ATTACH DATABASE '${outside}/evil.db' AS e`, error: 'disallowed attach' },
    { sql: `ATTACH '${RELATIVE}a.db' AS e`, error: 'disallowed attach' },
    { sql: `ATTACH '${node.dataDir}/evil.db' AS e`, error: 'disallowed attach' },
    { sql: "ATTACH ':memory:' AS m", error: 'disallowed attach' },
    { sql: 'DETACH DATABASE m', error: 'disallowed detach' },
    { sql: `VACUUM INTO '${outside}/evil2.db'`, error: 'disallowed vacuum into' },
    { sql: `VACUUM main INTO '${RELATIVE}v.db'`, error: 'disallowed vacuum into' },
  ]

  test('ATTACH, DETACH and VACUUM INTO are refused on /db/execute and /db/request, and no file appears', async () => {
    await post('/db/execute', ['CREATE TABLE t (x)', 'INSERT INTO t VALUES (1)'])
    for (const { sql, error } of cases()) {
      for (const path of ['/db/execute', '/db/request']) {
        const reply = await post(path, [sql, 'CREATE TABLE e.t (x)', 'INSERT INTO e.t VALUES (1)'])
        expect(reply.status, `${path} ${sql}`).toBe(200)
        expect(errorOf(reply), `${path} ${sql}`).toBe(error)
      }
    }
    // A bound filename, as the client would send it with parameters.
    expect(errorOf(await post('/db/execute', [['ATTACH ? AS e', `${outside}/bound.db`]]))).toBe('disallowed attach')
    expect(errorOf(await post('/db/execute', [['VACUUM INTO ?', `${outside}/bound.db`]]))).toBe('disallowed vacuum into')
    expectNoEscape()
  })

  test('and on /db/query (VACUUM INTO is refused there as a write)', async () => {
    for (const { sql, error } of cases()) {
      const reply = await post('/db/query', [sql])
      expect(errorOf(reply), sql).toBe(error === 'disallowed vacuum into' ? 'attempt to change database via query operation' : error)
    }
    expectNoEscape()
  })

  test('the pragma forms the regex let through are refused as rqlite refuses them', async () => {
    const before = await rwPragmas()
    for (const sql of ['PRAGMA wal_autocheckpoint(1)', 'PRAGMA synchronous(2)', '/*x*/ PRAGMA wal_autocheckpoint=1', 'pragma MAIN.journal_mode (delete)', 'SELECT 1;\n-- c\nPRAGMA query_only = 1']) {
      for (const path of ['/db/execute', '/db/query', '/db/request']) {
        const res = await fetch(`${node.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify([sql]) })
        expect(await res.text(), `${path} ${sql}`).toBe('{"results":[],"error":"disallowed pragma"}')
      }
    }
    expect(await rwPragmas()).toEqual(before)
  })

  test('load_extension does not exist', async () => {
    expect(errorOf(await post('/db/execute', [`SELECT load_extension('${outside}/x.so')`]))).toBe('no such function: load_extension')
    expect(errorOf(await post('/db/query', ["SELECT load_extension('x')"]))).toBe('no such function: load_extension')
  })
})

describe('a forged execute RPC on the cluster port', () => {
  const statement = (sql: string) => ({ sql, positional: [], named: null })

  test('carrying PRAGMA journal_mode=DELETE is refused, and the mode stays WAL', async () => {
    const reply = await rpc({ op: 'execute', statements: [statement('PRAGMA journal_mode=DELETE')], transaction: false, timeoutMs: 0 })
    expect(reply).toEqual({ ok: false, error: 'disallowed pragma' })
    expect((await rwPragmas()).journal_mode).toBe('wal')
  })

  test('carrying ATTACH or VACUUM INTO is refused, and no file appears', async () => {
    const attach = await rpc({ op: 'execute', statements: [statement(`ATTACH '${outside}/rpc.db' AS e`)], transaction: false, timeoutMs: 0 })
    expect(attach).toEqual({ ok: false, error: 'disallowed attach' })
    // VACUUM INTO shows only when it runs: it reaches the log and fails as it is applied.
    const vacuum = await rpc({ op: 'execute', statements: [statement(`VACUUM INTO '${outside}/rpc.db'`)], transaction: false, timeoutMs: 0 })
    expect(vacuum).toMatchObject({ ok: true, results: [{ kind: 'error', error: 'disallowed vacuum into' }] })
    expectNoEscape()
  })
})

describe('ordinary use', () => {
  test('transactions, plain VACUUM, temp tables and sorts that spill to temporary files', async () => {
    expect(errorOf(await post('/db/execute', ['CREATE TABLE big (id INTEGER PRIMARY KEY, v TEXT)']))).toBeUndefined()
    // ~8 MB: more than the 2 MB page cache, so CREATE INDEX and the GROUP BY below spill.
    const fill = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 40000) INSERT INTO big SELECT x, hex(randomblob(100)) FROM c'
    expect((await post('/db/execute', [fill, 'CREATE INDEX big_v ON big (v)'])).body.results.map((r) => r.error)).toEqual([undefined, undefined])
    const grouped = await post('/db/query', ['SELECT count(*) FROM (SELECT substr(v, 2) AS w FROM big GROUP BY w)'])
    expect(grouped.body.results[0].values).toEqual([[40000]])

    const failed = await post('/db/execute?transaction', ['INSERT INTO big (v) VALUES (1)', 'INSERT INTO big (id) VALUES (1)'])
    expect(failed.body.results[1].error).toContain('UNIQUE constraint failed')
    const explicit = await post('/db/execute', ['BEGIN', 'INSERT INTO big (v) VALUES (2)', 'COMMIT'])
    expect(explicit.body.results.map((r) => r.error)).toEqual([undefined, undefined, undefined])
    expect((await post('/db/query', ['SELECT count(*) FROM big'])).body.results[0].values).toEqual([[40001]])

    expect((await post('/db/execute', ['DELETE FROM big WHERE id % 2 = 0', 'VACUUM'])).body.results.map((r) => r.error)).toEqual([undefined, undefined])
    const temp = await post('/db/request', ['CREATE TEMP TABLE scratch (x)', 'INSERT INTO scratch SELECT id FROM big LIMIT 3', 'SELECT count(*) FROM scratch'])
    expect(temp.body.results[2].values).toEqual([[3]])
    expect((await post('/db/query', ['PRAGMA integrity_check'])).body.results[0].values).toEqual([['ok']])
    expectNoEscape()
  })
})

describe('after a restart', () => {
  test('replaying the log, refused entries included, fails them again: the node starts, nothing escapes', async () => {
    const before = (await post('/db/query', ['SELECT count(*) FROM big'])).body.results[0].values
    await node.stop()
    node = await restartRaftlited(node)
    expect((await post('/db/query', ['SELECT count(*) FROM big'])).body.results[0].values).toEqual(before)
    expect((await rwPragmas()).journal_mode).toBe('wal')
    expectNoEscape()
  })
})
