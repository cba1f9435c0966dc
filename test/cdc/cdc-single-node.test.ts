/**
 * Change data capture on one real raftlited process, delivering to a real receiver process
 * (compat doc §4 and scenario 34).
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CdcReceiver } from '../support/cdc-receiver.ts'
import { execute, waitFor } from '../support/cluster-processes.ts'
import { type RaftlitedProcess, startRaftlited, tempDataDir } from '../support/raftlited-process.ts'

const procs: RaftlitedProcess[] = []
afterAll(async () => {
  for (const p of procs) await p.stop('SIGKILL')
})

async function startWithConfig(config: Record<string, unknown>): Promise<RaftlitedProcess> {
  const file = join(tempDataDir('cdc-config-'), 'cdc.json')
  writeFileSync(file, JSON.stringify(config))
  const proc = await startRaftlited({ args: ['-node-id', '1', '-cdc-config', file] })
  procs.push(proc)
  return proc
}

describe('CDC on a single node', () => {
  it('one INSERT gives exactly the compat doc envelope', async () => {
    const receiver = await CdcReceiver.start()
    const node = await startWithConfig({ endpoint: receiver.url, service_id: 'prod-eu', max_batch_delay: '20ms', high_watermark_interval: 200_000_000 })
    expect((await execute(node.url, ['CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, pic BLOB)'])).status).toBe(200)
    const before = Date.now()
    const res = await execute(node.url, [["INSERT INTO users(id, name, pic) VALUES(7, 'fiona', x'00ff')"]], '?raft_index')
    const raftIndex = JSON.parse(res.text).raft_index as number
    const [got] = await waitFor('the webhook POST', async () => receiver.received().length > 0 && receiver.received())
    expect(got.contentType).toMatch(/^application\/json/)
    const ts = JSON.parse(got.body).payload[0].commit_timestamp as number
    expect(ts).toBeGreaterThanOrEqual(before - 1000)
    expect(ts).toBeLessThanOrEqual(Date.now())
    expect(got.body).toBe(
      `{"service_id":"prod-eu","node_id":"1","payload":[{"index":${raftIndex},"commit_timestamp":${ts},` +
        `"events":[{"op":"INSERT","table":"users","new_row_id":7,"after":{"id":7,"name":"fiona","pic":"AP8="}}]}]}`,
    )
    // An UPDATE and a DELETE: before/after images and both rowids, as rqlite sends them.
    await execute(node.url, [["UPDATE users SET name='declan' WHERE id=7"], ['DELETE FROM users WHERE id=7']])
    const events = await waitFor('the update and delete', async () => {
      const all = receiver.groups().flatMap((g) => g.events)
      return all.length >= 3 && all
    })
    expect(events.slice(1)).toEqual([
      { op: 'UPDATE', table: 'users', old_row_id: 7, new_row_id: 7, before: { id: 7, name: 'fiona', pic: 'AP8=' }, after: { id: 7, name: 'declan', pic: 'AP8=' } },
      { op: 'DELETE', table: 'users', old_row_id: 7, before: { id: 7, name: 'declan', pic: 'AP8=' } },
    ])
    // DDL and entries that change no row produce nothing.
    expect(receiver.groups()).toHaveLength(2)
  }, 60_000)

  it('500 inserts arrive as 500 distinct indexes, in order', async () => {
    const receiver = await CdcReceiver.start()
    const node = await startWithConfig({ endpoint: receiver.url, max_batch_size: 50, max_batch_delay: '10ms' })
    await execute(node.url, ['CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)'])
    const indexes: number[] = []
    // Several writers at once, so entries are applied in groups as they are under load.
    for (let i = 0; i < 500; i += 10) {
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, j) => execute(node.url, [[`INSERT INTO t(v) VALUES('${i + j}')`]], '?raft_index')),
      )
      for (const r of results) indexes.push(JSON.parse(r.text).raft_index as number)
    }
    const groups = await waitFor('500 groups', async () => receiver.groups().length >= 500 && receiver.groups(), 30_000)
    const received = groups.map((g) => g.index)
    expect(new Set(received).size).toBe(500)
    expect(received).toEqual([...received].sort((a, b) => a - b))
    expect(new Set(received)).toEqual(new Set(indexes))
    for (const g of groups) expect(g.events).toHaveLength(1)
  }, 120_000)

  it('retries while the endpoint answers 500, and delivers once it answers 200', async () => {
    const receiver = await CdcReceiver.start()
    await receiver.setStatus(500)
    const node = await startWithConfig({ endpoint: receiver.url, max_batch_delay: '10ms', transmit_min_backoff: '50ms', transmit_max_backoff: '100ms' })
    await execute(node.url, ['CREATE TABLE t (id INTEGER PRIMARY KEY)', 'INSERT INTO t VALUES(1)'])
    await waitFor('failed transmits in /status', async () => {
      const status = JSON.parse(await (await fetch(`${node.url}/status`)).text())
      return status.cdc.transmit_failures >= 2 && status.cdc.queue_depth === 1
    })
    expect(receiver.received()).toHaveLength(0)
    const status = JSON.parse(await (await fetch(`${node.url}/status`)).text())
    expect(status.cdc).toMatchObject({ enabled: true, endpoint: receiver.url, queue_depth: 1, queue_full: false, last_error: 'endpoint answered 500' })
    expect(status.store.cdc).toEqual({ enabled: true, registered: true })
    const vars = JSON.parse(await (await fetch(`${node.url}/debug/vars`)).text())
    expect(vars['cdc.service']).toMatchObject({ enabled: true, queue_depth: 1, dropped_cdc_events: 0 })
    expect(vars['cdc.service'].transmit_failures).toBeGreaterThanOrEqual(2)
    await receiver.setStatus(200)
    const groups = await waitFor('the delivery', async () => receiver.groups().length > 0 && receiver.groups())
    expect(groups.map((g) => g.events)).toEqual([[{ op: 'INSERT', table: 't', new_row_id: 1, after: { id: 1 } }]])
    // The mark is replicated through the log: the queue empties.
    await waitFor('the high-water mark', async () => {
      const status = JSON.parse(await (await fetch(`${node.url}/status`)).text())
      return status.cdc.queue_depth === 0 && status.cdc.high_watermark === groups[0].index
    })
  }, 60_000)

  it('refuses a bad config and a non-voter with clear errors', async () => {
    const file = join(tempDataDir('cdc-config-'), 'cdc.json')
    writeFileSync(file, JSON.stringify({ endpoint: 'http://127.0.0.1:1/hook', max_batch_delay: 'soon' }))
    await expect(startRaftlited({ args: ['-cdc-config', file] })).rejects.toThrow(/invalid CDC config: "max_batch_delay": time: invalid duration "soon"/)
    await expect(startRaftlited({ args: ['-cdc-config', 'stdout', '-raft-non-voter', '-join', '127.0.0.1:1'] })).rejects.toThrow(/cannot enable CDC on non-voting node/)
    await expect(startRaftlited({ args: ['-cdc-config', join(tempDataDir(), 'missing.json')] })).rejects.toThrow(/cannot read .*missing\.json/)
  }, 60_000)

  it('stdout prints each envelope on its own line', async () => {
    const node = await startRaftlited({ args: ['-node-id', '1', '-cdc-config', 'stdout'] })
    procs.push(node)
    await execute(node.url, ['CREATE TABLE t (id INTEGER PRIMARY KEY)', 'INSERT INTO t VALUES(5)'])
    const line = await waitFor('the envelope on stdout', async () => node.stderr().split('\n').find((l) => l.startsWith('{"node_id"')))
    expect(JSON.parse(line)).toMatchObject({ node_id: '1', payload: [{ events: [{ op: 'INSERT', table: 't', new_row_id: 5, after: { id: 5 } }] }] })
  }, 60_000)
})
