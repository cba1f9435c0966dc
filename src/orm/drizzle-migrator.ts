/**
 * Drizzle migrations (the folder drizzle-kit generates) applied through a raftlite client. All
 * pending migrations and their journal rows go in ONE atomic batch: one log entry, all or nothing.
 * Reads the folder with Drizzle's own reader, which needs a file system (Node, Deno, Bun).
 */
import type { MigrationConfig } from 'drizzle-orm/migrator'
import { migrate as migrateProxy } from 'drizzle-orm/sqlite-proxy/migrator'
import type { SqliteRemoteDatabase } from 'drizzle-orm/sqlite-proxy'
import type { SqlClient } from './sql-client.ts'

export async function migrate<TSchema extends Record<string, unknown>>(
  db: SqliteRemoteDatabase<TSchema>,
  client: SqlClient,
  config: MigrationConfig,
): Promise<void> {
  await migrateProxy(db, async (queries) => {
    const statements = queries.map((q) => q.trim()).filter((q) => q !== '')
    if (statements.length > 0) await client.batch(statements, { transaction: true })
  }, config)
}
