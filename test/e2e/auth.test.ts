// Compat scenario 30 and rqlite's auth semantics against real raftlited processes: -auth, the
// users file reloaded while running, checks repeated on the leader after forwarding, -join-as.
import bcrypt from 'bcryptjs'
import { writeFileSync } from 'node:fs'
import { hashPassword } from '../../src/auth/password.ts'
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { type RaftlitedProcess, startRaftlited, tempDataDir } from '../support/raftlited-process.ts'
import { FAST_ELECTION, waitFor } from '../support/cluster-processes.ts'

let procs: RaftlitedProcess[] = []
afterEach(async () => {
  for (const p of procs) await p.stop('SIGKILL')
  procs = []
})

const basic = (user: string, password: string) => ({ Authorization: `Basic ${btoa(`${user}:${password}`)}` })

function usersFile(users: unknown): string {
  const path = join(tempDataDir('raftlite-auth-'), 'users.json')
  writeFileSync(path, JSON.stringify(users))
  return path
}

async function post(url: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) })
  return { status: res.status, text: await res.text(), headers: res.headers }
}

test('scenario 30, and the users file reloaded on change (a broken one keeps the last good users)', async () => {
  const path = usersFile([
    { username: 'bob', password: 'secret1', perms: ['all'] },
    { username: 'mary', password: 'secret2', perms: ['query'] },
    { username: 'carol', password: bcrypt.hashSync('pw3', 4), perms: ['query'] },
    { username: 'dave', password: await hashPassword('pw4', 1000), perms: ['query'] },
    { username: '*', perms: ['status', 'ready'] },
  ])
  const node = await startRaftlited({ args: ['-auth', path] })
  procs.push(node)

  const anonymous = await post(node.url, '/db/execute', ['CREATE TABLE foo (id INTEGER PRIMARY KEY, name TEXT)'])
  expect(anonymous.status).toBe(401)
  expect(anonymous.text).toBe('')
  expect(anonymous.headers.get('www-authenticate')).toBe('Basic realm="rqlite"')
  expect((await fetch(`${node.url}/status`)).status).toBe(200)
  expect((await fetch(`${node.url}/readyz`)).status).toBe(200)
  expect((await post(node.url, '/db/execute', ['CREATE TABLE foo (id INTEGER PRIMARY KEY, name TEXT)'], basic('bob', 'secret1'))).status).toBe(200)
  expect((await fetch(`${node.url}/db/query?q=SELECT%201`, { headers: basic('mary', 'secret2') })).status).toBe(200)
  expect((await post(node.url, '/db/execute', ["INSERT INTO foo(name) VALUES('x')"], basic('mary', 'secret2'))).status).toBe(401)
  expect((await post(node.url, '/db/request', ['SELECT 1'], basic('mary', 'secret2'))).status).toBe(401)
  expect((await fetch(`${node.url}/db/query?q=SELECT%201`)).status).toBe(401)
  // Hashed passwords in the file: bcrypt and PBKDF2.
  expect((await fetch(`${node.url}/db/query?q=SELECT%201`, { headers: basic('carol', 'pw3') })).status).toBe(200)
  expect((await fetch(`${node.url}/db/query?q=SELECT%201`, { headers: basic('carol', '$2b$04$') })).status).toBe(401)
  expect((await fetch(`${node.url}/db/query?q=SELECT%201`, { headers: basic('dave', 'pw4') })).status).toBe(200)
  expect((await fetch(`${node.url}/db/query?q=SELECT%201`, { headers: basic('dave', 'pw3') })).status).toBe(401)

  // Mary gets execute; anonymous loses status. No restart.
  writeFileSync(path, JSON.stringify([
    { username: 'bob', password: 'secret1', perms: ['all'] },
    { username: 'mary', password: 'secret2', perms: ['query', 'execute'] },
    { username: '*', perms: ['ready'] },
  ]))
  await waitFor('the changed users file to apply', async () => (await post(node.url, '/db/request', ['SELECT 1'], basic('mary', 'secret2'))).status === 200)
  expect((await fetch(`${node.url}/status`)).status).toBe(401)

  // A broken file changes nothing, and the log says why.
  writeFileSync(path, '[{"username": "mary", "password": "secret2", "perms": ["query", "execute"]')
  await waitFor('the broken file to be reported', async () => node.stderr().includes('users file not reloaded; keeping the last good users'))
  // Under the auth subsystem (raftlited logs JSON lines when stderr is not a terminal).
  expect(node.stderr()).toMatch(/"subsystem":"auth".*is not valid JSON/)
  expect((await post(node.url, '/db/request', ['SELECT 1'], basic('mary', 'secret2'))).status).toBe(200)
  expect((await fetch(`${node.url}/status`, { headers: basic('bob', 'secret1') })).status).toBe(200)
}, 60_000)

