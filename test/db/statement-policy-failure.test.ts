// When the statement policy itself fails (throws inside SQLite's authorizer callback), the
// statement is refused, not let through: the authorizer fails closed.
import { expect, test, vi } from 'vitest'
import type { WriteBatch } from '../../src/db/write-batch.ts'

vi.mock('../../src/sqlite/statement-policy.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/sqlite/statement-policy.ts')>()
  return {
    ...real,
    refusal: (action: number, arg1: string | null, arg2: string | null, phase: 'compiling' | 'running') => {
      if (arg1 === 'user_version' && arg2 !== null) throw new Error('the policy broke')
      return real.refusal(action, arg1, arg2, phase)
    },
  }
})

const { Database } = await import('../../src/db/database.ts')
const { MemoryFilePort } = await import('../../src/storage/memory-file-port.ts')

const batch = (sql: string, mode: WriteBatch['mode'] = 'execute'): WriteBatch => ({
  statements: [{ sql, positional: [], named: null }],
  timestampMs: 0,
  seed: 1n,
  transaction: false,
  mode,
  timeoutMs: 0,
})

test('a policy that throws refuses the statement on every path; the connection keeps working', async () => {
  // Opening sets user_version itself (trusted SQL never asks the policy), so it still opens.
  const db = await Database.open({ files: new MemoryFilePort(), path: '/d/db.sqlite' })
  expect(db.refusal('PRAGMA user_version=7')).toBe('not authorized')
  expect(db.applyBatch(batch('PRAGMA user_version=7'))).toEqual([{ kind: 'error', error: 'not authorized', time: expect.any(Number) }])
  expect(db.query([{ sql: 'PRAGMA user_version=7', positional: [], named: null }])[0]).toMatchObject({ kind: 'error', error: 'not authorized' })
  expect(db.applyBatch(batch('PRAGMA user_version', 'request'))[0]).toMatchObject({ rows: { rows: [[0n]] } })
  // Nothing stuck: the next statements and raftlite's own checkpoint (trusted) still run.
  expect(db.applyBatch(batch('CREATE TABLE t (x)'))[0].kind).toBe('exec')
  expect(db.checkpoint()).toBe(true)
  db.close()
})
