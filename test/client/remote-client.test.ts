// The remote client (src/remote-client) against a real 3-node raftlite cluster of processes:
// every call, read levels, BLOBs and 64-bit integers, transactions, queued writes, the change
// stream, Basic auth, timeouts and aborts, and the safe-retry rules against real HTTP servers
// that misbehave on purpose.
import { createServer, type Server } from 'node:http'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { leaderOf, startCluster, waitFor } from '../support/cluster-processes.ts'
import { freePort } from '../support/free-port.ts'
import { type RaftlitedProcess, startRaftlited, tempDataDir } from '../support/raftlited-process.ts'
import { createClient, MalformedResponseError, NoHostAvailableError, OutcomeUnknownError, RaftliteError, RemoteRequestError } from '../../src/remote-client/mod.ts'

let procs: RaftlitedProcess[]
let urls: string[]
let leader: RaftlitedProcess
let follower: RaftlitedProcess

beforeAll(async () => {
  procs = await startCluster({ size: 3, extraArgs: ['-cdc-config', 'stream'] })
  urls = procs.map((p) => p.url)
  leader = await waitFor('a leader', () => leaderOf(procs))
  follower = procs.find((p) => p !== leader)!
  await createClient(urls).execute('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, big INTEGER, data BLOB, score REAL)')
}, 90_000)

afterAll(async () => {
  await Promise.all((procs ?? []).map((p) => p.stop()))
})

test('execute, query, request and batch give the in-process result shapes', async () => {
  const db = createClient({ hosts: urls })
  const inserted = await db.execute({ sql: 'INSERT INTO t (name, score) VALUES (?, ?)', args: ['ada', 2.5] })
  expect(inserted.rowsAffected).toBe(1)
  expect(typeof inserted.lastInsertRowid).toBe('bigint')
  const named = await db.execute({ sql: 'INSERT INTO t (name, score) VALUES (:name, $score)', args: { name: 'grace', $score: 3 } })
  expect(named.lastInsertRowid).toBe(inserted.lastInsertRowid! + 1n)

  const read = await db.query({ sql: 'SELECT id, name, score FROM t WHERE name IN (?, ?) ORDER BY id', args: ['ada', 'grace'] })
  expect(read.columns).toEqual(['id', 'name', 'score'])
  expect(read.columnTypes).toEqual(['integer', 'text', 'real'])
  expect(read.rows.map((r) => [r.name, r.score])).toEqual([['ada', 2.5], ['grace', 3]])
  expect(typeof read.rows[1].score).toBe('number')
  expect(read.rows[0][0]).toBe(Number(inserted.lastInsertRowid))

  const [write, rows] = await db.request([
    { sql: 'UPDATE t SET score = score + 1 WHERE name = ?', args: ['ada'] },
    "SELECT score FROM t WHERE name = 'ada'",
  ])
  expect(write.rowsAffected).toBe(1)
  expect(rows.rows[0].score).toBe(3.5)

  const batch = await db.batch([
    { sql: 'INSERT INTO t (name) VALUES (?)', args: ['b1'] },
    { sql: 'INSERT INTO t (name) VALUES (?)', args: ['b2'] },
  ])
  expect(batch.map((r) => r.rowsAffected)).toEqual([1, 1])
  expect(batch[1].lastInsertRowid).toBe(batch[0].lastInsertRowid! + 1n)
})

test('a failing statement throws RaftliteError with its index; a transaction rolls the batch back', async () => {
  const db = createClient(urls)
  const err = await db.batch([
    { sql: 'INSERT INTO t (name) VALUES (?)', args: ['tx-rolled-back'] },
    'INSERT INTO nowhere VALUES (1)',
  ]).catch((e: unknown) => e)
  expect(err).toBeInstanceOf(RaftliteError)
  expect((err as RaftliteError).statementIndex).toBe(1)
  expect((err as Error).message).toBe('no such table: nowhere')
  expect((await db.query("SELECT count(*) AS n FROM t WHERE name = 'tx-rolled-back'", { level: 'strong' })).rows[0].n).toBe(0)

  // Without a transaction the first statement stays applied, as in rqlite.
  await expect(db.batch([{ sql: 'INSERT INTO t (name) VALUES (?)', args: ['no-tx'] }, 'INSERT INTO nowhere VALUES (1)'], { transaction: false })).rejects.toThrow(RaftliteError)
  expect((await db.query("SELECT count(*) AS n FROM t WHERE name = 'no-tx'", { level: 'strong' })).rows[0].n).toBe(1)

  await expect(db.query("INSERT INTO t (name) VALUES ('via query')")).rejects.toThrow(/attempt to change database via query operation|readonly/)
  await expect(db.batch([])).rejects.toThrow('no statements')
})

