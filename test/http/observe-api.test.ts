// What the HTTP API records and serves for observability, on an in-process node: log lines for
// refused and slow requests (none for a fast success), /metrics, and the console's routes.
import { afterAll, beforeAll, expect, test } from 'vitest'
import { Logger, MemoryLogSink } from '../../src/observe/logger.ts'
import { RaftliteNode } from '../../src/node/raftlite-node.ts'
import { platformWith } from '../../src/node/platform.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'
import { checkedView } from '../../src/http/console-routes.ts'
import { requestObserver } from '../../src/http/request-observer.ts'
import { NodeMetrics } from '../../src/node/node-metrics.ts'
import type { HistogramSample, Sample } from '../../src/observe/metrics.ts'

const sink = new MemoryLogSink()
let node: RaftliteNode
/** While set, each reading of the monotonic clock is a second later than the last: any request is slow. */
let slowClock = false
let skew = 0
const clock = { now: () => Date.now(), monotonic: () => performance.now() + (slowClock ? (skew += 1000) : skew) }

beforeAll(async () => {
  const logger = new Logger({ sink, level: 'info' })
  node = await RaftliteNode.start({ dataDir: '/data', logSlowRequestMs: 500 }, platformWith(new MemoryFilePort(), { logger, clock }))
  await node.ready
})

afterAll(() => node.stop())

const call = (path: string, init?: RequestInit) => node.api().request(`http://node${path}`, init)
const httpLines = () => sink.records.filter((r) => r.subsystem === 'http')

test('a fast success logs nothing; a refused request logs its reason; a slow one a warning', async () => {
  // The first write warms up (statement caches, the log's first segment).
  expect((await call('/db/execute', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '["CREATE TABLE t (v)"]' })).status).toBe(200)
  sink.records.length = 0
  expect((await call('/db/execute', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '["INSERT INTO t VALUES (1)"]' })).status).toBe(200)
  expect(httpLines()).toEqual([])
  expect((await call('/db/execute', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"not":"an array"}' })).status).toBe(400)
  expect((await call('/status', { method: 'DELETE' })).status).toBe(405)
  slowClock = true
  const slow = await call('/db/query?q=SELECT%201')
  slowClock = false
  expect(slow.status).toBe(200)
  const [refused, notAllowed, slowLine] = httpLines()
  expect(refused).toMatchObject({ level: 'info', msg: 'request refused', fields: { method: 'POST', path: '/db/execute', status: 400, reason: expect.any(String) } })
  expect((refused.fields!.reason as string).length).toBeGreaterThan(0)
  expect(notAllowed).toMatchObject({ msg: 'request refused', fields: { status: 405, reason: 'method not allowed' } })
  expect(slowLine).toMatchObject({ level: 'warn', msg: 'slow request', fields: { method: 'GET', path: '/db/query', status: 200 } })
  expect(slowLine.fields!.ms as number).toBeGreaterThanOrEqual(500)
  expect(httpLines()).toHaveLength(3)
  // /readyz's 503 while not ready is its answer, not a refusal: not logged (a 503 elsewhere is).
  const observe = requestObserver(node, node.logger.for('http'))
  const now = () => node.platform.clock.monotonic()
  observe('readyz', new Request('http://node/readyz'), now(), new Response('[+]node ok', { status: 503 }))
  expect(httpLines()).toHaveLength(3)
  observe('execute', new Request('http://node/db/execute', { method: 'POST' }), now(), new Response('', { status: 503 }))
  expect(httpLines().at(-1)).toMatchObject({ level: 'warn', msg: 'request failed', fields: { path: '/db/execute', status: 503, reason: 'HTTP 503' } })
})

test('/metrics counts what was served, by route and status', async () => {
  const text = await (await call('/metrics')).text()
  expect(text).toMatch(/^raftlite_http_requests_total\{route="execute",method="POST",status="400"\} 1$/m)
  expect(text).toMatch(/^raftlite_http_requests_total\{route="status",method="DELETE",status="405"\} 1$/m)
  expect((await call('/metrics', { method: 'POST' })).status).toBe(405)
})

test('/console: one self-contained page, locked down by its CSP; /console/cluster: the leader\'s view', async () => {
  const page = await call('/console')
  expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
  expect(page.headers.get('content-security-policy')).toContain("connect-src 'self'")
  const html = await page.text()
  expect(html).toMatch(/^<!doctype html>/)
  const script = /<script>([\s\S]*)<\/script>/.exec(html)?.[1] ?? ''
  expect(() => new Function(script)).not.toThrow()
  expect(html).not.toContain('innerHTML')
  expect((await call('/console/')).status).toBe(200)
  const view = await (await call('/console/cluster')).json()
  expect(view).toEqual({
    source: node.id, leader: node.id, term: expect.any(Number), commit: expect.any(Number),
    members: [{ id: node.id, apiAddr: 'http://localhost:4001', raftAddr: 'localhost:4002', voter: true, leader: true, index: node.appliedIndex, lag: 0 }],
  })
})

test('a cluster view from another node is passed on only when well formed, and only its known fields', () => {
  const good = { source: 'a', leader: 'a', term: 2, commit: 9, members: [{ id: 'a', apiAddr: 'http://x:1', raftAddr: 'x:2', voter: true, leader: true, index: 9, lag: 0, extra: 'dropped' }], secret: 'dropped' }
  expect(checkedView(good)).toEqual({ source: 'a', leader: 'a', term: 2, commit: 9, members: [{ id: 'a', apiAddr: 'http://x:1', raftAddr: 'x:2', voter: true, leader: true, index: 9, lag: 0 }] })
  expect(checkedView(null)).toBeNull()
  expect(checkedView({ ...good, term: '2' })).toBeNull()
  expect(checkedView({ ...good, members: [{ ...good.members[0], lag: 'x' }] })).toBeNull()
  expect(checkedView({ ...good, members: 'all' })).toBeNull()
  expect(checkedView({ ...good, source: 'x'.repeat(2000) })).toBeNull()
})

test('the request observer counts each route, method and status in its own series, every time (series resolved once)', () => {
  for (const enabled of [true, false]) {
    const metrics = new NodeMetrics(enabled)
    const observe = requestObserver({ metrics, options: node.options, platform: node.platform }, node.logger.for('http'))
    const post = new Request('http://node/db/execute', { method: 'POST' })
    const get = new Request('http://node/db/query')
    const now = node.platform.clock.monotonic()
    for (let i = 0; i < 3; i++) observe('execute', post, now, new Response('', { status: 200 }))
    observe('execute', post, now, new Response('', { status: 400 }))
    observe('query', get, now, new Response('', { status: 200 }))
    observe('query', get, now, new Response('', { status: 200 }))
    const byName = new Map(metrics.registry.collect().map((f) => [f.name, f]))
    const requests = (byName.get('raftlite_http_requests_total')!.samples as Sample[]).map((s) => [s.labels.route, s.labels.method, s.labels.status, s.value])
    const durations = (byName.get('raftlite_http_request_duration_seconds')!.samples as HistogramSample[]).map((s) => [s.labels.route, s.count])
    if (!enabled) {
      expect(requests).toEqual([])
      expect(durations).toEqual([])
      continue
    }
    expect(requests).toEqual([['execute', 'POST', '200', 3], ['execute', 'POST', '400', 1], ['query', 'GET', '200', 2]])
    expect(durations).toEqual([['execute', 4], ['query', 2]])
  }
})
