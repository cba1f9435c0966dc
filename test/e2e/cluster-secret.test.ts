// With -cluster-secret-file, the Raft port accepts only members: a process without the secret
// cannot join, send a Raft message, open a Raft stream, stream a snapshot or call a cluster RPC,
// and a signed request can be neither replayed nor altered.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { WebSocket } from 'ws'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { ClusterAuth, signedFetch } from '../../src/cluster/cluster-auth.ts'
import { SNAPSHOT_HEADER, encodeWire, toBase64 } from '../../src/cluster/wire.ts'
import { cryptoRandom } from '../../src/ports/random.ts'
import { systemClock } from '../../src/ports/clock.ts'
import { type RaftlitedProcess, startRaftlited, tempDataDir } from '../support/raftlited-process.ts'
import { FAST_ELECTION, execute, queryText, waitFor } from '../support/cluster-processes.ts'

const SECRET = 'correct horse battery staple, 2026'
let leader: RaftlitedProcess
let follower: RaftlitedProcess
const procs: RaftlitedProcess[] = []

function secretFile(secret: string): string {
  const path = join(tempDataDir('raftlite-secret-'), 'cluster.secret')
  writeFileSync(path, `${secret}\n`)
  return path
}

beforeAll(async () => {
  const file = secretFile(SECRET)
  leader = await startRaftlited({ args: ['-node-id', '1', '-cluster-secret-file', file, ...FAST_ELECTION] })
  procs.push(leader)
  follower = await startRaftlited({ args: ['-node-id', '2', '-cluster-secret-file', file, '-join', leader.raftAddr, ...FAST_ELECTION] })
  procs.push(follower)
}, 60_000)

afterAll(async () => {
  for (const p of procs) await p.stop('SIGKILL')
})

const COUNT = (n: number) => `{"results":[{"columns":["count(*)"],"types":["integer"],"values":[[${n}]]}]}`

test('members with the secret form a cluster, replicate (over signed Raft streams) and forward', async () => {
  expect(leader.stderr()).not.toContain('no cluster secret')
  expect((await execute(leader.url, ['CREATE TABLE t (v)', 'INSERT INTO t VALUES (1)'])).status).toBe(200)
  const forwarded = await execute(follower.url, ['INSERT INTO t VALUES (2)'])
  expect(forwarded.status).toBe(200)
  expect(forwarded.headers.get('x-rqlite-served-by')).toBe(leader.raftAddr)
  await waitFor('the follower to apply both rows', async () => (await queryText(follower.url, 'SELECT count(*) FROM t', '&level=none')) === COUNT(2))
  const vars = JSON.parse(await (await fetch(`${leader.url}/debug/vars`)).text())
  expect(vars.cluster.raft_streams_opened).toBeGreaterThan(0)
  const nodes = JSON.parse(await (await fetch(`${leader.url}/nodes`)).text())
  expect(nodes['2'].reachable).toBe(true)
})

test('a node without the secret, or with another, cannot join', async () => {
  for (const args of [[], ['-cluster-secret-file', secretFile('another secret of enough length')]]) {
    const outcome = await startRaftlited({ args: ['-node-id', '9', '-join', leader.raftAddr, '-join-attempts', '1', ...args, ...FAST_ELECTION] }).then(
      (p) => (procs.push(p), 'joined'),
      (e: unknown) => String(e),
    )
    expect(outcome).toMatch(/HTTP 401: cluster authentication failed: (no cluster credentials|bad signature)/)
  }
  expect(Object.keys(JSON.parse(await (await fetch(`${leader.url}/nodes`)).text())).sort()).toEqual(['1', '2'])
}, 60_000)

const term = async () => JSON.parse(await (await fetch(`${leader.url}/status`)).text()).store.raft.term as number

