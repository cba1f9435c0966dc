// The API mounted under a prefix behind the user's own middleware answers byte for byte as
// the daemon does.
import { Hono } from 'hono'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { startNode } from '../../runtimes/node/mod.ts'
import type { RaftliteNode } from '../../src/mod.ts'
import { type RaftlitedProcess, startRaftlited, tempDataDir } from '../support/raftlited-process.ts'

let node: RaftliteNode
let daemon: RaftlitedProcess
const app = new Hono()
const log: string[] = []

beforeAll(async () => {
  node = await startNode({ dataDir: tempDataDir('raftlite-lib-') })
  daemon = await startRaftlited({})
  app.use('*', async (c, next) => {
    log.push(`${c.req.method} ${new URL(c.req.url).pathname}`)
    await next()
  })
  app.use('/raftlite/*', async (c, next) => {
    if (c.req.header('authorization') !== 'Bearer secret') return c.text('who are you?', 401)
    await next()
  })
  app.get('/hello', (c) => c.text('my own route'))
  app.route('/raftlite', node.api())
})

afterAll(async () => {
  await node.stop()
  await daemon.stop()
})

const requests: [string, string, unknown?][] = [
  ['POST', '/db/execute', ['CREATE TABLE foo (id INTEGER NOT NULL PRIMARY KEY, name TEXT, b BLOB, t DATETIME)']],
  ['POST', '/db/execute', [['INSERT INTO foo(name, b, t) VALUES(?, ?, ?)', 'fiona', "x'deadbeef'", '2004-02-14 07:08:09']]],
  ['POST', '/db/execute?associative', [['INSERT INTO foo(name) VALUES(:n)', { n: 'declan' }], 'INSERT INTO nope VALUES(1)']],
  ['GET', '/db/query?q=SELECT%20*%20FROM%20foo&pretty', undefined],
  ['GET', '/db/query?q=SELECT%20*%20FROM%20foo&associative&blob_array', undefined],
  ['POST', '/db/request?transaction', [['SELECT name FROM foo'], ["UPDATE foo SET name = 'x' WHERE id = 1"]]],
  ['POST', '/db/query', ['PRAGMA synchronous=OFF']],
  ['POST', '/db/execute', '[not json'],
  ['GET', '/db/execute', undefined],
  ['GET', '/db/query?q=SELECT%201&timeout=xyz', undefined],
  ['GET', '/nope', undefined],
  ['GET', '/readyz', undefined],
]

test('byte-identical to the daemon, behind user middleware, under a prefix', async () => {
  for (const [method, path, body] of requests) {
    const init = (): RequestInit => ({
      method,
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer secret' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    })
    const mounted = await app.request(`/raftlite${path}`, init())
    const direct = await fetch(`${daemon.url}${path}`, init())
    const label = `${method} ${path}`
    expect(mounted.status, label).toBe(direct.status)
    expect(mounted.headers.get('content-type'), label).toBe(direct.headers.get('content-type'))
    expect(await mounted.text(), label).toBe(await direct.text())
  }
  expect(log).toContain('POST /raftlite/db/execute')
})

test('the user middleware still guards the mounted API, and the app keeps its own routes', async () => {
  expect((await app.request('/raftlite/db/query?q=SELECT%201')).status).toBe(401)
  expect(await (await app.request('/hello')).text()).toBe('my own route')
})
