/**
 * Statements as the rqlite API's JSON body: `[[sql, p1, p2], [sql, {name: v}]]`. Written by
 * hand rather than with `JSON.stringify`, which cannot write a bigint.
 */
import type { InArgs, InStatement, InValue } from '../client/types.ts'

export function encodeStatements(statements: readonly InStatement[]): string {
  return `[${statements.map(encodeStatement).join(',')}]`
}

function encodeStatement(statement: InStatement): string {
  if (typeof statement === 'string') return `[${JSON.stringify(statement)}]`
  const args: InArgs = statement.args ?? []
  const sql = JSON.stringify(statement.sql)
  if (Array.isArray(args)) return args.length === 0 ? `[${sql}]` : `[${sql},${args.map((v) => encodeValue(v, 'positional')).join(',')}]`
  // rqlite takes names without their prefix and binds them to `:name`, `@name` and `$name`.
  const named = Object.entries(args).map(([k, v]) => `${JSON.stringify(k.replace(/^[:@$]/, ''))}:${encodeValue(v, 'named')}`)
  return `[${sql},{${named.join(',')}}]`
}

function encodeValue(v: InValue, slot: 'positional' | 'named'): string {
  if (v === null) return 'null'
  switch (typeof v) {
    case 'bigint':
      return v.toString()
    case 'boolean':
      return v ? 'true' : 'false'
    case 'string':
      return JSON.stringify(v)
    case 'number':
      if (!Number.isFinite(v)) throw new RangeError(`cannot bind ${v}: SQLite and JSON have no such number`)
      // An integer-valued number binds as INTEGER (as in the in-process client); JSON text
      // decides: `2` is an INTEGER, `2.5` a REAL.
      return String(v)
  }
  if (v instanceof Uint8Array) {
    // A byte array binds as a BLOB positionally; rqlite refuses arrays as named values, so
    // those go as a hex literal string, which it binds as a BLOB too.
    if (slot === 'positional') return `[${v.join(',')}]`
    return JSON.stringify(`x'${Array.from(v, (b) => b.toString(16).padStart(2, '0')).join('')}'`)
  }
  throw new TypeError(`cannot bind a value of type ${typeof v}`)
}
