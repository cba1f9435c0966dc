/** The table and column names tab completion offers, asked of the node when needed. */
import type { SchemaNames } from './completion.ts'
import { cellText } from './render-rows.ts'
import { readResponse } from './result-view.ts'
import type { ShellHttp } from './shell-http.ts'

const SQL = "SELECT m.name, p.name FROM sqlite_master AS m, pragma_table_info(m.name) AS p WHERE m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite_%'"
// Completion must not hang the prompt on a slow or dead node.
const COMPLETION_TIMEOUT_MS = 2_000

export class SchemaNameCache {
  private cached?: SchemaNames

  constructor(private readonly http: ShellHttp) {}

  /** Forget the names (a statement may have changed the schema). */
  invalidate(): void {
    this.cached = undefined
  }

  async get(): Promise<SchemaNames> {
    if (this.cached) return this.cached
    const res = await this.http.send({
      method: 'POST',
      path: 'db/query',
      headers: { 'Content-Type': 'application/json' },
      body: () => JSON.stringify([SQL]),
      signal: AbortSignal.timeout(COMPLETION_TIMEOUT_MS),
    })
    const response = readResponse(await res.text())
    const tables = new Set<string>()
    const columns = new Set<string>()
    for (const result of response.results) {
      if (result.kind !== 'rows') continue
      for (const row of result.rows) {
        tables.add(cellText(row[0]))
        columns.add(cellText(row[1]))
      }
    }
    this.cached = { tables: [...tables].sort(), columns: [...columns].sort() }
    return this.cached
  }
}
