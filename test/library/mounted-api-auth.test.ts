// The library takes the same users as the -auth file, and node.api() enforces them wherever it
// is mounted.
import { Hono } from 'hono'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { hashPassword, startNode, type RaftliteNode } from '../../runtimes/node/mod.ts'
import { tempDataDir } from '../support/raftlited-process.ts'

let node: RaftliteNode
const app = new Hono()
const basic = (user: string, password: string) => ({ Authorization: `Basic ${btoa(`${user}:${password}`)}` })

beforeAll(async () => {
  node = await startNode({
    dataDir: tempDataDir('raftlite-lib-auth-'),
    users: [
      { username: 'bob', password: 'secret1', perms: ['all'] },
      { username: 'mary', password: await hashPassword('secret2', 1000), perms: ['query'] },
      { username: '*', perms: ['status', 'ready'] },
    ],
  })
  app.route('/raftlite', node.api())
})

afterAll(async () => {
  await node.stop()
})

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  app.request(`/raftlite${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) })

test('scenario 30: anonymous writes are refused, * grants status and ready, query-only users only query', async () => {
  const anonymous = await post('/db/execute', ['CREATE TABLE foo (id INTEGER PRIMARY KEY, name TEXT)'])
  expect(anonymous.status).toBe(401)
  expect(await anonymous.text()).toBe('')
  expect(anonymous.headers.get('www-authenticate')).toBe('Basic realm="rqlite"')

  const status = await app.request('/raftlite/status?key=http')
  expect(status.status).toBe(200)
  expect(JSON.parse(await status.text()).auth).toBe('enabled')
  expect((await app.request('/raftlite/readyz')).status).toBe(200)
  expect((await app.request('/raftlite/nodes')).status).toBe(200)

  const created = await post('/db/execute', ['CREATE TABLE foo (id INTEGER PRIMARY KEY, name TEXT)'], basic('bob', 'secret1'))
  expect(created.status).toBe(200)
  expect(await created.text()).toBe('{"results":[{}]}')

  const read = await app.request('/raftlite/db/query?q=SELECT%20COUNT(*)%20FROM%20foo', { headers: basic('mary', 'secret2') })
  expect(read.status).toBe(200)
  expect(await read.text()).toContain('"values":[[0]]')
  expect((await post('/db/execute', ["INSERT INTO foo(name) VALUES('x')"], basic('mary', 'secret2'))).status).toBe(401)
  expect((await post('/db/request', ['SELECT 1'], basic('mary', 'secret2'))).status).toBe(401)
  expect((await post('/db/request', ['SELECT 1'], basic('bob', 'secret1'))).status).toBe(200)
  expect((await app.request('/raftlite/db/query?q=SELECT%201', { headers: basic('mary', 'wrong') })).status).toBe(401)
  expect((await app.request('/raftlite/db/query?q=SELECT%201')).status).toBe(401)
})

test('percent-encoded paths are checked as routed, not bypassed', async () => {
  const res = await post('/db/%65xecute', ["INSERT INTO foo(name) VALUES('sneaky')"])
  expect(res.status).toBe(401)
  const count = await app.request('/raftlite/db/query?q=SELECT%20COUNT(*)%20FROM%20foo%20WHERE%20name%3D%27sneaky%27', { headers: basic('bob', 'secret1') })
  expect(await count.text()).toContain('"values":[[0]]')
})

test('OPTIONS and unknown routes need nothing; CORS headers name Authorization', async () => {
  const options = await app.request('/raftlite/db/execute', { method: 'OPTIONS' })
  expect(options.status).toBe(200)
  expect(options.headers.get('access-control-allow-headers')).toBe('Content-Type, Authorization')
  expect(options.headers.get('access-control-allow-credentials')).toBe('true')
  expect((await app.request('/raftlite/nope')).status).toBe(404)
  expect((await app.request('/raftlite', { redirect: 'manual' })).status).toBe(302)
})

test('setUsers replaces the users at once; invalid users are refused and change nothing', async () => {
  expect(() => node.setUsers([{ username: 'x', perms: ['bogus'] }])).toThrow(/unknown permission "bogus"/)
  expect((await app.request('/raftlite/status')).status).toBe(200)
  node.setUsers([{ username: 'bob', password: 'secret1', perms: ['all'] }])
  expect((await app.request('/raftlite/status')).status).toBe(401)
  expect((await app.request('/raftlite/status', { headers: basic('bob', 'secret1') })).status).toBe(200)
  expect((await app.request('/raftlite/db/query?q=SELECT%201', { headers: basic('mary', 'secret2') })).status).toBe(401)
})

test('an invalid -join-as is refused at start with a clear message', async () => {
  const users = [{ username: 'joiner', password: await hashPassword('pw', 1000), perms: ['join'] }]
  await expect(startNode({ dataDir: tempDataDir('raftlite-lib-auth-'), users, joinAs: 'nobody' })).rejects.toThrow('-join-as: user "nobody" is not in the users file')
  await expect(startNode({ dataDir: tempDataDir('raftlite-lib-auth-'), users, joinAs: 'joiner' })).rejects.toThrow(/hashed password/)
  await expect(startNode({ dataDir: tempDataDir('raftlite-lib-auth-'), joinAs: 'joiner' })).rejects.toThrow(/needs the users file/)
})
