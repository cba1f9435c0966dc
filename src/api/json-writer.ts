/**
 * A JSON encoder that produces the bytes Go's `encoding/json` would.
 *
 * rqlite writes `json.Marshal(resp)` (or `json.MarshalIndent(resp, "", "    ")`
 * with `pretty`) straight to the socket: no trailing newline. Differences from
 * `JSON.stringify` that matter:
 * - `bigint` → exact digits (int64 values such as RANDOM()).
 * - `<`, `>`, `&`, U+2028, U+2029 → `\u003c`, `\u003e`, `\u0026`, `\u2028`, `\u2029`;
 *   other control characters → `\n \r \t \b \f` or `\u00XX` (lower-case hex);
 *   lone surrogates → `\ufffd` (Go's treatment of invalid UTF-8).
 * - `-0` → `-0`; NaN/±Inf throw `JsonEncodeError` (`json: unsupported value: NaN`),
 *   which rqlite turns into a 500.
 * - `Uint8Array` → standard base64 string (Go's `[]byte`).
 * Objects keep insertion order (callers build them in Go struct order; Go maps
 * are sorted — see `sortedKeys`). `undefined` properties are skipped, and
 * `undefined` array elements become `null`.
 */

export type JsonValue =
  | null
  | undefined
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | RawJson
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue }

/** Pre-encoded JSON inserted verbatim (it is trusted to be valid, compact JSON). */
export class RawJson {
  constructor(readonly json: string) {}
}

export class JsonEncodeError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'JsonEncodeError'
  }
}

export interface ToJsonOptions {
  /** 4-space indentation, like `json.MarshalIndent(v, "", "    ")`. */
  pretty?: boolean
}

export function toJson(value: JsonValue, opts: ToJsonOptions = {}): string {
  const out: string[] = []
  write(value, out, opts.pretty ? '\n' : '')
  return out.join('')
}

const INDENT = '    '

function write(v: JsonValue, out: string[], nl: string): void {
  if (v === null || v === undefined) {
    out.push('null')
  } else if (typeof v === 'string') {
    out.push(quote(v))
  } else if (typeof v === 'number') {
    out.push(formatFloat(v))
  } else if (typeof v === 'bigint') {
    out.push(v.toString())
  } else if (typeof v === 'boolean') {
    out.push(v ? 'true' : 'false')
  } else if (v instanceof Uint8Array) {
    out.push('"', base64(v), '"')
  } else if (v instanceof RawJson) {
    out.push(nl ? indentRaw(v.json, nl) : v.json)
  } else if (Array.isArray(v)) {
    const arr = v as readonly JsonValue[]
    if (arr.length === 0) {
      out.push('[]')
      return
    }
    const inner = nl && nl + INDENT
    out.push('[')
    arr.forEach((item, i) => {
      if (i > 0) out.push(',')
      out.push(inner)
      write(item, out, inner)
    })
    out.push(nl, ']')
  } else {
    const obj = v as { readonly [key: string]: JsonValue }
    const inner = nl && nl + INDENT
    let n = 0
    out.push('{')
    for (const k of Object.keys(obj)) {
      const item = obj[k]
      if (item === undefined) continue
      if (n++ > 0) out.push(',')
      out.push(inner, quote(k), nl ? ': ' : ':')
      write(item, out, inner)
    }
    if (n === 0) {
      out.push('}')
      return
    }
    out.push(nl, '}')
  }
}

/**
 * Go's float64 encoding: shortest round-trip digits, exponent form only below
 * 1e-6 or from 1e21 up, with a two-digit exponent like `e-07` cleaned to `e-7`.
 * These are exactly ECMAScript's Number→String rules, except for -0.
 */
export function formatFloat(f: number): string {
  if (!Number.isFinite(f)) {
    throw new JsonEncodeError(`json: unsupported value: ${Number.isNaN(f) ? 'NaN' : f > 0 ? '+Inf' : '-Inf'}`)
  }
  if (f === 0 && Object.is(f, -0)) return '-0'
  return String(f)
}

const HEX = '0123456789abcdef'

/** Encodes a string as Go does with HTML escaping on (the default for json.Marshal). */
export function quote(s: string): string {
  let out = '"'
  let start = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    let esc: string | undefined
    if (c < 0x20) {
      esc = c === 0x0a ? '\\n' : c === 0x0d ? '\\r' : c === 0x09 ? '\\t' : c === 0x08 ? '\\b' : c === 0x0c ? '\\f'
        : '\\u00' + HEX[c >> 4] + HEX[c & 0xf]
    } else if (c === 0x22) {
      esc = '\\"'
    } else if (c === 0x5c) {
      esc = '\\\\'
    } else if (c === 0x3c || c === 0x3e || c === 0x26) {
      esc = '\\u00' + HEX[c >> 4] + HEX[c & 0xf]
    } else if (c === 0x2028 || c === 0x2029) {
      esc = c === 0x2028 ? '\\u2028' : '\\u2029'
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const next = s.charCodeAt(i + 1)
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        i++ // a valid pair is passed through
        continue
      }
      esc = '\\ufffd'
    }
    if (esc !== undefined) {
      out += s.slice(start, i) + esc
      start = i + 1
    }
  }
  return out + s.slice(start) + '"'
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

/** Standard base64 with padding (Go's `base64.StdEncoding`, used for `[]byte`). */
export function base64(bytes: Uint8Array): string {
  let out = ''
  let i = 0
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2]
    out += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + B64[n & 63]
  }
  const rest = bytes.length - i
  if (rest === 1) {
    const n = bytes[i] << 16
    out += B64[n >> 18] + B64[(n >> 12) & 63] + '=='
  } else if (rest === 2) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8)
    out += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + '='
  }
  return out
}

/**
 * Keys of a Go `map[string]…` in the order encoding/json writes them: sorted
 * by UTF-8 bytes (which is code-point order, not JS's UTF-16 order).
 */
export function sortedKeys(obj: object): string[] {
  return Object.keys(obj).sort(compareUtf8)
}

/** Builds a new object with keys in Go map order. */
export function sortObject<T>(obj: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {}
  for (const k of sortedKeys(obj)) out[k] = obj[k]
  return out
}

/** Compares strings by code point (equivalently, by their UTF-8 bytes). */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x === y) continue
    // Surrogates (astral code points) sort after every other BMP unit in UTF-8.
    const xs = x >= 0xd800 && x <= 0xdfff
    const ys = y >= 0xd800 && y <= 0xdfff
    if (xs !== ys) return xs ? 1 : -1
    return x - y
  }
  return a.length - b.length
}

/** Re-indents compact raw JSON for pretty output, as json.Indent would. */
function indentRaw(json: string, nl: string): string {
  let out = ''
  let depth = nl
  let inString = false
  for (let i = 0; i < json.length; i++) {
    const ch = json[i]
    if (inString) {
      out += ch
      if (ch === '\\') out += json[++i]
      else if (ch === '"') inString = false
      continue
    }
    switch (ch) {
      case '"':
        inString = true
        out += ch
        break
      case '{':
      case '[': {
        const close = ch === '{' ? '}' : ']'
        if (json[i + 1] === close) {
          out += ch + close
          i++
        } else {
          depth += INDENT
          out += ch + depth
        }
        break
      }
      case '}':
      case ']':
        depth = depth.slice(0, -INDENT.length)
        out += depth + ch
        break
      case ',':
        out += ',' + depth
        break
      case ':':
        out += ': '
        break
      case ' ':
      case '\t':
      case '\n':
      case '\r':
        break
      default:
        out += ch
    }
  }
  return out
}
