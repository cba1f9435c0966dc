// Node events as log lines and metrics, in process: an fsync stall is warned of and timed; a
// normal fsync is timed and not logged; the leader's election and a snapshot are logged.
import { afterEach, expect, test } from 'vitest'
import type { FileHandle, OpenOptions } from '../../src/ports/file-port.ts'
import { Logger, MemoryLogSink } from '../../src/observe/logger.ts'
import type { HistogramSample, Sample } from '../../src/observe/metrics.ts'
import { RaftliteNode } from '../../src/node/raftlite-node.ts'
import { platformWith } from '../../src/node/platform.ts'
import { DelegatingFilePort } from '../../src/storage/delegating-file-port.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'

/** A disk whose fsyncs of the Raft log take `stallMs` (on a clock that jumps, not in real time) while `stalling`. */
class StallingFilePort extends DelegatingFilePort {
  stalling = false
  skew = 0
  override open(path: string, options: OpenOptions): FileHandle {
    const h = this.inner.open(path, options)
    const stall = () => {
      if (this.stalling && path.includes('/raft/')) this.skew += 700
    }
    return {
      read: (t, p) => h.read(t, p),
      write: (s, p) => h.write(s, p),
      truncate: (n) => h.truncate(n),
      modifiedAt: () => h.modifiedAt(),
      size: () => h.size(),
      close: () => h.close(),
      sync: () => {
        stall()
        h.sync()
      },
      syncAsync: async () => {
        stall()
        await (h.syncAsync ? h.syncAsync() : h.sync())
      },
    }
  }
}

let node: RaftliteNode | undefined
afterEach(() => node?.stop())

test('a slow fsync of the log is logged as a stall and lands in the fsync histogram; a fast one is only timed', async () => {
  const sink = new MemoryLogSink()
  const files = new StallingFilePort(new MemoryFilePort())
  const clock = { now: () => Date.now(), monotonic: () => performance.now() + files.skew }
  node = await RaftliteNode.start({ dataDir: '/d' }, platformWith(files, { clock, logger: new Logger({ sink }) }))
  await node.ready
  await node.execute([{ sql: 'CREATE TABLE t (v)', positional: [], named: null }])
  expect(sink.records.filter((r) => r.subsystem === 'store')).toEqual([])
  const timed = () => node!.metrics.registry.collect().find((f) => f.name === 'raftlite_log_fsync_duration_seconds')!.samples[0] as HistogramSample
  const before = timed().count
  expect(before).toBeGreaterThan(0)

  files.stalling = true
  await node.execute([{ sql: 'INSERT INTO t VALUES (1)', positional: [], named: null }])
  files.stalling = false
  const stalls = sink.records.filter((r) => r.msg.startsWith('fsync stall'))
  expect(stalls.length).toBeGreaterThanOrEqual(1)
  expect(stalls[0]).toMatchObject({ level: 'warn', subsystem: 'store', fields: { ms: expect.any(Number) } })
  expect(stalls[0].fields!.ms as number).toBeGreaterThanOrEqual(700)
  const after = timed()
  expect(after.count).toBeGreaterThan(before)
  // 0.7 s lands in the 1 s bucket (bounds …, 0.5, 1, …).
  expect(after.counts[12]).toBeGreaterThanOrEqual(1)
})

test('the election of a lone node and a snapshot are logged, with the snapshot\'s size, duration and pause', async () => {
  const sink = new MemoryLogSink()
  node = await RaftliteNode.start({ dataDir: '/d' }, platformWith(new MemoryFilePort(), { logger: new Logger({ sink, levels: { raft: 'info' } }) }))
  await node.ready
  await node.execute([{ sql: 'CREATE TABLE t (v)', positional: [], named: null }, { sql: 'INSERT INTO t VALUES (1)', positional: [], named: null }])
  expect(await node.snapshot()).toBe(true)
  const lines = sink.records.map((r) => `${r.subsystem}:${r.level}:${r.msg}`)
  expect(lines).toEqual(expect.arrayContaining(['raft:info:became leader', 'cluster:info:leader changed', 'snapshot:info:snapshot taken']))
  expect(lines.indexOf('raft:info:became leader')).toBeLessThan(lines.indexOf('snapshot:info:snapshot taken'))
  const snap = sink.records.find((r) => r.msg === 'snapshot taken')!
  expect(snap.fields).toEqual({ index: node.lastSnapshotIndex, bytes: node.database.fileSize(), ms: expect.any(Number), pauseMs: expect.any(Number) })
  expect(snap.fields!.pauseMs as number).toBeLessThanOrEqual(snap.fields!.ms as number)
  const counted = node.metrics.registry.collect().find((f) => f.name === 'raftlite_snapshots_total')!.samples
  expect(counted).toEqual([{ labels: { kind: 'taken' }, value: 1 }])
})

test('with change data capture on, /metrics shows its queue depth, which grows while nothing takes the events', async () => {
  const { loadCdcConfig } = await import('../../src/cdc/cdc-config.ts')
  const files = new MemoryFilePort()
  // A webhook nobody listens on: the events stay queued.
  node = await RaftliteNode.start({ dataDir: '/d', cdc: loadCdcConfig('http://127.0.0.1:9/changes', files) }, platformWith(files))
  await node.ready
  const depth = () => (node!.metrics.registry.collect().find((f) => f.name === 'raftlite_cdc_queue_depth')?.samples[0] as Sample | undefined)?.value
  expect(depth()).toBe(0)
  await node.execute([{ sql: 'CREATE TABLE t (v)', positional: [], named: null }])
  await node.execute([{ sql: 'INSERT INTO t VALUES (1)', positional: [], named: null }, { sql: 'INSERT INTO t VALUES (2)', positional: [], named: null }])
  await expect.poll(depth, { timeout: 10_000 }).toBeGreaterThanOrEqual(1)
  expect(node.metrics.registry.collect().map((f) => f.name)).toContain('raftlite_cdc_dropped_events')
})

test('without change data capture, no CDC metrics', async () => {
  node = await RaftliteNode.start({ dataDir: '/d' }, platformWith(new MemoryFilePort()))
  await node.ready
  expect(node.metrics.registry.collect().some((f) => f.name.startsWith('raftlite_cdc_'))).toBe(false)
})
