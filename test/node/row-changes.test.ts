// Extension point: every applied entry's committed row changes, with its log index and timestamp.
import { afterAll, beforeAll, expect, test } from 'vitest'
import type { AppliedChanges } from '../../src/cluster/database-state-machine.ts'
import { RaftliteNode } from '../../src/node/raftlite-node.ts'
import { platformWith } from '../../src/node/platform.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'

let node: RaftliteNode
const sql = (s: string) => ({ sql: s, positional: [], named: null })

beforeAll(async () => {
  node = await RaftliteNode.start({ dataDir: '/rc', nodeId: 'rc', raftAddr: '127.0.0.1:1', httpAddr: '127.0.0.1:2' }, platformWith(new MemoryFilePort()))
  await node.ready
  await node.execute([sql('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE, b BLOB, r REAL)')])
})

afterAll(() => node.stop())

test('committed inserts, updates and deletes are reported with the entry index and its timestamp', async () => {
  const seen: AppliedChanges[] = []
  const stop = node.stateMachine.onRowChanges((a) => seen.push(a))
  const before = Date.now()
  const out = await node.execute([sql("INSERT INTO t VALUES (1, 'a', x'0102', 1.0)"), sql("UPDATE t SET v = 'b', id = 7 WHERE id = 1"), sql('DELETE FROM t WHERE id = 7')])
  stop()
  await node.execute([sql("INSERT INTO t VALUES (2, 'z', NULL, 2.5)")]) // after stop(): not reported
  expect(seen).toHaveLength(1)
  const [applied] = seen
  expect(applied.index).toBe(out.raftIndex)
  expect(applied.timestampMs).toBeGreaterThanOrEqual(before - 1)
  expect(applied.timestampMs).toBeLessThanOrEqual(Date.now())
  const columns = ['id', 'v', 'b', 'r']
  expect(applied.changes).toEqual([
    { op: 'insert', table: 't', rowid: 1n, after: [1n, 'a', new Uint8Array([1, 2]), 1.0], columns },
    { op: 'update', table: 't', rowid: 1n, newRowid: 7n, before: [1n, 'a', new Uint8Array([1, 2]), 1.0], after: [7n, 'b', new Uint8Array([1, 2]), 1.0], columns },
    { op: 'delete', table: 't', rowid: 7n, before: [7n, 'b', new Uint8Array([1, 2]), 1.0], columns },
  ])
  expect(typeof (applied.changes[0].after![3])).toBe('number') // a REAL stays a number, an INTEGER a bigint
})

test('changes that do not commit are not reported: a failed statement, a rolled-back transaction', async () => {
  const seen: AppliedChanges[] = []
  const stop = node.stateMachine.onRowChanges((a) => seen.push(a))
  try {
    // Not a transaction: the first statement commits, the second fails (UNIQUE) and is undone.
    await node.execute([sql("INSERT INTO t VALUES (10, 'x', NULL, 0)"), sql("INSERT INTO t VALUES (11, 'y', NULL, 0), (12, 'x', NULL, 0)")])
    // A transaction whose second statement fails: all of it is rolled back.
    const tx = await node.execute([sql("INSERT INTO t VALUES (20, 'p', NULL, 0)"), sql("INSERT INTO t VALUES (21, 'p', NULL, 0)")], { transaction: true })
    expect(tx.results[1].kind).toBe('error')
    // A client's own BEGIN never committed: raftlite rolls it back.
    await node.execute([sql('BEGIN'), sql("INSERT INTO t VALUES (30, 'q', NULL, 0)")])
  } finally {
    stop()
  }
  expect(seen.map((s) => s.changes.map((c) => `${c.op}:${c.rowid}`))).toEqual([['insert:10'], [], []])
  const [rows] = await node.query([sql('SELECT id FROM t ORDER BY id')])
  expect(rows.kind === 'rows' && rows.rows.rows.map((r) => r[0])).toEqual([2n, 10n])
})

test('a listener that throws fails neither the write nor other listeners; the error is reported', async () => {
  const errors: unknown[] = []
  const onError = (e: Event) => errors.push((e as CustomEvent).detail)
  node.addEventListener('error', onError)
  const seen: number[] = []
  const stopBad = node.stateMachine.onRowChanges(() => {
    throw new Error('listener broke')
  })
  const stopGood = node.stateMachine.onRowChanges((a) => seen.push(a.index))
  try {
    const out = await node.execute([sql("INSERT INTO t VALUES (40, 'w', NULL, 0)")])
    expect(out.results[0].kind).toBe('exec')
    expect(seen).toEqual([out.raftIndex])
    expect(errors.map((e) => (e as Error).message)).toEqual(['listener broke'])
  } finally {
    stopBad()
    stopGood()
    node.removeEventListener('error', onError)
  }
})

test('column names follow the schema as of each entry: refreshed after DDL', async () => {
  await node.execute([sql('CREATE TABLE s (a INTEGER PRIMARY KEY, b TEXT)')])
  const seen: AppliedChanges[] = []
  const stop = node.stateMachine.onRowChanges((a) => seen.push(a))
  try {
    await node.execute([sql("INSERT INTO s VALUES (1, 'x')")])
    await node.execute([sql('ALTER TABLE s RENAME COLUMN b TO c')])
    await node.execute([sql("INSERT INTO s VALUES (2, 'y')")])
    await node.execute([sql('ALTER TABLE s ADD COLUMN "d""q" INTEGER DEFAULT 5')])
    await node.execute([sql("UPDATE s SET c = 'z' WHERE a = 2")])
  } finally {
    stop()
  }
  const withChanges = seen.filter((s) => s.changes.length > 0)
  expect(withChanges.map((s) => s.changes.map((c) => c.columns))).toEqual([[['a', 'b']], [['a', 'c']], [['a', 'c', 'd"q']]])
  expect(withChanges[2].changes[0].after).toEqual([2n, 'z', 5n])
})
