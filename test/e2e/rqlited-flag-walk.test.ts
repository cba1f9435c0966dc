// Walks rqlited's whole flag list (RQLITED_FLAGS) and starts a node with every supported flag
// set to a non-default value that is valid here. A flag still `supported: false` (its issue is
// open) is skipped and listed; a supported flag without a value below fails the test, so
// nothing slips through when a flag is enabled. Real raftlited processes.
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { RQLITED_FLAGS } from '../../src/cli/rqlited-flags.ts'
import { type RaftlitedProcess, startRaftlited, tempDataDir } from '../support/raftlited-process.ts'
import { FAST_ELECTION, execute, waitFor } from '../support/cluster-processes.ts'
import { freePort } from '../support/free-port.ts'

let procs: RaftlitedProcess[] = []
afterEach(async () => {
  for (const p of procs) await p.stop('SIGKILL')
  procs = []
})

/** Flags not set on the walking node, and where they are exercised instead. */
const ELSEWHERE: Record<string, string> = {
  'http-addr': 'set by the harness (a free loopback port)',
  'raft-addr': 'set by the harness (a free loopback port)',
  version: 'prints and exits: test/e2e/daemon-cli.test.ts',
  'extensions-path': 'refused by design (WASM cannot load native code): test/cli/rqlited-flags.test.ts',
  'raft-non-voter': 'a read replica cannot use -bootstrap-expect, which this node sets: test/e2e/cluster-membership.test.ts',
  'disco-mode': 'cannot be combined with -join, which this node sets; needs a DNS server: test/e2e/disco-dns.test.ts',
  'disco-config': 'goes with -disco-mode: test/e2e/disco-dns.test.ts',
  'disco-key': 'goes with -disco-mode etcd-kv or consul-kv: test/e2e/disco-kv.test.ts',
  'auto-restore': 'cannot be combined with -join, which this node sets: test/e2e/auto-backup-daemon.test.ts',
  'auto-backup': 'needs a backup target configured: test/e2e/auto-backup-daemon.test.ts',
  'otlp-endpoint': 'needs a collector to push to: test/e2e/observability-metrics.test.ts',
  'otlp-interval': 'goes with -otlp-endpoint: test/e2e/observability-metrics.test.ts',
  'http-ca-cert': 'TLS needs certificates (made with openssl) on every node: test/e2e/tls.test.ts',
  'http-cert': 'TLS needs certificates (made with openssl) on every node: test/e2e/tls.test.ts',
  'http-key': 'TLS needs certificates (made with openssl) on every node: test/e2e/tls.test.ts',
  'http-verify-client': 'TLS needs certificates (made with openssl) on every node: test/e2e/tls.test.ts',
  'http-verify-common-name': 'TLS needs certificates (made with openssl) on every node: test/e2e/tls.test.ts',
  'node-ca-cert': 'TLS needs certificates (made with openssl) on every node: test/e2e/tls.test.ts',
  'node-cert': 'TLS needs certificates (made with openssl) on every node: test/e2e/tls.test.ts',
  'node-key': 'TLS needs certificates (made with openssl) on every node: test/e2e/tls.test.ts',
  'node-no-verify': 'TLS needs certificates (made with openssl) on every node: test/e2e/tls.test.ts',
  'node-verify-client': 'TLS needs certificates (made with openssl) on every node: test/e2e/tls.test.ts',
  'node-verify-server-name': 'TLS needs certificates (made with openssl) on every node: test/e2e/tls.test.ts',
  'node-verify-common-name': 'TLS needs certificates (made with openssl) on every node: test/e2e/tls.test.ts',
}

