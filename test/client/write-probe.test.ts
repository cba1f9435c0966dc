// The probe before a first write (`probeBeforeWrite`, on by default in workerd): on a runtime whose
// fetch says "Network connection lost." both for a refused connection and for one lost after the
// write went out, it is what lets a write fail over past a dead host without ever re-sending a
// write that may have been applied. workerd's error is reproduced here by wrapping Node's fetch.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { createClient, NoHostAvailableError, OutcomeUnknownError } from '../../src/remote-client/mod.ts'
import { queryText } from '../support/cluster-processes.ts'
import { freePort } from '../support/free-port.ts'
import { type RaftlitedProcess, startRaftlited } from '../support/raftlited-process.ts'

// What workerd's fetch throws for any network failure, refused or lost mid-request alike.
const workerdLikeFetch: typeof fetch = (input, init) => fetch(input, init).catch(() => {
  throw new Error('Network connection lost.')
})

let node: RaftlitedProcess
let deadHost: string

beforeAll(async () => {
  node = await startRaftlited()
  deadHost = `http://127.0.0.1:${await freePort()}`
}, 60_000)

afterAll(async () => {
  await node?.stop()
})

test('without the probe, a write to a refused host is an unknown outcome (the error cannot say more)', async () => {
  const db = createClient({ hosts: [deadHost, node.url], fetch: workerdLikeFetch, probeBeforeWrite: false })
  await expect(db.execute('CREATE TABLE unprobed (id INTEGER PRIMARY KEY)')).rejects.toBeInstanceOf(OutcomeUnknownError)
})

test('with the probe, a write fails over past a refused host and is applied once', async () => {
  const db = createClient({ hosts: [deadHost, node.url], fetch: workerdLikeFetch, probeBeforeWrite: true })
  await db.execute('CREATE TABLE probed (id INTEGER PRIMARY KEY, v TEXT)')
  await db.execute({ sql: 'INSERT INTO probed (v) VALUES (?)', args: ['once'] })
  const out = JSON.parse(await queryText(node.url, 'SELECT v FROM probed'))
  expect(out.results[0].values).toEqual([['once']])
})

test('with the probe and every host refused, the write fails as "no host", nothing applied', async () => {
  const db = createClient({ hosts: [deadHost], fetch: workerdLikeFetch, probeBeforeWrite: true, failoverTimeoutMs: 300 })
  await expect(db.execute('CREATE TABLE never (id INTEGER)')).rejects.toBeInstanceOf(NoHostAvailableError)
})

// A host that answers GETs but drops the connection once it has read a write: the probe passes,
// the write is lost after it was sent, and the client must say so rather than re-send it.
let dropper: Server
const seen: string[] = []
beforeAll(async () => {
  dropper = createServer((req, res) => {
    seen.push(`${req.method} ${req.url?.split('?')[0]}`)
    if (req.method === 'GET') return void res.writeHead(200).end('[+]node ok')
    req.resume()
    req.on('end', () => req.socket.destroy())
  })
  await new Promise<void>((r) => dropper.listen(0, '127.0.0.1', r))
})
afterAll(() => new Promise<void>((r) => dropper.close(() => r())))

test('a write lost after a passed probe is an unknown outcome, sent once, and the next write probes again', async () => {
  const host = `http://127.0.0.1:${(dropper.address() as AddressInfo).port}`
  const db = createClient({ hosts: [host, node.url], fetch: workerdLikeFetch, probeBeforeWrite: true })
  await expect(db.execute('INSERT INTO probed (v) VALUES (1)')).rejects.toBeInstanceOf(OutcomeUnknownError)
  expect(seen).toEqual(['GET /readyz', 'POST /db/request'])
  // The host is tried last now; make it the only one to see it probed again after its failure.
  const only = createClient({ hosts: [host], fetch: workerdLikeFetch, probeBeforeWrite: true })
  seen.length = 0
  await expect(only.execute('INSERT INTO probed (v) VALUES (2)')).rejects.toBeInstanceOf(OutcomeUnknownError)
  await expect(only.execute('INSERT INTO probed (v) VALUES (3)')).rejects.toBeInstanceOf(OutcomeUnknownError)
  expect(seen).toEqual(['GET /readyz', 'POST /db/request', 'GET /readyz', 'POST /db/request'])
})
