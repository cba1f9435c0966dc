/**
 * Kysely on a raftlite (or rqlite) cluster, over the remote client.
 *   RAFTLITE_URL=http://127.0.0.1:4001 npx tsx examples/kysely/app.ts
 * Migrates to the latest schema with Kysely's Migrator, then writes and reads. In your project,
 * import from 'raftlite/client' and 'raftlite/kysely' instead of the relative paths.
 */
import { Kysely, sql } from 'kysely'
import { Migrator } from 'kysely/migration'
import { createClient } from '../../src/remote-client/mod.ts'
import { RaftliteDialect } from '../../src/orm/kysely.ts'
import { migrations } from './migrations.ts'
import type { Database } from './schema.ts'

const client = createClient({ hosts: (process.env.RAFTLITE_URL ?? 'http://127.0.0.1:4001').split(',') })
const db = new Kysely<Database>({ dialect: new RaftliteDialect({ client }) })

const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } })
const { error, results } = await migrator.migrateToLatest()
if (error) throw error

const author = await db
  .insertInto('authors')
  .values({ name: 'Grace' })
  .onConflict((oc) => oc.column('name').doUpdateSet({ active: 1 }))
  .returning(['id', 'name'])
  .executeTakeFirstOrThrow()
await db
  .insertInto('posts')
  .values([
    { author_id: author.id, title: 'The first compiler', views: 7 },
    { author_id: author.id, title: 'Nanoseconds', views: 42 },
  ])
  .execute()
const updated = await db.updateTable('posts').set({ views: sql`views + 1` }).where('author_id', '=', author.id).executeTakeFirst()

const top = await db
  .selectFrom('posts')
  .innerJoin('authors', 'authors.id', 'posts.author_id')
  .select(['posts.title', 'posts.views', 'authors.name as author'])
  .orderBy('posts.views', 'desc')
  .executeTakeFirstOrThrow()
const { count } = await db.selectFrom('posts').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow()
console.log(JSON.stringify({ migrated: (results ?? []).map((r) => `${r.migrationName}:${r.status}`), author: author.name, updated: String(updated.numUpdatedRows), top, posts: count }))
await db.destroy()
