// SnapshotFiles.matches: whether a start may keep the live database file as the snapshot.
// The fingerprint (size, mtime) is not enough: bit rot keeps both (test/chaos/bit-rot.test.ts).
import { expect, test } from 'vitest'
import { SnapshotFiles } from '../../src/cluster/snapshot-files.ts'
import type { SnapshotMeta } from '../../src/cluster/snapshot-types.ts'
import { crc32c } from '../../src/log/crc32c.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'

function setUp() {
  const files = new MemoryFilePort()
  const store = new SnapshotFiles(files, '/data', '/data/db.sqlite')
  const bytes = new TextEncoder().encode('the live database, exactly as the snapshot left it')
  const h = files.open('/data/db.sqlite', { create: true })
  h.write(bytes, 0)
  h.sync()
  const meta: SnapshotMeta = { version: 1, index: 10, term: 1, confState: { voters: ['n1'], learners: [] }, members: [], dbSize: h.size(), dbModifiedAt: h.modifiedAt() }
  h.close()
  return { files, store, bytes, meta }
}

test('a live file with the fingerprint and the checksum matches', () => {
  const { store, bytes, meta } = setUp()
  expect(store.matches({ ...meta, dataCrc32c: crc32c(bytes) })).toBe(true)
})

test('a byte changed under the same size and mtime does not match', () => {
  const { store, bytes, meta } = setUp()
  expect(store.matches({ ...meta, dataCrc32c: crc32c(bytes) ^ 1 })).toBe(false)
})

test('without a recorded checksum (a crash before the background one finished) it does not match', () => {
  const { store, meta } = setUp()
  expect(store.matches(meta)).toBe(false)
})

test('another size does not match', () => {
  const { store, bytes, meta } = setUp()
  expect(store.matches({ ...meta, dbSize: meta.dbSize + 1, dataCrc32c: crc32c(bytes) })).toBe(false)
})
