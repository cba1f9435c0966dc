// .backup, .dump, .restore, .boot, .reap and .changes. Their endpoints (/db/backup, /db/load,
// /boot, /reap, /db/changes) are other issues' work and answer 501/404 on this branch's base, so
// these run against a small real HTTP server on 127.0.0.1 that answers as the compat doc
// documents (§2, §7) and records what the shell sent.
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { readFileSync, writeFileSync } from 'node:fs'
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
const DUMP = 'PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\nCREATE TABLE foo (id INTEGER);\nINSERT INTO "foo" VALUES(1);\nCOMMIT;\n'
let seen: Seen[] = []
let server: Server
let port: number
let loadAnswer = '{"results":[]}'
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
      const sql = url.searchParams.get('fmt') === 'sql'
      const data = sql ? Buffer.from(DUMP) : SQLITE_FILE
      res.writeHead(200, { 'Content-Type': sql ? 'application/sql' : 'application/octet-stream', 'Content-Length': data.length })
      return res.end(data)
    }
    if (url.pathname === '/db/load' && req.method === 'POST') {
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' })
      return res.end(loadAnswer)
    }
    if (url.pathname === '/boot' && req.method === 'POST') {
      const last = seen[seen.length - 1]
      if (!last.body.subarray(0, 16).equals(Buffer.from('SQLite format 3\0'))) {
        res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' })
        return res.end('invalid SQLite data\n')
      }
      res.writeHead(200)
      return res.end()
    }
    if (url.pathname === '/reap' && req.method === 'POST') {
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' })
      return res.end('{"snapshots_reaped":2,"wals_checkpointed":1}')
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
})

const shell = (input: string) => runShellProcess(['-H', '127.0.0.1', '-p', String(port)], input)

describe('out of the node', () => {
  test('.backup writes the SQLite file from /db/backup, quietly when piped', async () => {
    const file = join(dir, 'backup.db')
    const run = await shell(`.backup ${file}\n`)
    expect(run.stdout).toBe('backup file written successfully\n')
    expect(run.stderr).toBe('') // no progress bar off a terminal
    expect(readFileSync(file).equals(SQLITE_FILE)).toBe(true)
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual(['GET /db/backup'])
  })

  test('.dump FILE TABLES asks for SQL text of those tables', async () => {
    const file = join(dir, 'dump.sql')
    const run = await shell(`.dump ${file} foo,bar\n`)
    expect(run.stdout).toBe('SQL text file written successfully\n')
    expect(readFileSync(file, 'utf8')).toBe(DUMP)
    expect(seen.map((s) => s.url)).toEqual(['/db/backup?fmt=sql&tables=foo%2Cbar'])
  })

  test('.backup into a directory that does not exist is an error', async () => {
    const run = await shell(`.backup ${join(dir, 'no/such/dir/x.db')}\n`)
    expect(run.stderr).toMatch(/^Error: ENOENT: no such file or directory/)
    expect(run.code).toBe(1)
  })
})

describe('into the node', () => {
  test('.restore sends a SQLite file as octet-stream and SQL text as text/plain', async () => {
    const db = join(dir, 'in.db')
    const sql = join(dir, 'in.sql')
    writeFileSync(db, SQLITE_FILE)
    writeFileSync(sql, DUMP)
    const run = await shell(`.restore ${db}\n.restore ${sql}\n`)
    expect(run.stdout).toBe('Database restored successfully\nDatabase restored successfully\n')
    expect(seen.map((s) => [s.method, s.url, s.contentType])).toEqual([
      ['POST', '/db/load', 'application/octet-stream'],
      ['POST', '/db/load', 'text/plain'],
    ])
    expect(seen[0].body.equals(SQLITE_FILE)).toBe(true)
    expect(seen[1].body.toString()).toBe(DUMP)
  })

  test('.restore reports the statement error a SQL load answers with', async () => {
    loadAnswer = '{"results":[{"error":"near \\"CREAT\\": syntax error"}]}'
    const sql = join(dir, 'bad.sql')
    writeFileSync(sql, 'CREAT TABLE x;')
    const run = await shell(`.restore ${sql}\n`)
    expect(run.stderr).toBe('Error: restore failed: near "CREAT": syntax error\n')
    expect(run.stdout).toBe('')
    expect(run.code).toBe(1)
  })

  test('.restore of a missing file fails before any request', async () => {
    const run = await shell(`.restore ${join(dir, 'missing.db')}\n`)
    expect(run.stderr).toMatch(/^Error: ENOENT/)
    expect(seen).toEqual([])
  })

  test('.boot posts a SQLite file to /boot; refuses anything else itself', async () => {
    const db = join(dir, 'boot.db')
    const text = join(dir, 'boot.txt')
    writeFileSync(db, SQLITE_FILE)
    writeFileSync(text, 'hello')
    const run = await shell(`.boot ${db}\n.boot ${text}\n`)
    expect(run.stdout).toBe('Node booted successfully\n')
    expect(run.stderr).toBe(`Error: ${text} is not a SQLite database\n`)
    expect(seen.map((s) => [s.method, s.url, s.contentType])).toEqual([['POST', '/boot', 'application/octet-stream']])
    expect(seen[0].body.equals(SQLITE_FILE)).toBe(true)
  })
})

test('what a node sends cannot drive the terminal: control characters print escaped', async () => {
  const run = await shell('SELECT 1;\n.status\n')
  expect(run.stdout).toBe('+-------------------+\n| a\\x1b[2J          |\n+-------------------+\n| x\\x1b]0;owned\\x07 |\n+-------------------+\nnode:\n  k\\x1b[H: v\\x1b[2J\n')
  expect(run.stderr).toBe('Error: boom\\x1b[31m\n')
  expect(run.stdout + run.stderr).not.toContain('\u001b')
})

describe('maintenance and changes', () => {
  test('.reap reports what /reap did', async () => {
    const run = await shell('.reap\n')
    expect(run.stdout).toBe('2 snapshot(s) reaped, 1 WAL(s) checkpointed\n')
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual(['POST /reap'])
  })

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