test('unsigned Raft messages, RPCs and snapshot streams are refused with 401 and change nothing', async () => {
  const termBefore = await term()
  const post = async (path: string, body: Uint8Array, headers: Record<string, string> = {}) => {
    const res = await fetch(`http://${leader.raftAddr}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/cbor', ...headers }, body: body as Uint8Array<ArrayBuffer> })
    return { status: res.status, text: await res.text() }
  }
  // A vote request from a far higher term would depose the leader if it were stepped.
  const vote = [{ type: 'vote', from: '2', to: '1', term: termBefore + 100, index: 1_000_000, logTerm: termBefore + 100, transfer: true }]
  const raft = await post('/raft/messages', encodeWire(vote))
  expect(raft).toEqual({ status: 401, text: 'cluster authentication failed: no cluster credentials (is the cluster secret set on this node and not on the sender?)\n' })

  const rpc = await post('/cluster/rpc', encodeWire({ op: 'execute', statements: [{ sql: 'INSERT INTO t VALUES (666)', positional: [], named: null }], transaction: false, timeoutMs: 0 }))
  expect(rpc.status).toBe(401)
  const join = await post('/cluster/rpc', encodeWire({ op: 'join', id: 'evil', raftAddr: '127.0.0.1:1', apiAddr: '127.0.0.1:2', voter: true }))
  expect(join.status).toBe(401)

  const snapshotHeader = toBase64(encodeWire({ message: { type: 'snapshot', from: '2', to: '1', term: termBefore + 1 }, members: [], offset: 0 }))
  const snapshot = await post('/raft/snapshot', new Uint8Array(1024), { 'Content-Type': 'application/octet-stream', [SNAPSHOT_HEADER]: snapshotHeader })
  expect(snapshot.status).toBe(401)
  expect((await fetch(`http://${leader.raftAddr}/raft/snapshot/offset?index=1&term=1`)).status).toBe(401)
  expect((await fetch(`http://${leader.raftAddr}/cluster/meta`)).status).toBe(401)

  // A WebSocket upgrade without a token is refused before it opens.
  const ws = new WebSocket(`ws://${leader.raftAddr}/raft/stream?from=${encodeURIComponent(`evil@127.0.0.1:1`)}`)
  const wsOutcome = await new Promise<string>((resolve) => {
    ws.on('open', () => resolve('open'))
    ws.on('unexpected-response', (_req, res) => resolve(`HTTP ${res.statusCode}`))
    ws.on('error', (e) => resolve(`error ${e.message}`))
  })
  ws.terminate()
  expect(wsOutcome).toBe('HTTP 401')

  expect(await term()).toBe(termBefore)
  expect(await queryText(leader.url, 'SELECT count(*) FROM t')).toBe(COUNT(2))
  await waitFor('the refusals to be reported', async () => leader.stderr().includes('refused a request to the cluster port'))
})

test('a signed request cannot be replayed, and a signed body cannot be swapped', async () => {
  const auth = new ClusterAuth(SECRET, systemClock, cryptoRandom)
  const sent: { url: string; init: RequestInit }[] = []
  const capture = signedFetch(auth, async (input, init) => {
    sent.push({ url: String(input), init: init! })
    return new Response(null)
  })
  const meta = encodeWire({ op: 'meta' })
  await capture(`http://${leader.raftAddr}/cluster/rpc`, { method: 'POST', headers: { 'Content-Type': 'application/cbor' }, body: meta as Uint8Array<ArrayBuffer> })
  const { url, init } = sent[0]
  const first = await fetch(url, init)
  expect(first.status).toBe(200)
  await first.arrayBuffer()
  const replay = await fetch(url, init)
  expect(replay.status).toBe(401)
  expect(await replay.text()).toBe('cluster authentication failed: replayed request\n')

  await capture(`http://${leader.raftAddr}/cluster/rpc`, { method: 'POST', body: meta as Uint8Array<ArrayBuffer> })
  const swapped = encodeWire({ op: 'execute', statements: [{ sql: 'INSERT INTO t VALUES (666)', positional: [], named: null }], transaction: false, timeoutMs: 0 })
  const tampered = await fetch(sent[1].url, { ...sent[1].init, body: swapped as Uint8Array<ArrayBuffer> })
  expect(tampered.status).toBe(400)
  expect(await tampered.text()).toBe('bad request: the body is not the one signed\n')
  expect(await queryText(leader.url, 'SELECT count(*) FROM t')).toBe(COUNT(2))
})

test('a node joining after the log was compacted gets its snapshot as authenticated frames, and installs it', async () => {
  const before = JSON.parse(await queryText(leader.url, 'SELECT count(*) FROM t')).results[0].values[0][0] as number
  for (let i = 0; i < 20; i++) expect((await execute(leader.url, [`INSERT INTO t VALUES (${100 + i})`])).status).toBe(200)
  expect((await fetch(`${leader.url}/snapshot?trailing_logs=0`, { method: 'POST' })).status).toBe(200)
  const late = await startRaftlited({ args: ['-node-id', '3', '-cluster-secret-file', secretFile(SECRET), '-join', leader.raftAddr, ...FAST_ELECTION] })
  procs.push(late)
  await waitFor('the late node to catch up', async () => (await queryText(late.url, 'SELECT count(*) FROM t', '&level=none')) === COUNT(before + 20), 20_000)
  const vars = JSON.parse(await (await fetch(`${late.url}/debug/vars`)).text())
  expect(vars.store.num_restores).toBe(1) // through a snapshot stream, MAC'd frame by frame
  expect(late.stderr()).not.toContain('snapshot stream rejected')
}, 60_000)

test('a secret that is too short, or a missing file, is a clear fatal error', async () => {
  for (const [file, message] of [
    [secretFile('short'), 'the cluster secret must be at least 16 bytes long (it is 5)'],
    ['/nonexistent/secret', 'cannot read the cluster secret file /nonexistent/secret'],
  ]) {
    const outcome = await startRaftlited({ args: ['-cluster-secret-file', file] }).then(
      (p) => (procs.push(p), 'started'),
      (e: unknown) => String(e),
    )
    expect(outcome).toContain(`fatal: cannot start node: ${message}`)
  }
})
