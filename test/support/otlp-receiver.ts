/**
 * A stand-in OpenTelemetry collector, run as its own process: it serves OTLP/HTTP JSON at
 * `POST /v1/metrics`, checks each payload against the OTLP shape (otlp-shape.ts) and answers
 * 400 with the problems, as a collector refuses a bad export. `GET /received` lists what it
 * accepted, `GET /rejected` what it refused. Prints `listening <port>` once ready.
 * Run: node --import tsx test/support/otlp-receiver.ts [port]
 */
import { createServer } from 'node:http'
import { checkOtlpMetrics } from './otlp-shape.ts'

const received: unknown[] = []
const rejected: { problems: string[] }[] = []

const server = createServer((req, res) => {
  const reply = (status: number, body: unknown) => {
    res.writeHead(status, { 'Content-Type': 'application/json' })
    res.end(JSON.stringify(body))
  }
  if (req.method === 'GET' && req.url === '/received') return reply(200, received)
  if (req.method === 'GET' && req.url === '/rejected') return reply(200, rejected)
  if (req.method !== 'POST' || req.url !== '/v1/metrics') return reply(404, { error: 'not found' })
  if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) return reply(415, { error: 'want application/json' })
  let body = ''
  req.setEncoding('utf8')
  req.on('data', (chunk: string) => (body += chunk))
  req.on('end', () => {
    let payload: unknown
    try {
      payload = JSON.parse(body)
    } catch {
      rejected.push({ problems: ['body is not JSON'] })
      return reply(400, { error: 'body is not JSON' })
    }
    const problems = checkOtlpMetrics(payload)
    if (problems.length > 0) {
      rejected.push({ problems })
      return reply(400, { error: problems.join('; ') })
    }
    received.push(payload)
    reply(200, { partialSuccess: {} })
  })
})
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  const address = server.address()
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : 0}\n`)
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
