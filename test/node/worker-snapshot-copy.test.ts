// With the database in a worker, a snapshot brings the store's copy up to date by the pages the
// worker's checkpoint wrote (reported over the engine protocol), in place, instead of writing a
// whole new copy each time; the copy still matches the live file (the taker verifies it).
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { nodePlatform } from '../../runtimes/node/platform.ts'
import { RaftliteNode } from '../../src/node/raftlite-node.ts'

const dir = mkdtempSync(join(tmpdir(), 'raftlite-worker-snap-'))
const sql = (s: string, ...positional: (string | bigint)[]) => ({ sql: s, positional, named: null })
let node: RaftliteNode

beforeAll(async () => {
  node = await RaftliteNode.start({ dataDir: dir, nodeId: 'ws', raftAddr: '127.0.0.1:1', httpAddr: '127.0.0.1:2' }, nodePlatform())
  await node.ready
  await node.execute([sql('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)')])
  for (let i = 0; i < 200; i++) await node.execute([sql('INSERT INTO t (v) VALUES (?)', 'x'.repeat(2000))])
})

afterAll(async () => {
  await node.stop()
  rmSync(dir, { recursive: true, force: true })
})

test('the second snapshot updates the copy in place, by the written pages only', async () => {
  const copy = join(dir, 'snapshot', 'data.db')
  expect(await node.snapshot(0)).toBe(true) // the first one may copy the whole file
  const first = statSync(copy)
  await node.execute([sql("UPDATE t SET v = 'changed' WHERE id = 5")])
  await node.execute([sql("INSERT INTO t (v) VALUES ('new')")])
  expect(await node.snapshot(0)).toBe(true)
  const second = statSync(copy)
  // A whole copy is written to data.db.tmp and renamed over data.db: a new inode.
  expect(second.ino).toBe(first.ino)
  expect(readFileSync(copy).equals(readFileSync(join(dir, 'db.sqlite')))).toBe(true)
  const [r] = await node.query([sql("SELECT count(*) FROM t WHERE v = 'changed' OR v = 'new'")])
  expect(r.kind === 'rows' && r.rows.rows[0][0]).toBe(2n)
})
