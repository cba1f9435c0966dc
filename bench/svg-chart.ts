/**
 * An SVG chart of the bench: per throughput workload, a bar of the median ops/s with the range
 * over runs as a whisker, and p50–p99 latency beside it. Both axes are logarithmic: the rows
 * span native SQLite (10^5/s) to one-client cluster writes (10^2/s). Dependency-free on purpose.
 */
import type { Summary } from './aggregate.ts'
import type { System } from './row.ts'

const COLORS: Record<System, string> = {
  'raftlite 1 node': '#2b6cb0',
  'raftlite 3 nodes': '#c05621',
  'etcd 3 members': '#2f855a',
  'dqlite 3 nodes': '#6b46c1',
  'native SQLite': '#4a5568',
  'trivial Node HTTP': '#a0aec0',
}

export const escapeXml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!)

/** A log10 axis over whole decades covering the values. */
function logAxis(values: number[], x0: number, width: number) {
  const pos = values.filter((v) => v > 0)
  if (pos.length === 0) pos.push(1, 10)
  const lo = Math.floor(Math.log10(Math.min(...pos)))
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...pos))))
  const x = (v: number) => x0 + ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo)) * width
  const ticks = Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i))
  return { x, ticks }
}

const fmt = (v: number) => v >= 1e6 ? `${(v / 1e6).toFixed(v >= 1e7 ? 0 : 1)}M` : (v >= 1000 ? `${(v / 1000).toFixed(v >= 10_000 ? 0 : 1)}k` : v >= 10 ? v.toFixed(0) : v.toFixed(1))

export function renderChart(rows: Summary[], title: string): string {
  const data = rows.filter((r) => r.unit === undefined && r.value > 0)
  const label = (r: Summary) => `${r.system}${r.runtime && r.runtime !== 'node' ? ` (${r.runtime})` : ''}: ${r.workload}${r.clients ? `, ${r.clients} cl.` : ''}`
  const LABEL_W = 430
  const TP_W = 300
  const LAT_W = 240
  const GAP = 60
  const ROW_H = 20
  const TOP = 70
  const width = LABEL_W + TP_W + GAP + LAT_W + 20
  const height = TOP + data.length * ROW_H + 40
  const tp = logAxis(data.flatMap((r) => [r.min, r.max]), LABEL_W, TP_W)
  const latX0 = LABEL_W + TP_W + GAP
  const lat = logAxis(data.flatMap((r) => [r.p50Ms ?? 0, r.p99Ms ?? 0]), latX0, LAT_W)
  const out: string[] = []
  const t = (x: number, y: number, s: string, extra = '') => out.push(`<text x="${x.toFixed(1)}" y="${y.toFixed(1)}"${extra}>${escapeXml(s)}</text>`)
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`)
  out.push(`<rect width="${width}" height="${height}" fill="white"/>`)
  t(10, 18, title, ' font-size="14" font-weight="bold"')
  let lx = 10
  for (const [system, color] of Object.entries(COLORS)) {
    if (!data.some((r) => r.system === system)) continue
    out.push(`<rect x="${lx}" y="28" width="10" height="10" fill="${color}"/>`)
    t(lx + 14, 37, system)
    lx += 24 + system.length * 6.2
  }
  t(LABEL_W, TOP - 12, 'ops/s: median, whisker = range over runs', ' font-weight="bold"')
  t(latX0, TOP - 12, 'latency ms: dot p50, bar to p99', ' font-weight="bold"')
  const axisY = TOP + data.length * ROW_H
  for (const [axis, ticks] of [[tp.x, tp.ticks], [lat.x, lat.ticks]] as const) {
    for (const v of ticks) {
      const x = axis(v)
      out.push(`<line x1="${x.toFixed(1)}" y1="${TOP - 4}" x2="${x.toFixed(1)}" y2="${axisY}" stroke="#e2e8f0"/>`)
      t(x - 8, axisY + 14, fmt(v))
    }
  }
  data.forEach((r, i) => {
    const y = TOP + i * ROW_H
    const mid = y + ROW_H / 2
    const color = COLORS[r.system]
    t(LABEL_W - 6, mid + 4, label(r), ' text-anchor="end"')
    const x0 = tp.x(tp.ticks[0])
    out.push(`<rect x="${x0.toFixed(1)}" y="${y + 3}" width="${Math.max(1, tp.x(r.value) - x0).toFixed(1)}" height="${ROW_H - 6}" fill="${color}"/>`)
    if (r.max > r.min) out.push(`<line x1="${tp.x(r.min).toFixed(1)}" y1="${mid}" x2="${tp.x(r.max).toFixed(1)}" y2="${mid}" stroke="black" stroke-width="1.5"/>`)
    t(tp.x(r.max) + 4, mid + 4, fmt(r.value))
    if (r.p50Ms !== undefined && r.p99Ms !== undefined) {
      out.push(`<line x1="${lat.x(r.p50Ms).toFixed(1)}" y1="${mid}" x2="${lat.x(r.p99Ms).toFixed(1)}" y2="${mid}" stroke="${color}" stroke-width="4"/>`)
      out.push(`<circle cx="${lat.x(r.p50Ms).toFixed(1)}" cy="${mid}" r="4" fill="${color}" stroke="black"/>`)
    }
  })
  out.push('</svg>')
  return out.join('\n') + '\n'
}
