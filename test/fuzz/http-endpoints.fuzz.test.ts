// Every HTTP endpoint, and the cluster port, with random methods, paths, query strings, headers,
// credentials and bodies: the node never crashes or hangs, answers 4xx with a message (rqlite's
// empty 401/404/405 aside), answers 5xx only where rqlite does (a failed cluster operation, a
// route not built yet), and its database stays intact.
import fc from 'fast-check'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { startNode, type RaftliteNode } from '../../runtimes/node/mod.ts'
import { encodeWire } from '../../src/cluster/wire.ts'
import { tempDataDir } from '../support/raftlited-process.ts'
import { fuzzRuns, fuzzSeed, fuzzTimeout, report } from './fuzz-runs.ts'

let node: RaftliteNode
let stopped = false
const seen = new Map<string, number>()
const BOB = `Basic ${btoa('bob:secret1')}`

beforeAll(async () => {
  node = await startNode({
    dataDir: tempDataDir('raftlite-fuzz-'),
    users: [
      { username: 'bob', password: 'secret1', perms: ['all'] },
      { username: '*', perms: ['status', 'ready', 'query'] },
    ],
    httpMaxStatements: 50,
    httpMaxParams: 20,
  })
  node.addEventListener('stopped', () => (stopped = true))
  await call(node.api(), 'POST', '/db/execute', { Authorization: BOB, 'Content-Type': 'application/json' }, JSON.stringify(['CREATE TABLE canary_9f3 (v)', "INSERT INTO canary_9f3 VALUES ('alive')"]))
}, 60_000)

afterAll(async () => {
  await node.stop()
})

