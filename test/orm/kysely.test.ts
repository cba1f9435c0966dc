// The Kysely dialect (src/orm/kysely.ts) over both clients: the remote client against a real
// raftlited process, and the in-process client of a node in this process. Kysely's Migrator,
// queries, introspection, and a transaction refused before anything runs.
import { Kysely, sql } from 'kysely'
import { Migrator } from 'kysely/migration'
import { describe, expect, test } from 'vitest'
import { bothClients } from './both-clients.ts'
import { InteractiveTransactionError, RaftliteDialect } from '../../src/orm/kysely.ts'
import { migrations } from '../../examples/kysely/migrations.ts'
import type { Database } from '../../examples/kysely/schema.ts'

const clients = bothClients('/kysely')

describe.each(clients)('kysely over %s', (_, makeClient) => {
  const open = () => new Kysely<Database>({ dialect: new RaftliteDialect({ client: makeClient() }) })

  test("Kysely's Migrator migrates to the latest, once", async () => {
    const db = open()
    const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } })
    const first = await migrator.migrateToLatest()
    expect(first.error).toBeUndefined()
    expect(first.results?.map((r) => [r.migrationName, r.status])).toEqual([['2026_01_01_init', 'Success'], ['2026_02_01_posts_by_views', 'Success']])
    expect((await migrator.migrateToLatest()).results).toEqual([])
    const tables = await db.introspection.getTables()
    expect(tables.map((t) => t.name).sort()).toEqual(['authors', 'posts'])
    expect(tables.find((t) => t.name === 'posts')?.columns.map((c) => c.name)).toEqual(['id', 'author_id', 'title', 'views'])
  })

  test('insert, returning, select with joins, update and delete', async () => {
    const db = open()
    const inserted = await db.insertInto('authors').values({ name: 'Grace' }).executeTakeFirstOrThrow()
    expect(typeof inserted.insertId).toBe('bigint')
    const grace = Number(inserted.insertId)
    const returned = await db.insertInto('posts').values([{ author_id: grace, title: 'a', views: 1 }, { author_id: grace, title: 'b', views: 5 }]).returning(['title']).execute()
    expect(returned).toEqual([{ title: 'a' }, { title: 'b' }])
    const updated = await db.updateTable('posts').set({ views: sql`views * 2` }).where('author_id', '=', grace).executeTakeFirst()
    expect(updated.numUpdatedRows).toBe(2n)
    const rows = await db
      .selectFrom('posts')
      .innerJoin('authors', 'authors.id', 'posts.author_id')
      .select(['posts.title', 'posts.views', 'authors.name as author'])
      .orderBy('posts.views', 'desc')
      .execute()
    expect(rows).toEqual([{ title: 'b', views: 10, author: 'Grace' }, { title: 'a', views: 2, author: 'Grace' }])
    const deleted = await db.deleteFrom('posts').where('title', '=', 'a').executeTakeFirst()
    expect(deleted.numDeletedRows).toBe(1n)
    await expect(db.insertInto('authors').values({ name: 'Grace' }).execute()).rejects.toThrow('UNIQUE constraint failed: authors.name')
  })

  test('db.transaction() is refused before anything runs, with a clear error', async () => {
    const db = open()
    let ran = false
    const err = await db.transaction().execute(async (trx) => {
      ran = true
      await trx.insertInto('authors').values({ name: 'in-a-transaction' }).execute()
    }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(InteractiveTransactionError)
    expect((err as Error).message).toMatch(/^kysely: interactive transactions are not supported/)
    expect(ran).toBe(false)
    await expect(sql`BEGIN`.execute(db)).rejects.toThrow(InteractiveTransactionError)
    expect(await db.selectFrom('authors').selectAll().where('name', '=', 'in-a-transaction').execute()).toEqual([])
  })
})
