import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest'
import { MemoryFilePort, RaftliteError, RaftliteNode, platformWith } from '../../src/mod.ts'

let node: RaftliteNode

beforeAll(async () => {
  node = await RaftliteNode.start({ dataDir: '/lib' }, platformWith(new MemoryFilePort()))
  await node.ready
})
afterAll(() => node.stop())

describe('in-process client', () => {
  test('execute, batch and query with typed results', async () => {
    const db = node.client()
    await db.execute('CREATE TABLE todo (id INTEGER PRIMARY KEY, title TEXT NOT NULL, done BOOLEAN, score REAL)')
    const [a, b] = await db.batch([
      { sql: 'INSERT INTO todo(title, done, score) VALUES (?, ?, ?)', args: ['write docs', false, 1.5] },
      { sql: 'INSERT INTO todo(title, done, score) VALUES (:title, :done, :score)', args: { title: 'ship', done: true, score: 2 } },
    ])
    expect(a).toMatchObject({ rowsAffected: 1, lastInsertRowid: 1n })
    expect(b).toMatchObject({ rowsAffected: 1, lastInsertRowid: 2n })
    const rs = await db.query('SELECT id, title, done, score, typeof(score) AS t FROM todo ORDER BY id')
    expect(rs.columns).toEqual(['id', 'title', 'done', 'score', 't'])
    expect(rs.columnTypes).toEqual(['integer', 'text', 'boolean', 'real', ''])
    expect(rs.rows.map((r) => [...r])).toEqual([[1, 'write docs', 0, 1.5, 'real'], [2, 'ship', 1, 2, 'real']])
    expect(rs.rows[1].title).toBe('ship') // rows are arrays with named columns too
    expect(JSON.stringify(rs.rows[0])).toBe('[1,"write docs",0,1.5,"real"]')
  })

  test('integers are exact: number mode refuses to round, bigint and string modes keep every digit', async () => {
    await node.client().execute({ sql: 'CREATE TABLE big (v INTEGER)' })
    await node.client().execute({ sql: 'INSERT INTO big VALUES (?)', args: [9007199254740993n] })
    await expect(node.client().query('SELECT v FROM big')).rejects.toThrow(RangeError)
    expect((await node.client({ intMode: 'bigint' }).query('SELECT v FROM big')).rows[0][0]).toBe(9007199254740993n)
    expect((await node.client({ intMode: 'string' }).query('SELECT v FROM big')).rows[0][0]).toBe('9007199254740993')
  })

  test('errors name the statement; a failed atomic batch changes nothing', async () => {
    const db = node.client()
    await db.execute('CREATE TABLE u (v TEXT UNIQUE)')
    const failure = await db.batch(['INSERT INTO u VALUES (1)', 'INSERT INTO u VALUES (1)']).catch((e: unknown) => e)
    expect(failure).toBeInstanceOf(RaftliteError)
    expect(failure).toMatchObject({ statementIndex: 1, message: 'UNIQUE constraint failed: u.v' })
    expect((await db.query('SELECT count(*) AS n FROM u')).rows[0].n).toBe(0)
    await expect(db.query("INSERT INTO u VALUES ('x')")).rejects.toThrow('attempt to change database via query operation')
  })

  test('request runs reads and writes together; with transaction, all or nothing', async () => {
    const db = node.client()
    await db.execute('CREATE TABLE req (v TEXT UNIQUE)')
    const [write, read] = await db.request([{ sql: 'INSERT INTO req VALUES (?)', args: ['a'] }, 'SELECT v FROM req'], { transaction: true })
    expect(write.rowsAffected).toBe(1)
    expect(read.rows.map((r) => r.v)).toEqual(['a'])
    await expect(db.request(["INSERT INTO req VALUES ('b')", "INSERT INTO req VALUES ('a')"], { transaction: true })).rejects.toThrow('UNIQUE constraint failed: req.v')
    expect((await db.query('SELECT count(*) AS n FROM req')).rows[0].n).toBe(1)
  })

  test('queued writes resolve with a sequence number and flush', async () => {
    const db = node.client()
    await db.execute('CREATE TABLE q (v INTEGER)')
    const first = await db.enqueue([{ sql: 'INSERT INTO q VALUES (?)', args: [1] }])
    const second = await db.enqueue(['INSERT INTO q VALUES (2)'])
    expect(second.sequence).toBe(first.sequence + 1n)
    await second.flushed
    expect((await db.query('SELECT sum(v) AS s FROM q')).rows[0].s).toBe(3)
  })

  test('node events: ready and leader are observable', async () => {
    const fresh = await RaftliteNode.start({ dataDir: '/events', nodeId: 'n1' }, platformWith(new MemoryFilePort()))
    const seen: string[] = []
    fresh.addEventListener('leader', (e) => seen.push(`leader:${(e as CustomEvent).detail.id}`))
    fresh.addEventListener('ready', () => seen.push('ready'))
    fresh.addEventListener('stopped', () => seen.push('stopped'))
    // A single node elects itself after its election timeout; wait for it rather than a fixed
    // delay, which a loaded CI machine overran.
    await vi.waitFor(() => expect(seen).toContain('ready'), { timeout: 10_000, interval: 5 })
    await fresh.stop()
    expect(seen).toEqual(['leader:n1', 'ready', 'stopped'])
  })
})
