import { expect, test } from 'vitest'
import { CommandDecodeError, decodeCommand, encodeCommand, type Command } from '../../src/db/command-codec.ts'

test('a write batch round-trips with exact parameter types', () => {
  const command: Command = {
    kind: 'write',
    batch: {
      statements: [
        { sql: 'INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?)', positional: [5n, 20, 20.5, 9223372036854775807n, -9223372036854775808n, 'héllo', null], named: null },
        { sql: 'INSERT INTO t VALUES (:b, :ok)', positional: [], named: { b: new Uint8Array([222, 173, 190, 239]), ok: true } },
      ],
      timestampMs: 1_700_000_000_123,
      seed: 18446744073709551615n,
      transaction: true,
      mode: 'request',
      timeoutMs: 250,
    },
  }
  const back = decodeCommand(encodeCommand(command))
  expect(back).toEqual(command)
  if (back.kind !== 'write') throw new Error('kind')
  const [i, f, r, max, min] = back.batch.statements[0].positional
  expect([typeof i, typeof f, typeof r, typeof max, typeof min]).toEqual(['bigint', 'number', 'number', 'bigint', 'bigint'])
  expect(back.batch.statements[1].named!.b!.constructor).toBe(Uint8Array)
})

test('a strong read round-trips', () => {
  const command: Command = { kind: 'read', statements: [{ sql: 'SELECT 1', positional: [], named: null }], transaction: false, timeoutMs: 0 }
  expect(decodeCommand(encodeCommand(command))).toEqual(command)
})

test('garbage and unknown versions are refused with a clear error', () => {
  expect(() => decodeCommand(new Uint8Array([0xff, 0x00, 0x13]))).toThrow(CommandDecodeError)
  expect(() => decodeCommand(encodeCommand({ kind: 'read', statements: [], transaction: false, timeoutMs: 0 }).map((b, i) => (i === 1 ? 9 : b)))).toThrow(/unknown format version/)
})

test('a write step budget round-trips, with and without a queue id; a malformed one is refused', () => {
  const batch = { statements: [], timestampMs: 1, seed: 2n, transaction: false, mode: 'execute' as const, timeoutMs: 40 }
  for (const extra of [{ stepBudget: 1_000_000 }, { stepBudget: 0, queueId: { origin: 'n1-1', sequence: 7n } }]) {
    const command: Command = { kind: 'write', batch: { ...batch, ...extra } }
    expect(decodeCommand(encodeCommand(command))).toEqual(command)
  }
  // An entry from before budgets carries only timeoutMs: no budget field, derived when applied.
  const legacy = decodeCommand(encodeCommand({ kind: 'write', batch }))
  expect(legacy.kind === 'write' && legacy.batch.stepBudget).toBe(undefined)
  const forged = encodeCommand({ kind: 'write', batch: { ...batch, stepBudget: -5 } })
  expect(() => decodeCommand(forged)).toThrow(/malformed step budget/)
})
