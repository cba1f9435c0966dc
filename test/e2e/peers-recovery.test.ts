// Compat scenario 33: recovery with raft/peers.json.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { type RaftlitedProcess, startRaftlited } from '../support/raftlited-process.ts'
import { execute, queryText, startCluster, waitFor, settledLeader } from '../support/cluster-processes.ts'
import { freePort } from '../support/free-port.ts'

let procs: RaftlitedProcess[] = []
afterEach(async () => {
  for (const p of procs) await p.stop('SIGKILL')
  procs = []
})

const COUNT_3 = '{"results":[{"columns":["count(*)"],"types":["integer"],"values":[[3]]}]}'

async function seed(): Promise<void> {
  const leader = await settledLeader(procs)
  await execute(leader.url, ['CREATE TABLE t (v)', 'INSERT INTO t VALUES (1)', 'INSERT INTO t VALUES (2)', 'INSERT INTO t VALUES (3)'])
  for (const p of procs) await waitFor('replication', async () => (await queryText(p.url, 'SELECT count(*) FROM t', '&level=none')) === COUNT_3)
}

test('every node comes back on a new address: peers.json re-forms the cluster with its data', async () => {
  procs = await startCluster({ size: 3 })
  await seed()
  for (const p of procs) await p.stop('SIGTERM')
  const moved = await Promise.all(procs.map(async (p, i) => ({ p, id: String(i + 1), raftPort: await freePort(), httpPort: await freePort() })))
  const peers = moved.map((m) => ({ id: m.id, address: `127.0.0.1:${m.raftPort}`, non_voter: false }))
  for (const m of moved) writeFileSync(join(m.p.dataDir, 'raft', 'peers.json'), JSON.stringify(peers))
  procs = await Promise.all(
    moved.map((m) => startRaftlited({ dataDir: m.p.dataDir, raftPort: m.raftPort, httpPort: m.httpPort, args: ['-node-id', m.id, '-raft-election-timeout', '500ms', '-raft-heartbeat-timeout', '500ms'] })),
  )
  const leader = await settledLeader(procs)
  expect(await queryText(leader.url, 'SELECT count(*) FROM t', '&level=linearizable')).toBe(COUNT_3)
  const nodes = JSON.parse(await (await fetch(`${leader.url}/nodes`)).text()) as Record<string, { addr: string; reachable: boolean }>
  for (const m of moved) expect(nodes[m.id]).toMatchObject({ addr: `127.0.0.1:${m.raftPort}`, reachable: true })
  for (const m of moved) {
    expect(existsSync(join(m.p.dataDir, 'raft', 'peers.json'))).toBe(false)
    expect(JSON.parse(readFileSync(join(m.p.dataDir, 'raft', 'peers.info'), 'utf8'))).toEqual(peers)
  }
  expect((await execute(procs[1].url, ['INSERT INTO t VALUES (4)'])).text).toContain('"rows_affected":1')
}, 90_000)

test('quorum lost for good: the survivor continues alone with peers.json', async () => {
  procs = await startCluster({ size: 3 })
  await seed()
  const survivor = procs[2]
  for (const p of procs) await p.stop('SIGKILL')
  writeFileSync(join(survivor.dataDir, 'raft', 'peers.json'), JSON.stringify([{ id: '3', address: survivor.raftAddr }]))
  const alone = await startRaftlited({
    dataDir: survivor.dataDir,
    raftPort: Number(survivor.raftAddr.split(':')[1]),
    httpPort: Number(survivor.httpAddr.split(':')[1]),
    args: ['-node-id', '3'],
  })
  procs = [alone]
  expect(await queryText(alone.url, 'SELECT count(*) FROM t')).toBe(COUNT_3)
  expect((await execute(alone.url, ['INSERT INTO t VALUES (4)'])).text).toContain('"rows_affected":1')
  expect(Object.keys(JSON.parse(await (await fetch(`${alone.url}/nodes`)).text()))).toEqual(['3'])
}, 90_000)

test('a malformed peers.json stops the node with a clear message', async () => {
  procs = await startCluster({ size: 1 })
  const p = procs[0]
  await p.stop('SIGTERM')
  writeFileSync(join(p.dataDir, 'raft', 'peers.json'), '[{"id":"1"}]')
  const failed = await startRaftlited({ dataDir: p.dataDir, args: ['-node-id', '1'] }).catch((e: unknown) => e)
  expect(String(failed)).toMatch(/peers\.json: bad entry \{"id":"1"\}/)
}, 60_000)
