// /metrics from real processes, read with a Prometheus text-format parser: counters move under
// load, Raft gauges follow the log, a leader reports each follower's lag, a follower counts the
// requests it forwards; and the OTLP push reaches a receiver process that checks its shape.
import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import parsePrometheusTextFormat, { type ParsedFamily } from 'parse-prometheus-text-format'
import { afterAll, expect, test } from 'vitest'
import { FAST_ELECTION, execute, leaderOf, waitFor, settledLeader } from '../support/cluster-processes.ts'
import { freePort } from '../support/free-port.ts'
import { ROOT, startRaftlited } from '../support/raftlited-process.ts'

type Scrape = Map<string, ParsedFamily> & { text: string }

async function scrape(url: string): Promise<Scrape> {
  const res = await fetch(`${url}/metrics`)
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
  const text = await res.text()
  return Object.assign(new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f])), { text })
}

/** The value of the sample whose labels include `labels` (0 when absent). */
function value(families: Map<string, ParsedFamily>, name: string, labels: Record<string, string> = {}): number {
  const sample = families.get(name)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))
  return Number(sample?.value ?? 0)
}

/**
 * A histogram's observations over all its label sets. Read from the `_count` lines: the parser
 * merges the series of a labelled histogram into one (a limitation of that library).
 */
