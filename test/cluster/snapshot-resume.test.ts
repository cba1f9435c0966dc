// A snapshot transfer that breaks part-way resumes where it stopped; the follower never installs
// a partial file.
import { afterAll, expect, test } from 'vitest'
import { RaftliteNode } from '../../src/node/raftlite-node.ts'
import { platformWith } from '../../src/node/platform.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'
import { serveHttp, type Served } from '../../runtimes/node/serve.ts'
import { serveCluster } from '../../runtimes/node/serve-cluster.ts'
import { freePort } from '../support/free-port.ts'
import { until } from './in-process-cluster.ts'

const CHUNK = 16 * 1024
const running: { node: RaftliteNode; servers: Served[] }[] = []
afterAll(async () => {
  for (const r of running) {
    for (const s of r.servers) await s.close()
    await r.node.stop()
  }
})

/** A fetch whose first snapshot upload dies after `frames` frames, like a dropped connection. */
function breakingFetch(frames: number): { fetch: typeof fetch; broken: () => number } {
  let broken = 0
  const wrapped: typeof fetch = async (input, init) => {
    if (String(input).endsWith('/raft/snapshot') && broken === 0 && init?.body instanceof ReadableStream) {
      broken++
      const source = (init.body as ReadableStream<Uint8Array>).getReader()
      let sent = 0
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (sent++ >= frames) {
            controller.error(new Error('connection reset (test)'))
            await source.cancel()
            return
          }
          const { done, value } = await source.read()
          if (done) controller.close()
          else controller.enqueue(value)
        },
      })
      return fetch(input, { ...init, body } as RequestInit)
    }
    return fetch(input, init)
  }
  return { fetch: wrapped, broken: () => broken }
}

async function startNode(id: string, options: { join?: string[]; fetch?: typeof fetch; raftAddr?: string; files?: MemoryFilePort } = {}) {
  const raftAddr = options.raftAddr ?? `127.0.0.1:${await freePort()}`
  const httpAddr = `127.0.0.1:${await freePort()}`
  const node = await RaftliteNode.start(
    { dataDir: `/${id}`, nodeId: id, raftAddr, httpAddr, join: options.join ?? [], joinIntervalMs: 200, raftElectionTimeoutMs: 500, raftHeartbeatTimeoutMs: 500, snapshotChunkBytes: CHUNK },
    platformWith(options.files ?? new MemoryFilePort()),
    { fetch: options.fetch },
  )
  const servers = [await serveCluster(node, raftAddr), await serveHttp(node.api(), httpAddr)]
  running.push({ node, servers })
  return { node, raftAddr, servers }
}

test('a broken snapshot transfer resumes after the bytes that arrived', async () => {
  const sabotage = breakingFetch(4)
  const leader = await startNode('n1', { fetch: sabotage.fetch })
  await leader.node.ready
  const db = leader.node.client()
  await db.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB)')
  // A third node keeps a quorum while n2 is away.
  await (await startNode('n3', { join: [leader.raftAddr] })).node.ready
  // n2 joins, then goes away while the leader writes and compacts its log.
  const files = new MemoryFilePort()
  const first = await startNode('n2', { join: [leader.raftAddr], files })
  await first.node.ready
  const raftAddr = first.raftAddr
  for (const s of first.servers) await s.close()
  await first.node.stop()
  running.splice(running.findIndex((r) => r.node === first.node), 1)
  for (let i = 0; i < 20; i++) await db.execute({ sql: 'INSERT INTO t(b) VALUES (randomblob(?))', args: [20_000] })
  expect(await leader.node.snapshot(0)).toBe(true)
  const back = await startNode('n2', { raftAddr, files })
  await until('the follower to catch up through a resumed snapshot', async () => {
    const rs = await back.node.client().query('SELECT count(*) AS n FROM t', { level: 'none' })
    return rs.rows[0].n === 20
  }, 20_000)
  expect(sabotage.broken()).toBe(1) // the first transfer really broke
  expect(back.node.stats.snapshotsResumed).toBe(1) // the second resumed instead of starting over
  expect(back.node.stats.snapshotsInstalled).toBe(1)
  expect((await back.node.client().query('PRAGMA integrity_check', { level: 'none' })).rows[0][0]).toBe('ok')
}, 60_000)
