import parsePrometheusTextFormat from 'parse-prometheus-text-format'
import { describe, expect, it } from 'vitest'
import { type HistogramSample, MetricsRegistry } from '../../src/observe/metrics.ts'
import { otlpMetricsRequest } from '../../src/observe/otlp-json.ts'
import { prometheusText } from '../../src/observe/prometheus-text.ts'
import { checkOtlpMetrics } from '../support/otlp-shape.ts'

function sampleRegistry(): MetricsRegistry {
  const r = new MetricsRegistry()
  const requests = r.counter('demo_requests_total', 'Requests.\nSecond line with a \\ backslash.')
  requests.inc({ route: 'execute', status: '200' })
  requests.inc({ route: 'execute', status: '200' }, 2)
  requests.inc({ route: 'weird "quoted"\\path\n', status: '400' })
  r.gauge('demo_term', 'Term.', () => 7)
  r.gauge('demo_lag', 'Lag per follower.', () => [{ labels: { follower: 'a' }, value: 3 }, { labels: { follower: 'b' }, value: 0 }])
  const latency = r.histogram('demo_latency_seconds', 'Latency.', [0.01, 0.1, 1], 's')
  for (const v of [0.005, 0.01, 0.05, 0.5, 3]) latency.observe(v)
  return r
}

describe('MetricsRegistry', () => {
  it('counts by label set, reads gauges at collection, buckets histograms by upper bound (inclusive)', () => {
    const families = sampleRegistry().collect()
    const byName = new Map(families.map((f) => [f.name, f]))
    expect(byName.get('demo_requests_total')?.samples).toEqual([
      { labels: { route: 'execute', status: '200' }, value: 3 },
      { labels: { route: 'weird "quoted"\\path\n', status: '400' }, value: 1 },
    ])
    expect(byName.get('demo_lag')?.samples).toHaveLength(2)
    const h = byName.get('demo_latency_seconds')
    expect(h?.type).toBe('histogram')
    expect(h?.samples[0]).toMatchObject({ counts: [2, 1, 1, 1], count: 5 })
  })

  it('a bound label set (labels()) adds to the same series as inc/observe with those labels', () => {
    const r = new MetricsRegistry()
    const requests = r.counter('demo_requests_total', 'Requests.')
    const bound = requests.labels({ route: 'query', status: '200' })
    bound.inc()
    requests.inc({ route: 'query', status: '200' })
    bound.inc(3)
    requests.labels({ route: 'query', status: '500' }).inc()
    const latency = r.histogram('demo_latency_seconds', 'Latency.', [0.01, 0.1])
    const boundLatency = latency.labels({ route: 'query' })
    boundLatency.observe(0.05)
    latency.observe(0.5, { route: 'query' })
    const byName = new Map(r.collect().map((f) => [f.name, f]))
    expect(byName.get('demo_requests_total')?.samples).toEqual([
      { labels: { route: 'query', status: '200' }, value: 5 },
      { labels: { route: 'query', status: '500' }, value: 1 },
    ])
    const [h] = byName.get('demo_latency_seconds')!.samples as HistogramSample[]
    expect(h).toMatchObject({ labels: { route: 'query' }, counts: [0, 1, 1], count: 2 })
    expect(h.sum).toBeCloseTo(0.55)
  })

  it('refuses bad and duplicate names, and skips a gauge whose read throws', () => {
    const r = new MetricsRegistry()
    expect(() => r.counter('bad-name', 'x')).toThrow('invalid metric name "bad-name"')
    r.gauge('ok', 'x', () => 1)
    expect(() => r.gauge('ok', 'x', () => 2)).toThrow('metric ok is already registered')
    r.gauge('broken', 'x', () => {
      throw new Error('database closed')
    })
    expect(r.collect().map((f) => f.name)).toEqual(['ok'])
  })
})

