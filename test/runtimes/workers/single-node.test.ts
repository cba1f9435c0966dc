// The conformance suite against the edge Worker under `wrangler dev` (workerd, a Durable Object
// node on its SQLite-backed storage), then a restart of the object over the same storage.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type WranglerDev, restartWranglerDev, startWranglerDev } from '../../support/wrangler-dev-process.ts'
import { singleNodeSuite } from '../../conformance/single-node-suite.ts'

let dev: WranglerDev

beforeAll(async () => {
  dev = await startWranglerDev({ vars: { RAFTLITE_FLAGS: '-http-max-body 2097152' } })
}, 90_000)

afterAll(async () => {
  await dev?.stop()
})

test('the node really runs in workerd, named after its Durable Object', async () => {
  const status = await (await fetch(`${dev.url}/status`)).json()
  expect(status.runtime.name).toBe('workerd')
  expect(status.store.node_id).toBe('edge-1')
})

test('the Worker routes only configured node ids, and a single node serves no cluster routes', async () => {
  const other = await fetch(`${dev.url}/status`, { headers: { 'x-raftlite-node': 'edge-2' } })
  expect(other.status).toBe(404)
  expect(await other.text()).toBe('unknown node edge-2\n')
  const named = await fetch(`${dev.url}/status`, { headers: { 'x-raftlite-node': 'edge-1' } })
  expect((await named.json()).store.node_id).toBe('edge-1')
  const raft = await fetch(`${dev.url}/raft/messages`, { method: 'POST', body: new Uint8Array([1, 2, 3]) })
  expect(raft.status).toBe(404)
})

test('a body refused unread (unknown route or node) does not stall the next request on its connection', async () => {
  // fetch keeps one connection alive between these sequential requests. workerd held it while a
  // refused request's body stayed unread, so the next request on it hung.
  const body = new Uint8Array(70_000)
  for (let i = 0; i < 4; i++) {
    const refused = i % 2
      ? await fetch(`${dev.url}/status`, { method: 'POST', headers: { 'x-raftlite-node': 'edge-9' }, body })
      : await fetch(`${dev.url}/raft/messages`, { method: 'POST', body })
    expect(refused.status).toBe(404)
    await refused.text()
    const next = await fetch(`${dev.url}/readyz`, { signal: AbortSignal.timeout(10_000) })
    expect(next.status).toBe(200)
    await next.text()
  }
})

singleNodeSuite({ url: () => dev.url })

describe('the Durable Object restarts with its data', () => {
  test('rows written before a restart of wrangler dev are there after it, and writes go on', { timeout: 120_000 }, async () => {
    const post = (path: string, body: unknown) => fetch(`${dev.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
    expect((await post('/db/execute', ['CREATE TABLE kept (id INTEGER PRIMARY KEY, v TEXT)'])).status).toBe(200)
    const rows = Array.from({ length: 200 }, (_, i) => ['INSERT INTO kept(v) VALUES(?)', `row ${i} ${'x'.repeat(i * 10)}`])
    expect((await post('/db/execute?transaction', rows)).status).toBe(200)
    const before = await (await fetch(`${dev.url}/db/query?q=${encodeURIComponent('SELECT count(*), sum(length(v)) FROM kept')}`)).text()
    expect(before).toContain('[[200,')

    await dev.stop()
    dev = await restartWranglerDev(dev)

    const after = await (await fetch(`${dev.url}/db/query?q=${encodeURIComponent('SELECT count(*), sum(length(v)) FROM kept')}`)).text()
    expect(after).toBe(before)
    const next = await (await post('/db/execute', [['INSERT INTO kept(v) VALUES(?)', 'after restart']])).json()
    expect(next.results[0].last_insert_id).toBe(201)
  })
})

test('a flag the edge cannot honour is refused with its reason', { timeout: 90_000 }, async () => {
  const refused = await startWranglerDev({ vars: { RAFTLITE_FLAGS: '-cpu-profile /tmp/cpu.prof' } })
  try {
    const res = await fetch(`${refused.url}/status`)
    expect(res.status).toBe(503)
    expect(await res.text()).toBe("node failed to start: RAFTLITE_FLAGS: flag -cpu-profile is not supported at the edge: profiling needs Node's inspector\n")
  } finally {
    await refused.stop()
  }
})
