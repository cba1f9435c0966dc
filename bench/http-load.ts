/** A keep-alive HTTP load generator: N concurrent clients, bounded in time and count. */
import { Agent, request } from 'node:http'

export interface LoadResult {
  ops: number
  errors: number
  seconds: number
  opsPerSecond: number
  p50Ms: number
  p99Ms: number
  /** The slowest request: the longest pause a client saw. */
  maxMs: number
  /** Status and start of the first failed response, to say why in the table. */
  firstError?: string
}

export interface LoadOptions {
  clients: number
  seconds: number
  maxOps: number
  /** Builds the i-th request: method, path and body. */
  next(i: number): RequestSpec
  /** Whether a response body counts as success. */
  ok(status: number, body: string): boolean
}

export interface RequestSpec {
  method: 'GET' | 'POST' | 'PUT'
  path: string
  body?: string
}

export async function runLoad(baseUrl: string, options: LoadOptions): Promise<LoadResult> {
  const url = new URL(baseUrl)
  const agent = new Agent({ keepAlive: true, maxSockets: options.clients })
  const latencies: number[] = []
  let issued = 0
  let errors = 0
  let firstError: string | undefined
  const started = performance.now()
  const deadline = started + options.seconds * 1000
  const client = async () => {
    while (performance.now() < deadline && issued < options.maxOps) {
      const spec = options.next(issued++)
      const t0 = performance.now()
      // A refused or reset connection is a failed request, not the end of the run.
      const { status, body } = await send(agent, url, spec).catch(() => ({ status: 0, body: '' }))
      latencies.push(performance.now() - t0)
      if (!options.ok(status, body)) {
        errors++
        firstError ??= `HTTP ${status} ${body.slice(0, 120).trim()}`
      }
    }
  }
  await Promise.all(Array.from({ length: options.clients }, client))
  const seconds = (performance.now() - started) / 1000
  agent.destroy()
  latencies.sort((a, b) => a - b)
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0
  return { ops: latencies.length, errors, seconds, opsPerSecond: latencies.length / seconds, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: latencies.at(-1) ?? 0, firstError }
}

export function send(agent: Agent, url: URL, spec: RequestSpec): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { agent, host: url.hostname, port: url.port, method: spec.method, path: spec.path, headers: spec.body ? { 'Content-Type': 'application/json' } : {} },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (d: string) => (body += d))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      },
    )
    req.on('error', reject)
    req.end(spec.body)
  })
}