test('BLOBs round-trip as Uint8Array, positional and named; 64-bit integers per intMode', async () => {
  const exact = 9_007_199_254_740_993n // 2^53 + 1: a number would round it
  const bytes = new Uint8Array([0, 1, 127, 128, 255])
  const db = createClient({ hosts: urls, intMode: 'bigint' })
  const a = await db.execute({ sql: 'INSERT INTO t (name, big, data) VALUES (?, ?, ?)', args: ['blob-pos', exact, bytes] })
  await db.execute({ sql: 'INSERT INTO t (name, big, data) VALUES (:n, :b, :d)', args: { n: 'blob-named', b: -exact, d: bytes } })
  const read = await db.query("SELECT id, big, data, typeof(data) AS kind FROM t WHERE name LIKE 'blob-%' ORDER BY id")
  expect(read.rows.map((r) => [r.big, r.data, r.kind])).toEqual([[exact, bytes, 'blob'], [-exact, bytes, 'blob']])
  expect(read.rows[0].data).toBeInstanceOf(Uint8Array)
  expect(read.rows[0].id).toBe(a.lastInsertRowid)

  await expect(createClient(urls).query("SELECT big FROM t WHERE name = 'blob-pos'")).rejects.toThrow(RangeError)
  const asString = await createClient({ hosts: urls, intMode: 'string' }).query("SELECT big FROM t WHERE name = 'blob-named'")
  expect(asString.rows[0].big).toBe('-9007199254740993')
})

test('read levels reach the node; freshness fails a stale read on a follower', async () => {
  const db = createClient(urls)
  await db.execute("INSERT INTO t (name) VALUES ('levels')")
  for (const level of ['weak', 'linearizable', 'strong'] as const) {
    expect((await db.query("SELECT count(*) AS n FROM t WHERE name = 'levels'", { level })).rows[0].n).toBe(1)
  }
  const onFollower = createClient({ hosts: follower.url, level: 'none' })
  await waitFor('the row on the follower', async () => (await onFollower.query("SELECT count(*) AS n FROM t WHERE name = 'levels'")).rows[0].n === 1)
  // The follower heard from the leader more than 1 ns ago, always: a stale read, not a retry.
  const stale = await onFollower.query('SELECT 1', { freshness: '1ns' }).catch((e: unknown) => e)
  expect(stale).toBeInstanceOf(RemoteRequestError)
  expect((stale as Error).message).toBe('stale read')
  expect((await onFollower.query('SELECT 1 AS one', { freshness: 60_000, freshnessStrict: true })).rows[0].one).toBe(1)
})

test('queued writes return a sequence number, and with wait the rows are written', async () => {
  const db = createClient(follower.url)
  const first = await db.enqueue([{ sql: 'INSERT INTO t (name) VALUES (?)', args: ['queued'] }])
  const second = await db.enqueue([{ sql: 'INSERT INTO t (name) VALUES (?)', args: ['queued'] }], { wait: true })
  expect(typeof first.sequence).toBe('bigint')
  expect(second.sequence).toBeGreaterThan(first.sequence)
  expect((await db.query("SELECT count(*) AS n FROM t WHERE name = 'queued'", { level: 'linearizable' })).rows[0].n).toBe(2)
})

