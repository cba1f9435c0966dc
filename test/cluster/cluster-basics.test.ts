import { afterAll, beforeAll, expect, test } from 'vitest'
import { startTestNode, type TestNode, until } from './in-process-cluster.ts'

const nodes: TestNode[] = []

beforeAll(async () => {
  nodes.push(await startTestNode('n1'))
  await nodes[0].node.ready
  nodes.push(await startTestNode('n2', { join: [nodes[0].raftAddr] }))
  nodes.push(await startTestNode('n3', { join: [nodes[0].raftAddr] }))
  await Promise.all(nodes.map((n) => n.node.ready))
}, 30_000)

afterAll(async () => {
  for (const n of nodes) await n.stop()
})

const post = async (url: string, path: string, body: unknown) => {
  const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
  return { status: res.status, text: await res.text(), headers: res.headers }
}

const leaderNode = () => until('a leader', () => nodes.find((n) => n.node.isLeader))

test('three nodes form one cluster with one leader', async () => {
  await leaderNode()
  expect(nodes.filter((n) => n.node.isLeader)).toHaveLength(1)
  // A follower learns of the last join at the leader's next append, so its view converges shortly after.
  const memberIds = (n: TestNode) => n.node.members().map((m) => m.id).join(',')
  for (const n of nodes) await until(`${n.node.id} sees three members`, () => memberIds(n) === 'n1,n2,n3', 5_000).catch(() => {})
  for (const n of nodes) expect(memberIds(n), n.node.id).toBe('n1,n2,n3')
  const legacy = JSON.parse(await (await fetch(`${nodes[1].url}/nodes`)).text())
  expect(Object.keys(legacy)).toEqual(['n1', 'n2', 'n3'])
  expect(Object.values(legacy).filter((e) => (e as { leader: boolean }).leader)).toHaveLength(1)
  expect(Object.values(legacy).every((e) => (e as { reachable: boolean }).reachable)).toBe(true)
})

test('a write on a follower is forwarded to the leader and replicated everywhere', async () => {
  const leader = await leaderNode()
  const [a, b] = nodes.filter((n) => n !== leader)
  const created = await post(a.url, '/db/execute', ['CREATE TABLE foo (id INTEGER PRIMARY KEY, v INTEGER, t TEXT)'])
  expect(created.text).toBe('{"results":[{}]}')
  const ins = await post(b.url, '/db/execute', ["INSERT INTO foo(v, t) VALUES(RANDOM(), datetime('now'))"])
  expect(ins.text).toBe('{"results":[{"last_insert_id":1,"rows_affected":1}]}')
  expect(ins.headers.get('x-rqlite-served-by')).toBe(leader.raftAddr)
  // Served locally by the leader: the same address (rqlite's header carries the Raft address).
  const local = await post(leader.url, '/db/execute', ['CREATE TABLE served (x)', 'DROP TABLE served'])
  expect(local.headers.get('x-rqlite-served-by')).toBe(leader.raftAddr)
  const onLeader = await (await fetch(`${leader.url}/db/query?q=SELECT%20*%20FROM%20foo&level=weak`)).text()
  for (const n of nodes) {
    await until(`replica ${n.node.id}`, async () => (await (await fetch(`${n.url}/db/query?q=SELECT%20*%20FROM%20foo&level=none`)).text()) === onLeader)
  }
})

test('reads at every level, from a follower', async () => {
  const follower = nodes.find((n) => n !== nodes.find((m) => m.node.isLeader))!
  for (const level of ['weak', 'linearizable', 'strong', 'none', 'auto']) {
    const res = await fetch(`${follower.url}/db/query?q=SELECT%20count(*)%20FROM%20foo&level=${level}`)
    expect(await res.text(), level).toBe('{"results":[{"columns":["count(*)"],"types":["integer"],"values":[[1]]}]}')
  }
})

