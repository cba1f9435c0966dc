// -s https with -c (a CA), -i (no verification) and -d/-k (mutual TLS) against a real HTTPS
// server on 127.0.0.1 with certificates made by openssl for the test.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:https'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type Runtime, tempDataDir } from '../support/raftlited-process.ts'
import { runShellProcess } from '../support/raftlite-shell.ts'

let dir: string
let server: Server
let port: number
const seenClientCert: boolean[] = []

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' })
}

beforeAll(async () => {
  dir = tempDataDir('raftlite-shell-tls-')
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=test CA', '-keyout', 'ca.key', '-out', 'ca.pem')
  for (const name of ['server', 'client']) {
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name === 'server' ? '127.0.0.1' : 'client'}`, '-keyout', `${name}.key`, '-out', `${name}.csr`)
    execFileSync('sh', ['-c', `printf 'subjectAltName=IP:127.0.0.1\\n' > ${name}.ext`], { cwd: dir })
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.pem`)
  }
  const file = (n: string) => readFileSync(join(dir, n))
  server = createServer({ key: file('server.key'), cert: file('server.pem'), ca: file('ca.pem'), requestCert: true, rejectUnauthorized: false }, (req, res) => {
    seenClientCert.push((req.socket as import('node:tls').TLSSocket).authorized)
    res.writeHead(200, { 'Content-Type': 'application/json' })
    res.end('{"results":[{"columns":["n"],"types":["integer"],"values":[[1]]}]}')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as { port: number }).port
})

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

const base = () => ['-s', 'https', '-p', String(port), '-e', 'SELECT 1 AS n']
const TABLE = '+---+\n| n |\n+---+\n| 1 |\n+---+\n'

describe.each<Runtime>(['node', 'bun'])('on %s', (runtime) => {
  test('an untrusted certificate is refused; -c trusts its CA; -i skips the check', async () => {
    const refused = await runShellProcess(base(), '', { runtime })
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/^Error: cannot reach 127\.0\.0\.1:\d+: .*(certificate|CERT)/i)
    const trusted = await runShellProcess([...base(), '-c', join(dir, 'ca.pem')], '', { runtime })
    expect(trusted.stderr).toBe('')
    expect(trusted.stdout).toBe(TABLE)
    const insecure = await runShellProcess([...base(), '-i'], '', { runtime })
    expect(insecure.stdout).toBe(TABLE)
  })

  test('-d and -k present a client certificate', async () => {
    seenClientCert.length = 0
    const run = await runShellProcess([...base(), '-c', join(dir, 'ca.pem'), '-d', join(dir, 'client.pem'), '-k', join(dir, 'client.key')], '', { runtime })
    expect(run.stdout).toBe(TABLE)
    expect(seenClientCert).toEqual([true])
  })
})

test('on deno: -c trusts the CA; -i points at Deno\'s own flag', async () => {
  const trusted = await runShellProcess([...base(), '-c', join(dir, 'ca.pem')], '', { runtime: 'deno' })
  expect(trusted.stdout).toBe(TABLE)
  const insecure = await runShellProcess([...base(), '-i'], '', { runtime: 'deno' })
  expect(insecure.stderr).toBe('Error: -i/--insecure: on Deno, run with --unsafely-ignore-certificate-errors instead\n')
  expect(insecure.code).toBe(2)
})

test('a client certificate without its key is refused before connecting', async () => {
  const run = await runShellProcess([...base(), '-d', join(dir, 'client.pem')])
  expect(run.stderr).toBe('Error: mutual TLS needs both -d/--client-cert and -k/--client-key\n')
  expect(run.code).toBe(2)
})
