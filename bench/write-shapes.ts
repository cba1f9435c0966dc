/**
 * The write shapes users run, beside the append-only insert: an upsert of existing keys (the
 * etcd-equivalent key/value workload), an UPDATE of existing rows by primary key, and a
 * 10-statement transaction per request. Each has an etcd equivalent in bench/peers/etcd.ts, built
 * from the same key and value sequence, so the two are compared shape for shape.
 */
import { runLoad } from './http-load.ts'

/** Keys the key/value shapes cycle through, all written before the measured load. */
export const KV_KEYS = 10_000
const VALUE_BYTES = 128

export const kvKey = (i: number) => `key-${(i % KV_KEYS).toString().padStart(5, '0')}`
/** 128 bytes that change with every write, so no write is a no-op. */
export const kvValue = (i: number) => `${i}:`.padEnd(VALUE_BYTES, 'v')

export const CREATE_KV = 'CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT)'
const UPSERT = 'INSERT OR REPLACE INTO kv(k, v) VALUES(?, ?)'

/** One upsert per request, over KV_KEYS existing keys. */
export const kvUpsert = (i: number) => ({
  method: 'POST' as const,
  path: '/db/execute',
  body: JSON.stringify([[UPSERT, kvKey(i), kvValue(i)]]),
})

/** `UPDATE … WHERE id = ?` over `rows` existing rows of the bench table. */
export const updateById = (rows: number) => (i: number) => ({
  method: 'POST' as const,
  path: '/db/execute',
  body: JSON.stringify([['UPDATE bench SET value = ? WHERE id = ?', i, (i % rows) + 1]]),
})

export const TXN_STATEMENTS = 10
/** Ten upserts of distinct existing keys in one transaction per request. */
export const kvTransaction = (i: number) => ({
  method: 'POST' as const,
  path: '/db/execute?transaction',
  body: JSON.stringify(Array.from({ length: TXN_STATEMENTS }, (_, j) => [UPSERT, kvKey(i * TXN_STATEMENTS + j), kvValue(i)])),
})

/** Writes every key once (1,000 per request), so the measured shapes update existing rows. */
export async function fillKv(url: string): Promise<void> {
  const perRequest = 1000
  const next = (i: number) => ({
    method: 'POST' as const,
    path: '/db/execute?transaction',
    body: JSON.stringify(Array.from({ length: perRequest }, (_, j) => [UPSERT, kvKey(i * perRequest + j), kvValue(0)])),
  })
  const r = await runLoad(url, { clients: 1, next, ok: (s) => s === 200, seconds: 60, maxOps: KV_KEYS / perRequest })
  if (r.errors > 0) throw new Error(`filling kv failed: ${r.firstError}`)
}
