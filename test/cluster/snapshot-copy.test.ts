// A snapshot checkpoints the live file (the only pause), then brings the store's copy up to it in
// the background by copying just the pages that checkpoint wrote.
import { createHash } from 'node:crypto'
import { expect, test } from 'vitest'
import { RaftliteNode } from '../../src/node/raftlite-node.ts'
import { platformWith } from '../../src/node/platform.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'
import type { FileHandle, FilePort, OpenOptions } from '../../src/ports/file-port.ts'
import { CuttingFilePort } from '../support/cutting-file-port.ts'
import { crashedNodeStopper } from '../support/stop-crashed-node.ts'
import { DelegatingFilePort } from '../../src/storage/delegating-file-port.ts'

const LIVE = '/d/db.sqlite'
const COPY = '/d/snapshot/data.db'

async function start(files: FilePort): Promise<RaftliteNode> {
  const node = await RaftliteNode.start({ dataDir: '/d', nodeId: 'n1', raftSnapIntervalMs: 3_600_000 }, platformWith(files))
  await node.ready
  return node
}

/** A file's size and SHA-256 (comparing megabytes with toEqual takes seconds). */
function digestOf(files: FilePort, path: string): string {
  const h = files.open(path, { create: false, readOnly: true })
  try {
    const bytes = new Uint8Array(h.size())
    h.read(bytes, 0)
    return `${bytes.byteLength} bytes, sha256 ${createHash('sha256').update(bytes).digest('hex')}`
  } finally {
    h.close()
  }
}

/** Counts the bytes written to the store's copy (and its temporary file). */
class CopyWrites extends DelegatingFilePort {
  bytes = 0
  override open(path: string, options: OpenOptions): FileHandle {
    const h = this.inner.open(path, options)
    if (!path.startsWith(COPY)) return h
    return {
      read: (t, p) => h.read(t, p),
      write: (s, p) => {
        this.bytes += s.byteLength
        h.write(s, p)
      },
      truncate: (n) => h.truncate(n),
      sync: () => h.sync(),
      size: () => h.size(),
      modifiedAt: () => h.modifiedAt(),
      close: () => h.close(),
    }
  }
}

const rows = (from: number, n: number) => Array.from({ length: n }, (_, i) => `INSERT INTO t VALUES (${from + i}, hex(randomblob(400)))`)

test('after each snapshot the copy equals the live file; later snapshots copy only changed pages', async () => {
  const memory = new MemoryFilePort()
  const files = new CopyWrites(memory)
  const node = await start(files)
  const client = node.client()
  await client.batch(['CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)', ...rows(0, 4000)])
  expect(await node.snapshot(0)).toBe(true)
  const fileSize = memory.open(LIVE, { create: false, readOnly: true }).size()
  expect(files.bytes).toBe(fileSize) // the first copy is whole
  expect(digestOf(memory, COPY)).toBe(digestOf(memory, LIVE))

  files.bytes = 0
  await client.batch(['UPDATE t SET v = upper(v) WHERE id % 500 = 0', 'DELETE FROM t WHERE id BETWEEN 100 AND 120', ...rows(10_000, 50)])
  expect(await node.snapshot(0)).toBe(true)
  expect(files.bytes).toBeGreaterThan(0)
  expect(files.bytes).toBeLessThan(fileSize / 10)
  expect(digestOf(memory, COPY)).toBe(digestOf(memory, LIVE))

  // The file shrinks: the copy is cut to the same size.
  await client.execute('DELETE FROM t WHERE id < 3000')
  await client.execute('VACUUM')
  expect(await node.snapshot(0)).toBe(true)
  expect(memory.open(LIVE, { create: false, readOnly: true }).size()).toBeLessThan(fileSize / 2)
  expect(digestOf(memory, COPY)).toBe(digestOf(memory, LIVE))
  await node.stop()
})

