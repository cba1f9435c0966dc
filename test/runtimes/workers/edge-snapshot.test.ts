// An edge read replica (a Durable Object under `wrangler dev`) that fell behind while stopped is
// brought up to date by the leader's snapshot: the server compacted its log past the edge's last
// index, so only a snapshot install (POST /raft/snapshot through the Worker, written into the
// object's storage, then restored) can catch it up.
import { afterAll, beforeAll, expect, test } from 'vitest'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { FAST_ELECTION, execute, queryText, startCluster, waitFor } from '../../support/cluster-processes.ts'
import { type RaftlitedProcess, tempDataDir } from '../../support/raftlited-process.ts'
import { type WranglerDev, restartWranglerDev, startWranglerDev } from '../../support/wrangler-dev-process.ts'

const SECRET = 'a secret the edge replica shares with the server'
const rows = (text: string) => JSON.parse(text).results[0].values ?? []
const none = (url: string, sql: string) => queryText(url, sql, '&level=none')
const json = async (url: string) => (await fetch(url)).json()

let server: RaftlitedProcess
let edge: WranglerDev

beforeAll(async () => {
  const secretFile = join(tempDataDir('raftlite-secret-'), 'cluster.secret')
  writeFileSync(secretFile, `${SECRET}\n`)
  ;[server] = await startCluster({ size: 1, extraArgs: ['-cluster-secret-file', secretFile] })
  edge = await startWranglerDev({
    vars: { RAFTLITE_NODE_ID: 'edge-r', RAFTLITE_CLUSTER_SECRET: SECRET, RAFTLITE_FLAGS: ['-join', server.raftAddr, '-raft-non-voter', ...FAST_ELECTION].join(' ') },
  })
  expect((await fetch(`${edge.url}/status`)).status).toBe(200)
  await waitFor('the replica listed and reachable', async () => (await json(`${server.url}/nodes?nonvoters`))['edge-r']?.reachable === true, 30_000)
}, 150_000)

afterAll(async () => {
  await edge?.stop()
  await server?.stop('SIGKILL')
})

test('a lagging edge replica catches up through a snapshot from the server', { timeout: 150_000 }, async () => {
  expect((await execute(server.url, ['CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)', "INSERT INTO t(v) VALUES('before')"])).status).toBe(200)
  await waitFor('the first row at the edge', async () => rows(await none(edge.url, 'SELECT count(*) FROM t'))[0][0] === 1, 30_000)
  const edgeBefore = (await json(`${edge.url}/status`)).store.raft
  const varsBefore = await json(`${edge.url}/debug/vars`)
  expect(varsBefore.store.num_restores).toBe(0)

  await edge.stop()
  // Writes the edge misses, each its own log entry (about 2.4 MB in all, so the snapshot travels
  // in several 1 MiB chunks), then a snapshot that keeps no trailing log: the entries after the
  // edge's last index exist only inside the snapshot.
  for (let i = 0; i < 40; i++) {
    const res = await execute(server.url, [`INSERT INTO t(v) VALUES('while away ${i}')`, "INSERT INTO t(v) VALUES(randomblob(60000))"])
    expect(res.status).toBe(200)
  }
  expect((await fetch(`${server.url}/snapshot?trailing_logs=0`, { method: 'POST' })).status).toBe(200)
  const serverRaft = (await json(`${server.url}/status`)).store.raft
  expect(serverRaft.last_snapshot_index).toBeGreaterThan(edgeBefore.last_log_index)

  edge = await restartWranglerDev(edge)
  expect((await fetch(`${edge.url}/status`)).status).toBe(200)
  const all = 'SELECT id, hex(v) FROM t ORDER BY id'
  const expected = rows(await none(server.url, all))
  expect(expected).toHaveLength(81)
  await waitFor('the edge caught up', async () => rows(await none(edge.url, 'SELECT count(*) FROM t'))[0][0] === 81, 60_000)
  expect(rows(await none(edge.url, all))).toEqual(expected)
  const vars = await json(`${edge.url}/debug/vars`)
  expect(vars.store.num_restores).toBeGreaterThanOrEqual(1)
  const edgeRaft = (await json(`${edge.url}/status`)).store.raft
  expect(edgeRaft.last_snapshot_index).toBeGreaterThanOrEqual(serverRaft.last_snapshot_index)

  // After the install the stream goes on as usual: a new write arrives through the log.
  expect((await execute(server.url, ["INSERT INTO t(v) VALUES('after the snapshot')"])).status).toBe(200)
  await waitFor('the write after the install at the edge', async () => rows(await none(edge.url, "SELECT count(*) FROM t WHERE v = 'after the snapshot'"))[0][0] === 1, 30_000)
})
