// A start proves the live database has not rotted since its snapshot before it serves it: with
// XXH32 where the snapshot recorded one (fast), with CRC-32C where an older one recorded only that.
import { expect, test } from 'vitest'
import { SnapshotFiles } from '../../src/cluster/snapshot-files.ts'
import { prepareLive } from '../../src/cluster/snapshot-recovery.ts'
import type { SnapshotMeta } from '../../src/cluster/snapshot-types.ts'
import { crc32c } from '../../src/log/crc32c.ts'
import { xxh32 } from '../../src/log/xxh32.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'

const point = { index: 7, term: 2, confState: { voters: ['n1'], learners: [] }, members: [] }

function readFile(files: MemoryFilePort, path: string): Uint8Array {
  const h = files.open(path, { create: false, readOnly: true })
  const bytes = new Uint8Array(h.size())
  h.read(bytes, 0)
  h.close()
  return bytes
}

function writeFile(files: MemoryFilePort, path: string, bytes: Uint8Array): void {
  const h = files.open(path, { create: true })
  h.write(bytes, 0)
  h.close()
}

/** A store whose live file and copy hold the same 3 pages, and whose meta records `digests`. */
function storeWith(digests: 'both' | 'crc'): { files: MemoryFilePort; store: SnapshotFiles; data: Uint8Array } {
  const files = new MemoryFilePort()
  files.mkdirp('/d')
  const store = new SnapshotFiles(files, '/d', '/d/db.sqlite')
  const data = new Uint8Array(3 * 4096).map((_, i) => (i * 7 + 3) & 0xff)
  writeFile(files, store.dataPath, data)
  writeFile(files, store.livePath, data)
  const meta = { ...point, version: 1, dbSize: 0, dbModifiedAt: 0, dataCrc32c: crc32c(data) >>> 0 } satisfies SnapshotMeta
  store.writeMeta(digests === 'both' ? { ...meta, dataXxh32: xxh32(data) } : meta)
  return { files, store, data }
}

/** Bit rot: one byte of the live file changes, its size and modification time do not. */
function rot(files: MemoryFilePort, store: SnapshotFiles, at: number): void {
  const bytes = readFile(files, store.livePath)
  bytes[at] ^= 0x10
  writeFile(files, store.livePath, bytes)
  store.writeMeta(store.readMeta()!) // the fingerprint taken again: only the content tells
}

for (const digests of ['both', 'crc'] as const) {
  test(`recorded with ${digests === 'both' ? 'XXH32 and CRC-32C' : 'CRC-32C only'}: an intact live file is kept, a rotted one restored`, () => {
    const { files, store, data } = storeWith(digests)
    expect(store.matches(store.readMeta()!)).toBe(true)
    expect(prepareLive(store).mode).toBe('fast')

    rot(files, store, 5000)
    expect(store.matches(store.readMeta()!)).toBe(false)
    const { mode, meta } = prepareLive(store)
    expect(mode).toBe('restored')
    expect(readFile(files, store.livePath)).toEqual(data)
    // An older meta gains the fast checksum once the copy was verified against its CRC.
    expect(meta!.dataXxh32).toBe(xxh32(data))
    expect(prepareLive(store).mode).toBe('fast')
  })
}

test('the fast checksum is what a start trusts: a live file that reads with another XXH32 is not kept', () => {
  const { store } = storeWith('both')
  const meta = store.readMeta()!
  expect(store.matches({ ...meta, dataXxh32: (meta.dataXxh32! ^ 1) >>> 0 })).toBe(false)
})
