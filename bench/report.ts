/** The bench's outputs: a terminal table, a Markdown table for docs/performance.md. */
import type { Summary } from './aggregate.ts'
import type { RatioResult } from './targets.ts'

const num = (v: number | undefined, unit?: string) => {
  if (v === undefined) return ''
  if (unit === 's') return v.toFixed(2)
  return v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)
}

export function summaryCells(rows: Summary[]): string[][] {
  const header = ['system', 'workload', 'runtime', 'clients', 'median', 'range', 'unit', 'p50 ms', 'p99 ms', 'max ms', 'errors', 'note']
  return [
    header,
    ...rows.map((r) => [
      r.system, r.workload, r.runtime ?? '', r.clients ? String(r.clients) : '', num(r.value, r.unit),
      r.runs > 1 ? `${num(r.min, r.unit)}–${num(r.max, r.unit)}` : '', r.unit ?? 'ops/s',
      num(r.p50Ms), num(r.p99Ms), num(r.maxMs), r.errors === undefined ? '' : String(r.errors), r.note ?? '',
    ]),
  ]
}

export function ratioCells(ratios: RatioResult[]): string[][] {
  return [
    ['comparison', 'median', 'range', 'target', 'met'],
    ...ratios.map((r) => [r.name, r.median.toFixed(2), r.runs > 1 ? `${r.min.toFixed(2)}–${r.max.toFixed(2)}` : '', r.target ?? '', r.met === undefined ? '' : r.met ? 'yes' : 'no']),
  ]
}

export function textTable(cells: string[][]): string {
  const widths = cells[0].map((_, i) => Math.max(...cells.map((l) => l[i].length)))
  const numeric = (i: number) => cells.slice(1).every((l) => l[i] === '' || /^[\d.–-]+$/.test(l[i]))
  const fmt = (l: string[]) => l.map((c, i) => (numeric(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd()
  return [fmt(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(fmt)].join('\n')
}

export function markdownTable(cells: string[][]): string {
  const line = (l: string[]) => `| ${l.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`
  return [line(cells[0]), line(cells[0].map(() => '---')), ...cells.slice(1).map(line)].join('\n')
}
