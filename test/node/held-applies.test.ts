// A node with its database in a worker answers its own lone writes from applies held during the
// fsync (docs/engine.md, "Applies during the fsync"). The answers and the data must be those of a
// node that applies the usual way, through failures, snapshots and a change listener arriving.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { nodePlatform } from '../../runtimes/node/platform.ts'
import type { AppliedChanges } from '../../src/cluster/database-state-machine.ts'
import type { StatementResult } from '../../src/db/statement-result.ts'
import { platformWith } from '../../src/node/platform.ts'
import { RaftliteNode } from '../../src/node/raftlite-node.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'

const dir = mkdtempSync(join(tmpdir(), 'raftlite-held-'))
const sql = (s: string, ...positional: (string | number)[]) => ({ sql: s, positional, named: null })
let worker: RaftliteNode
let thread: RaftliteNode

beforeAll(async () => {
  const options = { raftAddr: '127.0.0.1:1', httpAddr: '127.0.0.1:2', foreignKeys: true }
  worker = await RaftliteNode.start({ ...options, dataDir: dir, nodeId: 'w' }, nodePlatform())
  thread = await RaftliteNode.start({ ...options, dataDir: '/t', nodeId: 't' }, platformWith(new MemoryFilePort()))
  await Promise.all([worker.ready, thread.ready])
  expect(worker.engineKind).toBe('worker')
  expect(thread.engineKind).toBe('thread')
})

afterAll(async () => {
  await worker.stop()
  await thread.stop()
  rmSync(dir, { recursive: true, force: true })
})

const untimed = (results: StatementResult[]) => results.map((r) => ({ ...r, time: undefined }))

/** Runs the same writes on both nodes, one at a time; their answers must agree. */
async function both(statements: ReturnType<typeof sql>[], options: { transaction?: boolean } = {}): Promise<StatementResult[]> {
  const a = await worker.execute(statements, options)
  const b = await thread.execute(statements, options)
  expect(untimed(a.results), statements.map((s) => s.sql).join('; ')).toEqual(untimed(b.results))
  return a.results
}

test('lone writes answered from held applies agree with a node that applies them the usual way', async () => {
  await both([sql('CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT, n INTEGER)')])
  await both([sql('CREATE TABLE parent (id INTEGER PRIMARY KEY)'), sql('CREATE TABLE child (id INTEGER PRIMARY KEY, p INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)')])
  await both([sql('INSERT INTO parent VALUES (1)')])
  const before = worker.heldApplies!.answered
  for (let i = 0; i < 40; i++) {
    await both([sql('INSERT OR REPLACE INTO kv (k, v, n) VALUES (?, ?, ?)', `k${i % 7}`, `v${i}`, i)])
    await both([sql('UPDATE kv SET n = n + 1 WHERE k = ?', `k${i % 5}`)])
    if (i % 9 === 4) expect(await both([sql('INSERT INTO kv (k) VALUES (?)', 'k1')])).toMatchObject([{ kind: 'error' }]) // UNIQUE
    if (i % 13 === 6) expect(await both([sql('INSERT INTO child VALUES (?, 99)', i)])).toMatchObject([{ kind: 'error', error: expect.stringMatching(/FOREIGN KEY/) }])
    if (i % 10 === 8) await worker.snapshot(0) // a checkpoint between (or around) held applies
  }
  await both([sql('INSERT INTO child VALUES (100, 1)'), sql('DELETE FROM kv WHERE n > 30')], { transaction: true })
  const answered = worker.heldApplies!.answered - before
  // Nearly every one of those ~95 writes was held; a few may not be (a snapshot's hold in the way).
  expect(answered).toBeGreaterThan(60)
  const read = async (node: RaftliteNode) => untimed(await node.query([sql('SELECT * FROM kv ORDER BY k'), sql('SELECT * FROM child ORDER BY id')], { level: 'strong' }))
  expect(await read(worker)).toEqual(await read(thread))
})

test('while someone listens for row changes, writes are applied the usual way and every change is reported', async () => {
  await both([sql('CREATE TABLE cdc (id INTEGER PRIMARY KEY, v TEXT)')])
  const seen: AppliedChanges[] = []
  const stop = worker.stateMachine.onRowChanges((applied) => seen.push(applied))
  const before = { ...worker.heldApplies! }
  try {
    for (let i = 0; i < 10; i++) await both([sql('INSERT INTO cdc (v) VALUES (?)', `c${i}`)])
  } finally {
    stop()
  }
  expect(worker.heldApplies!.answered).toBe(before.answered)
  expect(seen.flatMap((a) => a.changes).filter((c) => c.table === 'cdc')).toHaveLength(10)
  // Without a listener, holding resumes.
  await both([sql('INSERT INTO cdc (v) VALUES (?)', 'after')])
  expect(worker.heldApplies!.answered).toBe(before.answered + 1)
})
