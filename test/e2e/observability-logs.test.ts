// raftlited's log output, from real processes: JSON lines by default when stderr is not a
// terminal, text on request, each level filtering, and the events the issue names (an
// election, a snapshot, a refused request) logged, with nothing on a successful request.
import { expect, test } from 'vitest'
import { execute, waitFor } from '../support/cluster-processes.ts'
import { startRaftlited } from '../support/raftlited-process.ts'
import { FAST_ELECTION } from '../support/cluster-processes.ts'

type Line = { time: string; level: string; subsystem: string; msg: string; [field: string]: unknown }

function jsonLines(stderr: string): Line[] {
  return stderr.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Line)
}

test('default: JSON lines that all parse; an election, a snapshot and refused requests are logged; successful requests are not', async () => {
  const node = await startRaftlited()
  try {
    await waitFor('the leader line', async () => jsonLines(node.stderr()).some((l) => l.msg === 'leader changed'))
    for (let i = 0; i < 20; i++) expect((await execute(node.url, [['CREATE TABLE IF NOT EXISTS t (v)'], ['INSERT INTO t VALUES (?)', i]])).status).toBe(200)
    const quiet = node.stderr()
    expect((await fetch(`${node.url}/no/such/route`)).status).toBe(404)
    expect((await execute(node.url, 'not json')).status).toBe(400)
    // The cluster port too: a malformed RPC is refused, and that is logged with the reason.
    expect((await fetch(`http://${node.raftAddr}/cluster/rpc`, { method: 'POST', body: 'garbage' })).status).toBe(400)
    expect((await fetch(`${node.url}/snapshot`, { method: 'POST' })).status).toBe(200)
    const lines = await waitFor('the snapshot line', async () => {
      const all = jsonLines(node.stderr())
      return all.some((l) => l.msg === 'snapshot taken') && all
    })
    for (const l of lines) {
      expect(Number.isNaN(Date.parse(l.time)), l.time).toBe(false)
      expect(['debug', 'info', 'warn', 'error']).toContain(l.level)
      expect(typeof l.subsystem).toBe('string')
    }
    // The election that made this lone node leader, seen by the cluster layer (raft's own lines
    // are at WARN by default, as rqlite's -raft-log-level).
    expect(lines.find((l) => l.msg === 'leader changed')).toMatchObject({ level: 'info', subsystem: 'cluster', leader: expect.any(String), term: expect.any(Number), self: true })
    expect(lines.filter((l) => l.subsystem === 'raft')).toEqual([])
    expect(lines.find((l) => l.msg.startsWith('raftlited v'))).toMatchObject({ subsystem: 'node', http: node.url })
    // Twenty successful writes wrote nothing.
    expect(jsonLines(quiet).filter((l) => l.subsystem === 'http')).toEqual([])
    const refused = lines.filter((l) => l.msg === 'request refused')
    expect(refused).toEqual([
      expect.objectContaining({ level: 'info', subsystem: 'http', method: 'GET', path: '/no/such/route', status: 404, reason: 'no such route' }),
      expect.objectContaining({ method: 'POST', path: '/db/execute', status: 400, reason: expect.any(String) }),
    ])
    expect(lines.find((l) => l.msg === 'cluster request refused')).toMatchObject({ level: 'info', subsystem: 'cluster', method: 'POST', path: '/cluster/rpc', status: 400, reason: expect.stringMatching(/^bad request: /) })
    const snapshot = lines.find((l) => l.msg === 'snapshot taken')!
    expect(snapshot).toMatchObject({ subsystem: 'snapshot', index: expect.any(Number), bytes: expect.any(Number), ms: expect.any(Number), pauseMs: expect.any(Number) })
    expect(snapshot.index as number).toBeGreaterThanOrEqual(21)
    expect(snapshot.bytes as number).toBeGreaterThan(0)
  } finally {
    expect(await node.stop()).toBe(0)
  }
  const last = jsonLines(node.stderr()).slice(-2).map((l) => l.msg)
  expect(last).toEqual(['received SIGTERM, shutting down', 'node stopped'])
}, 60_000)

