/**
 * The shape of a SQL text: the text with its literals (strings, blobs, numbers) replaced by `?`,
 * so `SELECT * FROM t WHERE id = 17` and `… id = 18` are one shape. What a read of one shape
 * cost so far says something about the next (loop-read-engine.ts); many clients write literals
 * into their SQL rather than bind parameters.
 */
export function sqlShape(sql: string): string {
  let out = ''
  let i = 0
  const n = sql.length
  while (i < n) {
    const c = sql[i]
    if (c === "'" || ((c === 'x' || c === 'X') && sql[i + 1] === "'" && !identifierChar(sql[i - 1]))) {
      // A string (or blob) literal; '' inside it is a quote.
      i = c === "'" ? i + 1 : i + 2
      while (i < n) {
        if (sql[i] === "'") {
          if (sql[i + 1] === "'") i += 2
          else break
        } else i++
      }
      i++
      out += '?'
      continue
    }
    if (c === '"' || c === '`' || c === '[') {
      // A quoted identifier: kept as it is.
      const close = c === '[' ? ']' : c
      const end = sql.indexOf(close, i + 1)
      const stop = end < 0 ? n : end + 1
      out += sql.slice(i, stop)
      i = stop
      continue
    }
    if (digit(c) || (c === '.' && digit(sql[i + 1]))) {
      if (identifierChar(sql[i - 1])) {
        out += c // part of a name such as t1
        i++
        continue
      }
      i++
      while (i < n && (identifierChar(sql[i]) || sql[i] === '.' || ((sql[i] === '+' || sql[i] === '-') && (sql[i - 1] === 'e' || sql[i - 1] === 'E')))) i++
      out += '?'
      continue
    }
    out += c
    i++
  }
  return out
}

const digit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9'
const identifierChar = (c: string | undefined) => c !== undefined && (digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_' || c === '$' || c > '\u007f')
