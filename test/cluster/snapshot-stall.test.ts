// A follower that accepts a snapshot upload and never reads it must neither hold the leader's
// transfer forever nor keep the leader from taking snapshots (and so compacting its log).
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { afterEach, expect, test } from 'vitest'
import { startTestNode, type TestNode, until } from './in-process-cluster.ts'

const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => {})
})

/**
 * Stands in front of a follower's cluster port: passes every request through, except a
 * snapshot upload, which it takes and never reads or answers.
 */
async function stallingProxy(): Promise<{ addr: string; target: { addr: string }; uploads: IncomingMessage[] }> {
  const target = { addr: '' }
  const uploads: IncomingMessage[] = []
  const server: Server = createServer(async (req, res) => {
    if (req.url === '/raft/snapshot') {
      uploads.push(req)
      req.pause() // never read, never answer
      return
    }
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const headers: Record<string, string> = {}
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && !['host', 'connection', 'content-length'].includes(k)) headers[k] = v
    try {
      const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined
      const answer = await fetch(`http://${target.addr}${req.url}`, { method: req.method, headers, body })
      res.writeHead(answer.status, { 'Content-Type': answer.headers.get('content-type') ?? 'application/octet-stream' })
      res.end(Buffer.from(await answer.arrayBuffer()))
    } catch {
      res.writeHead(502).end()
    }
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as { port: number }
  cleanup.push(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections()
        server.close(() => r())
      }),
  )
  return { addr: `127.0.0.1:${port}`, target, uploads }
}

const sql = (text: string) => [{ sql: text, positional: [], named: null }]

async function leaderWithHungUpload(stallMs: number): Promise<{ leader: TestNode; peer: Awaited<ReturnType<typeof stallingProxy>> }> {
  const leader = await startTestNode('n1', { snapshotStallTimeoutMs: stallMs })
  cleanup.push(() => leader.stop())
  leader.node.addEventListener('error', () => {}) // the failed transfer is reported here
  await leader.node.ready
  await leader.node.execute(sql('CREATE TABLE t (v TEXT)'))
  // Big enough that the upload cannot fit in the socket buffers.
  for (let i = 0; i < 40; i++) await leader.node.execute(sql(`INSERT INTO t VALUES (hex(zeroblob(100000)))`))
  expect(await leader.node.snapshot(0)).toBe(true) // compact everything: the peer needs the snapshot
  const peer = await stallingProxy()
  const follower = await startTestNode('n2', { raftNonVoter: true, join: [leader.raftAddr], raftAdvAddr: peer.addr })
  peer.target.addr = follower.raftAddr
  cleanup.push(() => follower.stop())
  await until('the upload to the peer begins', () => peer.uploads.length > 0 || undefined)
  return { leader, peer }
}

test('a snapshot taken while an upload hangs goes ahead and abandons the upload', async () => {
  const { leader, peer } = await leaderWithHungUpload(600_000)
  await leader.node.execute(sql(`INSERT INTO t VALUES ('after')`))
  const errors: string[] = []
  leader.node.addEventListener('error', (e) => errors.push(String((e as CustomEvent).detail)))
  const firstBefore = leader.node.raftStatus().firstIndex
  // Before, this answered "a snapshot is being sent to a follower" for as long as the peer hung.
  expect(await leader.node.snapshot(0)).toBe(true)
  expect(leader.node.raftStatus().firstIndex).toBeGreaterThan(firstBefore) // the log was compacted
  expect(errors.join('\n')).toMatch(/snapshot to n2 failed: a newer snapshot is being taken/)
  expect(peer.uploads.length).toBeGreaterThan(0)
})

test('an upload that makes no progress is aborted after the stall timeout', async () => {
  const { leader, peer } = await leaderWithHungUpload(500)
  const errors: string[] = []
  leader.node.addEventListener('error', (e) => errors.push(String((e as CustomEvent).detail)))
  await until('the stalled upload is aborted', () => errors.find((e) => /snapshot to n2 failed/.test(e)), 10_000)
  expect(errors.join('\n')).toMatch(/no progress for 500 ms/)
  // Given up, the follower no longer holds off snapshots: one is taken at once.
  await leader.node.execute(sql(`INSERT INTO t VALUES ('after')`))
  expect(await leader.node.snapshot(0)).toBe(true)
})
