// Issue 11 items 3 and 6: rqlite's /debug/vars counters move under rqlite's names as a node
// works, and POST /reap (rqlite v10) reaps what can never be used and counts http.user_reaps.
// Real raftlited processes. (The join and restore counters: join-forwarding.test.ts.)
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { NodeFilePort } from '../../runtimes/node/fs-file-port.ts'
import { SnapshotFiles } from '../../src/cluster/snapshot-files.ts'
import { type RaftlitedProcess, restartRaftlited, startRaftlited } from '../support/raftlited-process.ts'
import { execute, queryText } from '../support/cluster-processes.ts'

let procs: RaftlitedProcess[] = []
afterEach(async () => {
  for (const p of procs) await p.stop('SIGKILL')
  procs = []
})

const vars = async (p: RaftlitedProcess, key?: string) => JSON.parse(await (await fetch(`${p.url}/debug/vars${key ? `?key=${key}` : ''}`)).text())
const post = (p: RaftlitedProcess, path: string, body?: string) =>
  fetch(`${p.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body })

test('the http and store counters count what the node did', async () => {
  const node = await startRaftlited({})
  procs.push(node)
  const before = (await vars(node)).http
  expect(before.executions ?? 0).toBe(0)
  expect((await execute(node.url, ['CREATE TABLE t (v)', 'INSERT INTO t VALUES (1)', 'INSERT INTO t VALUES (2)'])).status).toBe(200)
  expect(await queryText(node.url, 'SELECT count(*) FROM t', '&level=linearizable')).toContain('[[2]]')
  expect((await post(node, '/db/request', '["SELECT 1", "SELECT 2"]')).status).toBe(200)
  expect((await post(node, '/db/execute?queue&wait', '["INSERT INTO t VALUES (3)"]')).status).toBe(200)
  expect((await fetch(`${node.url}/db/sql?q=SELECT%20random()`)).status).toBe(200)
  expect((await fetch(`${node.url}/status`)).status).toBe(200)
  expect((await post(node, '/snapshot')).status).toBe(200)

  const { http, store } = await vars(node)
  expect(http).toMatchObject({
    executions: 1,
    execute_stmts_rx: 3,
    queries: 1,
    query_stmts_rx: 1,
    requests: 1,
    request_stmts_rx: 2,
    queued_executions: 1,
    queued_executions_ok: 1,
    queued_executions_num_stmts_rx: 1,
    queued_executions_wait: 1,
    sql_analyze: 1,
    num_status: 1,
    user_snapshots: 1,
  })
  expect(http.num_readyz).toBeGreaterThanOrEqual(1) // the harness waited on /readyz
  expect(store).toMatchObject({ num_user_snapshots: 1, num_snapshots: 1, num_verify_leader: 1 })
  expect(store.num_verify_leader_failed ?? 0).toBe(0)
  expect(store.leader_changes_observed).toBe(1) // it elected itself
  // `key` keeps one map, still wrapped.
  expect(Object.keys(await vars(node, 'http'))).toEqual(['http'])
}, 60_000)

test('503 leader not found and a queued write without a leader are counted', async () => {
  // A node whose only peer is gone: it cannot elect itself.
  const a = await startRaftlited({ args: ['-node-id', 'a', '-raft-election-timeout', '500ms', '-raft-heartbeat-timeout', '500ms'] })
  const b = await startRaftlited({ args: ['-node-id', 'b', '-join', a.raftAddr, '-raft-election-timeout', '500ms', '-raft-heartbeat-timeout', '500ms'] })
  procs.push(a, b)
  await b.stop('SIGKILL')
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline && (await fetch(`${a.url}/leader`)).status !== 503) await new Promise((r) => setTimeout(r, 100))
  const queued = await post(a, '/db/execute?queue', '["SELECT 1"]')
  expect([queued.status, await queued.text()]).toEqual([503, 'leader not found\n'])
  const { http } = await vars(a)
  expect(http.queued_executions_no_leader).toBe(1)
  expect(http.leader_not_found).toBeGreaterThanOrEqual(2) // GET /leader at least once, and the queued write
}, 60_000)

test('POST /reap: reaps a broken transfer of an old snapshot, counts http.user_reaps', async () => {
  let node = await startRaftlited({})
  procs.push(node)
  expect((await fetch(`${node.url}/reap`)).status).toBe(405)
  const first = await post(node, '/reap')
  expect([first.status, await first.text()]).toEqual([200, '{"snapshots_reaped":0,"wals_checkpointed":0}'])
  await execute(node.url, ['CREATE TABLE t (v)', 'INSERT INTO t VALUES (1)'])
  expect((await post(node, '/snapshot')).status).toBe(200)
  await node.stop('SIGTERM')

  // What a transfer of snapshot 1 broken off by a crash leaves: it can never be resumed now.
  const files = new SnapshotFiles(new NodeFilePort(), node.dataDir, join(node.dataDir, 'db.sqlite'))
  files.writeJson('incoming.json', { index: 1, term: 1 })
  writeFileSync(files.incomingPath, new Uint8Array(4096))
  node = await restartRaftlited(node)
  procs.push(node)
  const reaped = await post(node, '/reap?pretty')
  expect(reaped.status).toBe(200)
  expect(JSON.parse(await reaped.text())).toEqual({ snapshots_reaped: 1, wals_checkpointed: 0 })
  expect(existsSync(files.incomingPath)).toBe(false)
  expect(existsSync(join(files.dir, 'incoming.json'))).toBe(false)
  expect(await queryText(node.url, 'SELECT count(*) FROM t')).toContain('[[1]]') // the snapshot itself stays
  expect((await vars(node)).http.user_reaps).toBe(1)
  expect((await vars(node)).snapshot).toMatchObject({ reap_total: 1, reap_snapshots: 1, reap_wals: 0 })
}, 60_000)
