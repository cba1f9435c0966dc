// A snapshot from the leader, installed while this node's own snapshot waits for the disk or
// copies, wins: the older one gives up and leaves none of its files in the store's place.
import { expect, test } from 'vitest'
import { type SnapshotPoint, SnapshotStore, SnapshotSupersededError } from '../../src/cluster/snapshot-store.ts'
import type { FileHandle, FilePort, OpenOptions } from '../../src/ports/file-port.ts'
import { DelegatingFilePort } from '../../src/storage/delegating-file-port.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'
import { crc32c } from '../../src/log/crc32c.ts'

const LIVE = '/d/db.sqlite'

function put(files: FilePort, path: string, fill: number, size = 3 * 1024 * 1024): void {
  const h = files.open(path, { create: true })
  h.truncate(0)
  h.write(new Uint8Array(size).fill(fill), 0)
  h.sync()
  h.close()
}

function firstByte(files: FilePort, path: string): number {
  const h = files.open(path, { create: false, readOnly: true })
  const b = new Uint8Array(1)
  h.read(b, 0)
  h.close()
  return b[0]
}

const point = (index: number): SnapshotPoint => ({ index, term: 1, confState: { voters: ['n1'], learners: [] }, members: [] })
const live = { checkpoint: () => true }

async function storeWithSnapshot(): Promise<{ files: MemoryFilePort; store: SnapshotStore }> {
  const files = new MemoryFilePort()
  put(files, LIVE, 1)
  const store = new SnapshotStore(files, '/d', LIVE)
  await store.complete(await store.begin(() => ({ point: point(5), live })), async () => {})
  expect(store.readMeta()?.index).toBe(5)
  return { files, store }
}

/** What the leader's snapshot (index 20, bytes of 9) leaves once installed. */
function install(files: MemoryFilePort, store: SnapshotStore): void {
  put(files, store.incomingPath, 9)
  store.acceptIncoming(20, 1, crc32c(new Uint8Array(3 * 1024 * 1024).fill(9)))
  store.install(point(20))
}

function expectInstalled(files: MemoryFilePort, store: SnapshotStore): void {
  expect(store.readMeta()?.index).toBe(20)
  expect(store.readPending()).toBeUndefined()
  expect(firstByte(files, store.dataPath)).toBe(9)
  expect(firstByte(files, LIVE)).toBe(9)
  expect(files.list('/d/snapshot').filter((n) => n.endsWith('.tmp'))).toEqual([])
}

test('installed while step one waits for its first fsync: the snapshot gives up before its checkpoint', async () => {
  const { files, store } = await storeWithSnapshot()
  let captured = false
  const begun = store.begin(() => {
    captured = true
    return { point: point(8), live }
  })
  install(files, store)
  await expect(begun).rejects.toThrow(SnapshotSupersededError)
  expect(captured).toBe(false)
  expectInstalled(files, store)
})

test('installed while step two copies: the copy is abandoned, the installed one stays', async () => {
  const { files, store } = await storeWithSnapshot()
  put(files, LIVE, 2) // the live file moved on since snapshot 5
  const job = await store.begin(() => ({ point: point(8), live }))
  let chunks = 0
  const completing = store.complete(job, async () => {
    if (++chunks === 1) install(files, store)
  })
  await expect(completing).rejects.toThrow(SnapshotSupersededError)
  expect(chunks).toBe(1)
  expectInstalled(files, store)
})

test('installed while the copy is being recorded: the newer metadata is kept', async () => {
  const { files } = await storeWithSnapshot()
  put(files, LIVE, 2)
  // The install lands the moment the older snapshot starts writing its metadata.
  const spy = new (class extends DelegatingFilePort {
    armed = false
    override open(path: string, options: OpenOptions): FileHandle {
      if (this.armed && path.endsWith('meta.json.tmp')) {
        this.armed = false
        install(files, store)
      }
      return this.inner.open(path, options)
    }
  })(files)
  const store = new SnapshotStore(spy, '/d', LIVE)
  const job = await store.begin(() => ({ point: point(8), live }))
  spy.armed = true
  await expect(store.complete(job, async () => {})).rejects.toThrow(SnapshotSupersededError)
  expect(spy.armed).toBe(false)
  expectInstalled(files, store)
})

test('install takes only the file received for exactly its index and term, and only if it still checks out', async () => {
  const { files, store } = await storeWithSnapshot()
  const crc = crc32c(new Uint8Array(3 * 1024 * 1024).fill(9))
  put(files, store.incomingPath, 9)
  store.acceptIncoming(20, 1, crc)
  // Another snapshot (same index, another term; or another index) has no file of its own.
  expect(() => store.install({ ...point(20), term: 2 })).toThrow(/no verified file was received for snapshot 20 of term 2/)
  expect(() => store.install(point(21))).toThrow(/no verified file/)
  // A later transfer into the incoming file does not touch the received one.
  put(files, store.incomingPath, 7)
  // The received file damaged at rest: refused, nothing replaced.
  const h = files.open('/d/snapshot/received-20-1.db', { create: false })
  h.write(new Uint8Array([8]), 1000)
  h.close()
  expect(() => store.install(point(20))).toThrow(/reads with checksum \d+, not the \d+ its transfer verified/)
  expect(store.readMeta()?.index).toBe(5)
  expect(firstByte(files, store.dataPath)).toBe(1)
  expect(firstByte(files, LIVE)).toBe(1)
  expect(files.exists(`${LIVE}.tmp`)).toBe(false)
  // Repaired (received again), it installs.
  put(files, store.incomingPath, 9)
  store.acceptIncoming(20, 1, crc)
  store.install(point(20))
  expectInstalled(files, store)
  expect(store.readMeta()?.dataCrc32c).toBe(crc >>> 0)
  expect(files.list('/d/snapshot').filter((n) => n.startsWith('received-'))).toEqual([])
})
