import { expect, test } from 'vitest'
import { receiveSnapshotFrames, snapshotFrames } from '../../src/cluster/snapshot-stream.ts'
import { crc32c } from '../../src/log/crc32c.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'

function fileWith(files: MemoryFilePort, path: string, bytes: Uint8Array): void {
  const h = files.open(path, { create: true })
  h.write(bytes, 0)
  h.close()
}

const data = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 31) & 0xff)

test('a file crosses intact, frame by frame, and its checksum is reported', async () => {
  const files = new MemoryFilePort()
  fileWith(files, '/src', data)
  const got = await receiveSnapshotFrames(snapshotFrames(files, '/src', 0, 4096), files, '/dst', 0, 4096)
  expect(got).toEqual({ size: data.length, crc32c: crc32c(data) >>> 0 })
})

test('a copy damaged at rest is refused: the sender announces the checksum it had recorded', async () => {
  const files = new MemoryFilePort()
  const damaged = data.slice()
  damaged[5000] ^= 1
  fileWith(files, '/src', damaged)
  const noticed: string[] = []
  const stream = snapshotFrames(files, '/src', 0, 4096, crc32c(data) >>> 0, (d) => noticed.push(d))
  await expect(receiveSnapshotFrames(stream, files, '/dst', 0, 4096)).rejects.toThrow(/file checksum mismatch/)
  expect(files.exists('/dst')).toBe(false) // nothing half-checked is kept
  expect(noticed).toHaveLength(1)
})

test('a flipped bit in transit fails its frame', async () => {
  const files = new MemoryFilePort()
  fileWith(files, '/src', data)
  const flip = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      const copy = chunk.slice()
      if (copy.length > 100) copy[100] ^= 0x10
      controller.enqueue(copy)
    },
  })
  await expect(receiveSnapshotFrames(snapshotFrames(files, '/src', 0, 4096).pipeThrough(flip), files, '/dst', 0, 4096)).rejects.toThrow(/frame checksum mismatch/)
  expect(files.exists('/dst')).toBe(false)
})
