// TLS on Node: a 3-node cluster with mutual TLS between nodes forms, replicates, fails over and
// serves HTTPS; a process without a member's certificate cannot reach the cluster port; a
// certificate rewritten on disk is served without a restart; HTTPS client verification.
import { copyFileSync } from 'node:fs'
import { request } from 'node:https'
import { readFileSync } from 'node:fs'
import { afterEach, expect, test } from 'vitest'
import { type RaftlitedProcess, startRaftlited } from '../support/raftlited-process.ts'
import { FAST_ELECTION, waitFor } from '../support/cluster-processes.ts'
import { makeTestCa, type CertFiles, type TestCa } from '../support/test-certs.ts'
import { type HttpsOptions, httpsRequest } from '../support/https-client.ts'

let procs: RaftlitedProcess[] = []
afterEach(async () => {
  for (const p of procs) await p.stop('SIGKILL')
  procs = []
})

const COUNT = (n: number) => `{"results":[{"columns":["count(*)"],"types":["integer"],"values":[[${n}]]}]}`

function nodeArgs(ca: TestCa, c: CertFiles): string[] {
  return ['-node-cert', c.cert, '-node-key', c.key, '-node-ca-cert', ca.cert, '-node-verify-client', '-http-cert', c.cert, '-http-key', c.key]
}

async function state(p: RaftlitedProcess, https: HttpsOptions): Promise<string> {
  return JSON.parse((await httpsRequest(`${p.url}/status`, https)).text).store.raft.state
}

/** Whether a TLS connection to the cluster port with `client` (or none) gets an HTTP answer. */
function clusterPortAnswers(p: RaftlitedProcess, ca: string, client?: CertFiles): Promise<string> {
  return new Promise((resolve) => {
    const req = request(`https://${p.raftAddr}/cluster/meta`, { ca: readFileSync(ca), ...(client ? { cert: readFileSync(client.cert), key: readFileSync(client.key) } : {}), agent: false }, (res) => {
      res.resume()
      resolve(`HTTP ${res.statusCode}`)
    })
    req.on('error', (e) => resolve(`refused: ${e.message}`))
    req.end()
  })
}

