/**
 * GET /db/changes as Server-Sent Events from a real raftlited process: resumable with
 * Last-Event-ID, table filters per subscriber, 410 for changes no longer kept.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { execute } from '../support/cluster-processes.ts'
import { type RaftlitedProcess, startRaftlited, tempDataDir } from '../support/raftlited-process.ts'

interface Sse {
  id?: string
  event?: string
  data?: string
}

/** Reads SSE events from `url` until `enough` says so; then disconnects. */
async function readEvents(url: string, enough: (events: Sse[]) => boolean, headers: Record<string, string> = {}): Promise<{ status: number; events: Sse[]; contentType: string }> {
  const abort = new AbortController()
  const timer = setTimeout(() => abort.abort(), 20_000)
  const res = await fetch(url, { headers, signal: abort.signal })
  const events: Sse[] = []
  if (res.status !== 200) {
    clearTimeout(timer)
    return { status: res.status, events: [{ data: await res.text() }], contentType: res.headers.get('content-type') ?? '' }
  }
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ''
  try {
    while (!enough(events)) {
      const { value, done } = await reader.read()
      if (done) break
      buffer += value
      let end: number
      while (!enough(events) && (end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        const event: Sse = {}
        for (const line of block.split('\n')) {
          const at = line.indexOf(': ')
          if (line.startsWith(':') || at < 0) continue
          event[line.slice(0, at) as keyof Sse] = line.slice(at + 2)
        }
        if (event.data !== undefined) events.push(event)
      }
    }
  } finally {
    clearTimeout(timer)
    abort.abort()
  }
  return { status: res.status, events, contentType: res.headers.get('content-type') ?? '' }
}

const valuesOf = (events: Sse[]) => events.flatMap((e) => (JSON.parse(e.data!).events as { table: string; after: { v: number } }[]).map((x) => `${x.table}${x.after.v}`))

let node: RaftlitedProcess
beforeAll(async () => {
  const file = join(tempDataDir('cdc-config-'), 'cdc.json')
  writeFileSync(file, JSON.stringify({ endpoint: 'stream', stream_retention: 40 }))
  node = await startRaftlited({ args: ['-node-id', '1', '-cdc-config', file] })
  await execute(node.url, ['CREATE TABLE a (v INTEGER)', 'CREATE TABLE b (v INTEGER)'])
}, 60_000)
afterAll(async () => {
  await node?.stop('SIGKILL')
})

describe('/db/changes', () => {
  it('two concurrent subscribers with different table filters each get exactly their tables', async () => {
    const first = Number(JSON.parse((await execute(node.url, [['INSERT INTO a VALUES(-1)']], '?raft_index')).text).raft_index)
    const since = first
    const subA = readEvents(`${node.url}/db/changes?since=${since}&tables=${encodeURIComponent('^a$')}`, (e) => e.length >= 10)
    const subB = readEvents(`${node.url}/db/changes?since=${since}&tables=${encodeURIComponent('^b$')}`, (e) => e.length >= 10)
    for (let i = 0; i < 10; i++) {
      await execute(node.url, [[`INSERT INTO a VALUES(${i})`]])
      await execute(node.url, [[`INSERT INTO b VALUES(${i})`]])
    }
    const [a, b] = await Promise.all([subA, subB])
    expect(a.contentType).toMatch(/^text\/event-stream/)
    expect(valuesOf(a.events)).toEqual(Array.from({ length: 10 }, (_, i) => `a${i}`))
    expect(valuesOf(b.events)).toEqual(Array.from({ length: 10 }, (_, i) => `b${i}`))
    // Each event's id is its log index, and its data the webhook payload element.
    for (const e of [...a.events, ...b.events]) expect(JSON.parse(e.data!).index).toBe(Number(e.id))
  }, 60_000)

  it('resumes after a disconnect from Last-Event-ID with no gap', async () => {
    const start = Number(JSON.parse((await execute(node.url, [['INSERT INTO a VALUES(100)']], '?raft_index')).text).raft_index)
    for (let i = 101; i < 110; i++) await execute(node.url, [[`INSERT INTO a VALUES(${i})`]])
    const part1 = await readEvents(`${node.url}/db/changes?since=${start - 1}&tables=a`, (e) => e.length >= 4)
    expect(valuesOf(part1.events)).toEqual(['a100', 'a101', 'a102', 'a103'])
    // Written while nobody listens:
    for (let i = 110; i < 115; i++) await execute(node.url, [[`INSERT INTO a VALUES(${i})`]])
    const lastId = part1.events[part1.events.length - 1].id!
    // An EventSource reconnects to the same URL and sends Last-Event-ID, which wins over since.
    const part2 = await readEvents(`${node.url}/db/changes?since=${start - 1}&tables=a`, (e) => e.length >= 11, { 'Last-Event-ID': lastId })
    expect(valuesOf(part2.events)).toEqual(Array.from({ length: 11 }, (_, i) => `a${104 + i}`))
  }, 60_000)

  it('refuses changes older than it keeps (410), bad parameters (400), other methods (405)', async () => {
    for (let i = 0; i < 45; i++) await execute(node.url, [[`INSERT INTO b VALUES(${1000 + i})`]])
    const gone = await readEvents(`${node.url}/db/changes?since=1`, () => true)
    expect(gone.status).toBe(410)
    expect(gone.events[0].data).toMatch(/^changes after index 1 are no longer kept on this node; the oldest that can be resumed from is \d+\n$/)
    // Without since: from the oldest kept.
    const oldest = await readEvents(`${node.url}/db/changes`, (e) => e.length >= 40)
    expect(valuesOf(oldest.events).slice(-5)).toEqual(['b1040', 'b1041', 'b1042', 'b1043', 'b1044'])
    expect((await fetch(`${node.url}/db/changes?since=abc`)).status).toBe(400)
    expect(await (await fetch(`${node.url}/db/changes?tables=(`)).text()).toBe('tables is not a valid regular expression\n')
    expect((await fetch(`${node.url}/db/changes`, { method: 'POST' })).status).toBe(405)
  }, 60_000)

  it('serves the same over a WebSocket, resumable from an index, filtered by table', async () => {
    const start = Number(JSON.parse((await execute(node.url, [['INSERT INTO a VALUES(500)']], '?raft_index')).text).raft_index)
    const ws = new WebSocket(`${node.url.replace('http', 'ws')}/db/changes?since=${start - 1}&tables=${encodeURIComponent('^a$')}`)
    const messages: string[] = []
    const got = new Promise<void>((resolve, reject) => {
      ws.on('message', (data) => {
        messages.push(String(data))
        if (messages.length === 4) resolve()
      })
      ws.on('error', reject)
    })
    await new Promise((r) => ws.once('open', r))
    await execute(node.url, [['INSERT INTO b VALUES(501)'], ['INSERT INTO a VALUES(502)']]) // one entry, two tables
    await execute(node.url, [['INSERT INTO a VALUES(503)']])
    await execute(node.url, [['INSERT INTO a VALUES(504)']])
    await got
    ws.close()
    const groups = messages.map((m) => JSON.parse(m) as { index: number; events: { table: string; after: { v: number } }[] })
    expect(groups[0].index).toBe(start)
    expect(groups.flatMap((g) => g.events.map((e) => `${e.table}${e.after.v}`))).toEqual(['a500', 'a502', 'a503', 'a504'])
    // Refused before the upgrade, with the HTTP status.
    const refused = new WebSocket(`${node.url.replace('http', 'ws')}/db/changes?since=1`)
    const status = await new Promise<number>((resolve) => refused.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)))
    expect(status).toBe(410)
  }, 60_000)
})

