// The transfer and change-stream commands' error paths a real raftlited does not produce (a SQL
// load answered rqlite's way, 200 with the error in the results; a node without /db/changes; a
// stream split mid-event; a hostile node), against a small real HTTP server on 127.0.0.1 that
// records what the shell sent. Their ordinary use against real nodes: shell-transfers-node.test.ts.
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest'
import { tempDataDir } from '../support/raftlited-process.ts'
import { runShellProcess } from '../support/raftlite-shell.ts'

interface Seen {
  method: string
  url: string
  contentType?: string
  body: Buffer
}

const SQLITE_FILE = Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(4096 - 16, 7)])
let seen: Seen[] = []
let server: Server
let port: number
let loadAnswer = '{"results":[]}'
let loadStatus = 200
let dir: string

function body(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
  })
}

beforeAll(async () => {
  dir = tempDataDir('raftlite-shell-transfer-')
  server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    seen.push({ method: req.method ?? '', url: req.url ?? '', contentType: req.headers['content-type'], body: await body(req) })
    res.setHeader('X-RQLITE-VERSION', 'v0.1.0')
    if (url.pathname === '/db/backup' && req.method === 'GET') {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': SQLITE_FILE.length })
      return res.end(SQLITE_FILE)
    }
    if (url.pathname === '/db/load' && req.method === 'POST') {
      res.writeHead(loadStatus, { 'Content-Type': 'application/json; charset=utf-8' })
      return res.end(loadAnswer)
    }
    if (url.pathname === '/db/changes') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' })
      const event = (index: number, op: string, row: string) => `id: ${index}\ndata: {"index":${index},"commit_timestamp":1,"events":[{"op":"${op}","table":"users","new_row_id":7,"after":${row}}]}\n\n`
      res.write(event(41, 'INSERT', '{"id":7,"name":"fiona"}'))
      // Split across writes, as a network may deliver it.
      const second = event(42, 'UPDATE', '{"id":7,"name":"declan"}')
      res.write(second.slice(0, 20))
      setTimeout(() => res.end(second.slice(20)), 50)
      return
    }
    if (url.pathname === '/db/request') {
      // A hostile node: terminal escape sequences in an error, a column name and a value.
      res.writeHead(200, { 'Content-Type': 'application/json' })
      return res.end(String.raw`{"results":[{"columns":["a\u001b[2J"],"types":["text"],"values":[["x\u001b]0;owned\u0007"]]},{"error":"boom\u001b[31m"}]}`)
    }
    if (url.pathname === '/status') {
      res.writeHead(200, { 'Content-Type': 'application/json' })
      return res.end(String.raw`{"node":{"k\u001b[H":"v\u001b[2J"}}`)
    }
    res.writeHead(404)
    res.end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as { port: number }).port
})

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

beforeEach(() => {
  seen = []
  loadAnswer = '{"results":[]}'
  loadStatus = 200
})

const shell = (input: string) => runShellProcess(['-H', '127.0.0.1', '-p', String(port)], input)

describe('out of the node', () => {
  test('.backup into a directory that does not exist is an error', async () => {
    const run = await shell(`.backup ${join(dir, 'no/such/dir/x.db')}\n`)
    expect(run.stderr).toMatch(/^Error: ENOENT: no such file or directory/)
    expect(run.code).toBe(1)
  })
})

describe('into the node', () => {
  test('.restore reports the statement error a SQL load answers with', async () => {
    loadAnswer = '{"results":[{"error":"near \\"CREAT\\": syntax error"}]}'
    const sql = join(dir, 'bad.sql')
    writeFileSync(sql, 'CREAT TABLE x;')
    const run = await shell(`.restore ${sql}\n`)
    expect(run.stderr).toBe('Error: restore failed: near "CREAT": syntax error\n')
    expect(run.stdout).toBe('')
    expect(run.code).toBe(1)
  })

  test('.restore of a load refused with 400 and a JSON error says the error, not the JSON', async () => {
    loadStatus = 400
    loadAnswer = '{"error":"database is locked"}'
    const sql = join(dir, 'ok.sql')
    writeFileSync(sql, 'CREATE TABLE x (id INTEGER);')
    const run = await shell(`.restore ${sql}\n`)
    expect(run.stderr).toBe('Error: restore failed: database is locked\n')
    expect(run.code).toBe(1)
  })

  test('.restore of a missing file fails before any request', async () => {
    const run = await shell(`.restore ${join(dir, 'missing.db')}\n`)
    expect(run.stderr).toMatch(/^Error: ENOENT/)
    expect(seen).toEqual([])
  })

  test('.boot refuses a file that is not a SQLite database itself, before any request', async () => {
    const text = join(dir, 'boot.txt')
    writeFileSync(text, 'hello')
    const run = await shell(`.boot ${text}\n`)
    expect(run.stderr).toBe(`Error: ${text} is not a SQLite database\n`)
    expect(run.code).toBe(1)
    expect(seen).toEqual([])
  })
})

test('what a node sends cannot drive the terminal: control characters print escaped', async () => {
  const run = await shell('SELECT 1;\n.status\n')
  expect(run.stdout).toBe('+-------------------+\n| a\\x1b[2J          |\n+-------------------+\n| x\\x1b]0;owned\\x07 |\n+-------------------+\nnode:\n  k\\x1b[H: v\\x1b[2J\n')
  expect(run.stderr).toBe('Error: boom\\x1b[31m\n')
  expect(run.stdout + run.stderr).not.toContain('\u001b')
})

describe('changes', () => {
  test('.changes TABLES follows the change stream of those tables, a line per change', async () => {
    const run = await shell('.changes users,orders\n')
    expect(run.stdout).toBe('41 INSERT users {"id":7,"name":"fiona"}\n42 UPDATE users {"id":7,"name":"declan"}\n')
    expect(seen.map((s) => s.url)).toEqual([`/db/changes?tables=${encodeURIComponent('^(users|orders)$')}`])
  })

  test('.changes against a node without a change stream says so', async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()))
    const other = createServer((_req, res) => {
      res.writeHead(501, { 'Content-Type': 'text/plain' })
      res.end('not supported yet\n')
    })
    await new Promise<void>((resolve) => other.listen(port, '127.0.0.1', resolve))
    try {
      const run = await shell('.changes\n')
      expect(run.stderr).toBe('Error: this node has no change stream (server responded with 501 Not Implemented: not supported yet)\n')
    } finally {
      await new Promise<void>((resolve) => other.close(() => resolve()))
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
    }
  })
})
