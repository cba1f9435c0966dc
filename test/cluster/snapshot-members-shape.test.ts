// The member list that comes with a streamed snapshot is untrusted input like the rest: a
// malformed one is refused before the transfer starts. It used to be checked only for being a
// list: installed with the snapshot, it stopped the node, and meta.json kept it, so the node
// could not start again either.
import { afterAll, beforeAll, expect, test } from 'vitest'
import { RaftliteNode } from '../../src/node/raftlite-node.ts'
import { platformWith } from '../../src/node/platform.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'
import { snapshotFrames } from '../../src/cluster/snapshot-stream.ts'
import { SNAPSHOT_HEADER, encodeWire, toBase64 } from '../../src/cluster/wire.ts'
import { checkMembers } from '../../src/cluster/member-shape.ts'
import { ShapeError } from '../../src/cluster/shape-check.ts'
import { startTestNode, type TestNode } from './in-process-cluster.ts'

const good = { id: 'x', raftAddr: '127.0.0.1:1', apiAddr: '127.0.0.1:2', voter: true }

test('checkMembers takes a list of whole members and refuses anything else', () => {
  expect(checkMembers([good])).toEqual([good])
  expect(checkMembers([])).toEqual([])
  for (const bad of [null, {}, [null], [42], [{ ...good, id: 7 }], [{ ...good, voter: 'yes' }], [{ id: 'x' }], [{ ...good, raftAddr: null }]]) {
    expect(() => checkMembers(bad), JSON.stringify(bad)).toThrow(ShapeError)
  }
})

let source: MemoryFilePort
let n: TestNode
let stopped = false

beforeAll(async () => {
  // A real snapshot file to stream, from a node of its own.
  source = new MemoryFilePort()
  const src = await RaftliteNode.start({ dataDir: '/d', nodeId: 'src', raftSnapIntervalMs: 3_600_000 }, platformWith(source))
  await src.ready
  await src.client().batch(['CREATE TABLE t (v)', 'INSERT INTO t VALUES (1)'])
  expect(await src.snapshot(0)).toBe(true)
  await src.stop()
  n = await startTestNode('n1')
  await n.node.ready
  n.node.addEventListener('stopped', () => (stopped = true))
}, 30_000)

afterAll(async () => {
  await n.stop()
})

test('a streamed snapshot whose member list is malformed is refused with 400; the node keeps serving', async () => {
  const message = {
    type: 'snapshot', from: 'x', to: 'n1', term: 100,
    snapshot: { metadata: { index: 500, term: 100, confState: { voters: ['x', 'n1'], learners: [] } }, data: new Uint8Array(0) },
  }
  const header = toBase64(encodeWire({ message, members: [null, { id: 7 }], offset: 0 }))
  const res = await fetch(`http://${n.raftAddr}/raft/snapshot`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/octet-stream', [SNAPSHOT_HEADER]: header },
    body: snapshotFrames(source, '/d/snapshot/data.db', 0, 4096),
    duplex: 'half',
  } as RequestInit)
  expect(res.status).toBe(400)
  await new Promise((r) => setTimeout(r, 500)) // an accepted snapshot would be installed by now
  expect(stopped).toBe(false)
  expect(n.node.stats.snapshotsInstalled).toBe(0)
  const w = await fetch(`${n.url}/db/execute`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '["CREATE TABLE IF NOT EXISTS alive (x)"]' })
  expect(await w.text()).toBe('{"results":[{}]}')
}, 20_000)
