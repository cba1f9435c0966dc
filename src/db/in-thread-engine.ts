/**
 * The engine in the caller's thread: `Database` itself, behind the engine port. Used where a
 * runtime has no threads (Workers, Durable Objects), by tests on memory files, and inside the
 * worker of a worker-backed engine. A long statement here blocks the thread it runs on.
 */
import type { Database } from './database.ts'
import type { Engine, EngineApplied, EngineApply } from './engine.ts'
import type { RowChange } from './row-changes.ts'

export class InThreadEngine implements Engine {
  #recording: boolean | null = null

  constructor(readonly database: Database) {}

  async applyBatches(batches: EngineApply[]): Promise<EngineApplied[]> {
    const db = this.database
    const recordChanges = batches.some((b) => b.recordChanges)
    db.recordRowChanges(recordChanges)
    return batches.map(({ batch, recordChanges }) => {
      const changes: RowChange[] | undefined = recordChanges ? [] : undefined
      const results = db.applyBatch(batch, changes)
      return changes ? { results, changes } : { results }
    })
  }

  async query(...args: Parameters<Database['query']>): Promise<ReturnType<Database['query']>> {
    return this.database.query(...args)
  }

  async refusal(sql: string): Promise<string | null> {
    return this.database.refusal(sql)
  }

  async isReadOnly(sql: string): Promise<boolean> {
    return this.database.isReadOnly(sql)
  }

  async checkpoint(): Promise<boolean> {
    return this.database.checkpoint()
  }

  async sizes(): Promise<{ file: number; wal: number }> {
    return { file: this.database.fileSize(), wal: this.database.walSize() }
  }

  async pragmas(): Promise<ReturnType<Database['pragmas']>> {
    return this.database.pragmas()
  }

  async sqliteVersion(): Promise<string> {
    return this.database.sqliteVersion
  }

  async closeConnections(): Promise<void> {
    this.#recording = this.database.suspend()
  }

  async reopen(): Promise<void> {
    this.database.resume(this.#recording ?? false)
    this.#recording = null
  }

  async close(): Promise<void> {
    this.database.close()
  }
}
