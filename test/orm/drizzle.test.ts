// The Drizzle driver (src/orm/drizzle.ts) over both clients: the remote client against a real
// raftlited process, and the in-process client of a node in this process. Migrations, queries,
// the atomic batch, and a transaction refused before anything runs.
import { join } from 'node:path'
import { count, eq, sql } from 'drizzle-orm'
import { describe, expect, test } from 'vitest'
import { bothClients } from './both-clients.ts'
import { drizzle, InteractiveTransactionError } from '../../src/orm/drizzle.ts'
import { migrate } from '../../src/orm/drizzle-migrator.ts'
import { ROOT } from '../support/raftlited-process.ts'
import { authors, posts } from '../../examples/drizzle/schema.ts'

const migrationsFolder = join(ROOT, 'examples/drizzle/migrations')
const clients = bothClients('/orm')

describe.each(clients)('drizzle over %s', (_, makeClient) => {
  test('migrations apply once, atomically, and are recorded', async () => {
    const client = makeClient()
    const db = drizzle(client)
    await migrate(db, client, { migrationsFolder })
    await migrate(db, client, { migrationsFolder }) // nothing pending: a no-op
    const journal = await client.execute('SELECT hash FROM __drizzle_migrations')
    expect(journal.rows).toHaveLength(1)
    const tables = await client.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('authors', 'posts') ORDER BY name")
    expect(tables.rows.map((r) => r.name)).toEqual(['authors', 'posts'])
  })

  test('insert … returning, select, update, delete, joins and aggregates', async () => {
    const db = drizzle(makeClient())
    const [ada] = await db.insert(authors).values({ name: 'Ada' }).returning()
    expect(ada).toEqual({ id: expect.any(Number), name: 'Ada', active: true })
    const inserted = await db.insert(posts).values({ authorId: ada.id, title: 'Notes', views: 2 })
    expect(inserted).toMatchObject({ rowsAffected: 1 })
    await db.update(posts).set({ views: sql`${posts.views} * 10` }).where(eq(posts.authorId, ada.id))
    const joined = await db.select({ title: posts.title, views: posts.views, author: authors.name }).from(posts).innerJoin(authors, eq(authors.id, posts.authorId))
    expect(joined).toEqual([{ title: 'Notes', views: 20, author: 'Ada' }])
    expect(await db.select().from(authors).where(eq(authors.name, 'nobody')).get()).toBeUndefined()
    expect((await db.select().from(authors).where(eq(authors.id, ada.id)).get())?.active).toBe(true)
    await db.update(authors).set({ active: false }).where(eq(authors.id, ada.id))
    expect((await db.select({ active: authors.active }).from(authors).get())?.active).toBe(false)
    await db.delete(posts).where(eq(posts.authorId, ada.id))
    expect(await db.select({ n: count() }).from(posts)).toEqual([{ n: 0 }])
  })

  test('db.batch is one atomic write: a failing statement rolls the others back', async () => {
    const db = drizzle(makeClient())
    const [grace] = await db.insert(authors).values({ name: 'Grace' }).returning({ id: authors.id })
    const [, , rows] = await db.batch([
      db.insert(posts).values({ authorId: grace.id, title: 'one' }),
      db.insert(posts).values({ authorId: grace.id, title: 'two' }),
      db.select({ title: posts.title }).from(posts).where(eq(posts.authorId, grace.id)),
    ])
    expect(rows).toEqual([{ title: 'one' }, { title: 'two' }])
    await expect(db.batch([
      db.insert(posts).values({ authorId: grace.id, title: 'three' }),
      db.insert(authors).values({ name: 'Grace' }), // UNIQUE violation
    ])).rejects.toThrow(/UNIQUE constraint failed: authors.name/)
    expect(await db.select({ n: count() }).from(posts).where(eq(posts.authorId, grace.id))).toEqual([{ n: 2 }])
  })

  test('db.transaction() is refused before anything runs, with a clear error', async () => {
    const db = drizzle(makeClient())
    let ran = false
    const err = await db.transaction(async (tx) => {
      ran = true
      await tx.insert(authors).values({ name: 'in-a-transaction' })
    }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(InteractiveTransactionError)
    expect((err as Error).message).toMatch(/interactive transactions are not supported .* Use db\.batch/)
    expect(ran).toBe(false)
    // A hand-written BEGIN is refused the same way (Drizzle wraps it as the cause of its query error).
    const begin = await db.run(sql`BEGIN`).catch((e: unknown) => e)
    expect((begin as Error).cause).toBeInstanceOf(InteractiveTransactionError)
    expect(await db.select().from(authors).where(eq(authors.name, 'in-a-transaction'))).toEqual([])
  })
})