test('a broken users file at start is a clear fatal error', async () => {
  const path = usersFile([{ username: 'x', password: 'y', perms: ['root'] }])
  const failed = await startRaftlited({ args: ['-auth', path] }).then(
    () => 'started',
    (e: unknown) => String(e),
  )
  expect(failed).toContain(`fatal: cannot start node: users file ${path}: user "x": unknown permission "root"`)
})

test('forwarded requests are checked again on the leader; -join-as joins with a user holding join', async () => {
  // The leader is strict; the follower lets anonymous clients do anything, so only the leader's
  // check can refuse them.
  const leaderUsers = usersFile([
    { username: 'bob', password: 'secret1', perms: ['all'] },
    { username: 'joiner', password: 'j0in', perms: ['join'] },
    { username: '*', perms: ['status', 'ready'] },
  ])
  const followerUsers = usersFile([
    { username: 'bob', password: 'secret1', perms: ['all'] },
    { username: 'joiner', password: 'j0in', perms: ['join'] },
    { username: '*', perms: ['status', 'ready', 'execute', 'query', 'remove', 'leader-ops'] },
  ])
  const leader = await startRaftlited({ args: ['-node-id', '1', '-auth', leaderUsers, ...FAST_ELECTION] })
  procs.push(leader)

  // Without -join-as the join is anonymous, and anonymous may not join.
  const refused = await startRaftlited({ args: ['-node-id', '3', '-auth', followerUsers, '-join', leader.raftAddr, '-join-attempts', '1', ...FAST_ELECTION] }).then(
    () => 'joined',
    (e: unknown) => String(e),
  )
  expect(refused).toContain('remote join not authorized')

  const follower = await startRaftlited({ args: ['-node-id', '2', '-auth', followerUsers, '-join', leader.raftAddr, '-join-as', 'joiner', ...FAST_ELECTION] })
  procs.push(follower)

  const created = await post(follower.url, '/db/execute', ['CREATE TABLE t (v)'], basic('bob', 'secret1'))
  expect(created.status).toBe(200)
  expect(created.headers.get('x-rqlite-served-by')).toBe(leader.raftAddr)

  const execute = await post(follower.url, '/db/execute', ['INSERT INTO t VALUES (1)'])
  expect(execute.status).toBe(401)
  expect(execute.text).toBe('remote Execute not authorized\n')
  const query = await fetch(`${follower.url}/db/query?q=SELECT%20*%20FROM%20t`)
  expect(query.status).toBe(401)
  expect(await query.text()).toBe('remote query not authorized\n')
  const request = await post(follower.url, '/db/request', ['INSERT INTO t VALUES (2)'])
  expect(request.status).toBe(401)
  expect(request.text).toBe('remote Request not authorized\n')
  const remove = await fetch(`${follower.url}/remove`, { method: 'DELETE', body: '{"id":"1"}' })
  expect(remove.status).toBe(401)
  expect(await remove.text()).toBe('remote remove not authorized\n')
  const stepdown = await fetch(`${follower.url}/leader`, { method: 'POST' })
  expect(stepdown.status).toBe(401)
  expect(await stepdown.text()).toBe('remote stepdown not authorized\n')
  // level=none is served by the follower itself, under its own rules.
  expect((await fetch(`${follower.url}/db/query?q=SELECT%20count(*)%20FROM%20t&level=none`)).status).toBe(200)

  // Nothing the leader refused was written.
  const count = await fetch(`${leader.url}/db/query?q=SELECT%20count(*)%20FROM%20t`, { headers: basic('bob', 'secret1') })
  expect(await count.text()).toContain('"values":[[0]]')
}, 90_000)
