/**
 * The basic cluster scenarios (compat 11, 12 and 20-24) against three real raftlited processes
 * on one runtime; each runtime's test file runs it on nodes of that runtime.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { RaftlitedProcess, Runtime } from '../support/raftlited-process.ts'
import { execute, leaderOf, queryText, restartRaftlited, startCluster, waitFor, settledLeader } from '../support/cluster-processes.ts'

const queryStatus = async (p: RaftlitedProcess): Promise<string> => (await fetch(`${p.url}/status`)).text()

export function clusterSuite(runtime: Runtime): void {
  let procs: RaftlitedProcess[] = []

  beforeAll(async () => {
    procs = await startCluster({ size: 3, runtimes: [runtime, runtime, runtime] })
  }, 60_000)

  afterAll(async () => {
    for (const p of procs) await p.stop('SIGKILL')
  })

  describe(`a 3-node cluster of raftlited processes on ${runtime}`, () => {
    test('scenario 20: one cluster, one leader, everyone reachable', async () => {
      const nodes = JSON.parse(await (await fetch(`${procs[2].url}/nodes`)).text())
      expect(Object.keys(nodes)).toEqual(['1', '2', '3'])
      expect(Object.values(nodes).filter((n) => (n as { leader: boolean }).leader)).toHaveLength(1)
      for (const [id, n] of Object.entries(nodes) as [string, Record<string, unknown>][]) {
        expect(n.reachable, id).toBe(true)
        expect(n.api_addr).toBe(procs[Number(id) - 1].url)
      }
    })

    test('scenarios 11, 12 and 21: forwarded writes; RANDOM() and now() identical on every node', async () => {
      const leader = await settledLeader(procs)
      const follower = procs.find((p) => p !== leader)!
      await execute(follower.url, ['CREATE TABLE r (id INTEGER PRIMARY KEY, v INTEGER, b BLOB, t TEXT, d TEXT DEFAULT CURRENT_TIMESTAMP)'])
      const res = await execute(follower.url, ["INSERT INTO r(v, b, t) VALUES(RANDOM(), randomblob(8), datetime('now'))"])
      expect(res.text).toBe('{"results":[{"last_insert_id":1,"rows_affected":1}]}')
      expect(res.headers.get('x-rqlite-served-by')).toBe(leader.raftAddr)
      const onLeader = await queryText(leader.url, 'SELECT * FROM r')
      expect(onLeader).toMatch(/"values":\[\[1,-?\d+,"[^"]+","\d{4}-\d\d-\d\d \d\d:\d\d:\d\d","\d{4}-/)
      for (const p of procs) await waitFor(`node ${p.url} to match`, async () => (await queryText(p.url, 'SELECT * FROM r', '&level=none')) === onLeader)
    })

    test('Raft messages travel over WebSocket streams between the nodes', async () => {
      type Stats = { raft_streams_opened: number; raft_stream_batches: number; raft_post_batches: number }
      const stats = async (p: RaftlitedProcess): Promise<Stats> => JSON.parse(await (await fetch(`${p.url}/debug/vars`)).text()).cluster
      // Until a node's stream is open its messages go by POST, which a loaded machine can make
      // last a while: the totals since start say how long that was. What is asserted is what a
      // node sends now, over half a second once its streams are open: mostly stream batches.
      for (const p of procs) {
        const window = await waitFor(`${p.url} to send mostly over its streams`, async () => {
          const before = await stats(p)
          await new Promise((r) => setTimeout(r, 500))
          const after = await stats(p)
          const sent = { streams: after.raft_stream_batches - before.raft_stream_batches, posts: after.raft_post_batches - before.raft_post_batches }
          return after.raft_streams_opened > 0 && sent.streams > sent.posts && sent
        }, 20_000)
        expect(window.streams, p.url).toBeGreaterThan(window.posts)
      }
    })

    test('/readyz on a follower: leader contact, and ?sync waits until it has caught up', async () => {
      const leader = await settledLeader(procs)
      const follower = procs.find((p) => p !== leader)!
      const plain = await fetch(`${follower.url}/readyz`)
      expect([plain.status, await plain.text()]).toEqual([200, '[+]node ok\n[+]leader ok\n[+]store ok'])
      const synced = await fetch(`${follower.url}/readyz?sync&timeout=5s`)
      expect([synced.status, await synced.text()]).toEqual([200, '[+]node ok\n[+]leader ok\n[+]store ok\n[+]sync ok'])
      expect(await (await fetch(`${follower.url}/readyz?noleader`)).text()).toBe('[+]node ok')
    })

    test('scenario 22: redirect to the leader', async () => {
      const leader = await settledLeader(procs)
      const follower = procs.find((p) => p !== leader)!
      const res = await execute(follower.url, ['SELECT 1'], '?redirect')
      expect(res.status).toBe(301)
      expect(res.headers.get('location')).toBe(`${leader.url}/db/execute?redirect`)
    })

    // How fast the new leader comes is measured alone, at the default timeouts, in the timed
    // project (test/e2e/cluster-faults.test.ts); here, beside other tests, only that it comes.
    test('scenario 23: kill -9 the leader; a new one is elected in a later term; the old node rejoins and catches up', async () => {
      const old = await settledLeader(procs)
      const termOf = async (p: RaftlitedProcess): Promise<number> => JSON.parse(await queryStatus(p)).store.raft.term
      const oldTerm = await termOf(old)
      await old.stop('SIGKILL')
      let restarted: RaftlitedProcess | undefined
      try {
        const survivors = procs.filter((p) => p !== old)
        const next = await waitFor('a new leader', () => leaderOf(survivors), 10_000)
        expect(await termOf(next), 'the new leader won an election after the kill').toBeGreaterThan(oldTerm)
        // The other survivor learns of the new leader from its first append, a moment after the
        // election; until then it answers 503 "leader not found", as rqlite does (clients retry).
        const follower = survivors.find((p) => p !== next)!
        const redirectsTo = async () => (await execute(follower.url, ['SELECT 1'], '?redirect')).headers.get('location')
        await waitFor('the other survivor to redirect to the new leader', async () => (await redirectsTo()) === `${next.url}/db/execute?redirect`, 5_000)
        const write = await execute(follower.url, [['INSERT INTO r(v) VALUES(?)', 42]])
        expect(write.text).toContain('"rows_affected":1')
        restarted = await restartRaftlited(old)
        procs[procs.indexOf(old)] = restarted
        const expected = await queryText(next.url, 'SELECT * FROM r ORDER BY id')
        await waitFor('the restarted node to catch up', async () => (await queryText(restarted!.url, 'SELECT * FROM r ORDER BY id', '&level=none')) === expected)
      } finally {
        // Whatever failed above, the next scenario finds three nodes.
        if (!restarted) procs[procs.indexOf(old)] = await restartRaftlited(old)
      }
    }, 60_000)

    test('scenario 24: stop every node, start them all again: a leader, data intact', async () => {
      const before = await queryText((await settledLeader(procs)).url, 'SELECT * FROM r ORDER BY id')
      for (const p of procs) await p.stop('SIGTERM')
      procs = await Promise.all(procs.map((p) => restartRaftlited(p)))
      const leader = await settledLeader(procs)
      expect(await queryText(leader.url, 'SELECT * FROM r ORDER BY id')).toBe(before)
    }, 60_000)
  })
}
