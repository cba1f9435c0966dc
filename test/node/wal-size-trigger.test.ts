// The WAL-size snapshot trigger counts the WAL in use, not the file's length: after a snapshot
// the WAL file keeps its length (the checkpoint starts it over without shortening it), and a
// trickle of small writes must not then take a snapshot at every check. The database is in a
// worker here, which alone knows how much of the WAL is in use.
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { nodePlatform } from '../../runtimes/node/platform.ts'
import { RaftliteNode } from '../../src/node/raftlite-node.ts'

const THRESHOLD = 256 * 1024
const dir = mkdtempSync(join(tmpdir(), 'raftlite-wal-trigger-'))
const sql = (s: string, ...positional: (string | bigint)[]) => ({ sql: s, positional, named: null })
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
let node: RaftliteNode

beforeAll(async () => {
  node = await RaftliteNode.start(
    { dataDir: dir, nodeId: 'wt', raftAddr: '127.0.0.1:1', httpAddr: '127.0.0.1:2', raftSnapWalBytes: THRESHOLD, raftSnapEntries: 1_000_000, raftSnapIntervalMs: 100 },
    nodePlatform(),
  )
  await node.ready
})

afterAll(async () => {
  await node.stop()
  rmSync(dir, { recursive: true, force: true })
})

test('a snapshot is taken when the WAL in use passes the threshold, and not again for a trickle of writes', async () => {
  expect(node.engineKind).toBe('worker')
  await node.execute([sql('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)')])
  for (let i = 0; i < 40; i++) await node.execute([sql('INSERT INTO t (v) VALUES (?)', 'x'.repeat(16_000))])
  const deadline = Date.now() + 10_000
  while (node.lastSnapshotIndex === 0 && Date.now() < deadline) await sleep(20)
  expect(node.lastSnapshotIndex).toBeGreaterThan(0)
  // That one may have come midway through the writes, with what followed rightly due again:
  // start the trickle from a snapshot of everything.
  await node.snapshot(0) // false if the last one already covered them
  await sleep(300) // the check after the snapshot learns the WAL's new size
  const wal = join(dir, 'db.sqlite-wal')
  expect(statSync(wal).size).toBeGreaterThan(THRESHOLD) // the file kept its length
  const snapshotted = node.lastSnapshotIndex
  for (let i = 0; i < 10; i++) {
    await node.execute([sql("INSERT INTO t (v) VALUES ('small')")])
    await sleep(100) // a check between each write
  }
  expect(node.lastSnapshotIndex).toBe(snapshotted)
  expect(node.database.walSize()).toBeLessThan(THRESHOLD) // /status reports what is in use
  expect(node.database.walSize()).toBeGreaterThan(0)
})
