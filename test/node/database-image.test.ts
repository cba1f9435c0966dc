// Extension point: a consistent image of the database while writes go on (backup).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Sqlite from 'better-sqlite3'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { ImageAbandonedError } from '../../src/db/database-image.ts'
import { RaftliteNode } from '../../src/node/raftlite-node.ts'
import { platformWith } from '../../src/node/platform.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'

let node: RaftliteNode
const dir = mkdtempSync(join(tmpdir(), 'raftlite-image-'))
const sql = (s: string, ...positional: (string | bigint)[]) => ({ sql: s, positional, named: null })

beforeAll(async () => {
  node = await RaftliteNode.start({ dataDir: '/img', nodeId: 'img', raftAddr: '127.0.0.1:1', httpAddr: '127.0.0.1:2' }, platformWith(new MemoryFilePort()))
  await node.ready
  await node.execute([sql('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)')])
  for (let i = 0; i < 20; i++) await node.execute([sql('INSERT INTO t (v) VALUES (?)', 'x'.repeat(3000))])
})

afterAll(async () => {
  await node.stop()
  rmSync(dir, { recursive: true, force: true })
})

test('the image is the database as of its index, whatever is written while it is read', async () => {
  const { appliedIndex, image } = node.openImage()
  const parts: Uint8Array[] = []
  let writes = 0
  try {
    for (const chunk of image.chunks(2)) {
      parts.push(chunk)
      // Between chunks: more rows, an update and a delete of rows the image holds.
      await node.execute([sql('INSERT INTO t (v) VALUES (?)', 'y'.repeat(3000)), sql("UPDATE t SET v = 'changed' WHERE id = 1"), sql('DELETE FROM t WHERE id = 2')])
      writes++
    }
  } finally {
    image.close()
  }
  expect(writes).toBeGreaterThan(2) // the writes really interleaved with the reading
  expect(node.appliedIndex).toBeGreaterThan(appliedIndex)
  const file = join(dir, 'backup.sqlite')
  writeFileSync(file, Buffer.concat(parts))
  const copy = new Sqlite(file, { readonly: true })
  try {
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok')
    expect(copy.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 20 })
    expect(copy.prepare('SELECT v FROM t WHERE id = 1').get()).toEqual({ v: 'x'.repeat(3000) })
    expect(copy.prepare('SELECT count(*) AS n FROM t WHERE id = 2').get()).toEqual({ n: 1 })
  } finally {
    copy.close()
  }
  const [live] = await node.query([sql('SELECT count(*) FROM t')])
  expect(live.kind === 'rows' && live.rows.rows[0][0]).toBe(BigInt(20 + writes - 1))
})

test('a snapshot abandons an open image instead of failing on its checkpoint', async () => {
  const { image } = node.openImage()
  expect(image.read(1, 1).byteLength).toBe(image.pageSize)
  await node.execute([sql("INSERT INTO t (v) VALUES ('more')")])
  expect(await node.snapshot(0)).toBe(true)
  expect(() => image.read(1, 1)).toThrow(ImageAbandonedError)
  expect(node.database.openImages).toBe(0)
  const again = node.openImage().image // a new image after it is fine
  again.close()
})
