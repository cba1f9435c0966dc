// The shell against a real raftlited serving HTTPS with client verification and an -auth users
// file: -c, -d/-k and -u, and what happens without them.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { type RaftlitedProcess, startRaftlited, tempDataDir } from '../support/raftlited-process.ts'
import { runShellProcess } from '../support/raftlite-shell.ts'
import { type CertFiles, makeTestCa, type TestCa } from '../support/test-certs.ts'

let node: RaftlitedProcess
let ca: TestCa
let client: CertFiles

beforeAll(async () => {
  ca = makeTestCa()
  const server = ca.issue('server')
  client = ca.issue('client')
  const users = join(tempDataDir('raftlite-shell-auth-'), 'users.json')
  writeFileSync(users, JSON.stringify([{ username: 'bob', password: 'secret1', perms: ['all'] }, { username: 'mary', password: 'secret2', perms: ['query'] }, { username: '*', perms: ['ready'] }]))
  node = await startRaftlited({
    https: { ca: ca.cert, cert: client.cert, key: client.key },
    args: ['-http-cert', server.cert, '-http-key', server.key, '-http-ca-cert', ca.cert, '-http-verify-client', '-auth', users],
  })
}, 60_000)

afterAll(async () => {
  await node?.stop()
})

const tls = () => ['-s', 'https', '-H', '127.0.0.1', '-p', node.httpAddr.split(':')[1], '-c', ca.cert, '-d', client.cert, '-k', client.key]

test('with the CA, a client certificate and credentials, statements run', async () => {
  const run = await runShellProcess([...tls(), '-u', 'bob:secret1'], 'CREATE TABLE t (v INTEGER);\nINSERT INTO t VALUES (7);\nSELECT v FROM t;\n.ready\n')
  expect(run.stderr).toBe('')
  expect(run.stdout).toContain('| 7 |')
  expect(run.stdout).toContain('[+]node ok')
  expect(run.code).toBe(0)
})

test('without credentials, or with too few permissions, the shell says unauthorized', async () => {
  const none = await runShellProcess([...tls(), '-e', 'SELECT 1'])
  expect(none.stderr).toBe('Error: unauthorized: this node needs credentials (-u user:password)\n')
  expect(none.code).toBe(1)
  const wrong = await runShellProcess([...tls(), '-u', 'bob:nope', '-e', 'SELECT 1'])
  expect(wrong.stderr).toBe('Error: unauthorized: the node refused the credentials given with -u, or they lack the permission\n')
  // mary may query but not use /db/request, which needs execute too (compat doc §1.5).
  const mary = await runShellProcess([...tls(), '-u', 'mary:secret2', '-e', 'SELECT 1', '-e', '.tables'])
  expect(mary.stderr).toBe('Error: unauthorized: the node refused the credentials given with -u, or they lack the permission\n')
  expect(mary.stdout).toContain('| t    |')
})

test('without a client certificate the TLS handshake fails, and the error says which host', async () => {
  const run = await runShellProcess(['-s', 'https', '-p', node.httpAddr.split(':')[1], '-c', ca.cert, '-u', 'bob:secret1', '-e', 'SELECT 1'])
  expect(run.stderr).toMatch(new RegExp(`^Error: cannot reach 127\\.0\\.0\\.1:${node.httpAddr.split(':')[1]}: `))
  expect(run.code).toBe(1)
})
