/**
 * The rqlite API's JSON answer as the in-process client's `ResultSet`s. Read with the raw-number
 * JSON reader, so 64-bit integers arrive exact (`JSON.parse` would round them) and `intMode`
 * applies as in-process. Requests ask for `blob_array`, so a BLOB is the only array a value can be.
 */
import { type JsonNode, JsonSyntaxError, readJson } from '../api/json-reader.ts'
import { RaftliteError } from '../client/raftlite-error.ts'
import type { IntMode, ResultSet, Row, Value } from '../client/types.ts'
import { MalformedResponseError } from './remote-errors.ts'
import { fromInteger } from '../client/from-integer.ts'

export interface DecodedResponse {
  /** One entry per statement: a result set, or the statement's error text. */
  results: (ResultSet | { error: string })[]
  /** The request-level error (`stale read`, `not leader`...), if any. */
  error?: string
  /** A queued write's sequence number. */
  sequenceNumber?: bigint
}

export function decodeResponse(text: string, intMode: IntMode, host: string): DecodedResponse {
  let root: JsonNode
  try {
    root = readJson(text)
  } catch (e) {
    if (e instanceof JsonSyntaxError) throw new MalformedResponseError(`invalid JSON (${e.message})`, host)
    throw e
  }
  const top = fields(root)
  const results = top?.get('results')
  if (!top || results?.t !== 'arr') throw new MalformedResponseError('the answer has no "results" array', host)
  const decoded: DecodedResponse = { results: results.items.map((r) => decodeResult(r, intMode, host)) }
  const error = top.get('error')
  if (error?.t === 'str' && error.v !== '') decoded.error = error.v
  const seq = top.get('sequence_number')
  if (seq?.t === 'num' && /^\d+$/.test(seq.raw)) decoded.sequenceNumber = BigInt(seq.raw)
  return decoded
}

/** The result sets, or the first failed statement as a `RaftliteError` (as in-process). */
export function resultSets(decoded: DecodedResponse): ResultSet[] {
  return decoded.results.map((r, i) => {
    if ('error' in r) throw new RaftliteError(r.error, i)
    return r
  })
}

function decodeResult(node: JsonNode, intMode: IntMode, host: string): ResultSet | { error: string } {
  const f = fields(node)
  if (!f) throw new MalformedResponseError('a result is not an object', host)
  const error = f.get('error')
  if (error?.t === 'str') return { error: error.v }
  const columns = f.get('columns')
  if (columns === undefined) {
    return {
      columns: [],
      columnTypes: [],
      rows: [],
      rowsAffected: Number(integer(f.get('rows_affected')) ?? 0n),
      lastInsertRowid: integer(f.get('last_insert_id')) ?? undefined,
    }
  }
  const names = strings(columns, host)
  const types = strings(f.get('types') ?? { t: 'arr', items: [] }, host).map((t) => t.toLowerCase())
  const values = f.get('values')
  const rows = values?.t === 'arr' ? values.items : []
  return {
    columns: names,
    columnTypes: types,
    rows: rows.map((row) => {
      if (row.t !== 'arr') throw new MalformedResponseError('a row is not an array', host)
      return toRow(names, row.items.map((v, i) => decodeValue(v, types[i] ?? '', intMode, host)))
    }),
    rowsAffected: 0,
    lastInsertRowid: undefined,
  }
}

/** An array that also has a property per column name, exactly as the in-process client builds it. */
function toRow(columns: string[], values: Value[]): Row {
  const row = values as Row
  columns.forEach((name, i) => {
    if (name === 'length' || /^\d+$/.test(name) || Object.hasOwn(row, name)) return
    Object.defineProperty(row, name, { value: row[i], enumerable: false })
  })
  return row
}

function decodeValue(v: JsonNode, type: string, intMode: IntMode, host: string): Value {
  switch (v.t) {
    case 'null':
      return null
    case 'str':
      return v.v
    case 'bool':
      // rqlite turns INTEGERs of a `boolean` column into true/false; SQLite stored 1/0.
      return v.v ? 1 : 0
    case 'arr':
      return Uint8Array.from(v.items, (b) => {
        if (b.t !== 'num' || !/^\d+$/.test(b.raw) || Number(b.raw) > 255) throw new MalformedResponseError('a BLOB holds a value that is not a byte', host)
        return Number(b.raw)
      })
    case 'num':
      // Go writes the REAL 2.0 as `2`: a REAL-affinity column keeps it a number.
      if (/[.eE]/.test(v.raw) || hasRealAffinity(type)) return Number(v.raw)
      return fromInteger(BigInt(v.raw), intMode)
    case 'obj':
      throw new MalformedResponseError('a value is an object', host)
  }
}

// SQLite's affinity rule 4: a declared type containing REAL, FLOA or DOUB.
function hasRealAffinity(type: string): boolean {
  return !type.includes('int') && /real|floa|doub/.test(type)
}

function fields(node: JsonNode): Map<string, JsonNode> | undefined {
  return node.t === 'obj' ? new Map(node.entries) : undefined
}

function integer(node: JsonNode | undefined): bigint | undefined {
  return node?.t === 'num' && /^-?\d+$/.test(node.raw) ? BigInt(node.raw) : undefined
}

function strings(node: JsonNode, host: string): string[] {
  if (node.t !== 'arr' || node.items.some((i) => i.t !== 'str')) throw new MalformedResponseError('"columns" or "types" is not an array of strings', host)
  return node.items.map((i) => (i as { v: string }).v)
}
