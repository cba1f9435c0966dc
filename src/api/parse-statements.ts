/**
 * Request body → statements, with rqlite's exact acceptance rules and errors.
 *
 * The walk mirrors rqlite's streaming `json.Decoder` loop so that, for a body
 * with several problems, the first one *in reading order* decides the error:
 * `[1, "x"` is `invalid request` (the 1 is seen before the missing bracket).
 * Like Go, anything after the closing `]` of the top-level array is ignored.
 */
import { JsonCursor, JsonSyntaxError } from './json-reader.ts'
import type { JsonNode } from './json-reader.ts'
import { RequestError } from './request-error.ts'
import { INT64_MAX, INT64_MIN } from './sql-value.ts'
import type { SqlValue } from './sql-value.ts'

export interface Statement {
  sql: string
  /** Values for `?` / `?NNN`, in order. */
  positional: SqlValue[]
  /** Values for `:name` / `@name` / `$name`, keyed without prefix; null if no object was given. */
  named: Record<string, SqlValue> | null
}

export const ERR_INVALID_JSON = 'invalid JSON body'
export const ERR_INVALID_REQUEST = 'invalid request'
export const ERR_NO_STATEMENTS = 'no statements'
export const ERR_UNSUPPORTED_TYPE = 'unsupported type'

/**
 * Parses a JSON request body (`["sql", ["sql", p1, {"n": v}], …]`).
 *
 * Throws `RequestError` (400) with rqlite's text:
 * - `invalid JSON body`: unparsable JSON, including empty body;
 * - `invalid request`: top level not an array, an element that is neither a
 *   string nor an array, `[]` as an element, or an array whose first item is not a string;
 * - `no statements`: `[]`;
 * - `unsupported type`: a byte-array parameter that is not all integers 0–255,
 *   or an object/array nested inside a named-parameter value;
 * - `invalid number <n>`: a number too large even for float64 (`1e400`).
 *
 * Statements with empty SQL are kept; rqlite's executor skips them.
 */
export function parseStatements(body: string): Statement[] {
  const c = new JsonCursor(body)
  try {
    return walk(c)
  } catch (e) {
    if (e instanceof JsonSyntaxError) throw new RequestError(ERR_INVALID_JSON)
    throw e
  }
}

/** `Content-Type: text/plain` on execute/query: the whole body is one statement, no parameters. */
export function parseTextPlainBody(body: string): Statement[] {
  return [{ sql: body, positional: [], named: null }]
}

function walk(c: JsonCursor): Statement[] {
  const first = c.peek()
  if (first === undefined) c.fail('empty body')
  if (first !== '[') {
    // Go's Token() returns `{` without looking further; scalars are read whole
    // first, so a malformed scalar is still a JSON error.
    if (first !== '{') c.readValue()
    throw new RequestError(ERR_INVALID_REQUEST)
  }
  c.pos++

  const stmts: Statement[] = []
  for (let n = 0; ; n++) {
    const ch = c.peek()
    if (ch === ']') {
      c.pos++
      break
    }
    if (n > 0) {
      c.expect(',')
      if (c.peek() === ']') c.fail('value expected after comma')
    }
    const el = c.peek()
    if (el === '"') {
      stmts.push({ sql: c.readString(), positional: [], named: null })
    } else if (el === '[') {
      c.pos++
      stmts.push(readParameterized(c))
    } else {
      // Go reads a scalar element whole (so a malformed one is a JSON error) but
      // rejects `{` on sight.
      if (el !== '{') c.readValue()
      throw new RequestError(ERR_INVALID_REQUEST)
    }
  }

  if (stmts.length === 0) throw new RequestError(ERR_NO_STATEMENTS)
  return stmts
}

/** Reads `sql, p1, …]` (the `[` is already consumed) and converts the parameters. */
function readParameterized(c: JsonCursor): Statement {
  const items: JsonNode[] = []
  while (c.peek() !== ']') {
    if (c.peek() === undefined || c.peek() === '}') c.fail("expected ']'")
    if (items.length > 0) c.expect(',')
    items.push(c.readValue(1))
  }
  c.pos++

  const head = items[0]
  if (head === undefined || head.t !== 'str') throw new RequestError(ERR_INVALID_REQUEST)

  const stmt: Statement = { sql: head.v, positional: [], named: null }
  for (let i = 1; i < items.length; i++) {
    const item = items[i]
    if (item.t === 'obj') {
      stmt.named ??= {}
      for (const [k, v] of item.entries) {
        const value = toSqlValue(v)
        // rqlite binds an empty-named parameter positionally (sql.Named("", v)).
        if (k === '') stmt.positional.push(value)
        else stmt.named[k] = value
      }
    } else {
      stmt.positional.push(toSqlValue(item))
    }
  }
  return stmt
}

/**
 * JSON value → bound value, as rqlite's makeParameter does. Arrays become
 * BLOBs; objects only mean something as a whole parameter slot (handled by
 * the caller), so one nested inside a named map is unsupported.
 */
export function toSqlValue(node: JsonNode): SqlValue {
  switch (node.t) {
    case 'null':
      return null
    case 'bool':
      return node.v
    case 'str':
      return hexBlob(node.v) ?? node.v
    case 'num':
      return numberValue(node.raw)
    case 'arr': {
      const out = new Uint8Array(node.items.length)
      node.items.forEach((it, i) => {
        if (it.t !== 'num') throw new RequestError(ERR_UNSUPPORTED_TYPE)
        const v = numberValue(it.raw)
        if (typeof v !== 'bigint' || v < 0n || v > 255n) throw new RequestError(ERR_UNSUPPORTED_TYPE)
        out[i] = Number(v)
      })
      return out
    }
    case 'obj':
      throw new RequestError(ERR_UNSUPPORTED_TYPE)
  }
}

/**
 * Go's `json.Number`: `Int64()` first (decimal integer syntax within int64),
 * else `Float64()`. So `20` → 20n, `-0` → 0n, `20.0`/`1e3` → REAL, and an
 * integer beyond int64 (`9223372036854775808`) → REAL, as `strconv.ParseInt`
 * fails with a range error and `ParseFloat` succeeds. Only ±Inf is rejected.
 */
export function numberValue(raw: string): bigint | number {
  if (/^-?\d+$/.test(raw)) {
    const i = BigInt(raw)
    if (i >= INT64_MIN && i <= INT64_MAX) return i
  }
  const f = Number(raw)
  if (!Number.isFinite(f)) throw new RequestError(`invalid number ${raw}`)
  return f
}

/** `x'0A0b'` / `X'…'` (surrounding whitespace ignored, even-length hex) → bytes; else undefined. */
export function hexBlob(s: string): Uint8Array | undefined {
  const t = s.trim()
  if (t.length < 3 || (t[0] !== 'x' && t[0] !== 'X') || t[1] !== "'" || t[t.length - 1] !== "'") return undefined
  const hex = t.slice(2, -1)
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return undefined
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16)
  return out
}
