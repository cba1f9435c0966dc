// The remote client's smoke sequence, shared by the runtime script (client-smoke.ts: Node, Deno,
// Bun) and the Worker (worker/smoke-worker.ts): execute, batch (and its rollback), a queued
// write, a linearizable read, a mixed request, BLOB and bigint round trips. Web-standard APIs only.
import { createClient, OutcomeUnknownError, RaftliteError } from '../../src/remote-client/mod.ts'

export interface SmokeSummary {
  table: string
  lastInsertRowid: string
  names: unknown[]
  big: string
  blob: number[] | null
  rolledBack: boolean
  sequence: string
  count: string
  outcomeUnknownIsError: boolean
}

/** What the sequence returns on every runtime (besides its random table name). */
export const EXPECTED_SMOKE: Omit<SmokeSummary, 'table'> = {
  lastInsertRowid: 'bigint',
  names: ['ada', 'grace', 'queued'],
  big: String(2n ** 62n),
  blob: [1, 2, 255],
  rolledBack: true,
  sequence: 'bigint',
  count: '3',
  outcomeUnknownIsError: true,
}

/** Runs the sequence against `hosts` (the first may be dead, to prove failover). */
export async function runSmoke(hosts: readonly string[], failoverTimeoutMs?: number): Promise<SmokeSummary> {
  const db = createClient({ hosts, intMode: 'bigint', failoverTimeoutMs })
  const table = `smoke_${Math.random().toString(36).slice(2, 8)}`

  await db.execute(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, name TEXT, big INTEGER, data BLOB)`)
  const inserted = await db.execute({ sql: `INSERT INTO ${table} (name, big, data) VALUES (?, ?, ?)`, args: ['ada', 2n ** 62n, new Uint8Array([1, 2, 255])] })
  await db.batch([{ sql: `INSERT INTO ${table} (name) VALUES (:name)`, args: { name: 'grace' } }])
  let rolledBack = false
  try {
    await db.batch([`INSERT INTO ${table} (name) VALUES ('gone')`, 'INSERT INTO nowhere VALUES (1)'])
  } catch (e) {
    rolledBack = e instanceof RaftliteError && e.statementIndex === 1
  }
  const queued = await db.enqueue([`INSERT INTO ${table} (name) VALUES ('queued')`], { wait: true })
  const read = await db.query(`SELECT name, big, data FROM ${table} ORDER BY id`, { level: 'linearizable' })
  const [, mixed] = await db.request([`UPDATE ${table} SET name = 'ada!' WHERE id = ${inserted.lastInsertRowid}`, `SELECT count(*) AS n FROM ${table}`])

  return {
    table,
    lastInsertRowid: typeof inserted.lastInsertRowid,
    names: read.rows.map((r) => r.name),
    big: String(read.rows[0].big),
    blob: read.rows[0].data instanceof Uint8Array ? [...read.rows[0].data] : null,
    rolledBack,
    sequence: typeof queued.sequence,
    count: String(mixed.rows[0].n),
    outcomeUnknownIsError: new OutcomeUnknownError('x', new Error('y')) instanceof Error,
  }
}
