// Power loss at any step of installing a received snapshot, and again while the next start
// repairs it: the start succeeds and meta.json names the snapshot the live file holds. The
// store's copy used to be replaced before meta.json named it: a start then either refused the
// node (checksum mismatch) or took the new data for the old snapshot and replayed the log onto it.
import { expect, test } from 'vitest'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'
import { SnapshotStore } from '../../src/cluster/snapshot-store.ts'
import { crc32c } from '../../src/log/crc32c.ts'
import { CuttingFilePort } from '../support/cutting-file-port.ts'
import type { FilePort } from '../../src/ports/file-port.ts'

const confState = { voters: ['n1'], learners: [] }
const LIVE = '/d/db.sqlite'
const OLD = new Uint8Array(4096).fill(0xaa) // the node's own snapshot (index 5), and its live file
const NEW = new Uint8Array(8192).fill(0xbb) // the leader's snapshot (index 9)

function put(files: FilePort, path: string, bytes: Uint8Array): void {
  const h = files.open(path, { create: true })
  h.truncate(0)
  h.write(bytes, 0)
  h.sync()
  h.close()
}

function contents(files: FilePort, path: string): Uint8Array {
  const h = files.open(path, { create: false, readOnly: true })
  const b = new Uint8Array(h.size())
  h.read(b, 0)
  h.close()
  return b
}

/** A store with snapshot 5 recorded (checksum included) and snapshot 9 received, not installed. */
async function setUp(files: FilePort, localStepUnderWay: boolean): Promise<SnapshotStore> {
  files.mkdirp('/d')
  put(files, LIVE, OLD)
  files.syncDirectory('/d')
  const store = new SnapshotStore(files, '/d', LIVE)
  store.create({ index: 5, term: 1, confState, members: [] }, { checkpoint: () => true })
  await store.recordChecksum(5, async () => {})
  // A local snapshot (of the same file, at index 7) whose copy step has not run yet.
  if (localStepUnderWay) await store.begin(() => ({ point: { index: 7, term: 1, confState, members: [] }, live: { checkpoint: () => true } }))
  store.beginIncoming(9, 2)
  put(files, store.incomingPath, NEW)
  store.acceptIncoming(9, 2, crc32c(NEW))
  return store
}

/** Starts on what the crash left; a failure is described, else the index meta.json names. */
function start(files: FilePort): string | number {
  try {
    const { meta } = new SnapshotStore(files, '/d', LIVE).prepareLive()
    const live = contents(files, LIVE)
    const index = meta?.index ?? 0
    const want = index === 9 ? NEW : OLD
    if (index === 0 || live.length !== want.length || live[0] !== want[0]) return `meta.json names snapshot ${index}, the live file holds another`
    return index
  } catch (e) {
    return String(e)
  }
}

for (const strict of [false, true])
for (const localStepUnderWay of [false, true])
test(`power loss at every step of an install, and of the repair at the next start${strict ? ' (strict disk)' : ''}${localStepUnderWay ? ', a local snapshot under way' : ''}`, async () => {
  const probe = new CuttingFilePort(new MemoryFilePort())
  const store = await setUp(probe, localStepUnderWay)
  const before = probe.count
  store.install({ index: 9, term: 2, confState, members: [] })
  const steps = probe.count - before
  expect(steps).toBeGreaterThan(5)

  /** The install cut at `cut`, and power lost: what the next start finds. */
  const crashed = async (cut: number): Promise<{ memory: MemoryFilePort; at: string }> => {
    const memory = new MemoryFilePort(strict ? { strictSeed: cut } : {})
    const port = new CuttingFilePort(memory)
    const s = await setUp(port, localStepUnderWay)
    port.cutAt = port.count + cut
    try {
      s.install({ index: 9, term: 2, confState, members: [] })
    } catch { /* the cut */ }
    memory.crash()
    return { memory, at: `cut at step ${cut} (${port.cutKind})` }
  }
  const failures: string[] = []
  let repairsCut = 0
  for (let cut = 1; cut <= steps; cut++) {
    // The repair at start may lose power too: cut it at each of its steps, then start for good.
    for (let again = 1; again <= 40; again++) {
      const { memory, at } = await crashed(cut)
      const repair = new CuttingFilePort(memory, again)
      const first = start(repair)
      if (repair.cutKind === '') {
        if (typeof first === 'string') failures.push(`${at}: ${first}`)
        break
      }
      repairsCut++
      memory.crash()
      const then = start(memory)
      if (typeof then === 'string') failures.push(`${at}, the repair cut at its step ${again}: ${then}`)
    }
  }
  expect(failures).toEqual([])
  expect(repairsCut).toBeGreaterThan(0)
}, 60_000)
