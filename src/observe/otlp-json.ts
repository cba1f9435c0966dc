/**
 * OTLP/HTTP JSON: one `ExportMetricsServiceRequest` from a collection of metrics. Follows the
 * protobuf JSON mapping OTLP specifies: 64-bit integers as strings, enums as numbers, lowerCamel
 * field names. Counters and histograms are cumulative (temporality 2) since `startTimeMs`.
 */
import type { Labels, MetricFamily } from './metrics.ts'

export const AGGREGATION_TEMPORALITY_CUMULATIVE = 2

export interface OtlpResource {
  /** e.g. `{ 'service.name': 'raftlite', 'service.instance.id': 'node-1' }`. */
  attributes: Readonly<Record<string, string>>
}

export interface OtlpScope {
  name: string
  version: string
}

type KeyValue = { key: string; value: { stringValue: string } }

export function otlpMetricsRequest(families: readonly MetricFamily[], resource: OtlpResource, scope: OtlpScope, startTimeMs: number, nowMs: number): unknown {
  const start = nanos(startTimeMs)
  const time = nanos(nowMs)
  const metrics = families.map((f) => {
    const base = { name: f.name, description: f.help, unit: f.unit ?? '' }
    switch (f.type) {
      case 'counter':
        return {
          ...base,
          sum: {
            dataPoints: f.samples.map((s) => ({ attributes: attributes(s.labels), startTimeUnixNano: start, timeUnixNano: time, asDouble: s.value })),
            aggregationTemporality: AGGREGATION_TEMPORALITY_CUMULATIVE,
            isMonotonic: true,
          },
        }
      case 'gauge':
        return { ...base, gauge: { dataPoints: f.samples.map((s) => ({ attributes: attributes(s.labels), timeUnixNano: time, asDouble: s.value })) } }
      case 'histogram':
        return {
          ...base,
          histogram: {
            dataPoints: f.samples.map((s) => ({
              attributes: attributes(s.labels),
              startTimeUnixNano: start,
              timeUnixNano: time,
              count: String(s.count),
              sum: s.sum,
              bucketCounts: s.counts.map(String),
              explicitBounds: [...s.bounds],
            })),
            aggregationTemporality: AGGREGATION_TEMPORALITY_CUMULATIVE,
          },
        }
    }
  })
  return {
    resourceMetrics: [{ resource: { attributes: attributes(resource.attributes) }, scopeMetrics: [{ scope, metrics }] }],
  }
}

function attributes(labels: Labels): KeyValue[] {
  return Object.entries(labels).map(([key, v]) => ({ key, value: { stringValue: v } }))
}

/** Milliseconds (possibly fractional) to a decimal string of nanoseconds, exactly. */
function nanos(ms: number): string {
  return (BigInt(Math.floor(ms)) * 1_000_000n + BigInt(Math.round((ms % 1) * 1e6))).toString()
}
