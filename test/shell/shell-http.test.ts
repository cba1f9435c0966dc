// The shell's HTTP client against real HTTP servers on 127.0.0.1: leader redirects, basic auth,
// the timeout (and no failover after it: the write may have been applied), the URL prefix.
import { createServer, type Server } from 'node:http'
import { afterEach, expect, test } from 'vitest'
import { ShellHttp, TimeoutError } from '../../src/shell/shell-http.ts'

const servers: Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))))
})

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler)
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `127.0.0.1:${(server.address() as { port: number }).port}`
}

const client = (hosts: string[], extra: Partial<ConstructorParameters<typeof ShellHttp>[0]> = {}) => new ShellHttp({ scheme: 'http', hosts, prefix: '/', timeoutMs: 5_000, fetch: globalThis.fetch, ...extra })

test('a follower\'s 301 is followed to the leader, with the body sent again and credentials kept', async () => {
  const seen: string[] = []
  const leader = await serve((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization} ${body}`)
      res.end('{"results":[]}')
    })
  })
  const follower = await serve((req, res) => {
    res.writeHead(301, { Location: `http://${leader}${req.url}` })
    res.end()
  })
  const http = client([follower], { credentials: 'bob:pw' })
  const res = await http.send({ method: 'POST', path: 'db/request', query: { timings: '', level: 'strong' }, body: () => '["SELECT 1"]' })
  expect(await res.text()).toBe('{"results":[]}')
  expect(seen).toEqual([`POST /db/request?timings&level=strong Basic ${btoa('bob:pw')} ["SELECT 1"]`])
  expect(http.host).toBe(follower) // a redirect is not a failover
})

test('a redirect loop ends with a clear error', async () => {
  const loop: string = await serve((req, res) => {
    res.writeHead(301, { Location: req.url })
    res.end()
  })
  await expect(client([loop]).send({ path: 'status' })).rejects.toThrow('maximum leader redirect limit exceeded')
})

test('a node that does not answer in time is a timeout, and the request is not sent elsewhere', async () => {
  let other = 0
  const slow = await serve(() => {
    // never answers
  })
  const spare = await serve((_req, res) => {
    other++
    res.end('{}')
  })
  const http = client([slow, spare], { timeoutMs: 300 })
  const failure = http.send({ method: 'POST', path: 'db/request', body: () => '["INSERT INTO t VALUES (1)"]' })
  await expect(failure).rejects.toThrow(new TimeoutError('no answer within 0.3s (-t/--http-timeout)'))
  expect(other).toBe(0)
})

test('the prefix is part of every path', async () => {
  const seen: string[] = []
  const node = await serve((req, res) => {
    seen.push(req.url ?? '')
    res.end('{}')
  })
  await client([node], { prefix: '/rqlite/' }).send({ path: 'db/query', query: { q: 'SELECT 1' } })
  expect(seen).toEqual(['/rqlite/db/query?q=SELECT%201'])
})