test('redirect sends the client to the leader', async () => {
  const leader = await leaderNode()
  const follower = nodes.find((n) => n !== leader)!
  const res = await fetch(`${follower.url}/db/execute?redirect`, { method: 'POST', body: '["SELECT 1"]', redirect: 'manual' })
  expect(res.status).toBe(301)
  expect(res.headers.get('location')).toBe(`${leader.url}/db/execute?redirect`)
})

test('POST /leader transfers leadership to a named node; to the leader itself is refused', async () => {
  const leader = await leaderNode()
  const [via, target] = nodes.filter((n) => n !== leader)
  const json = { 'Content-Type': 'application/json' }
  const self = await fetch(`${via.url}/leader`, { method: 'POST', headers: json, body: JSON.stringify({ id: leader.node.id }) })
  expect(self.status).toBe(500)
  expect(await self.text()).toBe('stepdown: cannot step down to the current Leader\n')
  const moved = await fetch(`${via.url}/leader?wait`, { method: 'POST', headers: json, body: JSON.stringify({ id: target.node.id }) })
  expect(moved.status).toBe(200)
  await until(`${target.node.id} leads`, () => target.node.isLeader)
  const info = JSON.parse(await (await fetch(`${via.url}/leader`)).text())
  expect(info).toMatchObject({ id: target.node.id, leader: true, reachable: true })
  // Writes keep working under the new leader.
  expect((await post(via.url, '/db/execute', ['INSERT INTO foo(v) VALUES(7)'])).text).toBe('{"results":[{"last_insert_id":2,"rows_affected":1}]}')
})

test('DELETE /remove via a follower shrinks the cluster', async () => {
  const leader = await leaderNode()
  const [follower, removed] = nodes.filter((n) => n !== leader)
  const bad = await fetch(`${follower.url}/remove`, { method: 'DELETE', body: '{"id":"n2","x":1}' })
  expect(bad.status).toBe(400)
  const res = await fetch(`${follower.url}/remove`, { method: 'DELETE', body: JSON.stringify({ id: removed.node.id }) })
  expect(res.status).toBe(200)
  const remaining = JSON.parse(await (await fetch(`${leader.url}/nodes`)).text())
  expect(Object.keys(remaining)).toEqual(['n1', 'n2', 'n3'].filter((id) => id !== removed.node.id))
})

test('the in-process client on a follower forwards writes to the leader, like the HTTP API', async () => {
  const leader = await leaderNode()
  const follower = nodes.find((n) => n !== leader && n.node.members().some((m) => m.id === n.node.id))!
  const db = follower.node.client()
  const rs = await db.execute({ sql: 'INSERT INTO foo(v) VALUES (?)', args: [99] })
  expect(rs.rowsAffected).toBe(1)
  expect((await db.query('SELECT count(*) AS n FROM foo WHERE v = 99', { level: 'linearizable' })).rows[0].n).toBe(1)
})

test('freshness_strict on a follower judges the newest applied write, stamped by the leader', async () => {
  const leader = await leaderNode()
  const follower = nodes.find((n) => n !== leader)!
  await post(leader.url, '/db/execute', ['INSERT INTO foo(v) VALUES (1)'])
  await until('the follower to apply it', async () => (await (await fetch(`${follower.url}/db/query?q=SELECT%20count(*)%20FROM%20foo%20WHERE%20v%3D1&level=none`)).text()).includes('[[1]]'))
  const q = `${follower.url}/db/query?q=SELECT%201&level=none`
  expect(await (await fetch(`${q}&freshness=10s&freshness_strict`)).text()).toContain('"values":[[1]]')
  // No writes for 600 ms: the newest data is older than 400 ms, though the leader (heartbeats
  // every 50 ms here) is in touch.
  await new Promise((r) => setTimeout(r, 600))
  expect(await (await fetch(`${q}&freshness=400ms&freshness_strict`)).text()).toBe('{"results":[],"error":"stale read"}')
  expect(await (await fetch(`${q}&freshness=400ms`)).text()).toContain('"values":[[1]]')
})
