/** The Kysely example's migrations, in code (a FileMigrationProvider reading a folder works too). */
import { type Kysely, sql } from 'kysely'
import type { Migration } from 'kysely/migration'

export const migrations: Record<string, Migration> = {
  '2026_01_01_init': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('authors')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
        .execute()
      await db.schema
        .createTable('posts')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('author_id', 'integer', (c) => c.notNull().references('authors.id'))
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('views', 'integer', (c) => c.notNull().defaultTo(0))
        .execute()
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('posts').execute()
      await db.schema.dropTable('authors').execute()
    },
  },
  '2026_02_01_posts_by_views': {
    async up(db: Kysely<unknown>) {
      await sql`CREATE INDEX posts_by_views ON posts (views DESC)`.execute(db)
    },
    async down(db: Kysely<unknown>) {
      await sql`DROP INDEX posts_by_views`.execute(db)
    },
  },
}
