// The cluster port takes untrusted input: malformed or oversized Raft messages and RPCs are
// answered 4xx and never stop the node (issue 24, items 4 and 5).
import { afterAll, beforeAll, expect, test } from 'vitest'
import { encodeWire } from '../../src/cluster/wire.ts'
import { startTestNode, type TestNode } from './in-process-cluster.ts'

let n: TestNode
let stopped = false
const errors: unknown[] = []

beforeAll(async () => {
  n = await startTestNode('n1', { httpMaxBodyBytes: 64 * 1024, raftMaxBatchBytes: 256 * 1024 })
  await n.node.ready
  n.node.addEventListener('stopped', () => (stopped = true))
  n.node.addEventListener('error', (e) => errors.push((e as CustomEvent).detail))
}, 30_000)

afterAll(async () => {
  await n.stop()
})

const post = async (path: string, body: BodyInit | null, headers: Record<string, string> = {}) => {
  const res = await fetch(`http://${n.raftAddr}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/cbor', ...headers }, body, duplex: 'half' } as RequestInit)
  return { status: res.status, text: await res.text() }
}

const stillServing = async () => {
  expect(stopped).toBe(false)
  const res = await fetch(`${n.url}/db/execute`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '["CREATE TABLE IF NOT EXISTS alive (x)"]' })
  expect(await res.text()).toBe('{"results":[{}]}')
}

test('a snapshot message posted outside the snapshot stream is refused, not fatal', async () => {
  const message = {
    type: 'snapshot', from: 'evil', to: 'n1', term: 999,
    snapshot: { metadata: { index: 10_000, term: 999, confState: { voters: ['n1'], learners: [] } }, data: new Uint8Array() },
  }
  const res = await post('/raft/messages', encodeWire([message]) as Uint8Array<ArrayBuffer>)
  expect(res.status).toBe(400)
  expect(res.text).toMatch(/snapshot/)
  await new Promise((r) => setTimeout(r, 300)) // the driver would have stepped and applied by now
  await stillServing()
})

test('malformed Raft messages are refused with 400 before reaching the core', async () => {
  const bad: unknown[] = [
    [{ type: 'append', from: 'x', to: 'n1', term: 1 }], // no index, entries…
    [{ type: 'append', from: 'x', to: 'n1', term: 1, index: 0, logTerm: 0, commit: 0, entries: [{ index: 1 }] }],
    [{ type: 'heartbeat', from: 'x', to: 'n1', term: -1, commit: 0, context: '', sentAt: 0 }],
    [{ type: 'vote', from: 'x', to: 'n1', term: 1.5, index: 0, logTerm: 0, transfer: false }],
    [{ type: 'nonsense', from: 'x', to: 'n1', term: 1 }],
    [null],
    { not: 'a list' },
  ]
  for (const b of bad) {
    const res = await post('/raft/messages', encodeWire(b) as Uint8Array<ArrayBuffer>)
    expect(res.status, JSON.stringify(b)).toBe(400)
  }
  await stillServing()
})

test('an RPC with an unknown op or a null request answers 400 with a message', async () => {
  for (const request of [null, { op: 'bogus' }, { op: 'execute', statements: 'x' }, { op: 'remove' }, 42]) {
    const res = await post('/cluster/rpc', encodeWire(request) as Uint8Array<ArrayBuffer>)
    expect(res.status, JSON.stringify(request)).toBe(400)
    expect(res.text.length).toBeGreaterThan(0)
  }
  await stillServing()
})

/** A body streamed in chunks, with no Content-Length: the limit must hold while reading. */
function chunked(total: number): ReadableStream<Uint8Array> {
  let sent = 0
  return new ReadableStream({
    pull(controller) {
      if (sent >= total) return controller.close()
      const chunk = new Uint8Array(Math.min(64 * 1024, total - sent))
      sent += chunk.length
      controller.enqueue(chunk)
    },
  })
}

test('cluster-port bodies beyond their limit are refused with 413', async () => {
  const rpcLimit = 64 * 1024 * 5 + 1024 * 1024 // -http-max-body, with room for CBOR's larger integers
  expect((await post('/cluster/rpc', chunked(rpcLimit + 1))).status).toBe(413)
  expect((await post('/cluster/rpc', new Uint8Array(rpcLimit + 1))).status).toBe(413)
  const messagesLimit = 256 * 1024 + rpcLimit
  expect((await post('/raft/messages', chunked(messagesLimit + 1))).status).toBe(413)
  await stillServing()
})

test('fuzz: random and mutated CBOR at the message and RPC decoders never crashes the node', async () => {
  let seed = 0x2f6b1d3
  const rand = () => {
    seed ^= seed << 13
    seed ^= seed >>> 17
    seed ^= seed << 5
    return (seed >>> 0) / 2 ** 32
  }
  const int = (n: number) => Math.floor(rand() * n)
  // Valid shapes addressed to nobody here: if a mutation keeps them valid they are dropped.
  const messageBases = [
    [{ type: 'heartbeat', from: 'x', to: 'nobody', term: 1, commit: 0, context: '', sentAt: 0 }],
    [{ type: 'append', from: 'x', to: 'nobody', term: 1, index: 0, logTerm: 0, commit: 0, entries: [{ index: 1, term: 1, type: 'normal', data: new Uint8Array([1, 2]) }] }],
    [{ type: 'voteResp', from: 'x', to: 'nobody', term: 1, reject: true }],
  ].map((m) => encodeWire(m))
  const rpcBases = [{ op: 'meta' }, { op: 'query', statements: [{ sql: 'SELECT 1', positional: [], named: null }], transaction: false, timeoutMs: 0, level: 'weak' }].map((r) => encodeWire(r))
  const mutate = (bytes: Uint8Array) => {
    const out = Uint8Array.from(bytes)
    for (let k = 1 + int(4); k > 0; k--) out[int(out.length)] = int(256)
    return int(4) === 0 ? out.subarray(0, int(out.length)) : out
  }
  const randomBytes = () => Uint8Array.from({ length: int(64) }, () => int(256))
  const statuses = new Map<number, number>()
  const deadline = Date.now() + 20_000
  for (let i = 0; i < 400 && Date.now() < deadline; i++) {
    const toMessages = i % 2 === 0
    const bases = toMessages ? messageBases : rpcBases
    const body = int(3) === 0 ? randomBytes() : mutate(bases[int(bases.length)])
    const res = await post(toMessages ? '/raft/messages' : '/cluster/rpc', body as Uint8Array<ArrayBuffer>)
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
    expect(res.status, `case ${i}`).toBeLessThan(500)
  }
  expect(statuses.get(400) ?? 0).toBeGreaterThan(0)
  await stillServing()
}, 60_000)
