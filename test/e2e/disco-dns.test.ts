// -disco-mode dns and dns-srv against a real DNS server: Debian's dnsmasq on a loopback port
// (raftlited asks it through RAFTLITE_DNS_SERVER). Three nodes started at once find each other
// by name and form one cluster with -bootstrap-expect 3. Real raftlited processes.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { type RaftlitedProcess, startRaftlited, tempDataDir } from '../support/raftlited-process.ts'
import { FAST_ELECTION, execute, queryText, waitFor } from '../support/cluster-processes.ts'
import { freePort } from '../support/free-port.ts'

const DNSMASQ = '/usr/sbin/dnsmasq'
const haveDnsmasq = spawnSync(DNSMASQ, ['--version']).status === 0
// CI installs it (.ci/run): there a missing dnsmasq fails the run instead of skipping quietly.
if (!haveDnsmasq && process.env.CI) throw new Error('dnsmasq is missing: .ci/run installs it')

let procs: RaftlitedProcess[] = []
let dnsmasq: ChildProcess | undefined
afterEach(async () => {
  for (const p of procs) await p.stop('SIGKILL')
  procs = []
  dnsmasq?.kill('SIGKILL')
  dnsmasq = undefined
  delete process.env.RAFTLITE_DNS_SERVER
})

/** dnsmasq answering only from `records` (its flags), on a loopback port. */
async function startDnsmasq(records: string[]): Promise<string> {
  const port = await freePort()
  dnsmasq = spawn(DNSMASQ, ['--no-daemon', '--conf-file=/dev/null', `--port=${port}`, '--listen-address=127.0.0.1', '--bind-interfaces', '--no-resolv', '--no-hosts', '--user=root', ...records], { stdio: ['ignore', 'ignore', 'pipe'] })
  let log = ''
  dnsmasq.stderr!.on('data', (d: Buffer) => (log += d.toString()))
  await waitFor(`dnsmasq to start: ${log}`, async () => log.includes('started'), 10_000)
  return `127.0.0.1:${port}`
}

async function expectOneCluster(nodes: RaftlitedProcess[]): Promise<void> {
  for (const n of nodes) {
    await waitFor('three members and a leader', async () => {
      const all = Object.values(JSON.parse(await (await fetch(`${n.url}/nodes`)).text())) as { leader: boolean }[]
      return all.length === 3 && all.filter((m) => m.leader).length === 1
    }, 30_000)
  }
  expect((await execute(nodes[0].url, ['CREATE TABLE t (v)', 'INSERT INTO t VALUES (7)'])).status).toBe(200)
  await waitFor('the row on the last node', async () => (await queryText(nodes[2].url, 'SELECT v FROM t', '&level=none')).includes('[[7]]'))
}

const BOOT = ['-bootstrap-expect', '3', '-bootstrap-expect-timeout', '60s', ...FAST_ELECTION]

test.skipIf(!haveDnsmasq)('dns-srv: SRV records name each node\'s Raft port', async () => {
  const ports = await Promise.all([1, 2, 3].map(() => freePort()))
  process.env.RAFTLITE_DNS_SERVER = await startDnsmasq(
    ports.flatMap((p, i) => [`--srv-host=_rqlite-raft._tcp.rqlite.test,n${i + 1}.rqlite.test,${p}`, `--host-record=n${i + 1}.rqlite.test,127.0.0.1`]),
  )
  const config = '{"name":"rqlite.test","service":"rqlite-raft"}'
  procs = await Promise.all(ports.map((raftPort, i) =>
    startRaftlited({ raftPort, args: ['-node-id', `n${i + 1}`, '-disco-mode', 'dns-srv', '-disco-config', config, ...BOOT] })))
  await expectOneCluster(procs)
  expect(procs[0].stderr()).toContain('-disco-mode dns-srv: rqlite.test names')
}, 120_000)

test.skipIf(!haveDnsmasq)('dns: A records name each node, all on one Raft port; the config from a file, with $VARS', async () => {
  const port = await freePort()
  process.env.RAFTLITE_DNS_SERVER = await startDnsmasq([1, 2, 3].map((i) => `--host-record=rqlite.test,127.0.0.${i}`))
  const file = join(tempDataDir('raftlite-disco-'), 'disco.json')
  writeFileSync(file, `{"name":"$DISCO_NAME","port":${port}}`)
  process.env.DISCO_NAME = 'rqlite.test'
  procs = await Promise.all([1, 2, 3].map((i) =>
    startRaftlited({ args: ['-node-id', `n${i}`, '-raft-addr', `127.0.0.${i}:${port}`, '-disco-mode', 'dns', '-disco-config', file, ...BOOT] })))
  await expectOneCluster(procs)
}, 120_000)

