// Issue 11's flags, each doing what it says against real raftlited processes: reaping,
// -raft-remove-shutdown, -cluster-connect-timeout, -auto-vacuum-int and -auto-optimize-int.
import { createServer, type Server } from 'node:net'
import { afterEach, expect, test } from 'vitest'
import { type RaftlitedProcess, startRaftlited } from '../support/raftlited-process.ts'
import { FAST_ELECTION, execute, queryText, startCluster, waitFor, settledLeader } from '../support/cluster-processes.ts'

// A loaded machine can take a while to settle a new cluster: joins retry for longer than the default.
const PATIENT = ['-join-attempts', '30']

let procs: RaftlitedProcess[] = []
let silent: Server | undefined
afterEach(async () => {
  for (const p of procs) await p.stop('SIGKILL')
  procs = []
  silent?.close()
  silent = undefined
})

const vars = async (p: RaftlitedProcess) => JSON.parse(await (await fetch(`${p.url}/debug/vars`)).text())
const nodeIds = async (p: RaftlitedProcess) => Object.keys(JSON.parse(await (await fetch(`${p.url}/nodes?nonvoters`)).text())).sort()

test('-raft-reap-node-timeout and -raft-reap-read-only-node-timeout: the leader removes what it stopped hearing from', async () => {
  const reap = ['-raft-reap-node-timeout', '3s', '-raft-reap-read-only-node-timeout', '2s', ...PATIENT]
  procs = await startCluster({ size: 3, extraArgs: reap })
  const replica = await startRaftlited({ args: ['-node-id', 'replica', '-raft-non-voter', '-join', procs[0].raftAddr, ...FAST_ELECTION, ...reap] })
  procs.push(replica)
  const leader = await settledLeader(procs)
  await waitFor('4 members', async () => (await nodeIds(leader)).length === 4)
  // Alive nodes are never reaped, however long it runs.
  await new Promise((r) => setTimeout(r, 3500))
  expect(await nodeIds(leader)).toEqual(['1', '2', '3', 'replica'])

  await replica.stop('SIGKILL')
  const voter = procs.find((p) => p !== leader && p !== replica)!
  const voterId = String(procs.indexOf(voter) + 1)
  await voter.stop('SIGKILL')
  await waitFor('the replica reaped', async () => !(await nodeIds(leader)).includes('replica'), 20_000)
  await waitFor('the voter reaped', async () => !(await nodeIds(leader)).includes(voterId), 20_000)
  expect((await vars(leader)).store.nodes_reaped_ok).toBe(2)
  // The cluster goes on with two voters: a write needs both, and gets them.
  expect((await execute(leader.url, ['CREATE TABLE t (v)'])).status).toBe(200)
}, 90_000)

test('-raft-remove-shutdown: a node removed from the cluster stops, with exit status 0', async () => {
  procs = await startCluster({ size: 3, extraArgs: PATIENT })
  const leader = await settledLeader(procs)
  const victim = procs.find((p) => p !== leader)!
  const other = procs.find((p) => p !== leader && p !== victim)!
  // Restart the victim with the flag (same data, same addresses).
  await victim.stop('SIGTERM')
  const flagged = await startRaftlited({
    dataDir: victim.dataDir,
    httpPort: Number(victim.httpAddr.split(':')[1]),
    raftPort: Number(victim.raftAddr.split(':')[1]),
    args: [...victim.args, '-raft-remove-shutdown'],
  })
  procs.push(flagged)
  const id = String(procs.indexOf(victim) + 1)
  const exited = new Promise<number | null>((done) => flagged.child.once('exit', (code) => done(code)))
  // Without the flag a removed node keeps running: `other` is removed too and stays up.
  const removeOther = await fetch(`${leader.url}/remove`, { method: 'DELETE', body: JSON.stringify({ id: String(procs.indexOf(other) + 1) }) })
  expect(removeOther.status).toBe(200)
  const removed = await fetch(`${leader.url}/remove`, { method: 'DELETE', body: JSON.stringify({ id }) })
  expect(removed.status).toBe(200)
  expect(await exited).toBe(0)
  expect(flagged.stderr()).toContain('node removed from the cluster, shut down (-raft-remove-shutdown)')
  expect(other.child.exitCode).toBe(null)
  expect((await fetch(`${other.url}/status`)).status).toBe(200)
}, 90_000)

