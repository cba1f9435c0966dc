/** Runs one HTTP workload (warm-up, then measured) and turns it into a table row. */
import { type LoadOptions, runLoad } from './http-load.ts'
import type { Row, System } from './row.ts'

export interface Budget {
  seconds: number
  maxOps: number
  warmupSeconds: number
}

export interface WorkloadSpec {
  system: System
  workload: string
  url: string
  clients: number
  next: LoadOptions['next']
  ok: LoadOptions['ok']
  /** Statements per request, so batches report statements/s. */
  perOp?: number
}

export async function measure(spec: WorkloadSpec, budget: Budget): Promise<Row> {
  const { url, clients, next, ok } = spec
  // Unmeasured first, so JIT and first-request compilation are not counted.
  await runLoad(url, { clients, next, ok, seconds: budget.warmupSeconds, maxOps: Math.min(budget.maxOps, 5000 * Math.max(1, Math.ceil(budget.warmupSeconds))) })
  const r = await runLoad(url, { clients, next, ok, seconds: budget.seconds, maxOps: budget.maxOps })
  return {
    system: spec.system,
    workload: spec.workload,
    clients,
    // Successful requests only: a peer that refuses work (dqlite-demo's "database is locked") is not credited.
    value: ((r.ops - r.errors) / r.seconds) * (spec.perOp ?? 1),
    p50Ms: r.p50Ms,
    p99Ms: r.p99Ms,
    maxMs: r.maxMs,
    ops: r.ops,
    errors: r.errors,
    note: r.firstError && `first error: ${r.firstError}`,
  }
}

export const okWrite = (status: number, body: string) => status === 200 && body.includes('"rows_affected":')
/** Every statement of the request succeeded (a transaction's failure names one statement's error). */
export const okWriteAll = (status: number, body: string) => okWrite(status, body) && !body.includes('"error"')
export const okRead = (status: number, body: string) => status === 200 && body.includes('"values"')
export const okQueued = (status: number, body: string) => status === 200 && body.includes('"sequence_number"')

/** rqlite's API: statement builders shared by the single-node and cluster workloads. */
export const insert = (i: number) => ({
  method: 'POST' as const,
  path: '/db/execute',
  body: JSON.stringify([['INSERT INTO bench(name, value) VALUES(?, ?)', `name-${i}`, i]]),
})
export const pointSelect = (level: string, rows: number) => (i: number) => ({
  method: 'GET' as const,
  path: `/db/query?level=${level}&q=${encodeURIComponent(`SELECT * FROM bench WHERE id = ${(i % rows) + 1}`)}`,
})
/** 90 % weak point selects, 10 % single inserts, interleaved deterministically. */
export const mixed = (rows: number) => {
  const select = pointSelect('weak', rows)
  return (i: number) => (i % 10 === 9 ? insert(i) : select(i))
}
export const okMixed = (status: number, body: string) => okRead(status, body) || okWrite(status, body)

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
