/** Combines repeated runs: the median of each row with its range, and ratios to the peers. */
import { type Row, rowKey } from './row.ts'

export interface Summary extends Row {
  /** Lowest and highest `value` over the runs. */
  min: number
  max: number
  runs: number
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

const medianOf = (rows: Row[], f: (r: Row) => number | undefined) => {
  const xs = rows.map(f).filter((x): x is number => x !== undefined)
  return xs.length ? median(xs) : undefined
}

export function summarize(runs: Row[][]): Summary[] {
  const byKey = new Map<string, Row[]>()
  for (const run of runs) for (const r of run) byKey.set(rowKey(r), [...(byKey.get(rowKey(r)) ?? []), r])
  return [...byKey.values()].map((rs) => {
    const values = rs.map((r) => r.value)
    return {
      ...rs[0],
      value: median(values),
      min: Math.min(...values),
      max: Math.max(...values),
      runs: rs.length,
      p50Ms: medianOf(rs, (r) => r.p50Ms),
      p99Ms: medianOf(rs, (r) => r.p99Ms),
      maxMs: medianOf(rs, (r) => r.maxMs),
      ops: Math.round(median(rs.map((r) => r.ops))),
      errors: rs.some((r) => r.errors !== undefined) ? rs.reduce((n, r) => n + (r.errors ?? 0), 0) : undefined,
      note: rs.map((r) => r.note).find(Boolean),
    }
  })
}
