/** Validates cluster RPCs decoded from the network: requests on the server, answers on the caller. */
import type { SqlValue } from '../api/sql-value.ts'
import type { BoundStatement } from '../sqlite/connection.ts'
import type { ReadLevel } from '../node/read-level.ts'
import type { RpcOperation, RpcRequest, RpcResponse } from './rpc.ts'
import { ShapeError, type Fields, count, flag, isObject, list, object, text } from './shape-check.ts'

const LEVELS: readonly ReadLevel[] = ['none', 'weak', 'linearizable', 'strong', 'auto']

export function checkRpcRequest(value: unknown): RpcRequest {
  const r = object(value, 'request')
  const operation = checkOperation(r)
  if (r.credentials === undefined || r.credentials === null) return operation
  const c = object(r.credentials, 'credentials')
  return { ...operation, credentials: { username: text(c, 'username', 'credentials'), password: text(c, 'password', 'credentials') } }
}

function checkOperation(r: Fields): RpcOperation {
  const op = text(r, 'op', 'request')
  const what = `${op} request`
  switch (op) {
    case 'meta':
      return { op }
    case 'remove':
    case 'removed':
      return { op, id: text(r, 'id', what) }
    case 'transfer':
      return { op, id: text(r, 'id', what), wait: flag(r, 'wait', what) }
    case 'join':
      return { op, id: text(r, 'id', what), raftAddr: text(r, 'raftAddr', what), apiAddr: text(r, 'apiAddr', what), voter: flag(r, 'voter', what), forwarded: r.forwarded === true }
    case 'notify':
      return { op, id: text(r, 'id', what), raftAddr: text(r, 'raftAddr', what), apiAddr: text(r, 'apiAddr', what) }
    case 'execute': {
      const queueId = r.queueId === undefined || r.queueId === null ? undefined : checkQueueId(r.queueId)
      return { op, ...work(r, what), ...(queueId ? { queueId } : {}) }
    }
    case 'request':
    case 'query':
      return { op, ...work(r, what), level: level(r, what) }
    default:
      throw new ShapeError(`unknown op ${JSON.stringify(op).slice(0, 40)}`)
  }
}

/** An answer from another node; anything else is that node's failure, not ours. */
export function checkRpcResponse(value: unknown): RpcResponse {
  const r = object(value, 'response')
  if (r.ok === true) {
    if (r.results !== undefined) list(r, 'results', 'response')
    if (r.raftIndex !== undefined) count(r, 'raftIndex', 'response')
    return r as RpcResponse
  }
  if (r.ok === false) return { ...r, error: typeof r.error === 'string' ? r.error : 'malformed error' } as RpcResponse
  throw new ShapeError('response.ok is not a boolean')
}

export function checkQueueId(value: unknown): { origin: string; sequence: bigint } {
  const q = object(value, 'queueId')
  const sequence = q.sequence
  if (typeof sequence !== 'bigint' && !(typeof sequence === 'number' && Number.isSafeInteger(sequence))) {
    throw new ShapeError('queueId.sequence is not an integer')
  }
  return { origin: text(q, 'origin', 'queueId'), sequence: BigInt(sequence) }
}

function work(r: Fields, what: string): { statements: BoundStatement[]; transaction: boolean; timeoutMs: number } {
  return { statements: list(r, 'statements', what).map(statement), transaction: flag(r, 'transaction', what), timeoutMs: count(r, 'timeoutMs', what) }
}

function level(r: Fields, what: string): ReadLevel {
  const v = r.level
  if (!LEVELS.includes(v as ReadLevel)) throw new ShapeError(`${what}.level is not a read level`)
  return v as ReadLevel
}

function statement(value: unknown): BoundStatement {
  const s = object(value, 'statement')
  const positional = list(s, 'positional', 'statement').map(sqlValue)
  let named: Record<string, SqlValue> | null = null
  if (s.named !== null && s.named !== undefined) {
    if (!isObject(s.named)) throw new ShapeError('statement.named is not an object')
    named = Object.fromEntries(Object.entries(s.named).map(([k, v]) => [k, sqlValue(v)]))
  }
  return { sql: text(s, 'sql', 'statement'), positional, named }
}

function sqlValue(v: unknown): SqlValue {
  if (v === null || typeof v === 'bigint' || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v
  if (v instanceof Uint8Array) return v.constructor === Uint8Array ? v : new Uint8Array(v.buffer, v.byteOffset, v.byteLength)
  throw new ShapeError('a statement parameter is not an SQL value')
}
