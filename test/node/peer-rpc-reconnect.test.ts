// cluster.num_client_force_new_conn: a request on a connection that turns out dead is sent again on
// a new one, if it may run twice. A real HTTP server that kills the first connection it serves.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, expect, test } from 'vitest'
import { encodeWire } from '../../src/cluster/wire.ts'
import { Counters } from '../../src/node/counters.ts'
import { resolveNodeOptions } from '../../src/node/node-options.ts'
import { PeerRpc } from '../../src/node/peer-rpc.ts'
import { NodeMetrics } from '../../src/node/node-metrics.ts'

let server: Server | undefined
afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())))

/** Serves `/cluster/rpc`; the first `drop` requests have their connection destroyed unanswered. */
async function flakyPeer(drop: number): Promise<{ addr: string; seen: () => number }> {
  let seen = 0
  server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      seen++
      if (seen <= drop) return req.socket.destroy()
      res.writeHead(200, { 'Content-Type': 'application/cbor' })
      res.end(encodeWire({ ok: true, results: [] }))
    })
  })
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r))
  return { addr: `127.0.0.1:${(server.address() as AddressInfo).port}`, seen: () => seen }
}

function peerRpc(counters: Counters): PeerRpc {
  const options = resolveNodeOptions({ dataDir: '/unused', nodeId: 'n1' })
  return new PeerRpc({ id: 'n1', options, fetch: (...a) => fetch(...a), leader: () => null, counters, metrics: new NodeMetrics(false) })
}

test('a read on a dead connection is retried once on a new one, and counted', async () => {
  const peer = await flakyPeer(1)
  const counters = new Counters()
  const answer = await peerRpc(counters).call(peer.addr, { op: 'query', statements: [], transaction: false, timeoutMs: 0, level: 'weak' })
  expect(answer).toEqual({ ok: true, results: [] })
  expect(peer.seen()).toBe(2)
  expect(counters.get('cluster', 'num_client_force_new_conn')).toBe(1)
})

test('a write that may have arrived is not sent twice', async () => {
  const peer = await flakyPeer(1)
  const counters = new Counters()
  const call = peerRpc(counters).call(peer.addr, { op: 'execute', statements: [], transaction: false, timeoutMs: 0 })
  await expect(call).rejects.toThrow(TypeError)
  expect(peer.seen()).toBe(1)
  expect(counters.get('cluster', 'num_client_force_new_conn')).toBe(0)
})

test('when the new connection fails too, the error stands', async () => {
  const peer = await flakyPeer(2)
  const counters = new Counters()
  await expect(peerRpc(counters).call(peer.addr, { op: 'meta' })).rejects.toThrow(TypeError)
  expect(peer.seen()).toBe(2)
})
