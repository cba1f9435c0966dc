// Two snapshot streams at once (say, a new leader's while an old one's is still arriving): the
// node receives one at a time, and installs exactly the file its snapshot names (issue 22.3).
import { expect, test } from 'vitest'
import { RaftliteNode } from '../../src/node/raftlite-node.ts'
import { platformWith } from '../../src/node/platform.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'
import { snapshotFrames } from '../../src/cluster/snapshot-stream.ts'
import type { Message } from '../../src/raft/messages.ts'
import type { Member } from '../../src/cluster/members.ts'

async function start(files: MemoryFilePort, id: string): Promise<RaftliteNode> {
  const node = await RaftliteNode.start({ dataDir: '/d', nodeId: id, raftSnapIntervalMs: 3_600_000 }, platformWith(files))
  await node.ready
  return node
}

/** A leader's snapshot file: a database holding `rows` rows, from a node of its own. */
async function snapshotFile(rows: number): Promise<MemoryFilePort> {
  const files = new MemoryFilePort()
  const node = await start(files, 'src')
  await node.client().batch(['CREATE TABLE t (v)', ...Array.from({ length: rows }, (_, i) => `INSERT INTO t VALUES (${i})`)])
  expect(await node.snapshot(0)).toBe(true)
  await node.stop()
  return files
}

const members: Member[] = [
  { id: 'x', raftAddr: '127.0.0.1:1', apiAddr: '127.0.0.1:2', voter: true },
  { id: 'n1', raftAddr: '127.0.0.1:3', apiAddr: '127.0.0.1:4', voter: true },
]

function snapshotMessage(from: string, term: number, index: number): Message {
  return {
    type: 'snapshot',
    from,
    to: 'n1',
    term,
    snapshot: { metadata: { index, term, confState: { voters: ['x', 'n1'], learners: [] } }, data: new Uint8Array(0) },
  }
}

/** A snapshot stream that sends its first frame, then waits for `release` before the rest. */
function heldStream(files: MemoryFilePort): { stream: ReadableStream<Uint8Array>; release: () => void; started: Promise<void> } {
  const source = snapshotFrames(files, '/d/snapshot/data.db', 0, 4096).getReader()
  let release = () => {}
  const released = new Promise<void>((r) => (release = r))
  let sent = 0
  let markStarted = () => {}
  const started = new Promise<void>((r) => (markStarted = r))
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (sent++ === 1) {
        markStarted()
        await released
      }
      const { done, value } = await source.read()
      if (done) controller.close()
      else controller.enqueue(value)
    },
  })
  return { stream, release, started }
}

test('a second snapshot stream while one is being received is refused; the first is installed intact', async () => {
  const [a, b] = [await snapshotFile(30), await snapshotFile(70)]
  const node = await start(new MemoryFilePort(), 'n1')
  const first = heldStream(a)
  const receivingA = node.receiveSnapshot(snapshotMessage('x', 100, 500), members, first.stream)
  await first.started
  // A new leader's stream begins while the first is still arriving.
  const receivingB = node.receiveSnapshot(snapshotMessage('y', 101, 600), members, snapshotFrames(b, '/d/snapshot/data.db', 0, 4096))
  await expect(receivingB).rejects.toThrow(/another snapshot is being received/)
  first.release()
  await receivingA
  for (let i = 0; i < 200 && node.stats.snapshotsInstalled === 0; i++) await new Promise((r) => setTimeout(r, 10))
  expect(node.stats.snapshotsInstalled).toBe(1)
  expect(node.lastSnapshotIndex).toBe(500)
  const rows = await node.client().query('SELECT count(*) FROM t', { level: 'none' })
  expect(Number(rows.rows[0][0])).toBe(30)
  expect((await node.client().query('PRAGMA integrity_check', { level: 'none' })).rows[0][0]).toBe('ok')
  await node.stop()
})
