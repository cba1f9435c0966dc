/**
 * Engine-neutral statement results → the plain objects rqlite serializes,
 * with Go struct key order and `omitempty` applied (feed them to `toJson`).
 *
 * Value conversion reproduces go-sqlite3 + rqlite's db layer, row by row:
 * 1. go-sqlite3 converts by the lower-cased *declared* type: `boolean` +
 *    INTEGER → `v > 0`; `date`/`datetime`/`timestamp` + INTEGER or TEXT → a
 *    time rendered as RFC 3339 text (see go-time.ts).
 * 2. rqlite turns a BLOB into TEXT when the column's current type string has
 *    text affinity (`text`, `json`, `varchar…`, `nchar…`, `clob…`, … or `""`).
 *    So `SELECT x'41'` (no decltype) yields `"A"` with type `text`.
 * 3. After the first row, empty types are filled from that row's values
 *    (`integer`, `real`, `text`, `blob`, `boolean`). Filling stops at the first
 *    NULL (rqlite's populateEmptyTypes returns early there), and later rows
 *    see the filled-in types in step 2.
 */
import { formatRfc3339Nano, parseSqliteTimestamp, timeFromUnixInteger, TimeRangeError } from './go-time.ts'
import type { JsonValue } from './json-writer.ts'
import { sortObject } from './json-writer.ts'
import type { SqlValue } from './sql-value.ts'

export interface ColumnarRows {
  columns: string[]
  /** Declared types as SQLite reports them (any case; `''` when none). */
  decltypes: string[]
  rows: SqlValue[][]
}

/**
 * One statement's outcome. `time` is in seconds (rqlite's float), present only
 * when timings were requested.
 *
 * Which kind to use for a failure follows rqlite: on `/db/query` every failure
 * is a `rows` result with `error` (Go's QueryRows.Error); on `/db/execute` and
 * `/db/request` failures are `error` results (ExecuteQueryResponse_Error).
 */
export type StatementResult =
  | { kind: 'exec'; lastInsertId: bigint; rowsAffected: bigint; time?: number; error?: string }
  | { kind: 'rows'; rows: ColumnarRows; time?: number; error?: string }
  | { kind: 'error'; error: string }

export interface FormatOptions {
  /** `?associative`: rows as objects keyed by column. */
  associative?: boolean
  /** `?blob_array`: BLOBs as arrays of byte values instead of base64. */
  blobArray?: boolean
  /** `?timings`: keep per-statement `time`. */
  timings?: boolean
  /**
   * Results come from rqlite's ExecuteQueryResponse path (`/db/execute`,
   * `/db/request`) rather than `/db/query`. Only visible in associative mode:
   * an `error` result is then `{"error":…}` instead of `{"rows":[],"error":…}`.
   */
  unified?: boolean
}

export type ResultObject = { [key: string]: JsonValue }

export function formatResults(results: readonly StatementResult[], opts: FormatOptions = {}): ResultObject[] {
  return results.map((r) => formatResult(r, opts))
}

export function formatResult(r: StatementResult, opts: FormatOptions = {}): ResultObject {
  const time = opts.timings && 'time' in r && r.time ? r.time : undefined
  switch (r.kind) {
    case 'exec': {
      const out: ResultObject = {
        last_insert_id: r.lastInsertId !== 0n ? r.lastInsertId : undefined,
        rows_affected: r.rowsAffected !== 0n ? r.rowsAffected : undefined,
        error: r.error || undefined,
        time,
      }
      if (opts.associative) out.rows = null
      return out
    }
    case 'error':
      return opts.associative && !opts.unified ? { rows: [], error: r.error } : { error: r.error }
    case 'rows': {
      if (r.error) return opts.associative ? { rows: [], error: r.error } : { error: r.error }
      let conv: ConvertedRows
      try {
        conv = convertRows(r.rows, !!opts.blobArray)
      } catch (e) {
        // rqlite fails the whole statement when a row cannot be rendered.
        if (e instanceof TimeRangeError) return opts.associative ? { rows: [], error: e.message } : { error: e.message }
        throw e
      }
      const { columns, types, values } = conv
      if (opts.associative) {
        const typeMap: Record<string, string> = {}
        columns.forEach((c, i) => (typeMap[c] = types[i]))
        const rows = values.map((row) => {
          const m: Record<string, JsonValue> = {}
          columns.forEach((c, i) => (m[c] = row[i]))
          return sortObject(m)
        })
        return { types: columns.length ? sortObject(typeMap) : undefined, rows, error: undefined, time }
      }
      return {
        columns: columns.length ? columns : undefined,
        types: types.length ? types : undefined,
        values: values.length ? values : undefined,
        error: undefined,
        time,
      }
    }
  }
}

export interface Envelope {
  results: readonly ResultObject[]
  /** Request-level error (e.g. `stale read`, `disallowed pragma`). */
  error?: string
  /** Whole-request wall time in seconds (only with `timings`). */
  time?: number
  /** Queued-write sequence number. */
  sequenceNumber?: bigint | number
  /** Raft log index (only with `raft_index`). */
  raftIndex?: bigint | number
}

