/**
 * A cap on the rows a read collects, counted while SQLite produces them: a query whose result
 * would be huge (a runaway join, a recursive CTE without a limit) stops at the cap instead of
 * holding every row in memory first. Sizes are the JSON text's, roughly (a lower bound).
 */
import type { SqlValue } from '../api/sql-value.ts'

/** Bytes a request's reads may still collect; shared by its statements, decremented as rows come. */
export interface ResultBudget {
  readonly limit: number
  remaining: number
}

export function resultBudget(limit: number): ResultBudget {
  return { limit, remaining: limit }
}

/** Roughly the bytes one value takes in a JSON response. */
export function valueBytes(v: SqlValue): number {
  if (v === null) return 4
  if (typeof v === 'string') return v.length + 2
  if (v instanceof Uint8Array) return Math.ceil(v.byteLength / 3) * 4 + 2
  return 20
}

/** Roughly the bytes one row takes in a JSON response. */
export function rowBytes(row: readonly SqlValue[]): number {
  let total = 2
  for (const v of row) total += valueBytes(v) + 1
  return total
}

export function resultTooLargeMessage(limit: number, rowsRead?: number): string {
  const stopped = rowsRead === undefined ? '' : `, stopped reading after ${rowsRead} rows`
  return `query result too large: over ${limit} bytes (-http-max-result-bytes)${stopped}; select fewer rows or columns`
}

/** Thrown by the read loop when a result outgrows its budget; nothing more is read. */
export class ResultTooLargeError extends Error {
  constructor(readonly limit: number, readonly rowsRead: number) {
    super(resultTooLargeMessage(limit, rowsRead))
    this.name = 'ResultTooLargeError'
  }
}
