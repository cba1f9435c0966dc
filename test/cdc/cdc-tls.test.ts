/**
 * The webhook's `tls` settings against a real HTTPS receiver that requires a client certificate:
 * a private CA, a client certificate, skip-verify. Certificates are made with openssl per run.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:https'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { execute, waitFor } from '../support/cluster-processes.ts'
import { freePort } from '../support/free-port.ts'
import { type RaftlitedProcess, startRaftlited, tempDataDir } from '../support/raftlited-process.ts'

const dir = tempDataDir('cdc-tls-')
const path = (name: string) => join(dir, name)
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
const procs: RaftlitedProcess[] = []
const bodies: string[] = []
let server: Server
let url = ''

function issue(name: string, ext: string): void {
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`)
  writeFileSync(path(`${name}.ext`), ext)
  openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '1', '-extfile', `${name}.ext`)
}

beforeAll(async () => {
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=raftlite test CA')
  issue('server', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n')
  issue('client', 'extendedKeyUsage=clientAuth\n')
  const read = (name: string) => readFileSync(path(name))
  server = createServer({ key: read('server.key'), cert: read('server.pem'), ca: read('ca.pem'), requestCert: true, rejectUnauthorized: true }, (req, res) => {
    let body = ''
    req.on('data', (d) => (body += d))
    req.on('end', () => {
      bodies.push(body)
      res.writeHead(200).end()
    })
  })
  const port = await freePort()
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r))
  url = `https://127.0.0.1:${port}/hook`
}, 60_000)
afterAll(async () => {
  for (const p of procs) await p.stop('SIGKILL')
  server?.close()
})

async function nodeWith(tls: Record<string, unknown>, id: string): Promise<RaftlitedProcess> {
  const file = path(`cdc-${id}.json`)
  writeFileSync(file, JSON.stringify({ endpoint: url, max_batch_delay: '10ms', transmit_min_backoff: '100ms', transmit_max_backoff: '200ms', tls }))
  const proc = await startRaftlited({ args: ['-node-id', id, '-cdc-config', file] })
  procs.push(proc)
  await execute(proc.url, ['CREATE TABLE t (v INTEGER)', [`INSERT INTO t VALUES(${id})`]])
  return proc
}

const deliveredFrom = (id: string) => bodies.filter((b) => JSON.parse(b).node_id === id)

it('delivers with a private CA and a client certificate', async () => {
  await nodeWith({ ca_cert_file: path('ca.pem'), cert_file: path('client.pem'), key_file: path('client.key') }, '1')
  const [body] = await waitFor('the delivery', async () => deliveredFrom('1').length > 0 && deliveredFrom('1'))
  expect(JSON.parse(body).payload[0].events).toEqual([{ op: 'INSERT', table: 't', new_row_id: 1, after: { v: 1 } }])
}, 60_000)

it('without the CA the server is not trusted: nothing is sent, the failure is in /status', async () => {
  const node = await nodeWith({ cert_file: path('client.pem'), key_file: path('client.key') }, '2')
  const status = await waitFor('failed transmits', async () => {
    const s = JSON.parse(await (await fetch(`${node.url}/status`)).text())
    return s.cdc.transmit_failures >= 2 && s
  })
  expect(status.cdc.last_error).toMatch(/certificate/i)
  expect(deliveredFrom('2')).toHaveLength(0)
}, 60_000)

it('insecure_skip_verify trusts any server; the client certificate is still sent', async () => {
  await nodeWith({ insecure_skip_verify: true, cert_file: path('client.pem'), key_file: path('client.key') }, '3')
  await waitFor('the delivery', async () => deliveredFrom('3').length > 0)
}, 60_000)

it('a missing certificate file fails the start with its name', async () => {
  const file = path('cdc-bad.json')
  writeFileSync(file, JSON.stringify({ endpoint: url, tls: { ca_cert_file: path('nope.pem') } }))
  await expect(startRaftlited({ args: ['-cdc-config', file] })).rejects.toThrow(/cannot read tls.ca_cert_file .*nope\.pem/)
}, 60_000)
