/** The library's change stream (`node.changes()`), and the queue's durability around snapshots. */
import { expect, it } from 'vitest'
import { CDC_DEFAULTS, type CdcConfig } from '../../src/cdc/cdc-config.ts'
import { CdcDisabledError } from '../../src/cdc/cdc-disabled-error.ts'
import { platformWith } from '../../src/node/platform.ts'
import { RaftliteNode } from '../../src/node/raftlite-node.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'

const sql = (s: string) => ({ sql: s, positional: [], named: null })
const streamOnly: CdcConfig = { ...CDC_DEFAULTS, endpoint: { kind: 'none' }, highWatermarkIntervalMs: 3_600_000 }

async function start(files: MemoryFilePort, cdc: CdcConfig | null = streamOnly): Promise<RaftliteNode> {
  const node = await RaftliteNode.start({ dataDir: '/n', nodeId: 'n1', raftAddr: '127.0.0.1:1', httpAddr: '127.0.0.1:2', cdc }, platformWith(files))
  await node.ready
  return node
}

it('for await (const change of node.changes({ since })) follows the database', async () => {
  const node = await start(new MemoryFilePort())
  try {
    await node.execute([sql('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)')])
    const first = await node.execute([sql("INSERT INTO t VALUES (1, 'one')")])
    const seen: unknown[] = []
    const reading = (async () => {
      for await (const change of node.changes({ since: first.raftIndex - 1 })) {
        seen.push(change)
        if (seen.length === 3) break
      }
    })()
    await node.execute([sql("UPDATE t SET v = 'uno' WHERE id = 1")])
    await node.execute([sql('DELETE FROM t WHERE id = 1')])
    await reading
    expect(seen).toMatchObject([
      { index: first.raftIndex, events: [{ op: 'INSERT', table: 't', new_row_id: 1, after: { id: 1, v: 'one' } }] },
      { index: first.raftIndex + 1, events: [{ op: 'UPDATE', old_row_id: 1, new_row_id: 1, before: { v: 'one' }, after: { v: 'uno' } }] },
      { index: first.raftIndex + 2, events: [{ op: 'DELETE', old_row_id: 1, before: { id: 1, v: 'uno' } }] },
    ])
  } finally {
    await node.stop()
  }
})

it('without CDC, changes() says how to turn it on', async () => {
  const node = await start(new MemoryFilePort(), null)
  try {
    await expect(node.changes().next()).rejects.toThrow(CdcDisabledError)
    await expect(node.changes().next()).rejects.toThrow(/start it with -cdc-config/)
    expect(node.cdcStatus()).toBeNull()
  } finally {
    await node.stop()
  }
})

it('a snapshot makes the queue durable first: after power loss the changes it covers are still there', async () => {
  const files = new MemoryFilePort()
  let node = await start(files)
  await node.execute([sql('CREATE TABLE t (v INTEGER)')])
  for (let i = 0; i < 20; i++) await node.execute([sql(`INSERT INTO t VALUES (${i})`)])
  expect(await node.snapshot(0)).toBe(true) // compacts the whole log: no replay can refill the queue
  for (let i = 20; i < 25; i++) await node.execute([sql(`INSERT INTO t VALUES (${i})`)])
  files.crash() // nothing unsynced survives
  node = await start(files)
  try {
    const values: number[] = []
    for await (const change of node.changes({ since: 0 })) {
      values.push(...change.events.map((e) => Number(e.after!.v)))
      if (values.length === 25) break
    }
    expect(values).toEqual(Array.from({ length: 25 }, (_, i) => i))
  } finally {
    await node.stop()
  }
})
