// The remote client in a real browser (Chromium, driven by playwright-core): bundled with
// esbuild for the browser, served from another origin than the node (which allows it with
// -http-allow-origin), it writes, reads BLOBs and exact 64-bit integers, and moves past a dead
// host (where a browser cannot tell a refused connection from a broken one).
import { existsSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { join } from 'node:path'
import { build } from 'esbuild'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { freePort } from '../support/free-port.ts'
import { type RaftlitedProcess, ROOT, startRaftlited } from '../support/raftlited-process.ts'

const CHROMIUM = process.env.RAFTLITE_CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p))
let browser: Browser
let node: RaftlitedProcess
let site: Server
let siteUrl: string

beforeAll(async () => {
  if (!CHROMIUM) throw new Error('Chromium not found: apt-get install -y chromium (or set RAFTLITE_CHROMIUM)')
  const bundle = await build({ entryPoints: [join(ROOT, 'src/remote-client/mod.ts')], bundle: true, format: 'esm', platform: 'browser', write: false })
  const clientJs = bundle.outputFiles[0].text
  const port = await freePort()
  site = createServer((req, res) => {
    if (req.url === '/client.js') return res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(clientJs)
    res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>client</title>')
  })
  await new Promise<void>((r) => site.listen(port, '127.0.0.1', r))
  siteUrl = `http://127.0.0.1:${port}`
  node = await startRaftlited({ args: ['-http-allow-origin', siteUrl] })
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] })
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await node?.stop()
  await new Promise((r) => site?.close(r))
})

test('the remote client runs in a browser, cross-origin', async () => {
  const page = await browser.newPage()
  await page.goto(siteUrl)
  const dead = `http://127.0.0.1:${await freePort()}`
  // A string, not a function: vitest would rewrite the function's dynamic import for Node.
  const result = await page.evaluate(`(async () => {
    const { createClient } = await import('/client.js')
    const db = createClient({ hosts: ${JSON.stringify([dead, node.url])}, intMode: 'string' })
    // A browser's fetch says only "Failed to fetch": a refused connection looks like one that
    // broke after sending, so a write to the dead host is honestly of unknown outcome...
    const first = await db.execute('CREATE TABLE b (id INTEGER PRIMARY KEY, big INTEGER, data BLOB)').catch((e) => e.name)
    // ...and the client then starts with the next host.
    await db.execute('CREATE TABLE b (id INTEGER PRIMARY KEY, big INTEGER, data BLOB)')
    await db.execute({ sql: 'INSERT INTO b (big, data) VALUES (?, ?)', args: [2n ** 63n - 1n, new Uint8Array([9, 8, 7])] })
    const { rows } = await db.query('SELECT big, data FROM b')
    return { first, big: rows[0].big, data: Array.from(rows[0].data), isBytes: rows[0].data instanceof Uint8Array, origin: location.origin }
  })()`)
  expect(result).toEqual({ first: 'OutcomeUnknownError', big: '9223372036854775807', data: [9, 8, 7], isBytes: true, origin: siteUrl })
  await page.close()
}, 60_000)