test('a node starts with every supported rqlited flag set to a non-default value', async () => {
  const scratch = tempDataDir('raftlite-walk-')
  // The cluster secret is every member's; the users file only the walker's.
  writeFileSync(join(scratch, 'cluster.secret'), 'a-secret-of-at-least-16-bytes-for-the-walk')
  writeFileSync(join(scratch, 'users.json'), JSON.stringify([{ username: 'walker', password: 'pw', perms: ['all'] }, { username: '*', perms: ['all'] }]))
  const first = await startRaftlited({ args: ['-node-id', 'first', '-cluster-secret-file', join(scratch, 'cluster.secret'), ...FAST_ELECTION] })
  procs.push(first)
  const httpPort = await freePort()
  const raftPort = await freePort()
  const values: Record<string, string> = {
    'node-id': 'walker',
    'http-adv-addr': `127.0.0.1:${httpPort}`,
    'raft-adv-addr': `127.0.0.1:${raftPort}`,
    'http-allow-origin': 'https://example.com',
    join: first.raftAddr,
    'join-attempts': '30',
    'join-interval': '200ms',
    'bootstrap-expect': '2', // a latecomer: told a cluster exists, it joins it
    'bootstrap-expect-timeout': '60s',
    'on-disk-path': join(scratch, 'live', 'db.sqlite'),
    fk: 'true',
    'auto-vacuum-int': '1h',
    'auto-optimize-int': '2h',
    'raft-timeout': '500ms',
    'raft-heartbeat-timeout': '500ms',
    'raft-election-timeout': '500ms',
    'raft-apply-timeout': '5s',
    'raft-snap': '100',
    'raft-snap-wal-size': '1048576',
    'raft-snap-int': '5s',
    'raft-leader-lease-timeout': '500ms',
    'raft-shutdown-stepdown': 'false',
    'raft-remove-shutdown': 'true',
    'raft-cluster-remove-shutdown': 'true',
    'raft-reap-node-timeout': '1h',
    'raft-reap-read-only-node-timeout': '1h',
    'cluster-connect-timeout': '10s',
    'write-queue-capacity': '100',
    'write-queue-batch-size': '10',
    'write-queue-timeout': '20ms',
    'write-queue-tx': 'true',
    'http-max-body': '1048576',
    'shutdown-flush-timeout': '2s',
    'compress-snap-transport': 'true',
    auth: join(scratch, 'users.json'),
    'join-as': 'walker',
    'cluster-secret-file': join(scratch, 'cluster.secret'),
    'cdc-config': 'stdout',
    'db-query-timeout': '2s',
    'log-level': 'WARN',
    'raft-log-level': 'ERROR',
    'log-format': 'json',
    'log-slow-request': '2s',
    metrics: 'false',
    'http-max-statements': '1000',
    'http-max-params': '100',
    'http-max-result-bytes': '1048576',
    'http-max-conns-per-client': '50',
    'http-read-header-timeout': '5s',
    'http-read-timeout': '60s',
    'cpu-profile': join(scratch, 'cpu.cpuprofile'),
    'mem-profile': join(scratch, 'mem.heapprofile'),
    'trace-profile': join(scratch, 'trace.json'),
    'raft-commit-timeout': '100ms',
    'db-max-ro-conns': '8',
    'db-engine': 'thread',
  }
  const args: string[] = []
  const skipped: string[] = []
  for (const flag of RQLITED_FLAGS) {
    if (flag.name in ELSEWHERE) continue
    if (!flag.supported) {
      skipped.push(flag.name)
      continue
    }
    const value = values[flag.name]
    expect(value, `a non-default value for -${flag.name}`).toBeDefined()
    expect(value, `-${flag.name}'s value differs from its default`).not.toBe(String(flag.default))
    args.push(`-${flag.name}=${value}`)
  }
  // Every rqlited flag works: none is left refused.
  expect(skipped, 'flags still refused').toEqual([])

  const walker = await startRaftlited({ httpPort, raftPort, args })
  procs.push(walker)
  const status = JSON.parse(await (await fetch(`${walker.url}/status`)).text())
  expect(status.store.node_id).toBe('walker')
  expect(status.http.allow_origin).toBe('https://example.com')
  expect(status.store.sqlite3.path).toBe(values['on-disk-path'])
  expect(status.store.sqlite3.pragmas.rw.foreign_keys).toBe('1')
  expect(status.store.sqlite3.engine).toBe('thread')
  expect(status.store.election_timeout).toBe('500ms')
  expect(status.store.apply_timeout).toBe('5s')
  expect(status.http.queue._default).toMatchObject({ max_size: 100, batch_size: 10, timeout: '20ms', transaction: true })
  await waitFor('both members', async () => Object.keys(JSON.parse(await (await fetch(`${first.url}/nodes`)).text())).length === 2, 30_000)
  const write = await execute(walker.url, ['CREATE TABLE t (v)', 'INSERT INTO t VALUES (1)'])
  expect(write.text).toBe('{"results":[{},{"last_insert_id":1,"rows_affected":1}]}')

  // -raft-cluster-remove-shutdown: it leaves the cluster as it stops; the profiles are written.
  expect(await walker.stop('SIGTERM')).toBe(0)
  for (const p of ['cpu-profile', 'mem-profile', 'trace-profile']) expect(existsSync(values[p]), p).toBe(true)
  await waitFor('the walker gone from the membership', async () => Object.keys(JSON.parse(await (await fetch(`${first.url}/nodes`)).text())).length === 1, 30_000)
}, 120_000)
