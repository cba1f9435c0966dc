// raftlite keeps its queued-write ledger in `_raftlite_queue`. A client table, temporary table,
// view or trigger of that name, or a client write to it, made every queued batch fail on every
// node, and the queue retried the same batch forever (found in review). Such names are refused.
import { afterAll, beforeAll, expect, test } from 'vitest'
import { startTestNode, type TestNode } from '../cluster/in-process-cluster.ts'

let n: TestNode
beforeAll(async () => {
  n = await startTestNode('n1', { writeQueueTimeoutMs: 50 })
  await n.node.ready
}, 30_000)
afterAll(async () => {
  await n.stop()
})

const exec = async (sql: string[], query = '') =>
  (await fetch(`${n.url}/db/execute${query}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(sql) })).text()

const count = async (sql: string) => {
  const res = await fetch(`${n.url}/db/query?q=${encodeURIComponent(sql)}`)
  return (await res.json()).results[0].values[0][0] as number
}

test('client SQL may not create, change or write anything named _raftlite_…', async () => {
  expect(await exec(['CREATE TABLE t (x)'])).not.toMatch(/error/)
  for (const sql of [
    'CREATE TABLE _raftlite_queue (a)',
    'CREATE TABLE main._RAFTLITE_other (a)',
    'CREATE TEMP TABLE _raftlite_queue (a)',
    'CREATE VIEW _raftlite_queue AS SELECT 1',
    'CREATE TEMP VIEW _raftlite_v AS SELECT 1',
  ]) {
    expect(await exec([sql]), sql).toMatch(/reserved for raftlite/)
  }
  // The ledger exists once a queued batch was applied; then it may be read but not written.
  await exec(['INSERT INTO t VALUES (0)'], '?queue&wait')
  expect(await count('SELECT count(*) FROM _raftlite_queue')).toBe(1)
  for (const sql of [
    "INSERT INTO _raftlite_queue VALUES ('x', 1, 1)",
    'UPDATE _raftlite_queue SET sequence = 0',
    'DELETE FROM _raftlite_queue',
    'DROP TABLE _raftlite_queue',
    'ALTER TABLE _raftlite_queue ADD COLUMN b',
    'CREATE INDEX i ON _raftlite_queue (seen_ms)',
    'CREATE TRIGGER tr BEFORE INSERT ON _raftlite_queue BEGIN SELECT RAISE(ABORT, 1); END',
  ]) {
    expect(await exec([sql]), sql).toMatch(/reserved for raftlite/)
  }
  // A trigger on a client table that writes the ledger is refused when it would fire.
  expect(await exec(['CREATE TRIGGER sneaky AFTER INSERT ON t BEGIN DELETE FROM _raftlite_queue; END'])).not.toMatch(/error/)
  expect(await exec(['INSERT INTO t VALUES (-1)'])).toMatch(/reserved for raftlite/)
  expect(await exec(['DROP TRIGGER sneaky'])).not.toMatch(/error/)
})

test('queued writes keep landing after a client tried to take the ledger', async () => {
  await exec(['CREATE TABLE _raftlite_queue_x (a)'])
  await exec(['INSERT INTO t VALUES (1)'], '?queue')
  await exec(['INSERT INTO t VALUES (2)'], '?queue')
  const deadline = Date.now() + 5_000
  let got = -1
  while (Date.now() < deadline && got !== 2) {
    await new Promise((r) => setTimeout(r, 100))
    got = await count('SELECT count(*) FROM t WHERE x > 0')
  }
  expect(got).toBe(2)
})
