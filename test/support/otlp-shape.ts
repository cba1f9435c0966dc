/**
 * Checks an OTLP/HTTP JSON metrics export against the shape of opentelemetry-proto's
 * `ExportMetricsServiceRequest` (metrics/v1/metrics.proto, with the protobuf JSON mapping OTLP
 * requires: lowerCamelCase names, 64-bit integers as decimal strings, enums as integers).
 * Returns every problem found, each with its path; [] when the payload conforms.
 */
type Json = unknown

const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v)
const isUint64 = (v: Json) => (typeof v === 'string' && /^\d+$/.test(v)) || (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0)

export function checkOtlpMetrics(payload: Json): string[] {
  const problems: string[] = []
  const fail = (path: string, what: string) => problems.push(`${path}: ${what}`)
  const known = (path: string, o: Record<string, Json>, fields: string[]) => {
    for (const k of Object.keys(o)) if (!fields.includes(k)) fail(`${path}.${k}`, 'unknown field')
  }
  const anyValue = (path: string, v: Json) => {
    if (!isObject(v)) return fail(path, 'AnyValue must be an object')
    const kinds = Object.keys(v)
    if (kinds.length !== 1) return fail(path, 'AnyValue must hold exactly one value')
    const [kind] = kinds
    const x = v[kind]
    if (kind === 'stringValue' && typeof x !== 'string') fail(path, 'stringValue must be a string')
    else if (kind === 'boolValue' && typeof x !== 'boolean') fail(path, 'boolValue must be a boolean')
    else if (kind === 'intValue' && !(typeof x === 'string' && /^-?\d+$/.test(x))) fail(path, 'intValue must be a decimal string')
    else if (kind === 'doubleValue' && typeof x !== 'number') fail(path, 'doubleValue must be a number')
    else if (!['stringValue', 'boolValue', 'intValue', 'doubleValue', 'arrayValue', 'kvlistValue', 'bytesValue'].includes(kind)) fail(path, `unknown AnyValue kind ${kind}`)
  }
  const attributes = (path: string, v: Json) => {
    if (v === undefined) return
    if (!Array.isArray(v)) return fail(path, 'attributes must be an array')
    v.forEach((kv, i) => {
      if (!isObject(kv) || typeof kv.key !== 'string' || kv.key === '') return fail(`${path}[${i}]`, 'KeyValue needs a non-empty string key')
      known(`${path}[${i}]`, kv, ['key', 'value'])
      anyValue(`${path}[${i}].value`, kv.value)
    })
  }
  const numberPoint = (path: string, p: Json, cumulative: boolean) => {
    if (!isObject(p)) return fail(path, 'data point must be an object')
    known(path, p, ['attributes', 'startTimeUnixNano', 'timeUnixNano', 'asDouble', 'asInt', 'exemplars', 'flags'])
    attributes(`${path}.attributes`, p.attributes)
    if (!isUint64(p.timeUnixNano) || p.timeUnixNano === '0') fail(`${path}.timeUnixNano`, 'must be a non-zero uint64')
    if (cumulative && !isUint64(p.startTimeUnixNano)) fail(`${path}.startTimeUnixNano`, 'must be a uint64 for a cumulative sum')
    const hasDouble = typeof p.asDouble === 'number'
    const hasInt = typeof p.asInt === 'string' && /^-?\d+$/.test(p.asInt)
    if (hasDouble === hasInt) fail(path, 'needs exactly one of asDouble (number) or asInt (decimal string)')
  }
  const temporality = (path: string, v: Json) => {
    if (v !== 1 && v !== 2) fail(path, 'aggregationTemporality must be 1 (delta) or 2 (cumulative)')
  }

  if (!isObject(payload)) return ['$: must be an object']
  known('$', payload, ['resourceMetrics'])
  if (!Array.isArray(payload.resourceMetrics) || payload.resourceMetrics.length === 0) return [...problems, '$.resourceMetrics: must be a non-empty array']
  payload.resourceMetrics.forEach((rm, r) => {
    const rp = `$.resourceMetrics[${r}]`
    if (!isObject(rm)) return fail(rp, 'must be an object')
    known(rp, rm, ['resource', 'scopeMetrics', 'schemaUrl'])
    if (!isObject(rm.resource)) fail(`${rp}.resource`, 'must be an object')
    else attributes(`${rp}.resource.attributes`, rm.resource.attributes)
    if (!Array.isArray(rm.scopeMetrics)) return fail(`${rp}.scopeMetrics`, 'must be an array')
    rm.scopeMetrics.forEach((sm, s) => {
      const sp = `${rp}.scopeMetrics[${s}]`
      if (!isObject(sm)) return fail(sp, 'must be an object')
      known(sp, sm, ['scope', 'metrics', 'schemaUrl'])
      if (sm.scope !== undefined && (!isObject(sm.scope) || typeof sm.scope.name !== 'string')) fail(`${sp}.scope`, 'must be {name, version?}')
      if (!Array.isArray(sm.metrics)) return fail(`${sp}.metrics`, 'must be an array')
      sm.metrics.forEach((m, i) => {
        const mp = `${sp}.metrics[${i}]`
        if (!isObject(m)) return fail(mp, 'must be an object')
        known(mp, m, ['name', 'description', 'unit', 'gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary', 'metadata'])
        if (typeof m.name !== 'string' || m.name === '') fail(`${mp}.name`, 'must be a non-empty string')
        const kinds = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'].filter((k) => m[k] !== undefined)
        if (kinds.length !== 1) return fail(mp, `must hold exactly one data kind, has ${kinds.length}`)
        const data = m[kinds[0]]
        if (!isObject(data) || !Array.isArray(data.dataPoints)) return fail(`${mp}.${kinds[0]}`, 'must have a dataPoints array')
        if (kinds[0] === 'gauge') data.dataPoints.forEach((p, j) => numberPoint(`${mp}.gauge.dataPoints[${j}]`, p, false))
        if (kinds[0] === 'sum') {
          temporality(`${mp}.sum.aggregationTemporality`, data.aggregationTemporality)
          if (typeof data.isMonotonic !== 'boolean') fail(`${mp}.sum.isMonotonic`, 'must be a boolean')
          data.dataPoints.forEach((p, j) => numberPoint(`${mp}.sum.dataPoints[${j}]`, p, data.aggregationTemporality === 2))
        }
        if (kinds[0] === 'histogram') {
          temporality(`${mp}.histogram.aggregationTemporality`, data.aggregationTemporality)
          data.dataPoints.forEach((p, j) => {
            const pp = `${mp}.histogram.dataPoints[${j}]`
            if (!isObject(p)) return fail(pp, 'must be an object')
            known(pp, p, ['attributes', 'startTimeUnixNano', 'timeUnixNano', 'count', 'sum', 'bucketCounts', 'explicitBounds', 'exemplars', 'flags', 'min', 'max'])
            attributes(`${pp}.attributes`, p.attributes)
            if (!isUint64(p.timeUnixNano)) fail(`${pp}.timeUnixNano`, 'must be a uint64')
            if (!isUint64(p.count)) return fail(`${pp}.count`, 'must be a uint64')
            const counts = p.bucketCounts
            const bounds = p.explicitBounds
            if (!Array.isArray(counts) || !counts.every(isUint64)) return fail(`${pp}.bucketCounts`, 'must be an array of uint64')
            if (!Array.isArray(bounds) || !bounds.every((b) => typeof b === 'number')) return fail(`${pp}.explicitBounds`, 'must be an array of numbers')
            if (counts.length !== bounds.length + 1) fail(`${pp}.bucketCounts`, 'must have one more entry than explicitBounds')
            if (bounds.some((b, k) => k > 0 && b <= (bounds[k - 1] as number))) fail(`${pp}.explicitBounds`, 'must be strictly ascending')
            if (counts.reduce((a: number, c) => a + Number(c), 0) !== Number(p.count)) fail(`${pp}.bucketCounts`, 'must add up to count')
          })
        }
      })
    })
  })
  return problems
}
