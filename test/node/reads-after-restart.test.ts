// A restarted node is its last snapshot plus a replay of its log. Until the replay has applied
// what was committed before the stop, its database is older than what it already served: a read
// then must wait for it, not answer from the older database (the edge answered "no such table"
// for a table it had served a moment before its restart).
import { expect, test } from 'vitest'
import { platformWith } from '../../src/node/platform.ts'
import { RaftliteNode } from '../../src/node/raftlite-node.ts'
import type { StatementResult } from '../../src/db/statement-result.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'

const sql = (s: string) => ({ sql: s, positional: [], named: null })
/** A lone result's rows, or its error (so a failure says what the read answered). */
const answer = (r: StatementResult[]) => (r[0].kind === 'rows' ? r[0].rows.rows.map((row) => row.map(Number)) : r[0].kind === 'error' ? r[0].error : r[0].kind)
const options = { raftAddr: '127.0.0.1:1', httpAddr: '127.0.0.1:2', dataDir: '/r', nodeId: 'r' }

test('reads right after a restart see every write the node had applied before it', async () => {
  const files = new MemoryFilePort()
  let node = await RaftliteNode.start(options, platformWith(files))
  await node.ready
  await node.execute([sql('CREATE TABLE t (v INTEGER)')], {})
  for (let i = 1; i <= 200; i++) await node.execute([sql(`INSERT INTO t VALUES (${i})`)], {})
  const before = await node.query([sql('SELECT count(*), sum(v) FROM t')], { level: 'none' })
  expect(answer(before)).toEqual([[200, 20_100]])
  await node.stop()

  node = await RaftliteNode.start(options, platformWith(files))
  try {
    // Asked at once, before `ready` (before the node even leads itself again): only `none` is
    // served by a node without a leader.
    const reads = await Promise.all([1, 2, 3].map(() => node.query([sql('SELECT count(*), sum(v) FROM t')], { level: 'none' })))
    for (const r of reads) expect(answer(r)).toEqual([[200, 20_100]])
    await node.ready
    expect(answer(await node.query([sql('SELECT count(*), sum(v) FROM t')], { level: 'weak' }))).toEqual([[200, 20_100]])
  } finally {
    await node.stop()
  }
})