function histogramCount(scraped: Scrape, name: string): number {
  expect(scraped.get(name)?.type).toBe('HISTOGRAM')
  const lines = [...scraped.text.matchAll(new RegExp(`^${name}_count(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))]
  return lines.reduce((n, m) => n + Number(m[1]), 0)
}

test('one node: request counters, latency histograms, Raft indexes, fsync timings and sizes move under load', async () => {
  const node = await startRaftlited()
  try {
    await execute(node.url, [['CREATE TABLE t (v TEXT)']])
    const before = await scrape(node.url)
    const N = 60
    for (let i = 0; i < N; i++) expect((await execute(node.url, [['INSERT INTO t VALUES (?)', 'x'.repeat(100)]])).status).toBe(200)
    expect((await fetch(`${node.url}/db/query?q=SELECT%20count(*)%20FROM%20t`)).status).toBe(200)
    expect((await fetch(`${node.url}/nope`)).status).toBe(404)
    const after = await scrape(node.url)

    const ok = { route: 'execute', method: 'POST', status: '200' }
    expect(value(after, 'raftlite_http_requests_total', ok) - value(before, 'raftlite_http_requests_total', ok)).toBe(N)
    expect(value(after, 'raftlite_http_requests_total', { route: 'query', status: '200' })).toBe(1)
    expect(value(after, 'raftlite_http_requests_total', { route: 'other', status: '404' })).toBe(1)
    expect(after.get('raftlite_http_request_duration_seconds')?.type).toBe('HISTOGRAM')
    expect(histogramCount(after, 'raftlite_http_request_duration_seconds') - histogramCount(before, 'raftlite_http_request_duration_seconds')).toBeGreaterThanOrEqual(N + 2)
    expect(value(after, 'raftlite_raft_applied_index') - value(before, 'raftlite_raft_applied_index')).toBeGreaterThanOrEqual(N)
    expect(value(after, 'raftlite_raft_commit_index')).toBe(value(after, 'raftlite_raft_applied_index'))
    expect(value(after, 'raftlite_raft_last_log_index')).toBeGreaterThanOrEqual(value(after, 'raftlite_raft_commit_index'))
    expect(value(after, 'raftlite_raft_term')).toBeGreaterThanOrEqual(1)
    expect(value(after, 'raftlite_raft_is_leader')).toBe(1)
    expect(value(after, 'raftlite_raft_leader_changes_total')).toBeGreaterThanOrEqual(1)
    // Every write needs the log on disk first: at least one fsync per write that went alone.
    expect(histogramCount(after, 'raftlite_log_fsync_duration_seconds') - histogramCount(before, 'raftlite_log_fsync_duration_seconds')).toBeGreaterThanOrEqual(1)
    expect(value(after, 'raftlite_raft_log_size_bytes')).toBeGreaterThan(value(before, 'raftlite_raft_log_size_bytes'))
    expect(value(after, 'raftlite_db_size_bytes') + value(after, 'raftlite_db_wal_size_bytes')).toBeGreaterThan(0)
    expect(value(after, 'raftlite_write_queue_depth')).toBe(0)
    expect(after.get('raftlite_raft_follower_lag_entries')?.metrics ?? []).toEqual([])

    expect(value(after, 'raftlite_snapshot_size_bytes')).toBe(0)
    expect((await fetch(`${node.url}/snapshot`, { method: 'POST' })).status).toBe(200)
    const snapped = await scrape(node.url)
    expect(value(snapped, 'raftlite_snapshots_total', { kind: 'taken' })).toBe(1)
    expect(value(snapped, 'raftlite_snapshot_size_bytes')).toBeGreaterThan(0)
    expect(value(snapped, 'raftlite_snapshot_last_index')).toBeGreaterThanOrEqual(N)
  } finally {
    await node.stop()
  }
}, 60_000)

test('-metrics=false: no /metrics (404), the API otherwise unchanged', async () => {
  const node = await startRaftlited({ args: ['-metrics=false'] })
  try {
    expect((await fetch(`${node.url}/metrics`)).status).toBe(404)
    expect((await execute(node.url, [['CREATE TABLE t (v)']])).status).toBe(200)
  } finally {
    await node.stop()
  }
}, 60_000)

test('three nodes: the leader reports each follower\'s lag; a follower counts what it forwards; leader changes count', async () => {
  // One join at a time (a founder can lose its leadership for a moment on a loaded machine
  // while two nodes join at once, and a join sent then is refused).
  const first = await startRaftlited({ args: ['-node-id', '1', ...FAST_ELECTION] })
  const nodes = [first]
  for (const id of ['2', '3']) nodes.push(await startRaftlited({ args: ['-node-id', id, ...FAST_ELECTION, '-join', first.raftAddr, '-join-attempts', '30', '-join-interval', '500ms'] }))
  try {
    const leader = await settledLeader(nodes)
    const followers = nodes.filter((n) => n !== leader)
    await execute(leader.url, [['CREATE TABLE t (v)']])
    const lag = await waitFor('lag series for both followers', async () => {
      const m = await scrape(leader.url)
      const series = m.get('raftlite_raft_follower_lag_entries')?.metrics ?? []
      return series.length === 2 && series
    })
    const idOf = async (n: typeof leader) => JSON.parse(await (await fetch(`${n.url}/status`)).text()).store.node_id as string
    expect(lag.map((s) => s.labels?.follower).sort()).toEqual(await Promise.all(followers.map(idOf)).then((ids) => ids.sort()))
    for (const s of lag) expect(Number(s.value)).toBeGreaterThanOrEqual(0)
    // The joins were logged as membership changes, each naming the node.
    for (const id of await Promise.all(followers.map(idOf))) {
      await waitFor(`"member added" for ${id}`, async () => leader.stderr().split('\n').some((l) => l.includes('"msg":"member added"') && l.includes(`"id":"${id}"`)))
    }
    // A follower serves no lag (only the leader tracks its followers).
    expect((await scrape(followers[0].url)).get('raftlite_raft_follower_lag_entries')?.metrics ?? []).toEqual([])

    for (let i = 0; i < 5; i++) expect((await execute(followers[0].url, [['INSERT INTO t VALUES (?)', i]])).status).toBe(200)
    const forwarded = await scrape(followers[0].url)
    expect(value(forwarded, 'raftlite_forwarded_requests_total', { op: 'execute', outcome: 'ok' })).toBe(5)
    expect(value(forwarded, 'raftlite_raft_is_leader')).toBe(0)

    const changesBefore = value(await scrape(followers[1].url), 'raftlite_raft_leader_changes_total')
    expect((await fetch(`${leader.url}/leader`, { method: 'POST' })).status).toBe(200)
    await waitFor('a new leader seen by the other follower', async () => value(await scrape(followers[1].url), 'raftlite_raft_leader_changes_total') > changesBefore)
    const newLeader = await waitFor('a new leader', async () => {
      const l = await leaderOf(nodes)
      return l !== leader && l
    })
    // ... and logged on every node that saw it.
    const newLeaderId = await idOf(newLeader)
    await waitFor('the change in the log', async () => followers[1].stderr().split('\n').some((l) => l.includes('"msg":"leader changed"') && l.includes(`"leader":"${newLeaderId}"`)))
  } finally {
    await Promise.all(nodes.map((n) => n.stop()))
  }
}, 120_000)

const receivers = new Set<ChildProcess>()
afterAll(() => {
  for (const r of receivers) r.kill('SIGKILL')
})

async function startReceiver(): Promise<{ url: string; stop(): void }> {
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/support/otlp-receiver.ts'), String(port)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
  receivers.add(child)
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the OTLP receiver exited (${code})`)))
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('listening') && resolve())
  })
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') }
}

