// -disco-mode etcd-kv against Debian's etcd (etcd-server), and consul-kv against a small fake of
// Consul's KV HTTP API (Consul cannot be installed here). Three nodes started at once: one claims
// the key and founds the cluster, the others find it there and join. Real raftlited processes.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { afterEach, expect, test } from 'vitest'
import { type RaftlitedProcess, startRaftlited, tempDataDir } from '../support/raftlited-process.ts'
import { FAST_ELECTION, execute, queryText, waitFor, settledLeader } from '../support/cluster-processes.ts'
import { freePort } from '../support/free-port.ts'
import { type FakeConsul, startFakeConsul } from '../support/fake-consul.ts'

const ETCD = '/usr/bin/etcd'
const haveEtcd = spawnSync(ETCD, ['--version']).status === 0
// CI installs it (.ci/run): there a missing etcd fails the run instead of skipping quietly.
if (!haveEtcd && process.env.CI) throw new Error('etcd is missing: .ci/run installs it')

let procs: RaftlitedProcess[] = []
let etcd: ChildProcess | undefined
let consul: FakeConsul | undefined
afterEach(async () => {
  for (const p of procs) await p.stop('SIGKILL')
  procs = []
  etcd?.kill('SIGKILL')
  etcd = undefined
  await consul?.close()
  consul = undefined
})

const ARGS = ['-join-attempts', '30', ...FAST_ELECTION]

async function threeNodes(mode: string, config: string): Promise<RaftlitedProcess> {
  procs = await Promise.all([1, 2, 3].map((i) => startRaftlited({ args: ['-node-id', `n${i}`, '-disco-mode', mode, '-disco-key', 'testdb', '-disco-config', config, ...ARGS] })))
  for (const n of procs) {
    await waitFor('three members', async () => Object.keys(JSON.parse(await (await fetch(`${n.url}/nodes`)).text())).length === 3, 30_000)
  }
  expect((await execute(procs[1].url, ['CREATE TABLE t (v)', 'INSERT INTO t VALUES (5)'])).status).toBe(200)
  await waitFor('the row everywhere', async () => (await queryText(procs[2].url, 'SELECT v FROM t', '&level=none')).includes('[[5]]'))
  return settledLeader(procs)
}

test.skipIf(!haveEtcd)('etcd-kv: the nodes find each other through etcd, and the key names the leader', async () => {
  const [client, peer] = [await freePort(), await freePort()]
  etcd = spawn(ETCD, ['--data-dir', tempDataDir('raftlite-etcd-'), '--listen-client-urls', `http://127.0.0.1:${client}`, '--advertise-client-urls', `http://127.0.0.1:${client}`,
    '--listen-peer-urls', `http://127.0.0.1:${peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`, '--initial-cluster', `default=http://127.0.0.1:${peer}`], { stdio: 'ignore' })
  await waitFor('etcd', async () => (await fetch(`http://127.0.0.1:${client}/health`)).ok, 20_000)
  const leader = await threeNodes('etcd-kv', `{"endpoints":["127.0.0.1:${client}"]}`)
  const range = await (await fetch(`http://127.0.0.1:${client}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: btoa('testdb/leader') }) })).json() as { kvs: { value: string }[] }
  const record = JSON.parse(atob(range.kvs[0].value))
  expect(record).toEqual({ id: JSON.parse(await (await fetch(`${leader.url}/status`)).text()).store.node_id, addr: leader.raftAddr, api_addr: leader.url })
}, 120_000)

test('consul-kv: the same through Consul\'s KV API (a fake of it)', async () => {
  consul = await startFakeConsul()
  const leader = await threeNodes('consul-kv', `{"address":"${consul.address}","scheme":"http"}`)
  await waitFor('the key naming the leader', async () => JSON.parse(consul!.kv.get('testdb/leader') ?? '{}').addr === leader.raftAddr)
}, 120_000)

test('a store that cannot be reached: the start fails, saying so', async () => {
  const port = await freePort()
  const failed = await startRaftlited({ args: ['-disco-mode', 'consul-kv', '-disco-config', `{"address":"127.0.0.1:${port}"}`, '-bootstrap-expect-timeout', '2s'] }).catch((e: unknown) => e)
  expect(String(failed)).toMatch(/fatal: discovery: no leader found under rqlite\/leader \(.*\)/)
}, 60_000)