test('the change stream is an async iterator, resumable with since', async () => {
  const db = createClient(urls)
  const controller = new AbortController()
  const start = (await db.query('SELECT 1')).rows.length // touch the cluster first
  expect(start).toBe(1)
  await db.execute({ sql: 'INSERT INTO t (name) VALUES (?)', args: ['changed'] })
  const seen: { index: number; table: string | undefined; name: unknown }[] = []
  for await (const group of db.changes({ tables: '^t$', signal: controller.signal })) {
    for (const e of group.events) seen.push({ index: group.index, table: e.table, name: e.after?.name })
    if (seen.some((s) => s.name === 'changed')) break
  }
  const hit = seen.find((s) => s.name === 'changed')!
  expect(hit.table).toBe('t')
  // Resuming after that index yields only later changes.
  await db.execute({ sql: 'INSERT INTO t (name) VALUES (?)', args: ['changed-later'] })
  const iterator = db.changes({ since: hit.index })
  const next = await iterator.next()
  await iterator.return(undefined)
  expect(next.value?.index).toBeGreaterThan(hit.index)
  expect(next.value?.events[0].after?.name).toBe('changed-later')
})

test('the change stream outlives timeoutMs: one connection, held open (the fetch option sees each request)', async () => {
  const seen: string[] = []
  const counting: typeof fetch = (input, init) => {
    seen.push(new URL(String(input)).pathname)
    return fetch(input, init)
  }
  const db = createClient({ hosts: leader.url, timeoutMs: 300, fetch: counting })
  const before = await createClient(urls).execute({ sql: 'INSERT INTO t (name) VALUES (?)', args: ['before-long-lived'] })
  expect(before.rowsAffected).toBe(1)
  const iterator = db.changes({ tables: '^t$' })
  await iterator.next() // connected: there is at least that group
  await new Promise((r) => setTimeout(r, 800))
  await createClient(urls).execute({ sql: 'INSERT INTO t (name) VALUES (?)', args: ['long-lived'] })
  for (let i = 0; i < 1000; i++) {
    const next = await iterator.next()
    if (next.done || next.value.events.some((e) => e.after?.name === 'long-lived')) break
  }
  await iterator.return(undefined)
  expect(seen.filter((p) => p === '/db/changes')).toHaveLength(1)
})

test('a refused connection fails over to the next host; the write is applied once', async () => {
  const dead = `http://127.0.0.1:${await freePort()}`
  const db = createClient({ hosts: [dead, ...urls] })
  await db.execute({ sql: 'INSERT INTO t (name) VALUES (?)', args: ['after-refused'] })
  expect((await db.query("SELECT count(*) AS n FROM t WHERE name = 'after-refused'", { level: 'strong' })).rows[0].n).toBe(1)
  expect(db.hosts[0]).not.toBe(dead)

  const none = createClient({ hosts: [dead], failoverTimeoutMs: 300 })
  const err = await none.execute('SELECT 1').catch((e: unknown) => e)
  expect(err).toBeInstanceOf(NoHostAvailableError)
  expect((err as Error).message).toMatch(/nothing was applied/)
})

// A real HTTP server that reads the request, counts it, then breaks the connection (or never answers).
async function misbehavingServer(mode: 'drop' | 'hang'): Promise<{ url: string; hits: () => number; close: () => Promise<void> }> {
  let hits = 0
  const server: Server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      hits++
      if (mode === 'drop') res.socket?.destroy()
    })
  })
  const port = await freePort()
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r))
  return { url: `http://127.0.0.1:${port}`, hits: () => hits, close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))) }
}

