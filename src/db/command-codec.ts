/**
 * The payload of a Raft log entry: CBOR between nodes (cbor-x). A statement's parameters keep
 * their exact types — integers stay bigint and REALs number, which cbor-x preserves both ways
 * (pinned by test/db/command-codec.test.ts).
 */
import { Encoder } from 'cbor-x'
import type { SqlValue } from '../api/sql-value.ts'
import type { BoundStatement } from '../sqlite/connection.ts'
import type { WriteBatch } from './write-batch.ts'

/** What a log entry asks every replica to do. */
export type Command =
  | { kind: 'write'; batch: WriteBatch }
  /** A `strong` read: ordered through the log; only the node that proposed it runs it. */
  | { kind: 'read'; statements: BoundStatement[]; transaction: boolean; timeoutMs: number }
  /**
   * A command other than SQL (load, boot…), run on every replica by the handler registered under
   * `name`. The leader pins time and randomness, as for a write batch.
   */
  | { kind: 'custom'; name: string; payload: Uint8Array; timestampMs: number; seed: bigint }

const VERSION = 1
const encoder = new Encoder({ useRecords: false, mapsAsObjects: true })

type WireStatement = [sql: string, positional: SqlValue[], named: Record<string, SqlValue> | null]
type Wire =
  /**
   * `queue` and `stepBudget` were added later, at the end: entries written before them decode as
   * unqueued, with the budget derived from `timeoutMs` at the fixed rate (step-budget.ts).
   */
  | [v: number, kind: 'w', statements: WireStatement[], timestampMs: number, seed: bigint, transaction: boolean, mode: 'e' | 'r', timeoutMs: number, queue?: [origin: string, sequence: bigint] | null, stepBudget?: number]
  | [v: number, kind: 'r', statements: WireStatement[], transaction: boolean, timeoutMs: number]
  | [v: number, kind: 'c', name: string, payload: Uint8Array, timestampMs: number, seed: bigint]

export function encodeCommand(command: Command): Uint8Array {
  const statements = (s: BoundStatement[]): WireStatement[] => s.map((x) => [x.sql, x.positional, x.named])
  if (command.kind === 'custom') {
    return encoder.encode([VERSION, 'c', command.name, command.payload, command.timestampMs, command.seed] satisfies Wire)
  }
  if (command.kind === 'read') return encoder.encode([VERSION, 'r', statements(command.statements), command.transaction, command.timeoutMs] satisfies Wire)
  const { batch } = command
  const wire: Wire = [
    VERSION, 'w', statements(batch.statements), batch.timestampMs, batch.seed,
    batch.transaction, batch.mode === 'request' ? 'r' : 'e', batch.timeoutMs,
  ]
  if (batch.queueId) wire.push([batch.queueId.origin, batch.queueId.sequence])
  if (batch.stepBudget !== undefined) {
    if (!batch.queueId) wire.push(null)
    wire.push(batch.stepBudget)
  }
  return encoder.encode(wire)
}

export class CommandDecodeError extends Error {
  constructor(detail: string) {
    super(`cannot decode log entry: ${detail}`)
    this.name = 'CommandDecodeError'
  }
}

export function decodeCommand(bytes: Uint8Array): Command {
  let wire: unknown
  try {
    wire = encoder.decode(bytes)
  } catch (e) {
    throw new CommandDecodeError(e instanceof Error ? e.message : String(e))
  }
  if (!Array.isArray(wire) || wire[0] !== VERSION) throw new CommandDecodeError(`unknown format version ${JSON.stringify(Array.isArray(wire) ? wire[0] : typeof wire)}`)
  const statements = (s: unknown): BoundStatement[] => {
    if (!Array.isArray(s)) throw new CommandDecodeError('statements are not a list')
    return s.map((x) => {
      if (!Array.isArray(x) || typeof x[0] !== 'string' || !Array.isArray(x[1])) throw new CommandDecodeError('malformed statement')
      return { sql: x[0], positional: x[1].map(toSqlValue), named: x[2] ? Object.fromEntries(Object.entries(x[2] as Record<string, unknown>).map(([k, v]) => [k, toSqlValue(v)])) : null }
    })
  }
  if (wire[1] === 'w') {
    const [, , s, timestampMs, seed, transaction, mode, timeoutMs, queue, stepBudget] = wire
    const batch: WriteBatch = { statements: statements(s), timestampMs, seed: BigInt(seed), transaction: transaction === true, mode: mode === 'r' ? 'request' : 'execute', timeoutMs }
    if (stepBudget !== undefined && stepBudget !== null) {
      if (typeof stepBudget !== 'number' || !Number.isSafeInteger(stepBudget) || stepBudget < 0) throw new CommandDecodeError('malformed step budget')
      batch.stepBudget = stepBudget
    }
    if (queue !== undefined && queue !== null) {
      if (!Array.isArray(queue) || typeof queue[0] !== 'string' || (typeof queue[1] !== 'bigint' && typeof queue[1] !== 'number')) {
        throw new CommandDecodeError('malformed queue id')
      }
      batch.queueId = { origin: queue[0], sequence: BigInt(queue[1]) }
    }
    return { kind: 'write', batch }
  }
  if (wire[1] === 'r') {
    const [, , s, transaction, timeoutMs] = wire
    return { kind: 'read', statements: statements(s), transaction: transaction === true, timeoutMs }
  }
  if (wire[1] === 'c') {
    const [, , name, payload, timestampMs, seed] = wire
    if (typeof name !== 'string' || !(payload instanceof Uint8Array) || typeof timestampMs !== 'number' || (typeof seed !== 'bigint' && typeof seed !== 'number')) {
      throw new CommandDecodeError('malformed custom command')
    }
    return { kind: 'custom', name, payload: toSqlValue(payload) as Uint8Array, timestampMs, seed: BigInt(seed) }
  }
  throw new CommandDecodeError(`unknown command kind ${JSON.stringify(wire[1])}`)
}

function toSqlValue(v: unknown): SqlValue {
  // Node's cbor-x hands byte strings back as Buffer; keep the core's plain Uint8Array.
  if (v instanceof Uint8Array) return v.constructor === Uint8Array ? v : new Uint8Array(v.buffer, v.byteOffset, v.byteLength)
  if (v === null || typeof v === 'bigint' || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v
  throw new CommandDecodeError(`unsupported parameter type ${typeof v}`)
}
