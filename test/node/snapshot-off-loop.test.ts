// With the database in a worker, taking a snapshot blocks the node's thread on no fsync: the
// store's records, the live file's directory, the log's state file and its directory are all
// synced off the thread (a follower's loop used to stop ~125 ms in 10 s under upserts). Deleting
// compacted segments is covered in test/log/durable-log-sync-async.test.ts.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, test } from 'vitest'
import { nodePlatform } from '../../runtimes/node/platform.ts'
import { RaftliteNode } from '../../src/node/raftlite-node.ts'
import type { FileHandle, OpenOptions } from '../../src/ports/file-port.ts'
import { DelegatingFilePort } from '../../src/storage/delegating-file-port.ts'
import { BlockingSyncsFilePort, forwardHandle } from '../support/blocking-syncs-file-port.ts'

/** A disk whose fsyncs off the thread take a few ms more (a network or spinning disk). */
class SlowSyncs extends DelegatingFilePort {
  override open(path: string, options: OpenOptions): FileHandle {
    const h = this.inner.open(path, options)
    return forwardHandle(h, {
      syncAsync: async () => {
        await h.syncAsync!()
        await new Promise((r) => setTimeout(r, 4))
      },
    })
  }
}

const dir = mkdtempSync(join(tmpdir(), 'raftlite-snapshot-off-loop-'))
const sql = (s: string, ...positional: string[]) => ({ sql: s, positional, named: null })
let node: RaftliteNode | undefined

afterAll(async () => {
  await node?.stop()
  rmSync(dir, { recursive: true, force: true })
})

test('a snapshot blocks the thread on no fsync, and what it synced lasts', async () => {
  const platform = nodePlatform()
  const files = new BlockingSyncsFilePort(platform.files)
  node = await RaftliteNode.start(
    // No snapshot but the ones asked for.
    { dataDir: dir, nodeId: 'so', raftAddr: '127.0.0.1:1', httpAddr: '127.0.0.1:2', raftSnapEntries: 1_000_000, raftSnapWalBytes: 0 },
    { ...platform, files },
  )
  await node.ready
  expect(node.engineKind).toBe('worker')
  await node.execute([sql('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)')])
  for (let i = 0; i < 2; i++) {
    for (let j = 0; j < 60; j++) await node.execute([sql('INSERT INTO t (v) VALUES (?)', 'x'.repeat(1000))])
    files.watching = true
    expect(await node.snapshot(0)).toBe(true)
    files.watching = false
    expect(files.blocked).toEqual([])
  }
  // What was synced off the thread lasts: a restart finds the snapshot and the rows.
  const index = node.lastSnapshotIndex
  await node.stop()
  node = await RaftliteNode.start(
    { dataDir: dir, nodeId: 'so', raftAddr: '127.0.0.1:1', httpAddr: '127.0.0.1:2', raftSnapEntries: 1_000_000, raftSnapWalBytes: 0 },
    nodePlatform(),
  )
  await node.ready
  expect(node.lastSnapshotIndex).toBe(index)
  const [result] = await node.query([sql('SELECT count(*) FROM t')])
  expect(result).toMatchObject({ kind: 'rows', rows: { rows: [[120n]] } })
})

test('a snapshot asked for under steady writes completes while they go on (its log step runs between two Readys)', async () => {
  await node?.stop()
  const slowDir = mkdtempSync(join(tmpdir(), 'raftlite-snapshot-under-load-'))
  try {
    const platform = nodePlatform()
    node = await RaftliteNode.start(
      { dataDir: slowDir, nodeId: 'sl', raftAddr: '127.0.0.1:1', httpAddr: '127.0.0.1:2', raftSnapEntries: 1_000_000, raftSnapWalBytes: 0 },
      { ...platform, files: new SlowSyncs(platform.files) },
    )
    await node.ready
    const n = node
    await n.execute([sql('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)')])
    // Writers that do not wait for their answers: a proposal arrives during every fsync, so
    // the Ready loop never runs dry until they stop (at the latest after 20 s).
    let snapshotDone = false
    const inflight = new Set<Promise<unknown>>()
    const writers = setInterval(() => {
      const p = n.execute([sql("INSERT INTO t (v) VALUES ('x')")])
      inflight.add(p)
      void p.finally(() => inflight.delete(p))
    }, 1)
    const cap = setTimeout(() => clearInterval(writers), 20_000)
    await new Promise((r) => setTimeout(r, 300))
    const before = n.lastSnapshotIndex
    const taken = await n.snapshot(0).finally(() => (snapshotDone = true))
    const writersStillGoing = inflight.size > 0
    clearInterval(writers)
    clearTimeout(cap)
    await Promise.allSettled([...inflight])
    expect(snapshotDone).toBe(true)
    expect(taken).toBe(true)
    expect(writersStillGoing).toBe(true) // it did not wait for the writes to stop
    expect(n.lastSnapshotIndex).toBeGreaterThan(before)
  } finally {
    await node?.stop()
    node = undefined
    rmSync(slowDir, { recursive: true, force: true })
  }
}, 40_000)