async function call(app: { request(path: string, init: RequestInit): Response | Promise<Response> }, method: string, path: string, headers: Record<string, string>, body?: BodyInit) {
  const res = await Promise.race([
    app.request(path, { method, headers, body: method === 'GET' || method === 'HEAD' ? undefined : body }),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${method} ${path} hung`)), 15_000)),
  ])
  return { status: res.status, text: await res.text() }
}

const ROUTES = ['/db/execute', '/db/query', '/db/request', '/db/sql', '/db/backup', '/db/load', '/db/changes', '/boot', '/status', '/nodes', '/readyz', '/remove', '/leader', '/debug/vars', '/snapshot', '/reap', '/metrics', '/console', '/', '/nope']
const KEYS = ['pretty', 'timings', 'level', 'freshness', 'freshness_strict', 'timeout', 'db_timeout', 'q', 'queue', 'wait', 'redirect', 'transaction', 'associative', 'blob_array', 'ver', 'key', 'trailing_logs', 'noleader', 'nonvoters', 'retries', 'raft_index', 'linearizable_timeout', 'fmt', 'id']
const SQL = ['SELECT 1', 'SELECT ?', 'SELECT :a, @b, $c', 'CREATE TABLE IF NOT EXISTS f (a, b)', 'INSERT INTO f VALUES (?, ?)', 'SELECT * FROM f', 'DELETE FROM f', 'PRAGMA journal_mode=DELETE', "ATTACH 'x.db' AS x", "VACUUM INTO '/tmp/x.db'", 'SELECT randomblob(10)', 'BEGIN', 'COMMIT', 'SELECT * FROM nope', 'INSERT INTO f VALUES (1) RETURNING *', 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c LIMIT 100) SELECT x FROM c']
const param = fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 8 }), fc.boolean(), fc.constant(null), fc.array(fc.integer({ min: -2, max: 300 }), { maxLength: 4 }), fc.constantFrom("x'deadbeef'", '1e400', '-0'))
const statement = fc.oneof(
  fc.constantFrom(...SQL),
  fc.string({ maxLength: 20 }),
  fc.tuple(fc.constantFrom(...SQL), fc.array(param, { maxLength: 4 })).map(([s, p]) => [s, ...p]),
  fc.tuple(fc.constantFrom(...SQL), fc.dictionary(fc.constantFrom('a', 'b', 'c', 'zz'), param)).map(([s, d]) => [s, d]),
)
const body = fc.oneof(
  fc.constant(undefined),
  fc.string({ maxLength: 40 }),
  fc.json({ maxDepth: 3 }),
  fc.array(statement, { maxLength: 6 }).map((s) => JSON.stringify(s)),
  fc.array(statement, { minLength: 51, maxLength: 55 }).map((s) => JSON.stringify(s)),
  fc.constantFrom('{"id":"1"}', '{"id":"nobody"}', '{"id":2}', 'null', '[]', '[[]]', '[["SELECT ?", 1e400]]', 'SQLite format 3\u0000'),
)
const query = fc.array(fc.tuple(fc.constantFrom(...KEYS), fc.option(fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('1s', '1ms', '0', 'none', 'strong', 'weak', 'linearizable', 'auto', 'SELECT 1', 'http', '-1')))), { maxLength: 5 })
const auth = fc.oneof(fc.constant(undefined), fc.constant(BOB), fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }).map((s) => `Basic ${btoa(unescape(encodeURIComponent(s)))}`))
const request = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'),
  route: fc.constantFrom(...ROUTES),
  suffix: fc.oneof(fc.constant(''), fc.constantFrom('/', 'x', '/../status', '%00', '%2e%2e')),
  query,
  contentType: fc.constantFrom(undefined, 'application/json', 'text/plain', 'application/octet-stream'),
  auth,
  body,
})

/**
 * 5xx answers rqlite gives too: cluster operations that fail, routes raftlite has not built yet;
 * and /db/changes, which answers 503 with a message on a node started without -cdc-config.
 */
const FIVE_XX_ALLOWED = /^\/(leader|remove|snapshot|reap|db\/backup|db\/load|boot|db\/changes)/

test('the HTTP API', async () => {
  const runs = fuzzRuns(400)
  const app = node.api()
  await fc.assert(
    fc.asyncProperty(request, async (r) => {
      const qs = r.query.map(([k, v]) => (v === null ? k : `${k}=${encodeURIComponent(v)}`)).join('&')
      const path = `${r.route}${r.suffix}${qs ? `?${qs}` : ''}`
      const headers: Record<string, string> = {}
      if (r.contentType) headers['Content-Type'] = r.contentType
      if (r.auth) headers.Authorization = r.auth
      const res = await call(app, r.method, path, headers, r.body)
      const label = `${r.method} ${path} ${String(r.body).slice(0, 80)}`
      seen.set(`${r.route} ${res.status}`, (seen.get(`${r.route} ${res.status}`) ?? 0) + 1)
      expect(res.status, label).toBeGreaterThanOrEqual(200)
      if (res.status >= 500) {
        expect(`${r.route}${r.suffix}`, `${label} → ${res.status} ${res.text}`).toMatch(FIVE_XX_ALLOWED)
        expect(res.text.length, label).toBeGreaterThan(0)
      }
      if (res.status >= 400 && res.status < 500 && ![401, 404, 405].includes(res.status)) expect(res.text.length, `${label} → ${res.status}`).toBeGreaterThan(0)
    }),
    { numRuns: runs, seed: fuzzSeed() },
  )
  report('HTTP API', runs)
  if (process.env.FUZZ_STATS) console.log([...seen].sort().map(([k, v]) => `${k}: ${v}`).join('\n'))
  await checkIntact()
}, fuzzTimeout())

test('the cluster port: random bodies and headers on every route', async () => {
  const runs = fuzzRuns(400)
  const app = node.clusterApi()
  const rpc = fc.record({ op: fc.constantFrom('meta', 'execute', 'query', 'request', 'bogus'), statements: fc.array(fc.record({ sql: fc.constantFrom(...SQL), positional: fc.array(param, { maxLength: 2 }), named: fc.constant(null) }), { maxLength: 3 }), transaction: fc.boolean(), timeoutMs: fc.nat(100), level: fc.constantFrom('none', 'weak', 'x') }, { requiredKeys: ['op'] })
  const input = fc.record({
    route: fc.constantFrom('/raft/messages', '/cluster/rpc', '/raft/snapshot', '/raft/snapshot/offset?index=1&term=1', '/raft/snapshot/offset?index=x', '/cluster/meta', '/nope'),
    method: fc.constantFrom('GET', 'POST'),
    body: fc.oneof(fc.uint8Array({ maxLength: 64 }), rpc.map((r) => encodeWire(r)), fc.array(fc.record({ type: fc.constantFrom('heartbeatResp', 'appendResp', 'x'), from: fc.constant('other'), to: fc.constant('someone-else'), term: fc.nat(3) }, { requiredKeys: [] })).map((m) => encodeWire(m))),
    snapshotHeader: fc.option(fc.oneof(fc.string({ maxLength: 20 }), fc.base64String({ maxLength: 40 }))),
    sender: fc.option(fc.string({ maxLength: 10 })),
  })
  await fc.assert(
    fc.asyncProperty(input, async (r) => {
      const headers: Record<string, string> = { 'Content-Type': 'application/cbor' }
      if (r.snapshotHeader !== null) headers['X-Raftlite-Snapshot'] = r.snapshotHeader
      if (r.sender !== null) headers['X-Raftlite-Sender'] = r.sender
      const res = await call(app, r.method, r.route, headers, r.body as Uint8Array<ArrayBuffer>)
      expect(res.status, `${r.method} ${r.route} → ${res.status} ${res.text}`).toBeLessThan(500)
      if (res.status >= 400 && res.status !== 404) expect(res.text.length).toBeGreaterThan(0)
    }),
    { numRuns: runs, seed: fuzzSeed() },
  )
  report('cluster port', runs)
  await checkIntact()
}, fuzzTimeout())

async function checkIntact(): Promise<void> {
  expect(stopped).toBe(false)
  const canary = await call(node.api(), 'GET', '/db/query?q=SELECT%20v%20FROM%20canary_9f3', { Authorization: BOB })
  expect(canary.text).toBe('{"results":[{"columns":["v"],"types":["text"],"values":[["alive"]]}]}')
  const integrity = await call(node.api(), 'GET', '/db/query?q=PRAGMA%20integrity_check', { Authorization: BOB })
  expect(integrity.text).toContain('[["ok"]]')
}
