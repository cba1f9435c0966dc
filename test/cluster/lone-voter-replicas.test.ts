// One voter and two read replicas (`-raft-non-voter`), a common rqlite deployment. The leader
// loses power (its fsync fails, then everything it had not synced is gone) again and again
// under writes. A replica must never hold an entry that the leader lacks: before, the leader
// committed on its own copy at append and its early appends told the replicas to apply
// entries that the power loss then took back.
import { afterEach, expect, test } from 'vitest'
import { RaftliteNode } from '../../src/node/raftlite-node.ts'
import { platformWith } from '../../src/node/platform.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'
import { serveHttp, type Served } from '../../runtimes/node/serve.ts'
import { serveCluster } from '../../runtimes/node/serve-cluster.ts'
import { CuttingFilePort } from '../support/cutting-file-port.ts'
import { freePort } from '../support/free-port.ts'
import { startTestNode, type TestNode, until } from './in-process-cluster.ts'

const timing = { raftElectionTimeoutMs: 500, raftHeartbeatTimeoutMs: 500, joinIntervalMs: 200 }
const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => {})
})

async function startLeader(memory: MemoryFilePort, httpAddr: string, raftAddr: string) {
  const port = new CuttingFilePort(memory)
  const node = await RaftliteNode.start({ dataDir: '/n1', nodeId: 'n1', httpAddr, raftAddr, ...timing }, platformWith(port))
  node.addEventListener('error', () => {}) // the power cuts below are reported here; expected
  const servers: Served[] = [await serveCluster(node, raftAddr), await serveHttp(node.api(), httpAddr)]
  await node.ready
  const close = async () => {
    for (const s of servers) await s.close()
    await node.stop()
  }
  return { node, port, close }
}

const sql = (text: string) => [{ sql: text, positional: [], named: null }]
async function values(n: RaftliteNode): Promise<number[]> {
  const [result] = await n.query(sql('SELECT v FROM t ORDER BY v'), { level: 'none' })
  if (result.kind !== 'rows') throw new Error(`query failed: ${JSON.stringify(result)}`)
  return result.rows.rows.map((r) => Number(r[0]))
}

test('power loss on a lone voter under writes: replicas never hold what the leader lost, and converge', async () => {
  const memory = new MemoryFilePort()
  const httpAddr = `127.0.0.1:${await freePort()}`
  const raftAddr = `127.0.0.1:${await freePort()}`
  let leader = await startLeader(memory, httpAddr, raftAddr)
  cleanup.push(() => leader.close())
  await leader.node.execute(sql('CREATE TABLE t (v INTEGER PRIMARY KEY)'))
  const replicas: TestNode[] = []
  for (const id of ['n2', 'n3']) {
    const r = await startTestNode(id, { ...timing, raftNonVoter: true, join: [raftAddr] })
    cleanup.push(() => r.stop())
    replicas.push(r)
  }
  await until('replicas caught up', () => replicas.every((r) => r.node.appliedIndex >= leader.node.appliedIndex))

  let next = 1
  for (let round = 0; round < 4; round++) {
    // Writes in flight, then the leader's fsync fails and the power goes: unsynced bytes are lost.
    const writes: Promise<unknown>[] = []
    const first = leader.node.execute(sql(`INSERT INTO t(v) VALUES (${next++})`))
    for (let i = 0; i < 40; i++) writes.push(leader.node.execute(sql(`INSERT INTO t(v) VALUES (${next++})`)).catch(() => {}))
    await first // one group of writes is durable and replicated; the next one meets the failure
    // The fsync stalls long enough for the leader's early appends to leave, then fails.
    leader.port.syncFailDelayMs = 50 + round * 50
    leader.port.cutAtNextSyncAsync = true
    for (let i = 0; i < 40; i++) writes.push(leader.node.execute(sql(`INSERT INTO t(v) VALUES (${next++})`)).catch(() => {}))
    await Promise.allSettled(writes)
    await until('leader stopped by its failed storage', () => leader.node.state === 'Shutdown' || undefined, 5_000)
    await leader.close().catch(() => {})
    memory.crash()
    leader = await startLeader(memory, httpAddr, raftAddr)
    // Replicas must not have applied anything the restarted leader lacks.
    const onLeader = new Set(await values(leader.node))
    for (const r of replicas) {
      const extra = (await values(r.node)).filter((v) => !onLeader.has(v))
      expect(extra, `${r.node.id} holds rows the leader lost`).toEqual([])
    }
  }
  cleanup.push(() => leader.close())

  // A last acknowledged write, then every replica converges on the leader's rows.
  await leader.node.execute(sql(`INSERT INTO t(v) VALUES (${next++})`))
  const want = await values(leader.node)
  for (const r of replicas) {
    await until(`${r.node.id} converges`, async () => JSON.stringify(await values(r.node)) === JSON.stringify(want) || undefined, 10_000)
  }
}, 60_000)