test('a mutual-TLS cluster forms, replicates, fails over and serves HTTPS; outsiders cannot reach its cluster port', async () => {
  const ca = makeTestCa()
  const https: HttpsOptions = { ca: ca.cert }
  const certs = [1, 2, 3].map((i) => ca.issue(`node${i}`, 'raftlite-node'))
  const first = await startRaftlited({ https, args: ['-node-id', '1', ...nodeArgs(ca, certs[0]), ...FAST_ELECTION] })
  procs.push(first)
  for (const i of [2, 3]) procs.push(await startRaftlited({ https, args: ['-node-id', String(i), '-join', first.raftAddr, ...nodeArgs(ca, certs[i - 1]), ...FAST_ELECTION] }))

  const post = (p: RaftlitedProcess, body: unknown) => httpsRequest(`${p.url}/db/execute`, { ...https, method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
  const count = async (p: RaftlitedProcess) => (await httpsRequest(`${p.url}/db/query?q=SELECT%20count(*)%20FROM%20t&level=none`, https)).text
  expect((await post(first, ['CREATE TABLE t (v)', 'INSERT INTO t VALUES (1)'])).status).toBe(200)
  const forwarded = await post(procs[2], ['INSERT INTO t VALUES (2)'])
  expect(forwarded.status).toBe(200)
  expect(forwarded.headers['x-rqlite-served-by']).toBe(first.raftAddr)
  for (const p of procs) await waitFor(`node ${p.raftAddr} to replicate`, async () => (await count(p)) === COUNT(2))
  const nodes = JSON.parse((await httpsRequest(`${first.url}/nodes`, https)).text)
  expect(Object.values(nodes).map((n) => (n as { reachable: boolean }).reachable)).toEqual([true, true, true])
  expect((nodes['1'] as { api_addr: string }).api_addr).toBe(`https://${first.httpAddr}`)
  const redirect = await httpsRequest(`${procs[1].url}/db/execute?redirect`, { ...https, method: 'POST', body: '["SELECT 1"]' })
  expect(redirect.status).toBe(301)
  expect(redirect.headers.location).toBe(`https://${first.httpAddr}/db/execute?redirect`)
  const vars = JSON.parse((await httpsRequest(`${first.url}/debug/vars`, https)).text)
  expect(vars.cluster.raft_streams_opened).toBeGreaterThan(0) // Raft streams over wss

  // Outsiders: no client certificate, or one from another CA, get no answer from the cluster port.
  expect(await clusterPortAnswers(first, ca.cert, certs[1])).toBe('HTTP 200')
  expect(await clusterPortAnswers(first, ca.cert)).toMatch(/^refused/)
  const otherCa = makeTestCa('another-ca')
  expect(await clusterPortAnswers(first, ca.cert, otherCa.issue('intruder'))).toMatch(/^refused/)
  const plain = await startRaftlited({ args: ['-node-id', '9', '-join', first.raftAddr, '-join-attempts', '1', ...FAST_ELECTION] }).then(
    (p) => (procs.push(p), 'joined'),
    (e: unknown) => String(e),
  )
  expect(plain).toContain('failed to join cluster')

  // Failover: the leader dies, another takes over over TLS, and writes go on.
  expect(await state(first, https)).toBe('Leader')
  await first.stop('SIGKILL')
  const survivors = procs.slice(1, 3)
  const next = await waitFor('a new leader', async () => {
    for (const p of survivors) if ((await state(p, https).catch(() => '')) === 'Leader') return p
    return undefined
  }, 20_000)
  expect((await post(next, ['INSERT INTO t VALUES (3)'])).status).toBe(200)
  for (const p of survivors) await waitFor('the survivors to replicate', async () => (await count(p)) === COUNT(3))
}, 120_000)

test('a certificate rewritten on disk is served without a restart; client certificates are verified', async () => {
  const ca = makeTestCa()
  const server = ca.issue('server')
  const client = ca.issue('client', 'good-client')
  const stranger = ca.issue('stranger', 'other-client')
  const args = ['-http-cert', server.cert, '-http-key', server.key, '-http-ca-cert', ca.cert, '-http-verify-client', '-http-verify-common-name', 'good-client']
  const https: HttpsOptions = { ca: ca.cert, ...client }
  const node = await startRaftlited({ https, args })
  procs.push(node)

  const before = await httpsRequest(`${node.url}/status`, https)
  expect(before.status).toBe(200)
  expect(await httpsRequest(`${node.url}/status`, { ca: ca.cert }).then((r) => `HTTP ${r.status}`, (e: Error) => `refused: ${e.message}`)).toMatch(/^refused/)
  expect(await httpsRequest(`${node.url}/status`, { ca: ca.cert, ...stranger }).then((r) => `HTTP ${r.status}`, (e: Error) => `refused: ${e.message}`)).toMatch(/^refused/)

  const renewed = ca.issue('renewed')
  copyFileSync(renewed.key, server.key)
  copyFileSync(renewed.cert, server.cert)
  const after = await waitFor('the renewed certificate to be served', async () => {
    const r = await httpsRequest(`${node.url}/status`, https)
    return r.fingerprint !== before.fingerprint ? r : undefined
  })
  expect(after.status).toBe(200)
  expect(node.child.exitCode).toBeNull() // same process

  // A broken rewrite keeps the working certificate.
  copyFileSync(ca.key, server.key)
  await waitFor('the bad pair to be reported', async () => node.stderr().includes('keeping the previous certificate'))
  expect((await httpsRequest(`${node.url}/status`, https)).fingerprint).toBe(after.fingerprint)
}, 60_000)
