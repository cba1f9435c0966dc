/**
 * The size of a response's results, estimated before they are encoded: a result larger than
 * `-http-max-result-bytes` is answered with an error instead of being turned into a JSON text
 * several times its size (and sent to a client that asked for too much, perhaps by mistake).
 */
import { rowBytes } from '../sqlite/result-cap.ts'
import type { StatementResult } from '../db/statement-result.ts'

/** Roughly the bytes of JSON `results` would take (a lower bound: escaping and base64 add more). */
export function estimateResultBytes(results: readonly StatementResult[], stopAbove = Infinity): number {
  let total = 0
  for (const r of results) {
    total += 64
    if (r.kind === 'error') total += r.error.length
    if (r.kind !== 'rows') continue
    for (const c of r.rows.columns) total += c.length + 16
    for (const row of r.rows.rows) {
      total += rowBytes(row)
      if (total > stopAbove) return total
    }
  }
  return total
}
