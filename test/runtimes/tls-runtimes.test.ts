// TLS on Deno and Bun: each serves HTTPS, two nodes form a cluster over TLS between nodes (mutual
// TLS on Bun; on Deno, which cannot verify client certificates, TLS plus the cluster secret) and
// replicate, a certificate rewritten on disk is served without a restart, and the flags a
// runtime cannot honour are refused at start with the runtime and the reason.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { request } from 'node:https'
import { afterEach, expect, test } from 'vitest'
import { type RaftlitedProcess, type Runtime, startRaftlited, tempDataDir } from '../support/raftlited-process.ts'
import { FAST_ELECTION, waitFor } from '../support/cluster-processes.ts'
import { type CertFiles, type TestCa, makeTestCa } from '../support/test-certs.ts'
import { type HttpsOptions, httpsRequest } from '../support/https-client.ts'

let procs: RaftlitedProcess[] = []
afterEach(async () => {
  for (const p of procs) await p.stop('SIGKILL')
  procs = []
})

const COUNT = (n: number) => `{"results":[{"columns":["count(*)"],"types":["integer"],"values":[[${n}]]}]}`

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

async function clusterOverTls(runtime: Runtime, ca: TestCa, nodeArgs: (c: CertFiles) => string[], checkClusterPort: (p: RaftlitedProcess, member: CertFiles) => Promise<void>): Promise<void> {
  const https: HttpsOptions = { ca: ca.cert }
  const certs = [1, 2].map((i) => ca.issue(`${runtime}${i}`, 'raftlite-node'))
  const first = await startRaftlited({ runtime, https, args: ['-node-id', '1', ...nodeArgs(certs[0]), ...FAST_ELECTION] })
  procs.push(first)
  const second = await startRaftlited({ runtime, https, args: ['-node-id', '2', '-join', first.raftAddr, ...nodeArgs(certs[1]), ...FAST_ELECTION] })
  procs.push(second)

  const post = (p: RaftlitedProcess, body: unknown) => httpsRequest(`${p.url}/db/execute`, { ...https, method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
  expect((await post(first, ['CREATE TABLE t (v)', 'INSERT INTO t VALUES (1)'])).status).toBe(200)
  const forwarded = await post(second, ['INSERT INTO t VALUES (2)'])
  expect(forwarded.status, forwarded.text).toBe(200)
  for (const p of procs) await waitFor(`${runtime} node ${p.raftAddr} to replicate`, async () => (await httpsRequest(`${p.url}/db/query?q=SELECT%20count(*)%20FROM%20t&level=none`, https)).text === COUNT(2))
  const vars = JSON.parse((await httpsRequest(`${first.url}/debug/vars`, https)).text)
  expect(vars.cluster.raft_streams_opened).toBeGreaterThan(0) // Raft streams over wss
  const nodes = JSON.parse((await httpsRequest(`${second.url}/nodes`, https)).text)
  expect(Object.values(nodes).map((n) => (n as { reachable: boolean }).reachable)).toEqual([true, true])

  await checkClusterPort(first, certs[1])

  // The API certificate renewed on disk is served by the same process; the cluster goes on.
  const before = await httpsRequest(`${first.url}/status`, https)
  const renewed = ca.issue(`${runtime}-renewed`)
  copyFileSync(renewed.key, certs[0].key)
  copyFileSync(renewed.cert, certs[0].cert)
  const after = await waitFor('the renewed certificate to be served', async () => {
    const r = await httpsRequest(`${first.url}/status`, https).catch(() => undefined)
    return r && r.fingerprint !== before.fingerprint ? r : undefined
  })
  expect(after.status).toBe(200)
  expect(first.child.exitCode).toBeNull()
  // The cluster port restarted with the new certificate too: replication still works through it.
  expect((await post(second, ['INSERT INTO t VALUES (3)'])).status).toBe(200)
  for (const p of procs) await waitFor(`${runtime} node ${p.raftAddr} to replicate after the renewal`, async () => (await httpsRequest(`${p.url}/db/query?q=SELECT%20count(*)%20FROM%20t&level=none`, https)).text === COUNT(3))

  // A broken rewrite keeps the working certificate.
  copyFileSync(ca.key, certs[0].key)
  await waitFor('the bad pair to be reported', async () => first.stderr().includes('keeping the previous certificate'))
  expect((await httpsRequest(`${first.url}/status`, https)).fingerprint).toBe(after.fingerprint)

  // A TLS node stops cleanly on SIGTERM, its open Raft streams notwithstanding.
  expect(await second.stop('SIGTERM')).toBe(0)
  expect(await first.stop('SIGTERM')).toBe(0)
}

test('bun: HTTPS, a mutual-TLS cluster that replicates, outsiders refused, certificates renewed in place', async () => {
  const ca = makeTestCa()
  const args = (c: CertFiles) => ['-node-cert', c.cert, '-node-key', c.key, '-node-ca-cert', ca.cert, '-node-verify-client', '-http-cert', c.cert, '-http-key', c.key]
  await clusterOverTls('bun', ca, args, async (first, member) => {
    expect(await clusterPortAnswers(first, ca.cert, member)).toBe('HTTP 200')
    expect(await clusterPortAnswers(first, ca.cert)).toMatch(/^refused/)
    expect(await clusterPortAnswers(first, ca.cert, makeTestCa('another-ca').issue('intruder'))).toMatch(/^refused/)
  })
}, 120_000)

test('deno: HTTPS, a cluster over TLS (with the cluster secret) that replicates, certificates renewed in place', async () => {
  const ca = makeTestCa()
  const secret = join(tempDataDir('raftlite-tls-deno-'), 'secret')
  writeFileSync(secret, 'a secret for the deno tls cluster\n')
  const args = (c: CertFiles) => ['-node-cert', c.cert, '-node-key', c.key, '-node-ca-cert', ca.cert, '-cluster-secret-file', secret, '-http-cert', c.cert, '-http-key', c.key]
  await clusterOverTls('deno', ca, args, async (first, member) => {
    // Deno cannot ask for a client certificate: the port answers over TLS, and the secret refuses.
    expect(await clusterPortAnswers(first, ca.cert, member)).toBe('HTTP 401')
  })
}, 120_000)

test('the TLS flags a runtime cannot honour are refused at start, naming the runtime and the reason', async () => {
  const ca = makeTestCa()
  const c = ca.issue('refused')
  const cases: [Runtime, string[], RegExp][] = [
    ['deno', ['-http-cert', c.cert, '-http-key', c.key, '-http-ca-cert', ca.cert, '-http-verify-client'], /-http-verify-client: not supported by raftlited on Deno: Deno.serve cannot request or verify client certificates/],
    ['deno', ['-node-cert', c.cert, '-node-key', c.key, '-node-verify-client'], /-node-verify-client: not supported by raftlited on Deno/],
    ['deno', ['-node-cert', c.cert, '-node-key', c.key, '-node-no-verify'], /-node-no-verify: not supported by raftlited on Deno/],
    ['bun', ['-node-cert', c.cert, '-node-key', c.key, '-node-verify-client', '-node-verify-common-name', 'x'], /-node-verify-common-name: not supported by raftlited on Bun: Bun.serve does not expose/],
    ['bun', ['-node-cert', c.cert, '-node-key', c.key, '-node-verify-server-name', 'x'], /-node-verify-server-name: not supported by raftlited on Bun/],
  ]
  for (const [runtime, args, message] of cases) {
    const outcome = await startRaftlited({ runtime, args }).then((p) => (procs.push(p), 'started'), (e: unknown) => String(e))
    expect(outcome, `${runtime} ${args.join(' ')}`).toMatch(message)
  }
}, 120_000)
