// A dead endpoint cannot grow the queue without bound: the oldest undelivered changes are dropped,
// counted, and said so in /status and the log; the endpoint coming back gets the rest.
import { createServer } from 'node:http'
import { expect, it } from 'vitest'
import { CDC_DEFAULTS } from '../../src/cdc/cdc-config.ts'
import { Logger, type LogRecord } from '../../src/observe/logger.ts'
import { platformWith } from '../../src/node/platform.ts'
import { RaftliteNode } from '../../src/node/raftlite-node.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'
import { freePort } from '../support/free-port.ts'
import { waitFor } from '../support/cluster-processes.ts'

const sql = (s: string) => ({ sql: s, positional: [], named: null })

it('drops the oldest undelivered changes beyond the capacity, loudly, then delivers the rest', async () => {
  const port = await freePort() // nobody listens yet: connections are refused
  const records: LogRecord[] = []
  const logger = new Logger({ sink: { write: (r) => records.push(r) }, level: 'info' })
  const cdc = { ...CDC_DEFAULTS, endpoint: { kind: 'http' as const, url: `http://127.0.0.1:${port}/hook` }, queueCapacity: 5, maxBatchDelayMs: 0, transmitMinBackoffMs: 20, transmitMaxBackoffMs: 50, highWatermarkIntervalMs: 50 }
  const node = await RaftliteNode.start({ dataDir: '/q', nodeId: 'q1', raftAddr: '127.0.0.1:1', httpAddr: '127.0.0.1:2', cdc }, platformWith(new MemoryFilePort(), { logger }))
  const bodies: string[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (d) => (body += d))
    req.on('end', () => {
      bodies.push(body)
      res.writeHead(202).end()
    })
  })
  try {
    await node.ready
    await node.execute([sql('CREATE TABLE t (v INTEGER)')])
    for (let i = 0; i < 12; i++) await node.execute([sql(`INSERT INTO t VALUES (${i})`)])
    const status = node.cdcStatus()!
    expect(status).toMatchObject({ queue_full: true, queue_depth: 5, dropped_events: 7, queue_capacity: 5 })
    expect(String(status.last_error)).not.toBe('')
    const full = records.filter((r) => r.subsystem === 'cdc' && r.level === 'error' && r.msg.startsWith('CDC queue full'))
    expect(full).toHaveLength(1) // once per episode, not once per drop
    expect(full[0].fields).toMatchObject({ capacity: 5 })
    // The endpoint comes up (202 counts as delivered): the five kept arrive, in order.
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r))
    const values = await waitFor('the kept changes delivered', async () => {
      const v = bodies.flatMap((b) => (JSON.parse(b).payload as { events: { after: { v: number } }[] }[]).flatMap((g) => g.events.map((e) => e.after.v)))
      return v.length >= 5 && v
    })
    expect(values).toEqual([7, 8, 9, 10, 11])
    await waitFor('the queue drained', async () => node.cdcStatus()!.queue_depth === 0 && node.cdcStatus()!.queue_full === false)
    expect(records.some((r) => r.subsystem === 'cdc' && r.msg === 'CDC queue has room again')).toBe(true)
  } finally {
    await node.stop()
    server.close()
  }
})
