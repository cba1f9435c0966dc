/**
 * A follower that installs a snapshot never applied the entries it covers, so it has no changes
 * for them. If it then leads before they were delivered, it must have fetched them from a peer:
 * real processes, the log compacted behind the snapshot, leadership moved to that follower.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { CdcReceiver } from '../support/cdc-receiver.ts'
import { execute, restartRaftlited, startCluster, waitFor, settledLeader } from '../support/cluster-processes.ts'
import { type RaftlitedProcess, tempDataDir } from '../support/raftlited-process.ts'

const procs: RaftlitedProcess[] = []
afterAll(async () => {
  for (const p of procs) await p.stop('SIGKILL')
})

const status = async (p: RaftlitedProcess) => JSON.parse(await (await fetch(`${p.url}/status`)).text())

it('a follower that installed a snapshot fetches the undelivered changes it covers, and delivers them when it leads', async () => {
  const receiver = await CdcReceiver.start()
  await receiver.setStatus(500) // nothing is delivered until the follower leads
  const config = join(tempDataDir('cdc-config-'), 'cdc.json')
  writeFileSync(config, JSON.stringify({ endpoint: receiver.url, max_batch_delay: '10ms', high_watermark_interval: '200ms', transmit_min_backoff: '100ms', transmit_max_backoff: '200ms' }))
  // Joins retried for 10 s: on a loaded machine node 1 may be re-electing itself while others join.
  const cluster = await startCluster({ size: 3, extraArgs: ['-cdc-config', config, '-join-attempts', '50'] })
  procs.push(...cluster)
  const leader = await settledLeader(cluster)
  const follower = cluster.find((p) => p !== leader)!
  await execute(leader.url, ['CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)'])
  await follower.stop('SIGKILL')
  for (let i = 0; i < 50; i++) expect((await execute(leader.url, [[`INSERT INTO t(v) VALUES(${i})`]])).status).toBe(200)
  // Snapshot and compact the whole log: the follower can only catch up by installing it.
  expect((await fetch(`${leader.url}/snapshot?trailing_logs=0`, { method: 'POST' })).status).toBe(200)
  const back = await restartRaftlited(follower)
  procs.push(back)
  const followerId = back.args[back.args.indexOf("-node-id") + 1]
  const installed = await waitFor('the snapshot installed and the missing changes fetched', async () => {
    const s = await status(back)
    return s.store.raft.last_snapshot_index > 0 && s.cdc.missing_through === 0 && s.cdc.queue_depth >= 50 && s
  }, 30_000)
  // It did install a snapshot over those entries (it keeps nothing it could serve from before it).
  expect(installed.cdc.resumable_after).toBeGreaterThan(50)

  const moved = await fetch(`${leader.url}/leader?wait`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ id: followerId }) })
  expect(moved.status).toBe(200)
  await waitFor('the follower leads', async () => (await status(back)).store.raft.state === 'Leader')
  await receiver.setStatus(200)
  const values = await waitFor('all 50 inserts delivered', async () => {
    const v = new Set(receiver.groups().flatMap((g) => g.events.map((e) => (e.after as { v: number }).v)))
    return v.size >= 50 && v
  }, 30_000)
  expect([...values].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i))
  expect(new Set(receiver.received().map((r) => JSON.parse(r.body).node_id))).toEqual(new Set([followerId]))
}, 120_000)
