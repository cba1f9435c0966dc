// A backup and a restore in a real terminal (tmux) draw a progress bar with bytes and rate.
// /db/backup and /db/load are another issue's work (501 on this branch's base), so a small real
// HTTP server on 127.0.0.1 answers as the compat doc documents, sending the backup slowly.
import { createServer, type Server } from 'node:http'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { tempDataDir } from '../support/raftlited-process.ts'
import { shellCommand } from '../support/raftlite-shell.ts'
import { Terminal } from '../support/tmux.ts'

const SIZE = 4 * 1024 * 1024
const CHUNK = 128 * 1024
const image = Buffer.alloc(SIZE, 1)
Buffer.from('SQLite format 3\0').copy(image)
let server: Server
let port: number
let loaded = 0

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/status') {
      res.writeHead(200, { 'X-RQLITE-VERSION': 'v0.1.0', 'Content-Type': 'application/json' })
      return res.end('{}')
    }
    if (req.url === '/db/backup') {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': SIZE })
      let sent = 0
      const next = () => {
        if (sent >= SIZE) return res.end()
        res.write(image.subarray(sent, sent + CHUNK))
        sent += CHUNK
        setTimeout(next, 20)
      }
      return next()
    }
    if (req.url === '/db/load' && req.method === 'POST') {
      loaded = 0
      req.on('data', (c: Buffer) => (loaded += c.length))
      req.on('end', () => {
        res.writeHead(200, { 'Content-Type': 'application/json' })
        res.end('{"results":[]}')
      })
      return
    }
    res.writeHead(404)
    res.end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as { port: number }).port
})

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

test('.backup and .restore show a progress bar with bytes and rate on a terminal', async () => {
  const dir = tempDataDir('raftlite-shell-progress-')
  const file = join(dir, 'backup.db')
  const [cmd, args] = shellCommand('node')
  const t = new Terminal([cmd, ...args, '-p', String(port)], { env: { HOME: dir } })
  try {
    await t.waitFor(new RegExp(`127\\.0\\.0\\.1:${port}>$`))
    t.line(`.backup ${file}`)
    await t.waitFor(/backup \[#{24}\] 100% 4\.0 MiB \/ 4\.0 MiB {2}\d+(\.\d)? (B|KiB|MiB|GiB)\/s\nbackup file written successfully\n.*>$/, 30_000)
    expect(readFileSync(file).equals(image)).toBe(true)

    writeFileSync(file, image)
    t.line(`.restore ${file}`)
    await t.waitFor(/restore \[#{24}\] 100% 4\.0 MiB \/ 4\.0 MiB {2}\d+(\.\d)? (B|KiB|MiB|GiB)\/s\nDatabase restored successfully\n.*>$/, 30_000)
    expect(loaded).toBe(SIZE)
  } finally {
    t.close()
  }
})
