// A snapshot step that fails with an I/O error while the node keeps running must not spoil
// later snapshots: the store's copy always equals the live file it claims to be (issue 23.1).
import { expect, test } from 'vitest'
import { RaftliteNode } from '../../src/node/raftlite-node.ts'
import { platformWith } from '../../src/node/platform.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'
import type { FilePort } from '../../src/ports/file-port.ts'
import { FailingFilePort } from '../support/failing-file-port.ts'

async function start(files: FilePort): Promise<RaftliteNode> {
  const node = await RaftliteNode.start({ dataDir: '/d', nodeId: 'n1', raftSnapIntervalMs: 3_600_000 }, platformWith(files))
  await node.ready
  return node
}

const filler = (from: number, n: number) => Array.from({ length: n }, (_, i) => `INSERT INTO t VALUES (${from + i}, hex(randomblob(300)))`)

async function setUp(files: FilePort): Promise<RaftliteNode> {
  const node = await start(files)
  await node.client().batch(['CREATE TABLE c (n INTEGER)', 'INSERT INTO c VALUES (10)', 'CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)', ...filler(0, 200)])
  expect(await node.snapshot(0)).toBe(true)
  await node.client().execute('UPDATE c SET n = 1010')
  return node
}

/** Makes the live file look changed, so the next start restores the store's copy. */
function tamperLive(files: FilePort): void {
  const h = files.open('/d/db.sqlite', { create: false })
  h.write(new Uint8Array([0]), h.size())
  h.close()
}

test('a snapshot whose copy-phase record fails, then a good one: a restore keeps every write (counter 1010)', async () => {
  const memory = new MemoryFilePort()
  const node = await setUp(memory)
  // Fail (ENOSPC) the write of pending.json that records phase `copy`, once: it comes after the
  // checkpoint has taken the record of the pages it wrote.
  let failed = 0
  const open = memory.open.bind(memory)
  memory.open = (path, options) => {
    const h = open(path, options)
    if (path !== '/d/snapshot/pending.json.tmp') return h
    const write = h.write.bind(h)
    h.write = (s: Uint8Array, p: number) => {
      if (failed === 0 && new TextDecoder().decode(s).includes('copy')) {
        failed++
        throw new Error('ENOSPC: injected, no space left on device')
      }
      write(s, p)
    }
    return h
  }
  await expect(node.snapshot(0)).rejects.toThrow(/ENOSPC/)
  expect(failed).toBe(1)
  // The node keeps running; a later snapshot touches other pages only.
  await node.client().batch(filler(1000, 50))
  expect(await node.snapshot(0)).toBe(true)
  await node.stop()
  tamperLive(memory)
  const restarted = await start(memory)
  expect(restarted.stats.restoresStart).toBe(1)
  expect((await restarted.client().query('SELECT n FROM c')).rows[0][0]).toBe(1010)
  expect((await restarted.client().query('PRAGMA integrity_check')).rows[0][0]).toBe('ok')
  await restarted.stop()
})

test('an I/O error at each step of a snapshot: the node keeps serving, and later snapshots and restores hold every write', async () => {
  const probe = new FailingFilePort(new MemoryFilePort())
  const probeNode = await setUp(probe)
  const before = probe.count
  await probeNode.snapshot(0)
  const steps = probe.count - before
  await probeNode.stop()
  expect(steps).toBeGreaterThan(8)

  for (let step = 1; step <= steps; step++) {
    const memory = new MemoryFilePort()
    const files = new FailingFilePort(memory)
    const node = await setUp(files)
    files.failAt = files.count + step
    const first = await node.snapshot(0).then(() => 'ok', (e: unknown) => String(e))
    const what = `failed ${files.failed || '(nothing)'} at step ${step} of ${steps}: ${first}`
    let rows = 200
    if (files.failed.startsWith('/d/raft', files.failed.indexOf(' ') + 1)) {
      // A failed write of the Raft log stops the node (by design); the restart below must still be right.
      await expect(node.client().execute('UPDATE c SET n = n + 1'), what).rejects.toThrow()
    } else {
      // It keeps serving reads and writes (to other pages than the counter's: a later snapshot
      // must not get the counter's page right only because it wrote it again).
      await node.client().batch(filler(2000, 50))
      rows = 250
      expect(Number((await node.client().query('SELECT n FROM c')).rows[0][0]), what).toBe(1010)
      // A later snapshot either succeeds or refuses plainly (after a failed fsync of the live file).
      const later = await node.snapshot(0).then(() => 'ok', (e: unknown) => String(e))
      if (later !== 'ok') expect(later, what).toMatch(/fsync of the live database failed/)
    }
    await node.stop()
    tamperLive(memory)
    const restarted = await start(memory)
    expect(Number((await restarted.client().query('SELECT n FROM c')).rows[0][0]), what).toBe(1010)
    expect(Number((await restarted.client().query('SELECT count(*) FROM t')).rows[0][0]), what).toBe(rows)
    expect((await restarted.client().query('PRAGMA integrity_check')).rows[0][0], what).toBe('ok')
    await restarted.client().execute('UPDATE c SET n = n + 1')
    expect(await restarted.snapshot(0), what).toBe(true)
    await restarted.stop()
  }
}, 120_000)

test('a copy that does not come out equal to the live file is never recorded; the next snapshot copies it whole', async () => {
  const memory = new MemoryFilePort()
  const node = await setUp(memory)
  const readMeta = () => {
    const h = memory.open('/d/snapshot/meta.json', { create: false })
    const bytes = new Uint8Array(h.size())
    h.read(bytes, 0)
    h.close()
    return JSON.parse(JSON.parse(new TextDecoder().decode(bytes)).body) as { index: number }
  }
  const recorded = readMeta().index
  // Damage a byte of the store's copy on a page no later checkpoint writes (the file's last byte
  // lies in the filler table's pages, untouched by the counter's update).
  const copy = memory.open('/d/snapshot/data.db', { create: false })
  const at = copy.size() - 1
  const byte = new Uint8Array(1)
  copy.read(byte, at)
  copy.write(new Uint8Array([byte[0] ^ 0xff]), at)
  copy.close()
  await expect(node.snapshot(0)).rejects.toThrow(/copy does not match the live database/)
  expect(readMeta().index).toBe(recorded) // meta.json never named the bad copy
  await node.client().execute('INSERT INTO t VALUES (-1, 1)')
  expect(await node.snapshot(0)).toBe(true)
  expect(readMeta().index).toBeGreaterThan(recorded)
  await node.stop()
  tamperLive(memory)
  const restarted = await start(memory)
  expect(restarted.stats.restoresStart).toBe(1)
  expect((await restarted.client().query('SELECT n FROM c')).rows[0][0]).toBe(1010)
  expect((await restarted.client().query('PRAGMA integrity_check')).rows[0][0]).toBe('ok')
  await restarted.stop()
})
