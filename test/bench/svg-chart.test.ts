import { describe, expect, it } from 'vitest'
import { renderChart } from '../../bench/svg-chart.ts'
import type { Summary } from '../../bench/aggregate.ts'

const row = (system: Summary['system'], workload: string, value: number): Summary => ({
  system, workload, clients: 32, value, min: value * 0.9, max: value * 1.1, runs: 3, p50Ms: 1.2, p99Ms: 9.5, ops: 100,
})

describe('bench chart', () => {
  it('writes one well-formed SVG document with escaped labels', () => {
    const svg = renderChart([row('raftlite 3 nodes', 'insert <1 & 2>', 5000), row('etcd 3 members', 'put', 4400), { ...row('raftlite 1 node', 'restart', 0.4), unit: 's' }], 'a & b')
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true)
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true)
    expect(svg).toContain('insert &lt;1 &amp; 2&gt;')
    expect(svg).not.toMatch(/NaN|undefined|Infinity/)
    // Every element is self-closed or closed: equal numbers of <text> and </text>.
    expect(svg.match(/<text\b/g)?.length).toBe(svg.match(/<\/text>/g)?.length)
    expect(svg).not.toContain('restart') // only throughput rows are charted
  })
})
