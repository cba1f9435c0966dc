// Under the cluster secret a snapshot stream's frames are authenticated (HMAC per frame and over
// the whole file), not only CRC-checked: a frame altered on the way — its CRC recomputed, as an
// attacker would — is refused before it is written, and nothing is installed.
import { expect, test } from 'vitest'
import { receiveSnapshotFrames, snapshotFrames } from '../../src/cluster/snapshot-stream.ts'
import { frameMacKey } from '../../src/cluster/snapshot-mac.ts'
import { crc32c } from '../../src/log/crc32c.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'
import { RaftliteNode } from '../../src/node/raftlite-node.ts'
import { platformWith } from '../../src/node/platform.ts'
import type { Message } from '../../src/raft/messages.ts'
import type { Member } from '../../src/cluster/members.ts'

const SECRET = 'sixteen-bytes-or-more secret'
const data = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 31) & 0xff)
const TAGGED_HEADER = 8 + 32

function fileWith(files: MemoryFilePort, path: string, bytes: Uint8Array): void {
  const h = files.open(path, { create: true })
  h.write(bytes, 0)
  h.close()
}

/**
 * Alters the `nth` frame's body (one frame per chunk, in process) and fixes its CRC and the final
 * whole-file CRC, as an attacker on the path would: CRCs are no secret.
 */
function alterFrame(nth: number, header = TAGGED_HEADER): TransformStream<Uint8Array, Uint8Array> {
  let seen = 0
  let total = 0
  return new TransformStream({
    transform(frame, controller) {
      const copy = frame.slice()
      const view = new DataView(copy.buffer)
      if (view.getUint32(0) === 0) {
        view.setUint32(4, total >>> 0)
        return controller.enqueue(copy)
      }
      if (seen++ === nth) {
        copy[header + 10] ^= 0x40
        view.setUint32(4, crc32c(copy.subarray(header)))
      }
      total = crc32c(copy.subarray(header), total)
      controller.enqueue(copy)
    },
  })
}

test('tagged frames cross intact; altered, foreign, untagged or wrongly keyed streams are refused and deleted', async () => {
  const files = new MemoryFilePort()
  fileWith(files, '/src', data)
  const mac = { key: await frameMacKey(SECRET), snapshot: '500-7' }
  const send = (m = mac) => snapshotFrames(files, '/src', 0, 4096, undefined, undefined, m)
  expect(await receiveSnapshotFrames(send(), files, '/dst', 0, 4096, mac)).toEqual({ size: data.length, crc32c: crc32c(data) >>> 0 })

  await expect(receiveSnapshotFrames(send().pipeThrough(alterFrame(3)), files, '/dst', 0, 4096, mac)).rejects.toThrow(/frame at byte 12288 fails authentication/)
  expect(files.exists('/dst')).toBe(false)
  // The same alteration without the secret gets through the CRCs: that is what the MAC adds.
  const plain = snapshotFrames(files, '/src', 0, 4096).pipeThrough(alterFrame(3, 8))
  expect((await receiveSnapshotFrames(plain, files, '/plain', 0, 4096)).crc32c).not.toBe(crc32c(data) >>> 0)

  const otherSnapshot = { ...mac, snapshot: '400-6' }
  await expect(receiveSnapshotFrames(send(otherSnapshot), files, '/dst', 0, 4096, mac)).rejects.toThrow(/fails authentication/)
  const otherKey = { ...mac, key: await frameMacKey('another secret, long enough') }
  await expect(receiveSnapshotFrames(send(otherKey), files, '/dst', 0, 4096, mac)).rejects.toThrow(/fails authentication/)
  await expect(receiveSnapshotFrames(snapshotFrames(files, '/src', 0, 4096), files, '/dst', 0, 4096, mac)).rejects.toThrow(/snapshot stream rejected/)
  expect(files.exists('/dst')).toBe(false)
})

test('a node with the cluster secret installs nothing from an altered stream, and installs the genuine one', async () => {
  // The leader's snapshot file, from a node of its own.
  const source = new MemoryFilePort()
  const leader = await RaftliteNode.start({ dataDir: '/d', nodeId: 'src', raftSnapIntervalMs: 3_600_000 }, platformWith(source))
  await leader.ready
  await leader.client().batch(['CREATE TABLE t (v)', ...Array.from({ length: 300 }, (_, i) => `INSERT INTO t VALUES (${i})`)])
  expect(await leader.snapshot(0)).toBe(true)
  await leader.stop()

  const node = await RaftliteNode.start({ dataDir: '/d', nodeId: 'n1', raftSnapIntervalMs: 3_600_000, clusterSecret: SECRET }, platformWith(new MemoryFilePort()))
  await node.ready
  const members: Member[] = [
    { id: 'x', raftAddr: '127.0.0.1:1', apiAddr: '127.0.0.1:2', voter: true },
    { id: 'n1', raftAddr: '127.0.0.1:3', apiAddr: '127.0.0.1:4', voter: true },
  ]
  const message: Message = { type: 'snapshot', from: 'x', to: 'n1', term: 100, snapshot: { metadata: { index: 500, term: 100, confState: { voters: ['x', 'n1'], learners: [] } }, data: new Uint8Array(0) } }
  const mac = { key: await frameMacKey(SECRET), snapshot: '500-100' }
  const frames = () => snapshotFrames(source, '/d/snapshot/data.db', 0, 4096, undefined, undefined, mac)

  await expect(node.receiveSnapshot(message, members, frames().pipeThrough(alterFrame(1)))).rejects.toThrow(/fails authentication/)
  await new Promise((r) => setTimeout(r, 300))
  expect(node.stats.snapshotsInstalled).toBe(0)
  expect(node.lastSnapshotIndex).toBe(0)
  expect(await node.client().query("SELECT count(*) FROM sqlite_master WHERE name = 't'", { level: 'none' }).then((r) => Number(r.rows[0][0]))).toBe(0)

  await node.receiveSnapshot(message, members, frames())
  for (let i = 0; i < 200 && node.stats.snapshotsInstalled === 0; i++) await new Promise((r) => setTimeout(r, 10))
  expect(node.stats.snapshotsInstalled).toBe(1)
  expect(Number((await node.client().query('SELECT count(*) FROM t', { level: 'none' })).rows[0][0])).toBe(300)
  await node.stop()
})
