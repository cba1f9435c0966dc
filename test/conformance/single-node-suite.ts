/**
 * The single-node conformance suite: rqlite compat-doc acceptance scenarios 1–10, 13 and 14,
 * with byte-exact bodies where the doc gives them. It talks HTTP to a base URL only, so it runs
 * against a node on any runtime (each runtime's test file supplies the node).
 */
import { describe, expect, test } from 'vitest'

export interface Target {
  /** e.g. `http://127.0.0.1:4001` */
  url(): string
}

async function post(base: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  return { status: res.status, text: await res.text(), headers: res.headers }
}

async function get(base: string, path: string): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(`${base}${path}`)
  return { status: res.status, text: await res.text(), headers: res.headers }
}

const q = (sql: string) => `/db/query?q=${encodeURIComponent(sql)}`

export function singleNodeSuite(target: Target): void {
  describe('single node conformance', () => {
    test('scenario 1: ready, and leader of itself', async () => {
      const readyz = await get(target.url(), '/readyz')
      expect(readyz.status).toBe(200)
      expect(readyz.text).toBe('[+]node ok\n[+]leader ok\n[+]store ok')
      const status = JSON.parse((await get(target.url(), '/status')).text)
      expect(status.store.raft.state).toBe('Leader')
      expect(status.store.leader.addr).not.toBe('')
      expect(status.store.leader.node_id).not.toBe('')
      expect(status.store.sqlite3.pragmas.rw.journal_mode).toBe('wal')
    })

    test('scenario 2: create and insert, exact bodies', async () => {
      const base = target.url()
      expect((await post(base, '/db/execute', ['CREATE TABLE foo (id INTEGER NOT NULL PRIMARY KEY, name TEXT)'])).text).toBe('{"results":[{}]}')
      const ins = await post(base, '/db/execute', ['INSERT INTO foo(name) VALUES("fiona")'])
      expect(ins.status).toBe(200)
      expect(ins.headers.get('content-type')).toBe('application/json; charset=utf-8')
      expect(ins.headers.get('x-rqlite-version')).toMatch(/^v\d/)
      expect(ins.text).toBe('{"results":[{"last_insert_id":1,"rows_affected":1}]}')
    })

    test('scenario 3: query shapes, empty result, associative', async () => {
      const base = target.url()
      expect((await get(base, q('SELECT * FROM foo'))).text).toBe(
        '{"results":[{"columns":["id","name"],"types":["integer","text"],"values":[[1,"fiona"]]}]}',
      )
      expect((await get(base, q("SELECT * FROM foo WHERE name='nobody'"))).text).toBe(
        '{"results":[{"columns":["id","name"],"types":["integer","text"]}]}',
      )
      expect((await get(base, `${q('SELECT * FROM foo')}&associative`)).text).toBe(
        '{"results":[{"types":{"id":"integer","name":"text"},"rows":[{"id":1,"name":"fiona"}]}]}',
      )
      expect((await get(base, '/db/query')).text).toBe('{"results":[]}')
    })

    test('scenario 4: SQL errors are 200 with a per-statement error', async () => {
      const base = target.url()
      const bad = await post(base, '/db/execute', ['blah'])
      expect(bad.status).toBe(200)
      expect(bad.text).toBe('{"results":[{"error":"near \\"blah\\": syntax error"}]}')
      expect((await get(base, q('SELECT * FROM bar'))).text).toBe('{"results":[{"error":"no such table: bar"}]}')
    })

    test('scenario 5: parameters, NULL, BLOBs, int vs float', async () => {
      const base = target.url()
      await post(base, '/db/execute', ['CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT, age, b BLOB)'])
      const body = `[["INSERT INTO p(name, age) VALUES(?, ?)", "fiona", 20],
        ["INSERT INTO p(name, age) VALUES(:name, :age)", {"name": "declan", "age": 20.0}],
        ["INSERT INTO p(name, age) VALUES(?, ?)", null, 9223372036854775807],
        ["INSERT INTO p(b) VALUES(?)", "x'deadbeef'"],
        ["INSERT INTO p(b) VALUES(?)", [222,173,190,239]]]`
      expect((await post(base, '/db/execute', body)).text).toBe(
        '{"results":[{"last_insert_id":1,"rows_affected":1},{"last_insert_id":2,"rows_affected":1},{"last_insert_id":3,"rows_affected":1},{"last_insert_id":4,"rows_affected":1},{"last_insert_id":5,"rows_affected":1}]}',
      )
      expect((await get(base, q('SELECT name, age, typeof(age) FROM p WHERE id <= 3'))).text).toBe(
        '{"results":[{"columns":["name","age","typeof(age)"],"types":["text","integer","text"],"values":[["fiona",20,"integer"],["declan",20,"real"],[null,9223372036854775807,"integer"]]}]}',
      )
      expect((await get(base, q('SELECT b FROM p WHERE id >= 4'))).text).toBe(
        '{"results":[{"columns":["b"],"types":["blob"],"values":[["3q2+7w=="],["3q2+7w=="]]}]}',
      )
      expect((await get(base, `${q('SELECT b FROM p WHERE id = 4')}&blob_array`)).text).toBe(
        '{"results":[{"columns":["b"],"types":["blob"],"values":[[[222,173,190,239]]]}]}',
      )
    })

    test('scenario 6: bulk with and without a transaction', async () => {
      const base = target.url()
      await post(base, '/db/execute', ['CREATE TABLE bulk (id INTEGER PRIMARY KEY, v TEXT UNIQUE)'])
      const loose = await post(base, '/db/execute', [
        "INSERT INTO bulk(v) VALUES('a')", "INSERT INTO bulk(v) VALUES('a')", "INSERT INTO bulk(v) VALUES('b')",
      ])
      expect(loose.text).toBe(
        '{"results":[{"last_insert_id":1,"rows_affected":1},{"error":"UNIQUE constraint failed: bulk.v"},{"last_insert_id":2,"rows_affected":1}]}',
      )
      const tx = await post(base, '/db/execute?transaction', [
        "INSERT INTO bulk(v) VALUES('c')", "INSERT INTO bulk(v) VALUES('a')", "INSERT INTO bulk(v) VALUES('d')",
      ])
      expect(tx.text).toBe('{"results":[{"last_insert_id":3,"rows_affected":1},{"error":"UNIQUE constraint failed: bulk.v"}]}')
      expect((await get(base, q('SELECT v FROM bulk ORDER BY v'))).text).toBe(
        '{"results":[{"columns":["v"],"types":["text"],"values":[["a"],["b"]]}]}',
      )
    })

    test('scenario 7: unified endpoint, plain and associative', async () => {
      const base = target.url()
      await post(base, '/db/execute', ['CREATE TABLE u (id INTEGER NOT NULL PRIMARY KEY, name TEXT, age INTEGER)'])
      const assoc = await post(base, '/db/request?associative', [
        ['INSERT INTO u(name, age) VALUES(?, ?)', 'fiona', 20], ['SELECT * FROM u'], ['SELECT * FROM bar'],
      ])
      expect(assoc.text).toBe(
        '{"results":[{"last_insert_id":1,"rows_affected":1,"rows":null},{"types":{"age":"integer","id":"integer","name":"text"},"rows":[{"age":20,"id":1,"name":"fiona"}]},{"error":"no such table: bar"}]}',
      )
      const plain = await post(base, '/db/request', [['SELECT name FROM u'], ["UPDATE u SET age = 21 WHERE name = 'fiona'"]])
      expect(plain.text).toBe('{"results":[{"columns":["name"],"types":["text"],"values":[["fiona"]]},{"last_insert_id":1,"rows_affected":1}]}')
      const readOnly = await post(base, '/db/request', [['SELECT age FROM u']])
      expect(readOnly.text).toBe('{"results":[{"columns":["age"],"types":["integer"],"values":[[21]]}]}')
    })

    test('scenario 8: RETURNING through the write path', async () => {
      const base = target.url()
      await post(base, '/db/execute', ['CREATE TABLE r (id INTEGER NOT NULL PRIMARY KEY, name TEXT)', "INSERT INTO r(name) VALUES('fiona')"])
      expect((await post(base, '/db/execute', ["INSERT INTO r(name) VALUES('declan') RETURNING *"])).text).toBe(
        '{"results":[{"columns":["id","name"],"types":["integer","text"],"values":[[2,"declan"]]}]}',
      )
      expect((await post(base, '/db/execute?associative', ["UPDATE r SET name = 'x' WHERE id = 99 RETURNING name"])).text).toBe(
        '{"results":[{"types":{"name":"text"},"rows":[]}]}',
      )
    })

    test('scenario 9: disallowed pragmas; readable pragmas', async () => {
      const base = target.url()
      expect((await post(base, '/db/execute', ['PRAGMA synchronous = NORMAL'])).text).toBe('{"results":[],"error":"disallowed pragma"}')
      expect((await post(base, '/db/execute', ['  PRAGMA JOURNAL_MODE=DELETE'])).text).toBe('{"results":[],"error":"disallowed pragma"}')
      expect((await post(base, '/db/execute', ['SELECT 1; PRAGMA wal_checkpoint(TRUNCATE)'])).text).toBe('{"results":[],"error":"disallowed pragma"}')
      // rqlite fills an undeclared column type from the first row (db.go populateEmptyTypes), so
      // this is "integer"; the compat doc's `types:[""]` predates that.
      expect((await get(base, q('PRAGMA foreign_keys'))).text).toBe('{"results":[{"columns":["foreign_keys"],"types":["integer"],"values":[[0]]}]}')
      // SQLite does not count `PRAGMA journal_mode` as read-only, so it goes through /db/request.
      expect((await post(base, '/db/request', ['PRAGMA journal_mode'])).text).toBe('{"results":[{"columns":["journal_mode"],"types":["text"],"values":[["wal"]]}]}')
    })

    test('scenario 10: writes are refused on the query path', async () => {
      const base = target.url()
      const res = await post(base, '/db/query', ["INSERT INTO foo(name) VALUES('mallory')"])
      expect(res.text).toBe('{"results":[{"error":"attempt to change database via query operation"}]}')
      expect((await get(base, q("SELECT count(*) FROM foo WHERE name = 'mallory'"))).text).toContain('"values":[[0]]')
    })

    test('scenario 13: queued writes, wait, and flush barriers', async () => {
      const base = target.url()
      await post(base, '/db/execute', ['CREATE TABLE qw (v INTEGER)'])
      const queued = await post(base, '/db/execute?queue', [['INSERT INTO qw(v) VALUES(?)', 1]])
      expect(queued.text).toMatch(/^\{"results":\[\],"sequence_number":\d+\}$/)
      const waited = await post(base, '/db/execute?queue&wait', [['INSERT INTO qw(v) VALUES(?)', 2]])
      expect(waited.text).toMatch(/^\{"results":\[\],"sequence_number":\d+\}$/)
      expect(BigInt(JSON.parse(waited.text.replace(/(\d{16,})/, '"$1"')).sequence_number)).toBeGreaterThan(
        BigInt(JSON.parse(queued.text.replace(/(\d{16,})/, '"$1"')).sequence_number),
      )
      // Both are visible once the waited request returns (the earlier one flushed first).
      expect((await get(base, q('SELECT v FROM qw ORDER BY v'))).text).toContain('"values":[[1],[2]]')
      expect((await post(base, '/db/execute?queue&wait', '')).status).toBe(200)
      expect((await post(base, '/db/execute?queue&wait', 'null')).status).toBe(200)
      const none = await post(base, '/db/execute?queue', [])
      expect(none.status).toBe(400)
      expect(none.text).toBe('no statements\n')
      const status = JSON.parse((await get(base, '/status')).text.replace(/"sequence_number":(\d+)/, '"sequence_number":"$1"'))
      expect(BigInt(status.http.queue._default.sequence_number)).toBeGreaterThan(0n)
    })

    test('scenario 14: db_timeout interrupts a long query', async () => {
      const base = target.url()
      await post(base, '/db/execute', ['CREATE TABLE big (v INTEGER)'])
      await post(base, '/db/execute', ['WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000) INSERT INTO big SELECT abs(random()) FROM c'])
      const slow = 'SELECT a.v FROM big a, big b ORDER BY a.v * b.v LIMIT 1'
      expect((await get(base, `${q(slow)}&db_timeout=1ms`)).text).toBe('{"results":[{"error":"query timeout"}]}')
    })

    test('bad input gets the documented status and the node keeps serving', async () => {
      const base = target.url()
      expect(await post(base, '/db/execute', '["SELECT 1", nope')).toMatchObject({ status: 400, text: 'invalid JSON body\n' })
      expect(await post(base, '/db/execute', '{"a":1}')).toMatchObject({ status: 400, text: 'invalid request\n' })
      expect(await post(base, '/db/execute', '[]')).toMatchObject({ status: 400, text: 'no statements\n' })
      expect(await get(base, '/db/execute')).toMatchObject({ status: 405, text: '' })
      expect(await get(base, '/no/such/route')).toMatchObject({ status: 404, text: '' })
      expect(await get(base, `${q('SELECT 1')}&timeout=soon`)).toMatchObject({ status: 400, text: 'timeout is not a valid duration\n' })
      expect(await get(base, '/db/query?q=')).toMatchObject({ status: 400, text: 'query parameter not set\n' })
      const badUtf8 = await fetch(`${base}/db/execute`, { method: 'POST', body: new Uint8Array([0x5b, 0x22, 0xff, 0xfe, 0x22, 0x5d]) })
      expect(badUtf8.status).toBe(400)
      const huge = await fetch(`${base}/db/execute`, { method: 'POST', body: `["${'x'.repeat(3 * 1024 * 1024)}"]` })
      expect(huge.status).toBe(413)
      const options = await fetch(`${base}/db/execute`, { method: 'OPTIONS' })
      expect(options.status).toBe(200)
      expect(options.headers.get('access-control-allow-methods')).toBe('OPTIONS, GET, POST')
      expect((await get(base, q('SELECT 1 AS one'))).text).toBe('{"results":[{"columns":["one"],"types":["integer"],"values":[[1]]}]}')
    })

    test('pretty, timings and raft_index', async () => {
      const base = target.url()
      const pretty = await get(base, `${q('SELECT 1 AS one')}&pretty`)
      expect(pretty.text).toBe('{\n    "results": [\n        {\n            "columns": [\n                "one"\n            ],\n            "types": [\n                "integer"\n            ],\n            "values": [\n                [\n                    1\n                ]\n            ]\n        }\n    ]\n}')
      const timed = JSON.parse((await post(base, '/db/execute?timings&raft_index', ['CREATE TABLE IF NOT EXISTS t1 (v)'])).text)
      expect(timed.time).toBeGreaterThan(0)
      expect(timed.results[0].time).toBeGreaterThan(0)
      expect(timed.raft_index).toBeGreaterThan(0)
    })

    test('/nodes, /leader and /db/sql', async () => {
      const base = target.url()
      const nodes = JSON.parse((await get(base, '/nodes')).text)
      const [only] = Object.values(nodes) as Record<string, unknown>[]
      expect(only).toMatchObject({ voter: true, reachable: true, leader: true })
      expect(String(only.api_addr)).toMatch(/^http:\/\//)
      expect(JSON.parse((await get(base, '/nodes?ver=2')).text).nodes).toHaveLength(1)
      expect(JSON.parse((await get(base, '/leader')).text)).toMatchObject({ leader: true })
      const sql = await post(base, '/db/sql', ['INSERT INTO foo(v) VALUES(RANDOM())'])
      expect(JSON.parse(sql.text)).toEqual({
        results: [{ original: 'INSERT INTO foo(v) VALUES(RANDOM())', rewritten: 'INSERT INTO foo(v) VALUES(RANDOM())', pinned: ['random'] }],
      })
    })
  })
}
