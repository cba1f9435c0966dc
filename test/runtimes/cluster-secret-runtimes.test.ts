// The cluster secret and users work the same on every runtime: a Node, a Deno and a Bun node
// with one secret form a cluster (signed POSTs and signed WebSocket upgrades, whichever runtime
// sends or serves them), forward with credentials, and refuse an unsigned request.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, expect, test } from 'vitest'
import { encodeWire } from '../../src/cluster/wire.ts'
import { type RaftlitedProcess, tempDataDir } from '../support/raftlited-process.ts'
import { startCluster, waitFor } from '../support/cluster-processes.ts'

let procs: RaftlitedProcess[] = []
afterAll(async () => {
  for (const p of procs) await p.stop('SIGKILL')
})

test('node, deno and bun nodes with one cluster secret and one users file', async () => {
  const dir = tempDataDir('raftlite-secret-rt-')
  writeFileSync(join(dir, 'secret'), 'one secret for three runtimes\n')
  writeFileSync(join(dir, 'users.json'), JSON.stringify([
    { username: 'bob', password: 'secret1', perms: ['all'] },
    { username: 'joiner', password: 'j', perms: ['join'] },
    { username: '*', perms: ['status', 'ready'] },
  ]))
  procs = await startCluster({ size: 3, runtimes: ['node', 'deno', 'bun'], extraArgs: ['-cluster-secret-file', join(dir, 'secret'), '-auth', join(dir, 'users.json'), '-join-as', 'joiner'] })
  const bob = { Authorization: `Basic ${btoa('bob:secret1')}`, 'Content-Type': 'application/json' }
  for (const [i, p] of procs.entries()) {
    const res = await fetch(`${p.url}/db/execute`, { method: 'POST', headers: bob, body: JSON.stringify([`CREATE TABLE IF NOT EXISTS t (v)`, `INSERT INTO t VALUES (${i})`]) })
    expect(res.status, p.runtime).toBe(200)
    expect(await res.text()).toContain('"rows_affected":1')
    const refused = await fetch(`${p.url}/db/execute`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '["INSERT INTO t VALUES (99)"]' })
    expect(refused.status, p.runtime).toBe(401)
  }
  for (const p of procs) {
    await waitFor(`${p.runtime} to have all rows`, async () => (await (await fetch(`${p.url}/db/query?q=SELECT%20count(*)%20FROM%20t&level=none`, { headers: bob })).text()).includes('[[3]]'))
    const unsigned = await fetch(`http://${p.raftAddr}/cluster/rpc`, { method: 'POST', body: encodeWire({ op: 'meta' }) as Uint8Array<ArrayBuffer> })
    expect(unsigned.status, p.runtime).toBe(401)
    const vars = JSON.parse(await (await fetch(`${p.url}/debug/vars`)).text())
    expect(vars.cluster.raft_streams_opened, `${p.runtime}: Raft streams (signed WebSocket upgrades) opened`).toBeGreaterThan(0)
  }
  const nodes = JSON.parse(await (await fetch(`${procs[1].url}/nodes`)).text())
  expect(Object.values(nodes).map((n) => (n as { reachable: boolean }).reachable)).toEqual([true, true, true])
}, 120_000)
