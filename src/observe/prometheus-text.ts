/** Prometheus text exposition format 0.0.4 (what `/metrics` serves). */
import type { Labels, MetricFamily } from './metrics.ts'

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

export function prometheusText(families: readonly MetricFamily[]): string {
  const lines: string[] = []
  for (const f of families) {
    lines.push(`# HELP ${f.name} ${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`)
    lines.push(`# TYPE ${f.name} ${f.type}`)
    if (f.type === 'histogram') {
      for (const s of f.samples) {
        let cumulative = 0
        s.bounds.forEach((bound, i) => {
          cumulative += s.counts[i]
          lines.push(`${f.name}_bucket${labelText(s.labels, ['le', formatNumber(bound)])} ${cumulative}`)
        })
        lines.push(`${f.name}_bucket${labelText(s.labels, ['le', '+Inf'])} ${s.count}`)
        lines.push(`${f.name}_sum${labelText(s.labels)} ${formatNumber(s.sum)}`)
        lines.push(`${f.name}_count${labelText(s.labels)} ${s.count}`)
      }
    } else {
      for (const s of f.samples) lines.push(`${f.name}${labelText(s.labels)} ${formatNumber(s.value)}`)
    }
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : ''
}

function labelText(labels: Labels, extra?: [string, string]): string {
  const pairs = Object.entries(labels)
  if (extra) pairs.push(extra)
  if (pairs.length === 0) return ''
  return `{${pairs.map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}`
}

function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN'
  if (n === Infinity) return '+Inf'
  if (n === -Infinity) return '-Inf'
  return String(n)
}