test('levels filter: -raft-log-level INFO shows raft lines while -log-level warn hides info elsewhere; text format on request', async () => {
  const node = await startRaftlited({ args: ['-raft-log-level', 'INFO', '-log-level', 'WARN', '-log-format', 'text'] })
  try {
    expect((await fetch(`${node.url}/no/such/route`)).status).toBe(404)
    const lines = await waitFor('the raft lines', async () => {
      const all = node.stderr().split('\n').filter((l) => l !== '')
      return all.some((l) => l.includes('[raft] became leader')) && all
    })
    for (const l of lines) expect(l).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DEBUG|INFO |WARN |ERROR) \[[a-z]+\] /)
    // Text without a terminal has no colour codes.
    expect(node.stderr()).not.toContain('\x1b[')
    expect(lines.filter((l) => / INFO +\[(?!raft)/.test(l))).toEqual([])
    expect(lines.find((l) => l.includes('[raft] became leader'))).toMatch(/ INFO  \[raft\] became leader term=\d+/)
  } finally {
    expect(await node.stop()).toBe(0)
  }
}, 60_000)

test('-log-level OFF and -raft-log-level OFF: silent, yet a fatal error is still said', async () => {
  const node = await startRaftlited({ args: ['-log-level', 'off', '-raft-log-level', 'off'] })
  expect((await fetch(`${node.url}/no/such/route`)).status).toBe(404)
  // A second node on the same data directory cannot start: that is said even at OFF.
  await expect(startRaftlited({ dataDir: node.dataDir, args: ['-log-level', 'off'] })).rejects.toThrow(/\nfatal: cannot start node: .*LOCK is locked/)
  expect(await node.stop()).toBe(0)
  expect(node.stderr()).toBe('')
}, 60_000)

test.each(['deno', 'bun'] as const)('on %s: JSON lines that parse, and /metrics', async (runtime) => {
  const node = await startRaftlited({ runtime })
  try {
    expect((await execute(node.url, [['CREATE TABLE t (v)']])).status).toBe(200)
    expect((await fetch(`${node.url}/nope`)).status).toBe(404)
    const lines = await waitFor('the refused request', async () => {
      const all = jsonLines(node.stderr())
      return all.some((l) => l.msg === 'request refused') && all
    })
    expect(lines.find((l) => l.msg === 'leader changed')).toMatchObject({ subsystem: 'cluster', self: true })
    const metrics = await (await fetch(`${node.url}/metrics`)).text()
    expect(metrics).toMatch(/^raftlite_http_requests_total\{route="execute",method="POST",status="200"\} 1$/m)
    expect(metrics).toMatch(/^raftlite_raft_is_leader 1$/m)
  } finally {
    expect(await node.stop()).toBe(0)
  }
}, 90_000)

test('a follower that needs a snapshot: the leader logs sending it, the follower installing it', async () => {
  const leader = await startRaftlited({ args: ['-node-id', 'one', ...FAST_ELECTION] })
  let follower: Awaited<ReturnType<typeof startRaftlited>> | undefined
  try {
    for (let i = 0; i < 5; i++) expect((await execute(leader.url, [['CREATE TABLE IF NOT EXISTS t (v)'], ['INSERT INTO t VALUES (?)', i]])).status).toBe(200)
    // Compact the whole log away: a joining node can only catch up from the snapshot.
    expect((await fetch(`${leader.url}/snapshot?trailing_logs=0`, { method: 'POST' })).status).toBe(200)
    follower = await startRaftlited({ args: ['-node-id', 'two', '-join', leader.raftAddr, ...FAST_ELECTION] })
    const sent = await waitFor('"snapshot sent"', async () => jsonLines(leader.stderr()).find((l) => l.msg === 'snapshot sent'))
    expect(sent).toMatchObject({ subsystem: 'snapshot', to: 'two', index: expect.any(Number), ms: expect.any(Number) })
    expect(jsonLines(leader.stderr()).find((l) => l.msg === 'sending snapshot to a follower')).toMatchObject({ to: 'two', index: sent.index, offset: 0 })
    const installed = await waitFor('"snapshot installed"', async () => jsonLines(follower!.stderr()).find((l) => l.msg === 'snapshot installed from the leader'))
    expect(installed).toMatchObject({ subsystem: 'snapshot', index: sent.index, bytes: expect.any(Number) })
    expect(await (await fetch(`${follower.url}/metrics`)).text()).toMatch(/^raftlite_snapshots_total\{kind="installed"\} 1$/m)
    expect(jsonLines(leader.stderr()).some((l) => l.msg === 'member added' && l.id === 'two')).toBe(true)
  } finally {
    await follower?.stop()
    await leader.stop()
  }
}, 90_000)
