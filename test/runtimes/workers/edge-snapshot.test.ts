// An edge node (a Durable Object under `wrangler dev`) that fell behind while stopped is brought up
// to date by the leader's snapshot: the servers compacted their log past the edge's last index,
// so only a snapshot install (POST /raft/snapshot through the Worker, written into the object's
// storage, then restored) can catch it up. Once as a read replica, once as a voter.
import { expect, test } from 'vitest'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { FAST_ELECTION, execute, leaderOf, queryText, startCluster, waitFor } from '../../support/cluster-processes.ts'
import { type RaftlitedProcess, tempDataDir } from '../../support/raftlited-process.ts'
import { type WranglerDev, restartWranglerDev, startWranglerDev } from '../../support/wrangler-dev-process.ts'

const SECRET = 'a secret the edge node shares with the servers'
const rows = (text: string) => JSON.parse(text).results[0].values ?? []
const none = (url: string, sql: string) => queryText(url, sql, '&level=none')
const json = async (url: string) => (await fetch(url)).json()

const shapes = [
  { name: 'read replica', nodeId: 'edge-r', servers: 1, flags: ['-raft-non-voter'] },
  // Two servers keep a quorum (2 of 3) while the edge voter is down.
  { name: 'voter', nodeId: 'edge-1', servers: 2, flags: [] },
]

for (const shape of shapes) {
  test(`a lagging edge ${shape.name} catches up through a snapshot from the servers`, { timeout: 180_000 }, async () => {
    const secretFile = join(tempDataDir('raftlite-secret-'), 'cluster.secret')
    writeFileSync(secretFile, `${SECRET}\n`)
    let servers: RaftlitedProcess[] = []
    let edge: WranglerDev | undefined
    try {
      servers = await startCluster({ size: shape.servers, extraArgs: ['-cluster-secret-file', secretFile] })
      edge = await startWranglerDev({
        vars: { RAFTLITE_NODE_ID: shape.nodeId, RAFTLITE_CLUSTER_SECRET: SECRET, RAFTLITE_FLAGS: ['-join', servers[0].raftAddr, ...shape.flags, ...FAST_ELECTION].join(' ') },
      })
      expect((await fetch(`${edge.url}/status`)).status).toBe(200)
      const leader = await waitFor('a leader', () => leaderOf(servers))
      const member = await waitFor('the edge listed and reachable', async () => {
        const nodes = await json(`${leader.url}/nodes?nonvoters`)
        return nodes[shape.nodeId]?.reachable ? nodes[shape.nodeId] : undefined
      }, 30_000)
      expect(member.voter).toBe(shape.flags.length === 0)

      expect((await execute(leader.url, ['CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)', "INSERT INTO t(v) VALUES('before')"])).status).toBe(200)
      await waitFor('the first row at the edge', async () => rows(await none(edge!.url, 'SELECT count(*) FROM t'))[0][0] === 1, 30_000)
      const edgeBefore = (await json(`${edge.url}/status`)).store.raft
      expect((await json(`${edge.url}/debug/vars`)).store.num_restores).toBe(0)

      await edge.stop()
      // Writes the edge misses, each its own log entry (about 2.4 MB in all, so the snapshot
      // travels in several 1 MiB chunks), then a snapshot that keeps no trailing log: the
      // entries after the edge's last index exist only inside the snapshot.
      for (let i = 0; i < 40; i++) {
        const res = await execute(leader.url, [`INSERT INTO t(v) VALUES('while away ${i}')`, 'INSERT INTO t(v) VALUES(randomblob(60000))'])
        expect(res.status).toBe(200)
        expect(res.text).not.toContain('error')
      }
      expect((await fetch(`${leader.url}/snapshot?trailing_logs=0`, { method: 'POST' })).status).toBe(200)
      const leaderRaft = (await json(`${leader.url}/status`)).store.raft
      expect(leaderRaft.last_snapshot_index).toBeGreaterThan(edgeBefore.last_log_index)

      edge = await restartWranglerDev(edge)
      expect((await fetch(`${edge.url}/status`)).status).toBe(200)
      const all = 'SELECT id, hex(v) FROM t ORDER BY id'
      const expected = rows(await none(leader.url, all))
      expect(expected).toHaveLength(81)
      await waitFor('the edge caught up', async () => rows(await none(edge!.url, 'SELECT count(*) FROM t'))[0][0] === 81, 60_000)
      expect(rows(await none(edge.url, all))).toEqual(expected)
      expect((await json(`${edge.url}/debug/vars`)).store.num_restores).toBeGreaterThanOrEqual(1)
      expect((await json(`${edge.url}/status`)).store.raft.last_snapshot_index).toBeGreaterThanOrEqual(leaderRaft.last_snapshot_index)

      // After the install the log goes on as usual: a new write reaches the edge.
      expect((await execute(leader.url, ["INSERT INTO t(v) VALUES('after the snapshot')"])).status).toBe(200)
      await waitFor('the write after the install at the edge', async () => rows(await none(edge!.url, "SELECT count(*) FROM t WHERE v = 'after the snapshot'"))[0][0] === 1, 30_000)
    } finally {
      await edge?.stop()
      await Promise.all(servers.map((s) => s.stop('SIGKILL')))
    }
  })
}
