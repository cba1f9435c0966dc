// Queued writes through faults (issue 24 items 1, 2): a proposal that timed out while the
// follower was paused, a killed leader, and a shutdown that cannot flush. Every acknowledged
// queued write appears at most once; each one missing was reported lost; shutdown is bounded.
import { afterEach, expect, test } from 'vitest'
import type { RaftlitedProcess } from '../support/raftlited-process.ts'
import { execute, leaderOf, queryText, restartRaftlited, startCluster, waitFor, settledLeader } from '../support/cluster-processes.ts'

let procs: RaftlitedProcess[] = []
afterEach(async () => {
  for (const p of procs) {
    if (p.child.signalCode === null && p.child.exitCode === null) p.child.kill('SIGCONT')
    await p.stop('SIGKILL')
  }
  procs = []
})

const queue = async (url: string, k: string) => {
  const res = await execute(url, [`INSERT INTO t(k) VALUES('${k}')`], '?queue')
  expect(res.status, res.text).toBe(200)
  return sequenceOf(res.text)
}

const counts = async (url: string): Promise<Map<string, number>> => {
  const body = JSON.parse(await queryText(url, 'SELECT k, count(*) FROM t GROUP BY k', '&level=none'))
  return new Map((body.results[0].values ?? []).map(([k, n]: [string, number]) => [k, n]))
}

/** Sequence numbers exceed 2^53: read them from the text, as JSON.parse would round them. */
function sequenceOf(text: string): bigint {
  const m = /"sequence_number":\s*(\d+)/.exec(text)
  if (!m) throw new Error(`no sequence_number in ${text}`)
  return BigInt(m[1])
}

test('a queued write whose proposal timed out while the follower was paused is applied once', async () => {
  procs = await startCluster({ size: 2, extraArgs: ['-raft-apply-timeout', '1s'] })
  const leader = await settledLeader(procs)
  const follower = procs.find((p) => p !== leader)!
  expect((await execute(leader.url, ['CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT)'])).status).toBe(200)
  await waitFor('the table on the follower', async () => (await counts(follower.url)).size === 0)
  follower.child.kill('SIGSTOP')
  await queue(leader.url, 'paused')
  // The proposal times out (1 s) and is retried at least once while the follower is paused.
  await waitFor('a failed flush', async () => /timeout/i.test(leader.stderr()), 10_000)
  await new Promise((r) => setTimeout(r, 1500))
  follower.child.kill('SIGCONT')
  for (const p of procs) await waitFor(`the row on ${p.httpAddr}`, async () => (await counts(p.url)).get('paused') !== undefined, 20_000)
  await new Promise((r) => setTimeout(r, 1500)) // let any second copy commit too
  for (const p of procs) expect((await counts(p.url)).get('paused'), p.httpAddr).toBe(1)
}, 90_000)

test('leader killed, then shutdown with a queue that cannot flush: bounded, and every loss reported', async () => {
  procs = await startCluster({ size: 3, extraArgs: ['-raft-apply-timeout', '2s', '-shutdown-flush-timeout', '2s'] })
  const leader = await settledLeader(procs)
  expect((await execute(leader.url, ['CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT)'])).status).toBe(200)
  const [a, b] = procs.filter((p) => p !== leader)
  await waitFor('the table on a', async () => (await counts(a.url)).size === 0)
  // Queued on a follower, and the leader killed at once: forwarded flushes fail or time out
  // until a new leader is found; retries must not duplicate.
  const acknowledged = new Map<string, bigint>()
  for (let i = 0; i < 5; i++) acknowledged.set(`k${i}`, await queue(a.url, `k${i}`))
  await leader.stop('SIGKILL')
  await waitFor('a new leader', () => leaderOf([a, b]), 20_000)
  for (let i = 5; i < 10; i++) acknowledged.set(`k${i}`, await queue(a.url, `k${i}`))
  await waitFor('the queue on a flushed', async () => (await counts(a.url)).size === 10, 20_000)
  // Now no quorum (one of three left once b goes): a's queue cannot flush at shutdown.
  await b.stop('SIGKILL')
  for (let i = 10; i < 13; i++) {
    const res = await execute(a.url, [`INSERT INTO t(k) VALUES('k${i}')`], '?queue')
    if (res.status === 200) acknowledged.set(`k${i}`, sequenceOf(res.text))
  }
  const t0 = Date.now()
  const code = await a.stop('SIGTERM')
  const took = Date.now() - t0
  expect(code).toBe(0)
  expect(took).toBeLessThan(15_000) // 2 s of flushing, then the (bounded) leave and close
  const log = a.stderr()
  const reported = new Set([...log.matchAll(/sequence numbers ([\d,]+)/g)].flatMap((m) => m[1].split(',')))
  // Bring two of the three back and count what the cluster holds.
  const restarted = await Promise.all([restartRaftlited(a), restartRaftlited(b)])
  procs = restarted
  await waitFor('a leader after restart', () => leaderOf(restarted), 30_000)
  const rows = await waitFor('rows', async () => {
    const c = await counts(restarted[0].url)
    return c.size >= 10 ? c : undefined
  })
  for (const [k, sequence] of acknowledged) {
    const n = rows.get(k) ?? 0
    expect(n, k).toBeLessThanOrEqual(1)
    if (n === 0) expect(reported.has(String(sequence)), `${k} (${sequence}) missing but not reported:\n${log}`).toBe(true)
  }
  for (let i = 0; i < 10; i++) expect(rows.get(`k${i}`), `k${i}`).toBe(1)
}, 150_000)