/** The top-level response: `{results, error, time, sequence_number, raft_index}`, zero values omitted. */
export function buildEnvelope(e: Envelope): ResultObject {
  return {
    results: e.results,
    error: e.error || undefined,
    time: e.time || undefined,
    sequence_number: nonZero(e.sequenceNumber),
    raft_index: nonZero(e.raftIndex),
  }
}

function nonZero(v: bigint | number | undefined): bigint | number | undefined {
  return v === undefined || v === 0 || v === 0n ? undefined : v
}

interface ConvertedRows {
  columns: string[]
  types: string[]
  values: JsonValue[][]
}

/** A value after go-sqlite3 + normalizeRowValues, tagged like rqlite's proto Parameter. */
type Param =
  | { k: 'I'; v: bigint }
  | { k: 'D'; v: number }
  | { k: 'B'; v: boolean }
  | { k: 'S'; v: string }
  | { k: 'Y'; v: Uint8Array }
  | null

const TIME_DECLTYPES = new Set(['date', 'datetime', 'timestamp'])

function convertRows(q: ColumnarRows, blobArray: boolean): ConvertedRows {
  const declared = q.columns.map((_, i) => (q.decltypes[i] ?? '').toLowerCase())
  const types = [...declared]
  let needsTypes = types.includes('')
  const values: JsonValue[][] = []
  for (const row of q.rows) {
    const params = q.columns.map((_, i) => normalize(row[i] ?? null, declared[i], types[i]))
    values.push(params.map((p) => toJsonValue(p, blobArray)))
    if (needsTypes) {
      populateEmptyTypes(types, params)
      needsTypes = false
    }
  }
  return { columns: q.columns, types, values }
}

function normalize(v: SqlValue, declared: string, current: string): Param {
  if (v === null) return null
  if (typeof v === 'bigint') {
    if (TIME_DECLTYPES.has(declared)) return { k: 'S', v: formatRfc3339Nano(timeFromUnixInteger(v)) }
    if (declared === 'boolean') return { k: 'B', v: v > 0n }
    return { k: 'I', v }
  }
  if (typeof v === 'number') return { k: 'D', v }
  if (typeof v === 'boolean') return { k: 'B', v }
  if (typeof v === 'string') {
    if (TIME_DECLTYPES.has(declared)) return { k: 'S', v: formatRfc3339Nano(parseSqliteTimestamp(v)) }
    return { k: 'S', v }
  }
  return isTextType(current) ? { k: 'S', v: decodeUtf8Go(v) } : { k: 'Y', v }
}

function populateEmptyTypes(types: string[], params: Param[]): void {
  for (let i = 0; i < types.length; i++) {
    if (types[i] !== '') continue
    const p = params[i]
    if (p === null) return // rqlite bails out on the first NULL
    types[i] = { I: 'integer', D: 'real', B: 'boolean', Y: 'blob', S: 'text' }[p.k]
  }
}

function toJsonValue(p: Param, blobArray: boolean): JsonValue {
  if (p === null) return null
  if (p.k === 'Y') return blobArray ? Array.from(p.v) : p.v
  return p.v
}

/** rqlite's isTextType: SQLite text-affinity type names, plus no type at all. */
export function isTextType(t: string): boolean {
  return t === 'text' || t === 'json' || t === '' ||
    t.startsWith('varchar') || t.startsWith('varying character') || t.startsWith('nchar') ||
    t.startsWith('native character') || t.startsWith('nvarchar') || t.startsWith('clob')
}

/**
 * Bytes → string the way Go's JSON encoder treats `string(bytes)`: each byte
 * that does not start a valid UTF-8 sequence becomes one U+FFFD.
 */
export function decodeUtf8Go(b: Uint8Array): string {
  let out = ''
  let i = 0
  while (i < b.length) {
    const c = b[i]
    if (c < 0x80) {
      out += String.fromCharCode(c)
      i++
      continue
    }
    let need = 0
    let cp = 0
    let min = 0
    if (c >= 0xc2 && c <= 0xdf) [need, cp, min] = [1, c & 0x1f, 0x80]
    else if (c >= 0xe0 && c <= 0xef) [need, cp, min] = [2, c & 0x0f, 0x800]
    else if (c >= 0xf0 && c <= 0xf4) [need, cp, min] = [3, c & 0x07, 0x10000]
    let ok = need > 0 && i + need < b.length
    for (let j = 1; ok && j <= need; j++) {
      const cc = b[i + j]
      if ((cc & 0xc0) !== 0x80) ok = false
      else cp = (cp << 6) | (cc & 0x3f)
    }
    if (ok && (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))) ok = false
    if (!ok) {
      out += '\uFFFD'
      i++
      continue
    }
    out += String.fromCodePoint(cp)
    i += need + 1
  }
  return out
}
