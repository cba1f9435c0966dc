/**
 * A small metrics registry: counters, gauges read when collected, and histograms, each with
 * labels. Writers (`prometheus-text.ts`, `otlp-json.ts`) turn one `collect()` into their format.
 * prom-client was not used: it imports `node:*` modules, and src/ runs on every runtime.
 */
export type Labels = Readonly<Record<string, string>>

export type MetricType = 'counter' | 'gauge' | 'histogram'

export interface Sample {
  labels: Labels
  value: number
}

export interface HistogramSample {
  labels: Labels
  /** Upper bounds of the buckets, ascending, without +Inf. */
  bounds: readonly number[]
  /** Observations per bucket (not cumulative); one more than `bounds`, the last for +Inf. */
  counts: readonly number[]
  sum: number
  count: number
}

export type MetricFamily =
  | { name: string; help: string; unit?: string; type: 'counter' | 'gauge'; samples: Sample[] }
  | { name: string; help: string; unit?: string; type: 'histogram'; samples: HistogramSample[] }

export interface Counter {
  inc(labels?: Labels, n?: number): void
  /** The series of one label set, resolved once: for hot paths, no key built per call. */
  labels(labels: Labels): BoundCounter
}

export interface BoundCounter {
  inc(n?: number): void
}

export interface Histogram {
  observe(value: number, labels?: Labels): void
  /** The series of one label set, resolved once (see `Counter.labels`). */
  labels(labels: Labels): BoundHistogram
}

export interface BoundHistogram {
  observe(value: number): void
}

/** A gauge's current values, read at collection: one number, or one per label set. */
export type GaugeRead = () => number | readonly Sample[]

/** Latency buckets in seconds, from 0.5 ms to 10 s. */
export const LATENCY_BUCKETS: readonly number[] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/

interface Family {
  help: string
  unit?: string
  collect(): MetricFamily
}

export class MetricsRegistry {
  readonly #families = new Map<string, Family>()

  counter(name: string, help: string, unit?: string): Counter {
    const values = new Map<string, Sample>()
    this.#add(name, { help, unit, collect: () => ({ name, help, unit, type: 'counter', samples: [...values.values()].map((s) => ({ ...s })) }) })
    const series = (labels: Labels): Sample => {
      const key = labelKey(labels)
      let sample = values.get(key)
      if (!sample) values.set(key, (sample = { labels, value: 0 }))
      return sample
    }
    return {
      inc(labels = {}, n = 1) {
        series(labels).value += n
      },
      labels(labels) {
        const sample = series(labels)
        return { inc: (n = 1) => void (sample.value += n) }
      },
    }
  }

  gauge(name: string, help: string, read: GaugeRead, unit?: string): void {
    this.#add(name, {
      help,
      unit,
      collect: () => {
        const v = read()
        return { name, help, unit, type: 'gauge', samples: typeof v === 'number' ? [{ labels: {}, value: v }] : [...v] }
      },
    })
  }

  histogram(name: string, help: string, bounds: readonly number[] = LATENCY_BUCKETS, unit?: string): Histogram {
    const series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>()
    this.#add(name, {
      help,
      unit,
      collect: () => ({
        name, help, unit, type: 'histogram',
        samples: [...series.values()].map((s) => ({ labels: s.labels, bounds, counts: [...s.counts], sum: s.sum, count: s.count })),
      }),
    })
    const resolve = (labels: Labels) => {
      const key = labelKey(labels)
      let s = series.get(key)
      if (!s) series.set(key, (s = { labels, counts: new Array<number>(bounds.length + 1).fill(0), sum: 0, count: 0 }))
      return s
    }
    const record = (s: { counts: number[]; sum: number; count: number }, value: number) => {
      let i = 0
      while (i < bounds.length && value > bounds[i]) i++
      s.counts[i]++
      s.sum += value
      s.count++
    }
    return {
      observe(value, labels = {}) {
        record(resolve(labels), value)
      },
      labels(labels) {
        const s = resolve(labels)
        return { observe: (value) => record(s, value) }
      },
    }
  }

  /** Removes a metric (e.g. a hook whose source went away); true if it existed. */
  remove(name: string): boolean {
    return this.#families.delete(name)
  }

  has(name: string): boolean {
    return this.#families.has(name)
  }

  /** Every metric's current values. A gauge whose read throws is left out, not fatal. */
  collect(): MetricFamily[] {
    const out: MetricFamily[] = []
    for (const family of this.#families.values()) {
      try {
        out.push(family.collect())
      } catch {
        // A gauge reading a part that is stopping: skip it this time.
      }
    }
    return out
  }

  #add(name: string, family: Family): void {
    if (!NAME.test(name)) throw new Error(`invalid metric name ${JSON.stringify(name)}`)
    if (this.#families.has(name)) throw new Error(`metric ${name} is already registered`)
    this.#families.set(name, family)
  }
}

function labelKey(labels: Labels): string {
  let key = ''
  for (const k in labels) key += `${k}\u0000${labels[k]}\u0001`
  return key
}