test('OTLP: metrics pushed to a receiver process, which finds them well formed and naming the node', async () => {
  const receiver = await startReceiver()
  const node = await startRaftlited({ args: ['-node-id', 'otlp-node', '-otlp-endpoint', `${receiver.url}/v1/metrics`, '-otlp-interval', '200ms'] })
  try {
    await execute(node.url, [['CREATE TABLE t (v)']])
    const countsTheWrite = (payload: any) =>
      payload.resourceMetrics[0].scopeMetrics[0].metrics
        .find((m: any) => m.name === 'raftlite_http_requests_total')
        ?.sum.dataPoints.some((p: any) => p.asDouble >= 1 && p.attributes.some((a: any) => a.key === 'route' && a.value.stringValue === 'execute'))
    // Pushes began before the write: wait for one made after it (and at least two in all).
    const payload = await waitFor('a push counting the write', async () => {
      const got = (await (await fetch(`${receiver.url}/received`)).json()) as any[]
      return got.length >= 2 && got.find(countsTheWrite)
    }, 30_000)
    expect(await (await fetch(`${receiver.url}/rejected`)).json()).toEqual([])
    const rm = payload.resourceMetrics[0]
    const attrs = Object.fromEntries(rm.resource.attributes.map((a: any) => [a.key, a.value.stringValue]))
    expect(attrs).toMatchObject({ 'service.name': 'raftlite', 'service.instance.id': 'otlp-node', 'raftlite.node.api_addr': node.httpAddr, 'raftlite.node.raft_addr': node.raftAddr })
    const names = rm.scopeMetrics[0].metrics.map((m: any) => m.name)
    expect(names).toEqual(expect.arrayContaining(['raftlite_http_requests_total', 'raftlite_raft_term', 'raftlite_log_fsync_duration_seconds']))
  } finally {
    await node.stop()
    receiver.stop()
  }
}, 60_000)

test('OTLP: a collector that is down or refuses costs one warning, and the node serves on', async () => {
  const receiver = await startReceiver()
  // A wrong path: the receiver answers 404; then a port nobody listens on.
  for (const endpoint of [`${receiver.url}/v1/wrong`, `http://127.0.0.1:${await freePort()}/v1/metrics`]) {
    const node = await startRaftlited({ args: ['-otlp-endpoint', endpoint, '-otlp-interval', '100ms'] })
    try {
      const failed = () => node.stderr().split('\n').filter((l) => l.includes('metrics push to the collector failed'))
      // The first failed push is waited for (a loaded machine may not have made it in a second);
      // then ten more intervals, in which a second warning would show.
      await waitFor('the first failed push', async () => failed().length > 0)
      await new Promise((r) => setTimeout(r, 1000))
      expect((await execute(node.url, [['CREATE TABLE t (v)']])).status).toBe(200)
      const warnings = failed()
      expect(warnings).toHaveLength(1)
      expect(JSON.parse(warnings[0])).toMatchObject({ level: 'warn', subsystem: 'metrics', url: endpoint, error: expect.any(String) })
    } finally {
      expect(await node.stop()).toBe(0)
    }
  }
  receiver.stop()
}, 60_000)