describe('Prometheus text format', () => {
  it('parses with a real parser: types, help, escaped labels, cumulative buckets', () => {
    const text = prometheusText(sampleRegistry().collect())
    const parsed = parsePrometheusTextFormat(text)
    const byName = new Map(parsed.map((f) => [f.name, f]))
    expect(byName.get('demo_requests_total')).toMatchObject({ type: 'COUNTER', help: 'Requests.\nSecond line with a \\ backslash.' })
    expect(byName.get('demo_requests_total')?.metrics).toEqual([
      { value: '3', labels: { route: 'execute', status: '200' } },
      { value: '1', labels: { route: 'weird "quoted"\\path\n', status: '400' } },
    ])
    expect(byName.get('demo_term')?.metrics).toEqual([{ value: '7' }])
    expect(byName.get('demo_lag')?.type).toBe('GAUGE')
    expect(byName.get('demo_latency_seconds')?.type).toBe('HISTOGRAM')
    expect(byName.get('demo_latency_seconds')?.metrics[0]?.buckets).toEqual({ '0.01': '2', '0.1': '3', '1': '4', '+Inf': '5' })
    expect(text).toContain('demo_latency_seconds_count 5\n')
    expect(text).toContain('demo_latency_seconds_sum 3.565\n')
  })
})

describe('OTLP JSON', () => {
  it('matches the OTLP metrics shape: sums, gauges and histograms with string 64-bit integers', () => {
    const payload = otlpMetricsRequest(sampleRegistry().collect(), { attributes: { 'service.name': 'raftlite', 'service.instance.id': 'n1' } }, { name: 'raftlite', version: '0' }, 1_700_000_000_000.5, 1_700_000_001_000)
    expect(checkOtlpMetrics(payload)).toEqual([])
    const metrics = (payload as { resourceMetrics: { scopeMetrics: { metrics: Record<string, any>[] }[] }[] }).resourceMetrics[0].scopeMetrics[0].metrics
    const sum = metrics.find((m) => m.name === 'demo_requests_total')!
    expect(sum.sum).toMatchObject({ aggregationTemporality: 2, isMonotonic: true })
    expect(sum.sum.dataPoints[0]).toMatchObject({ startTimeUnixNano: '1700000000000500000', timeUnixNano: '1700000001000000000', asDouble: 3 })
    const histogram = metrics.find((m) => m.name === 'demo_latency_seconds')!
    expect(histogram.histogram.dataPoints[0]).toMatchObject({ count: '5', bucketCounts: ['2', '1', '1', '1'], explicitBounds: [0.01, 0.1, 1] })
    expect(histogram.unit).toBe('s')
  })

  it('the shape check catches what a collector would refuse', () => {
    expect(checkOtlpMetrics({})).toEqual(['$.resourceMetrics: must be a non-empty array'])
    const bad = {
      resourceMetrics: [{
        resource: { attributes: [{ key: 'a', value: { stringValue: 1 } }] },
        scopeMetrics: [{ metrics: [{ name: 'x', sum: { dataPoints: [{ timeUnixNano: 5, asDouble: 1 }], aggregationTemporality: 'CUMULATIVE', isMonotonic: true } }, { name: 'h', histogram: { aggregationTemporality: 2, dataPoints: [{ timeUnixNano: '1', count: '2', bucketCounts: ['1'], explicitBounds: [1] }] } }] }],
      }],
    }
    expect(checkOtlpMetrics(bad)).toEqual([
      '$.resourceMetrics[0].resource.attributes[0].value: stringValue must be a string',
      '$.resourceMetrics[0].scopeMetrics[0].metrics[0].sum.aggregationTemporality: aggregationTemporality must be 1 (delta) or 2 (cumulative)',
      '$.resourceMetrics[0].scopeMetrics[0].metrics[1].histogram.dataPoints[0].bucketCounts: must have one more entry than explicitBounds',
      '$.resourceMetrics[0].scopeMetrics[0].metrics[1].histogram.dataPoints[0].bucketCounts: must add up to count',
    ])
  })
})