test('a write whose connection drops after sending is never re-sent silently', async () => {
  const dropper = await misbehavingServer('drop')
  try {
    const db = createClient({ hosts: [dropper.url, ...urls] })
    const err = await db.execute({ sql: 'INSERT INTO t (name) VALUES (?)', args: ['unknown-outcome'] }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OutcomeUnknownError)
    expect((err as Error).message).toContain(`the outcome of the write sent to ${dropper.url} is unknown`)
    expect(dropper.hits()).toBe(1)
    expect((await db.query("SELECT count(*) AS n FROM t WHERE name = 'unknown-outcome'", { level: 'strong' })).rows[0].n).toBe(0)

    expect(dropper.hits()).toBe(1) // and the client no longer starts with the host that failed

    // A read is safe to send again: it goes on to the next host.
    expect((await createClient({ hosts: [dropper.url, ...urls] }).query('SELECT 7 AS n')).rows[0].n).toBe(7)
    expect(dropper.hits()).toBe(2)

    // Opted in (the caller knows the write is idempotent): re-sent to the next host.
    const optedIn = createClient({ hosts: [dropper.url, ...urls], retryUnknownWrites: true })
    await optedIn.execute({ sql: 'INSERT OR REPLACE INTO t (id, name) VALUES (?, ?)', args: [1_000_000, 'idempotent'] })
    expect(dropper.hits()).toBe(3)
    expect((await db.query("SELECT count(*) AS n FROM t WHERE name = 'idempotent'", { level: 'strong' })).rows[0].n).toBe(1)
  } finally {
    await dropper.close()
  }
})

// A real HTTP server that answers every request with one request-level error, as a node would.
async function erringServer(error: string): Promise<{ url: string; hits: () => number; close: () => Promise<void> }> {
  let hits = 0
  const server = createServer((req, res) => {
    req.resume()
    hits++
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify({ results: [], error }))
  })
  const port = await freePort()
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r))
  return { url: `http://127.0.0.1:${port}`, hits: () => hits, close: () => new Promise((r) => server.close(() => r())) }
}

test('request-level errors: "not leader" is re-sent elsewhere; "store not open" after a write is an unknown outcome', async () => {
  const notLeader = await erringServer('not leader')
  const stopping = await erringServer('store not open') // a stopping node fails its pending proposals so
  try {
    await createClient([notLeader.url, ...urls]).execute({ sql: 'INSERT INTO t (name) VALUES (?)', args: ['after-not-leader'] })
    expect(notLeader.hits()).toBe(1)
    expect((await createClient(urls).query("SELECT count(*) AS n FROM t WHERE name = 'after-not-leader'", { level: 'strong' })).rows[0].n).toBe(1)

    const err = await createClient([stopping.url, ...urls]).execute("INSERT INTO t (name) VALUES ('maybe')").catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OutcomeUnknownError)
    expect(((err as Error).cause as Error).message).toBe('store not open')
    expect((await createClient([stopping.url, ...urls]).query('SELECT 5 AS n')).rows[0].n).toBe(5) // a read moves on
    expect(stopping.hits()).toBe(2)
    expect((await createClient(urls).query("SELECT count(*) AS n FROM t WHERE name = 'maybe'", { level: 'strong' })).rows[0].n).toBe(0)
  } finally {
    await Promise.all([notLeader.close(), stopping.close()])
  }
})

test('timeouts and aborts: a hung write times out as outcome unknown, an aborted call rejects with the reason', async () => {
  const hung = await misbehavingServer('hang')
  try {
    const db = createClient({ hosts: [hung.url], timeoutMs: 300 })
    const err = await db.execute("INSERT INTO t (name) VALUES ('hung')").catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OutcomeUnknownError)
    expect(((err as Error).cause as Error).name).toBe('TimeoutError')

    const controller = new AbortController()
    const pending = createClient({ hosts: [hung.url] }).query('SELECT 1', { signal: controller.signal })
    setTimeout(() => controller.abort(new Error('caller gave up')), 100)
    await expect(pending).rejects.toThrow('caller gave up')
  } finally {
    await hung.close()
  }
})

