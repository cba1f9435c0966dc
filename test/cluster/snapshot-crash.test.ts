// Snapshots survive power loss at any step, and a database file that no longer matches its
// fingerprint is restored from the snapshot copy.
import { expect, test } from 'vitest'
import { RaftliteNode } from '../../src/node/raftlite-node.ts'
import { platformWith } from '../../src/node/platform.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'
import type { FilePort } from '../../src/ports/file-port.ts'
import { CuttingFilePort } from '../support/cutting-file-port.ts'
import { crashedNodeStopper } from '../support/stop-crashed-node.ts'

async function start(files: FilePort): Promise<RaftliteNode> {
  const node = await RaftliteNode.start({ dataDir: '/d', nodeId: 'n1', raftSnapIntervalMs: 3_600_000 }, platformWith(files))
  await node.ready
  return node
}

async function count(node: RaftliteNode): Promise<number> {
  return Number((await node.client().query('SELECT count(*) AS n FROM t')).rows[0].n)
}

test('a fast restart keeps the file; a tampered file is restored from the snapshot copy', async () => {
  const files = new MemoryFilePort()
  let node = await start(files)
  await node.client().batch(['CREATE TABLE t (v)', 'INSERT INTO t VALUES (1)', 'INSERT INTO t VALUES (2)'])
  expect(await node.snapshot(0)).toBe(true)
  await node.client().execute('INSERT INTO t VALUES (3)') // after the snapshot: only in the WAL and the log
  await node.stop()
  node = await start(files)
  expect(node.stats).toMatchObject({ restoresStartSkipped: 1, restoresStart: 0 })
  expect(await count(node)).toBe(3)
  await node.stop()
  // Someone writes to the database file behind raftlite's back.
  const h = files.open('/d/db.sqlite', { create: false })
  h.write(new Uint8Array([1, 2, 3]), h.size())
  h.close()
  node = await start(files)
  expect(node.stats).toMatchObject({ restoresStartSkipped: 0, restoresStart: 1 })
  expect(await count(node)).toBe(3)
  expect((await node.client().query('PRAGMA integrity_check')).rows[0][0]).toBe('ok')
  await node.stop()
})

for (const strict of [false, true])
test(`power loss at every step of taking a snapshot: the node restarts with every write${strict ? ' (strict disk)' : ''}`, async () => {
  // Record the file operations one snapshot takes, then cut the power at each of them in turn.
  const probe = new CuttingFilePort(new MemoryFilePort(strict ? { strictSeed: 0 } : {}))
  const probeNode = await start(probe)
  await probeNode.client().batch(['CREATE TABLE t (v)', 'INSERT INTO t VALUES (1)'])
  await probeNode.client().execute('INSERT INTO t VALUES (2)')
  const before = probe.count
  probe.recording = true
  await probeNode.snapshot(0)
  probe.recording = false
  const steps = probe.count - before
  const probeOps = probe.ops.slice()
  await probeNode.stop()
  expect(steps).toBeGreaterThan(5)
  expect(probeOps).toHaveLength(steps)

  for (let cut = 1; cut <= steps; cut++) {
    // Strict: names durable only after a directory sync, unsynced writes lost sector by sector.
    const memory = new MemoryFilePort(strict ? { strictSeed: cut } : {})
    const port = new CuttingFilePort(memory)
    const node = await start(port)
    await node.client().batch(['CREATE TABLE t (v)', 'INSERT INTO t VALUES (1)'])
    await node.client().execute('INSERT INTO t VALUES (2)')
    const stopCrashed = crashedNodeStopper(node)
    port.cutAt = port.count + cut
    const outcome = await node.snapshot(0).then((taken) => `resolved ${taken}`, (e: unknown) => String(e))
    // The cut fired, at the operation the probe saw at this step, and the snapshot failed on it
    // (as our error, or as SQLite's 'disk I/O error' when SQLite met it).
    expect(port.cutOp, `cut at step ${cut}`).toBe(probeOps[cut - 1])
    expect(outcome, `cut at step ${cut} (${port.cutOp})`).toMatch(/power cut|disk I\/O error/)
    // The power stays off for this node: it is stopped on a dead disk, and nothing it does
    // from here on reaches the store the restart opens.
    await stopCrashed()
    const opsWhenStopped = port.count
    memory.crash() // lose everything not fsynced, as a power failure would
    const restarted = await start(memory)
    expect(await count(restarted), `rows after a cut at step ${cut} of ${steps}`).toBe(2)
    expect((await restarted.client().query('PRAGMA integrity_check')).rows[0][0]).toBe('ok')
    await restarted.client().execute('INSERT INTO t VALUES (3)') // and it keeps working
    expect(await restarted.snapshot(0)).toBe(true)
    await restarted.stop()
    expect(port.count, 'file operations by the crashed node after it stopped').toBe(opsWhenStopped)
  }
}, 120_000)

test('the snapshot copy is checksummed at rest: damage is caught before it is restored', async () => {
  const files = new MemoryFilePort()
  let node = await start(files)
  await node.client().batch(['CREATE TABLE t (v)', 'INSERT INTO t VALUES (1)', 'INSERT INTO t VALUES (2)'])
  expect(await node.snapshot(0)).toBe(true)
  const readMeta = () => {
    const h = files.open('/d/snapshot/meta.json', { create: false })
    const bytes = new Uint8Array(h.size())
    h.read(bytes, 0)
    h.close()
    return JSON.parse(JSON.parse(new TextDecoder().decode(bytes)).body) as { dataCrc32c?: number }
  }
  for (let i = 0; i < 100 && readMeta().dataCrc32c === undefined; i++) await new Promise((r) => setTimeout(r, 10))
  expect(readMeta().dataCrc32c).toEqual(expect.any(Number))
  await node.stop()
  // Damage the store's copy and make the live file look changed, so a restart must restore.
  const copy = files.open('/d/snapshot/data.db', { create: false })
  copy.write(new Uint8Array([0xff]), 100)
  copy.close()
  const live = files.open('/d/db.sqlite', { create: false })
  live.write(new Uint8Array([0]), live.size())
  live.close()
  await expect(start(files)).rejects.toThrow(/snapshot copy reads with checksum \d+, not the \d+ recorded/)
})
