// Extension point: a consistent image of the database while writes go on (backup).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { nodePlatform } from '../../runtimes/node/platform.ts'
import { ImageAbandonedError } from '../../src/db/database-image.ts'
import { Database } from '../../src/db/database.ts'
import { RaftliteNode } from '../../src/node/raftlite-node.ts'
import { platformWith } from '../../src/node/platform.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'

let node: RaftliteNode
const sql = (s: string, ...positional: (string | bigint)[]) => ({ sql: s, positional, named: null })

// The same behaviour with the database in the thread (memory files) and in a worker (real files).
const engines = [
  { engine: 'in the thread', platform: () => platformWith(new MemoryFilePort()), dataDir: () => '/img' },
  { engine: 'in a worker', platform: nodePlatform, dataDir: () => mkdtempSync(join(tmpdir(), 'raftlite-image-')) },
]

describe.each(engines)('database image, engine $engine', ({ platform, dataDir }) => {
let dir = ''

beforeAll(async () => {
  dir = dataDir()
  node = await RaftliteNode.start({ dataDir: dir, nodeId: 'img', raftAddr: '127.0.0.1:1', httpAddr: '127.0.0.1:2' }, platform())
  await node.ready
  await node.execute([sql('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)')])
  for (let i = 0; i < 20; i++) await node.execute([sql('INSERT INTO t (v) VALUES (?)', 'x'.repeat(3000))])
})

afterAll(async () => {
  await node.stop()
  if (dir.startsWith('/tmp') || dir.startsWith(tmpdir())) rmSync(dir, { recursive: true, force: true })
})

/** Opens the image's bytes as a database file of its own. */
async function openCopy(parts: Uint8Array[]): Promise<Database> {
  const files = new MemoryFilePort()
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  parts.reduce((at, p) => (bytes.set(p, at), at + p.byteLength), 0)
  files.mkdirp('/copy')
  const h = files.open('/copy/db.sqlite', { create: true, readOnly: false })
  h.write(bytes, 0)
  h.close()
  return Database.open({ files, path: '/copy/db.sqlite' })
}

test('the image is the database as of its index, whatever is written while it is read', async () => {
  const { appliedIndex, image } = await node.openImage()
  const parts: Uint8Array[] = []
  let writes = 0
  try {
    for (let first = 1; first <= image.pageCount; first += 2) {
      parts.push(await image.read(first, 2))
      // Between chunks: more rows, an update and a delete of rows the image holds.
      await node.execute([sql('INSERT INTO t (v) VALUES (?)', 'y'.repeat(3000)), sql("UPDATE t SET v = 'changed' WHERE id = 1"), sql('DELETE FROM t WHERE id = 2')])
      writes++
    }
  } finally {
    image.close()
  }
  expect(writes).toBeGreaterThan(2) // the writes really interleaved with the reading
  expect(node.appliedIndex).toBeGreaterThan(appliedIndex)
  const copy = await openCopy(parts)
  const one = (q: string) => {
    const [r] = copy.query([sql(q)])
    if (r.kind !== 'rows') throw new Error(JSON.stringify(r))
    return r.rows.rows[0][0]
  }
  try {
    expect(one('PRAGMA integrity_check')).toBe('ok')
    expect(one('SELECT count(*) FROM t')).toBe(20n)
    expect(one('SELECT v FROM t WHERE id = 1')).toBe('x'.repeat(3000))
    expect(one('SELECT count(*) FROM t WHERE id = 2')).toBe(1n)
  } finally {
    copy.close()
  }
  const [live] = await node.query([sql('SELECT count(*) FROM t')])
  expect(live.kind === 'rows' && live.rows.rows[0][0]).toBe(BigInt(20 + writes - 1))
})

test('a snapshot abandons an open image instead of failing on its checkpoint', async () => {
  const { image } = await node.openImage()
  expect((await image.read(1, 1)).byteLength).toBe(image.pageSize)
  await node.execute([sql("INSERT INTO t (v) VALUES ('more')")])
  expect(await node.snapshot(0)).toBe(true)
  await expect((async () => image.read(1, 1))()).rejects.toThrow(ImageAbandonedError)
  expect(node.database.openImages).toBe(0)
  const again = (await node.openImage()).image // a new image after it is fine
  again.close()
})
})