test('Basic auth: credentials are sent; without them the server refuses with 401', async () => {
  const users = join(tempDataDir('raftlite-client-auth-'), 'users.json')
  writeFileSync(users, JSON.stringify([{ username: 'bob', password: 'secret1', perms: ['all'] }, { username: 'mary', password: 'secret2', perms: ['query'] }, { username: '*', perms: ['ready'] }]))
  const secured = await startRaftlited({ args: ['-auth', users] })
  try {
    const bob = createClient({ hosts: secured.url, auth: { username: 'bob', password: 'secret1' } })
    await bob.execute('CREATE TABLE s (v TEXT)')
    await bob.execute({ sql: 'INSERT INTO s VALUES (?)', args: ['ok'] })
    const mary = createClient({ hosts: secured.url, auth: { username: 'mary', password: 'secret2' } })
    expect((await mary.query('SELECT v FROM s')).rows[0].v).toBe('ok')
    const denied = await mary.batch(["INSERT INTO s VALUES ('no')"]).catch((e: unknown) => e)
    expect(denied).toBeInstanceOf(RemoteRequestError)
    expect((denied as RemoteRequestError).status).toBe(401)
    await expect(createClient(secured.url).query('SELECT 1')).rejects.toThrow(/^401 from/)
  } finally {
    await secured.stop()
  }
})

test('an answer that breaks the API contract is a MalformedResponseError, never a wrong result', async () => {
  const bodies = ['not json', '{"no_results":true}', '{"results":[{"columns":["b"],"types":["blob"],"values":[[[1,300]]]}]}', '{"results":[{"columns":["x"],"types":["text"],"values":[[{"a":1}]]}]}']
  let i = 0
  const server = createServer((req, res) => {
    req.resume()
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(bodies[i++])
  })
  const port = await freePort()
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r))
  try {
    const db = createClient(`http://127.0.0.1:${port}`)
    for (const message of ['invalid JSON', 'no "results" array', 'not a byte', 'a value is an object']) {
      await expect(db.query('SELECT 1')).rejects.toThrow(message)
    }
    await expect(db.query('SELECT 1')).rejects.toThrow(MalformedResponseError)
  } finally {
    await new Promise((r) => server.close(r))
  }
})

test('whole REALs stay numbers under intMode bigint (Go writes 2.0 as 2)', async () => {
  const db = createClient({ hosts: urls, intMode: 'bigint' })
  const { rows } = await db.query('SELECT CAST(2 AS REAL) AS r, 2 AS i')
  expect(rows[0].r).toBe(2)
  expect(rows[0].i).toBe(2n)
})

test('bad host URLs are refused with a clear message', () => {
  expect(() => createClient([])).toThrow('at least one host')
  expect(() => createClient('ftp://x')).toThrow('not an http(s) host')
  expect(() => createClient('http://u:p@127.0.0.1:1')).toThrow('put credentials in the auth option')
  expect(createClient('127.0.0.1:4001/').hosts).toEqual(['http://127.0.0.1:4001'])
})

// Last: it kills a follower (the cluster keeps its quorum).
test('the change stream resumes on another host when its node dies, with no gap and no repeat', async () => {
  const victim = procs.find((p) => p !== leader)!
  const others = procs.filter((p) => p !== victim).map((p) => p.url)
  const writer = createClient(others)
  const first = await writer.execute({ sql: 'INSERT INTO t (name) VALUES (?)', args: ['resume-0'] })
  const reader = createClient({ hosts: [victim.url, ...others] })
  const names: string[] = []
  const indexes: number[] = []
  const done = (async () => {
    for await (const group of reader.changes({ tables: '^t$' })) {
      for (const e of group.events) if (String(e.after?.name ?? '').startsWith('resume-')) names.push(String(e.after!.name))
      indexes.push(group.index)
      if (names.includes('resume-3')) return
    }
  })()
  await waitFor('the first change on the victim', async () => names.includes('resume-0'))
  expect(first.rowsAffected).toBe(1)
  await victim.stop('SIGKILL')
  for (const n of [1, 2, 3]) await writer.execute({ sql: 'INSERT INTO t (name) VALUES (?)', args: [`resume-${n}`] })
  await Promise.race([done, new Promise((_, reject) => setTimeout(() => reject(new Error(`stream did not resume: ${names.join(',')}`)), 20_000))])
  expect(names).toEqual(['resume-0', 'resume-1', 'resume-2', 'resume-3'])
  expect(new Set(indexes).size).toBe(indexes.length)
  expect(reader.hosts[0]).not.toBe(victim.url)
}, 60_000)
