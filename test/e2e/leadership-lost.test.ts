// Issue 11 item 4: lost leadership is "not leader", as in rqlite. A request whose leader loses the
// leadership under it goes to the new leader (or is redirected there), or gets 503 `leader not
// found` when there is none; never 200 with an error. Real raftlited processes; a leader loses
// its quorum when its followers are stopped (SIGSTOP), and finds one again when they resume.
import { afterEach, expect, test } from 'vitest'
import type { RaftlitedProcess } from '../support/raftlited-process.ts'
import { execute, startCluster, waitFor, settledLeader } from '../support/cluster-processes.ts'

let procs: RaftlitedProcess[] = []
afterEach(async () => {
  for (const p of procs) {
    p.child.kill('SIGCONT')
    await p.stop('SIGKILL')
  }
  procs = []
})

const state = async (p: RaftlitedProcess) => JSON.parse(await (await fetch(`${p.url}/status`)).text()).store.raft.state as string
const answer = async (res: Promise<Response>) => {
  const r = await res
  return { status: r.status, text: await r.text(), location: r.headers.get('location') }
}

async function clusterWithTable(): Promise<{ leader: RaftlitedProcess; followers: RaftlitedProcess[] }> {
  // A loaded machine can take a while to settle a new cluster: joins retry for longer than the default.
  procs = await startCluster({ size: 3, extraArgs: ['-join-attempts', '30'] })
  const leader = await settledLeader(procs)
  expect((await execute(leader.url, ['CREATE TABLE t (v)', 'INSERT INTO t VALUES (1)'])).status).toBe(200)
  return { leader, followers: procs.filter((p) => p !== leader) }
}

test('with no leader to go to: 503 leader not found, with and without redirect', async () => {
  const { leader, followers } = await clusterWithTable()
  for (const f of followers) f.child.kill('SIGSTOP')
  const pending = [
    answer(fetch(`${leader.url}/db/query?q=SELECT%20count(*)%20FROM%20t&level=linearizable`)),
    answer(fetch(`${leader.url}/db/query?q=SELECT%20count(*)%20FROM%20t&level=linearizable&redirect`, { redirect: 'manual' })),
    answer(fetch(`${leader.url}/db/request?level=linearizable`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '["SELECT count(*) FROM t"]' })),
  ]
  for (const got of await Promise.all(pending)) expect(got).toEqual({ status: 503, text: 'leader not found\n', location: null })
  expect(await state(leader)).not.toBe('Leader')
}, 60_000)

test('a linearizable read, a write and a queued write whose leader loses its quorum are served once a leader is back', async () => {
  const { leader, followers } = await clusterWithTable()
  for (const f of followers) f.child.kill('SIGSTOP')
  const read = answer(fetch(`${leader.url}/db/query?q=SELECT%20v%20FROM%20t%20WHERE%20v%3D1&level=linearizable`))
  const write = answer(fetch(`${leader.url}/db/execute`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '["INSERT INTO t VALUES (2)"]' }))
  const queued = answer(fetch(`${leader.url}/db/execute?queue&wait`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '["INSERT INTO t VALUES (3)"]' }))
  await waitFor('the leader to step down', async () => (await state(leader)) !== 'Leader')
  for (const f of followers) f.child.kill('SIGCONT')

  expect(await read).toEqual({ status: 200, text: '{"results":[{"columns":["v"],"types":["integer"],"values":[[1]]}]}', location: null })
  // Whoever leads now, the write is applied exactly once: kept by a re-elected leader, or
  // replaced by a new leader's entry (so never committed) and then sent to that leader.
  expect(await write).toEqual({ status: 200, text: '{"results":[{"last_insert_id":2,"rows_affected":1}]}', location: null })
  const q = await queued
  expect(q.status).toBe(200)
  expect(q.text).toMatch(/^\{"results":\[\],"sequence_number":\d+\}$/)
  const now = await settledLeader(procs)
  expect(await (await fetch(`${now.url}/db/query?q=SELECT%20v%20FROM%20t%20ORDER%20BY%20v&level=strong`)).text()).toBe(
    '{"results":[{"columns":["v"],"types":["integer"],"values":[[1],[2],[3]]}]}',
  )
}, 90_000)

test('with redirect, a read whose leader lost the leadership is sent to the new leader', async () => {
  const { leader, followers } = await clusterWithTable()
  for (const f of followers) f.child.kill('SIGSTOP')
  const read = answer(fetch(`${leader.url}/db/query?q=SELECT%201&level=linearizable&redirect`, { redirect: 'manual' }))
  await waitFor('the leader to step down', async () => (await state(leader)) !== 'Leader')
  for (const f of followers) f.child.kill('SIGCONT')
  const got = await read
  const now = await settledLeader(procs)
  if (now === leader) {
    // Re-elected before the read gave up: it is served here.
    expect(got).toEqual({ status: 200, text: '{"results":[{"columns":["1"],"types":["integer"],"values":[[1]]}]}', location: null })
  } else {
    expect(got.status).toBe(301)
    expect(got.location).toBe(`${now.url}/db/query?q=SELECT%201&level=linearizable&redirect`)
  }
}, 60_000)