test('-cluster-connect-timeout bounds a join to a node that never answers', async () => {
  // Accepts connections and never says a word; notes when each attempt came.
  const attempts: number[] = []
  silent = createServer(() => attempts.push(Date.now()))
  await new Promise<void>((r) => silent!.listen(0, '127.0.0.1', r))
  const port = (silent.address() as { port: number }).port
  const failed = await startRaftlited({ args: ['-join', `127.0.0.1:${port}`, '-join-attempts', '2', '-join-interval', '100ms', '-cluster-connect-timeout', '300ms'] }).catch((e: unknown) => e)
  const failedAt = Date.now()
  expect(String(failed)).toContain('failed to join cluster')
  expect(String(failed)).toMatch(/timeout|aborted/i)
  // Two attempts of 300 ms, not of the default 30 s (with time to spare for a slow machine),
  // timed from the first attempt: the node's start before it (SQLite's WASM compiled on a
  // loaded machine) is not what the flag bounds.
  expect(attempts.length).toBeGreaterThanOrEqual(2)
  expect(failedAt - attempts[0]).toBeLessThan(20_000)
}, 60_000)

test('-auto-vacuum-int and -auto-optimize-int go through the log: every replica runs them', async () => {
  procs = await startCluster({ size: 2, extraArgs: ['-auto-vacuum-int', '1s', '-auto-optimize-int', '1s', ...PATIENT] })
  const leader = await settledLeader(procs)
  const follower = procs.find((p) => p !== leader)!
  await execute(leader.url, ['CREATE TABLE t (v)', ...Array.from({ length: 50 }, () => "INSERT INTO t VALUES (hex(zeroblob(2000)))")])
  await execute(leader.url, ['DELETE FROM t'])
  // The leader's next VACUUM empties the freelist, and so does the follower's copy of it: no
  // client wrote anything that could.
  const freelist = async (p: RaftlitedProcess) => JSON.parse(await queryText(p.url, 'PRAGMA freelist_count', '&level=none')).results[0].values[0][0]
  await waitFor('the vacuum on the follower', async () => (await freelist(follower)) === 0, 20_000)
  // The leader applies its entries asynchronously too: a follower told of the commit may apply
  // an entry first, and a `none` read promises nothing about that, so wait for it here as well.
  await waitFor('the vacuum on the leader', async () => (await freelist(leader)) === 0, 20_000)
  await waitFor('the counters', async () => {
    const { store } = await vars(leader)
    return store.num_auto_vacuums >= 1 && store.num_auto_optimizes >= 1
  })
  const { store } = await vars(leader)
  expect(store.num_auto_vacuums_failed ?? 0).toBe(0)
  expect(store.num_auto_optimizes_failed ?? 0).toBe(0)
  // Only the leader proposes them.
  expect((await vars(follower)).store.num_auto_vacuums ?? 0).toBe(0)
}, 90_000)

test('-on-disk-path: the live database lives there, across restarts, and /status says so', async () => {
  const { mkdtempSync, existsSync } = await import('node:fs')
  const { join } = await import('node:path')
  const { tmpdir } = await import('node:os')
  const elsewhere = join(mkdtempSync(join(tmpdir(), 'raftlite-ondisk-')), 'sub', 'live.db')
  let node = await startRaftlited({ args: ['-on-disk-path', elsewhere] })
  procs.push(node)
  await execute(node.url, ['CREATE TABLE t (v)', 'INSERT INTO t VALUES (42)'])
  expect((await fetch(`${node.url}/snapshot`, { method: 'POST' })).status).toBe(200)
  expect(JSON.parse(await (await fetch(`${node.url}/status?key=store.sqlite3.path`)).text())).toBe(elsewhere)
  expect(existsSync(elsewhere)).toBe(true)
  expect(existsSync(join(node.dataDir, 'db.sqlite'))).toBe(false)
  await node.stop('SIGTERM')
  const { restartRaftlited } = await import('../support/raftlited-process.ts')
  node = await restartRaftlited(node)
  procs.push(node)
  expect(await queryText(node.url, 'SELECT v FROM t')).toContain('[[42]]')
}, 60_000)

test('-compress-snap-transport: the snapshot reaches a new node gzipped, and checks out', async () => {
  const leader = await startRaftlited({ args: ['-node-id', 'a', '-compress-snap-transport', ...FAST_ELECTION] })
  procs.push(leader)
  await execute(leader.url, ['CREATE TABLE t (v)', ...Array.from({ length: 200 }, (_, i) => `INSERT INTO t VALUES ('${'row '.repeat(50)}${i}')`)])
  expect((await fetch(`${leader.url}/snapshot?trailing_logs=0`, { method: 'POST' })).status).toBe(200)
  const joiner = await startRaftlited({ args: ['-node-id', 'b', '-join', leader.raftAddr, ...FAST_ELECTION] })
  procs.push(joiner)
  await waitFor('the rows on the new node', async () => (await queryText(joiner.url, 'SELECT count(*) FROM t', '&level=none')).includes('[[200]]'))
  const { store } = await vars(joiner)
  expect(store.num_restores).toBe(1)
  expect(store.num_snapshot_transfers_compressed).toBe(1)
}, 60_000)
