/**
 * A small JSON reader that keeps the raw text of numbers.
 *
 * `JSON.parse` turns `20` and `20.0` into the same number and loses int64
 * precision; rqlite (Go, `json.Decoder.UseNumber`) binds the first as INTEGER
 * and the second as REAL. The reader is a cursor so callers can mirror Go's
 * streaming decoder and report errors in the same order it would.
 *
 * String decoding follows Go: invalid surrogate escapes (`"\ud800"`) and lone
 * surrogates become U+FFFD rather than errors.
 */

export type JsonNode =
  | { readonly t: 'str'; readonly v: string }
  | { readonly t: 'num'; readonly raw: string }
  | { readonly t: 'bool'; readonly v: boolean }
  | { readonly t: 'null' }
  | { readonly t: 'arr'; readonly items: JsonNode[] }
  | { readonly t: 'obj'; readonly entries: [string, JsonNode][] }

export class JsonSyntaxError extends Error {
  constructor(message: string, readonly offset: number) {
    super(`${message} at offset ${offset}`)
    this.name = 'JsonSyntaxError'
  }
}

// Deep nesting would otherwise overflow the JS stack; Go caps at 10000 too.
const MAX_DEPTH = 10_000

const NUMBER_RE = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y
// Lone surrogates: a high not followed by a low, or a low not preceded by a high.
const LONE_SURROGATE_RE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

export class JsonCursor {
  pos = 0

  constructor(readonly text: string) {}

  /** Skips JSON whitespace (space, tab, CR, LF only) and returns the next char, or undefined at end. */
  peek(): string | undefined {
    const s = this.text
    let i = this.pos
    while (i < s.length) {
      const c = s.charCodeAt(i)
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break
      i++
    }
    this.pos = i
    return i < s.length ? s[i] : undefined
  }

  /** Consumes `ch` (after whitespace) or throws. */
  expect(ch: string): void {
    if (this.peek() !== ch) this.fail(`expected '${ch}'`)
    this.pos++
  }

  fail(message: string): never {
    throw new JsonSyntaxError(message, this.pos)
  }

  /** Reads one complete JSON value. */
  readValue(depth = 0): JsonNode {
    if (depth > MAX_DEPTH) this.fail('exceeded max depth')
    const c = this.peek()
    switch (c) {
      case '"':
        return { t: 'str', v: this.readString() }
      case '[': {
        this.pos++
        const items: JsonNode[] = []
        if (this.peek() === ']') {
          this.pos++
          return { t: 'arr', items }
        }
        for (;;) {
          items.push(this.readValue(depth + 1))
          const n = this.peek()
          this.pos++
          if (n === ']') return { t: 'arr', items }
          if (n !== ',') {
            this.pos--
            this.fail("expected ',' or ']'")
          }
        }
      }
      case '{': {
        this.pos++
        const entries: [string, JsonNode][] = []
        if (this.peek() === '}') {
          this.pos++
          return { t: 'obj', entries }
        }
        for (;;) {
          if (this.peek() !== '"') this.fail('expected object key')
          const key = this.readString()
          this.expect(':')
          entries.push([key, this.readValue(depth + 1)])
          const n = this.peek()
          this.pos++
          if (n === '}') return { t: 'obj', entries }
          if (n !== ',') {
            this.pos--
            this.fail("expected ',' or '}'")
          }
        }
      }
      case 't':
        return this.literal('true', { t: 'bool', v: true })
      case 'f':
        return this.literal('false', { t: 'bool', v: false })
      case 'n':
        return this.literal('null', { t: 'null' })
      case undefined:
        return this.fail('unexpected end of input')
      default: {
        NUMBER_RE.lastIndex = this.pos
        const m = NUMBER_RE.exec(this.text)
        if (!m || m[0] === '' || m[0] === '-') this.fail('invalid character')
        this.pos += m[0].length
        // `01`, `1.`, `1e` leave a digit/dot/e right after the match: reject like Go.
        const next = this.text[this.pos]
        if (next !== undefined && /[0-9.eE+-]/.test(next)) this.fail('invalid number')
        return { t: 'num', raw: m[0] }
      }
    }
  }

  /** Reads a string token; the cursor must be on the opening quote. */
  readString(): string {
    const s = this.text
    let i = this.pos + 1
    let out = ''
    let start = i
    for (;;) {
      if (i >= s.length) {
        this.pos = i
        this.fail('unterminated string')
      }
      const c = s.charCodeAt(i)
      if (c === 0x22) break
      if (c < 0x20) {
        this.pos = i
        this.fail('invalid control character in string')
      }
      if (c !== 0x5c) {
        i++
        continue
      }
      out += s.slice(start, i)
      const e = s[i + 1]
      i += 2
      switch (e) {
        case '"': out += '"'; break
        case '\\': out += '\\'; break
        case '/': out += '/'; break
        case 'b': out += '\b'; break
        case 'f': out += '\f'; break
        case 'n': out += '\n'; break
        case 'r': out += '\r'; break
        case 't': out += '\t'; break
        case 'u': {
          const hex = s.slice(i, i + 4)
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
            this.pos = i
            this.fail('invalid unicode escape')
          }
          out += String.fromCharCode(parseInt(hex, 16))
          i += 4
          break
        }
        default:
          this.pos = i - 1
          this.fail('invalid escape')
      }
      start = i
    }
    out += s.slice(start, i)
    this.pos = i + 1
    return out.replace(LONE_SURROGATE_RE, '\uFFFD')
  }

  private literal(word: string, node: JsonNode): JsonNode {
    if (!this.text.startsWith(word, this.pos)) this.fail('invalid literal')
    this.pos += word.length
    return node
  }
}

/** Parses a complete JSON document (trailing non-whitespace is an error). */
export function readJson(text: string): JsonNode {
  const c = new JsonCursor(text)
  const v = c.readValue()
  if (c.peek() !== undefined) c.fail('trailing data')
  return v
}
