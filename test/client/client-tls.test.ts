// The remote client over HTTPS with a private CA, on each runtime's own way to trust it: Node
// through an undici Agent passed as `fetchOptions.dispatcher`, Bun through `fetchOptions.tls`,
// Deno through `fetchOptions.client` (Deno.createHttpClient). Without the CA the handshake fails
// and a write is reported as never applied (nothing was sent), not as an unknown outcome.
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Agent } from 'undici'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { createClient, NoHostAvailableError } from '../../src/remote-client/mod.ts'
import { DENO_PERMISSIONS, type RaftlitedProcess, ROOT, startRaftlited } from '../support/raftlited-process.ts'
import { makeTestCa, type TestCa } from '../support/test-certs.ts'

const run = promisify(execFile)
let node: RaftlitedProcess
let ca: TestCa

beforeAll(async () => {
  ca = makeTestCa()
  const server = ca.issue('server')
  node = await startRaftlited({ https: { ca: ca.cert }, args: ['-http-cert', server.cert, '-http-key', server.key] })
}, 60_000)

afterAll(async () => {
  await node?.stop()
})

test('Node: a private CA through an undici dispatcher', async () => {
  const dispatcher = new Agent({ connect: { ca: readFileSync(ca.cert) } })
  const db = createClient({ hosts: node.url, fetchOptions: { dispatcher } })
  expect(node.url.startsWith('https://')).toBe(true)
  await db.execute('CREATE TABLE IF NOT EXISTS tls (v TEXT)')
  await db.execute({ sql: 'INSERT INTO tls VALUES (?)', args: ['over tls'] })
  expect((await db.query('SELECT v FROM tls')).rows[0].v).toBe('over tls')

  const untrusting = createClient({ hosts: node.url, failoverTimeoutMs: 300 })
  const err = await untrusting.execute("INSERT INTO tls VALUES ('never sent')").catch((e: unknown) => e)
  expect(err).toBeInstanceOf(NoHostAvailableError)
  expect((await db.query("SELECT count(*) AS n FROM tls WHERE v = 'never sent'")).rows[0].n).toBe(0)
  await dispatcher.close()
})

// A client run inline on another runtime; `options` is that runtime's way to trust the CA in `pem`.
const script = (options: string) => `
  import { createClient } from ${JSON.stringify(join(ROOT, 'src/remote-client/mod.ts'))}
  const pem = ${JSON.stringify(readFileSync(ca.cert, 'utf8'))}
  const db = createClient({ hosts: ${JSON.stringify(node.url)}, fetchOptions: ${options} })
  const { rows } = await db.query("SELECT 'tls ok' AS v")
  console.log(rows[0].v)
`

test('Bun: a private CA through fetchOptions.tls', async () => {
  const code = script('{ tls: { ca: pem } }')
  const { stdout } = await run(join(ROOT, 'node_modules/.bin/bun'), ['-e', code], { cwd: ROOT, timeout: 60_000 })
  expect(stdout.trim()).toBe('tls ok')
}, 90_000)

test('Deno: a private CA through fetchOptions.client (Deno.createHttpClient)', async () => {
  const code = script('{ client: Deno.createHttpClient({ caCerts: [pem] }) }')
  const { stdout } = await run(join(ROOT, 'node_modules/.bin/deno'), ['eval', ...DENO_PERMISSIONS.filter((p) => p !== '--allow-write'), code], { cwd: ROOT, timeout: 60_000 })
  expect(stdout.trim()).toBe('tls ok')
}, 90_000)