describe('/db/changes with -auth', () => {
  it('needs the query permission, over SSE and WebSocket', async () => {
    const dir = tempDataDir('cdc-auth-')
    writeFileSync(join(dir, 'users.json'), JSON.stringify([
      { username: '*', perms: ['status', 'ready'] },
      { username: 'admin', password: 'a', perms: ['all'] },
      { username: 'reader', password: 'r', perms: ['query'] },
      { username: 'writer', password: 'w', perms: ['execute'] },
    ]))
    const secured = await startRaftlited({ args: ['-node-id', '1', '-cdc-config', 'stream', '-auth', join(dir, 'users.json')] })
    try {
      const basic = (u: string, p: string) => ({ Authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` })
      await fetch(`${secured.url}/db/execute`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...basic('admin', 'a') }, body: '["CREATE TABLE t (v)", "INSERT INTO t VALUES(1)"]' })
      expect((await fetch(`${secured.url}/db/changes`)).status).toBe(401)
      expect((await fetch(`${secured.url}/db/changes`, { headers: basic('writer', 'w') })).status).toBe(401)
      const ok = await readEvents(`${secured.url}/db/changes`, (e) => e.length >= 1, basic('reader', 'r'))
      expect(valuesOf(ok.events)).toEqual(['t1'])
      const refused = new WebSocket(`${secured.url.replace('http', 'ws')}/db/changes`)
      expect(await new Promise<number>((resolve) => refused.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)))).toBe(401)
    } finally {
      await secured.stop('SIGKILL')
    }
  }, 60_000)
})