test('writes go on while the copy is made', async () => {
  const node = await start(new MemoryFilePort())
  const client = node.client()
  await client.batch(['CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)', ...rows(0, 20_000)]) // ~16 MiB: 16 chunks to copy
  const order: string[] = []
  const snapshot = node.snapshot(0).then(() => order.push('snapshot'))
  await client.execute('INSERT INTO t VALUES (-1, 1)').then(() => order.push('write'))
  await snapshot
  expect(order).toEqual(['write', 'snapshot'])
  expect(node.lastSnapshotIndex).toBeGreaterThan(0)
  await node.stop()
})

for (const crash of ['power loss', 'power loss (strict disk)', 'kill -9'] as const) {
  test(`${crash} at every step of a later snapshot, with writes during its copy: each applied once, none lost`, async () => {
    const setUp = async (port: FilePort) => {
      const node = await start(port)
      await node.client().batch(['CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)', 'CREATE TABLE c (n INTEGER)', 'INSERT INTO c VALUES (0)', ...rows(0, 300)])
      await node.snapshot(0)
      await node.client().batch(['UPDATE t SET v = lower(v) WHERE id % 7 = 0', ...rows(1000, 300)])
      return node
    }
    // Record the file operations a snapshot takes alone; then cut the power at each of them in
    // turn, by identity (the n-th 'write /d/snapshot/data.db.tmp'): the writes during the copy
    // interleave their own operations, differently from run to run.
    const probe = new CuttingFilePort(new MemoryFilePort(crash === 'power loss (strict disk)' ? { strictSeed: 0 } : {}))
    const probeNode = await setUp(probe)
    probe.recording = true
    await probeNode.snapshot(0)
    probe.recording = false
    const steps = probe.ops.slice()
    await probeNode.stop()
    expect(steps.length).toBeGreaterThan(8)

    for (const [i, op] of steps.entries()) {
      const occurrence = steps.slice(0, i + 1).filter((o) => o === op).length
      const at = `${op} (#${occurrence}), step ${i + 1} of ${steps.length}`
      // Strict: names durable only after a directory sync, unsynced writes lost sector by sector.
      const memory = new MemoryFilePort(crash === 'power loss (strict disk)' ? { strictSeed: i + 1 } : {})
      const port = new CuttingFilePort(memory)
      const node = await setUp(port)
      const stopCrashed = crashedNodeStopper(node)
      port.cutAtOperation(op, occurrence)
      let acked = 0
      const settled = (outcome: string) => ({ outcome, cutOp: port.cutOp })
      const taking = node.snapshot(0).then((taken) => settled(`resolved ${taken}`), (e: unknown) => settled(String(e)))
      // Not idempotent: a write the restart applied twice would show.
      for (let w = 0; w < 3; w++) await node.client().execute('UPDATE c SET n = n + 1').then(() => acked++, () => {})
      const { outcome, cutOp } = await taking
      // The cut fired at the intended operation before the snapshot settled, and failed it.
      expect(cutOp, `cut at ${at}`).toBe(op)
      expect(outcome, `cut at ${at}`).toMatch(/power cut|disk I\/O error/)
      // The power stays off for this node: it is stopped on a dead disk, and nothing it does
      // from here on reaches the store the restart opens.
      await stopCrashed()
      const opsWhenStopped = port.count
      if (crash !== 'kill -9') memory.crash()
      else memory.kill() // the page cache survives: unsynced writes too
      const restarted = await start(memory)
      const query = async (sql: string) => (await restarted.client().query(sql)).rows[0][0]
      expect(Number(await query('SELECT count(*) FROM t')), `rows after a cut at ${at}`).toBe(600)
      const n = Number(await query('SELECT n FROM c'))
      expect(n, `increments during the copy, cut at ${at}: ${acked} acknowledged`).toBeGreaterThanOrEqual(acked)
      expect(n, `increments during the copy, cut at ${at}`).toBeLessThanOrEqual(3)
      expect(await query('PRAGMA integrity_check')).toBe('ok')
      await restarted.client().execute('INSERT INTO t VALUES (9999, 1)')
      expect(await restarted.snapshot(0)).toBe(true)
      expect(digestOf(memory, COPY)).toBe(digestOf(memory, LIVE))
      await restarted.stop()
      expect(port.count, 'file operations by the crashed node after it stopped').toBe(opsWhenStopped)
    }
  }, 120_000)
}
