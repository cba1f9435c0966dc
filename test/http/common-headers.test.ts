// Every response of the API carries rqlite's version and CORS headers, whichever way it was
// made: data responses are born with them, the others get them on the way out.
import { afterAll, beforeAll, expect, test } from 'vitest'
import { createApi } from '../../src/http/create-api.ts'
import { RaftliteNode } from '../../src/node/raftlite-node.ts'
import { platformWith } from '../../src/node/platform.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'
import { serveHttp, type Served } from '../../runtimes/node/serve.ts'

let node: RaftliteNode
let served: Served

beforeAll(async () => {
  node = await RaftliteNode.start({ dataDir: '/data', httpAllowOrigin: 'https://example.com' }, platformWith(new MemoryFilePort()))
  await node.ready
  served = await serveHttp(createApi(node), '127.0.0.1:0')
})

afterAll(async () => {
  await served.close()
  await node.stop()
})

const requests: [string, RequestInit][] = [
  ['/db/query?q=SELECT%201&level=none', {}],
  ['/db/execute', { method: 'POST', body: '["CREATE TABLE IF NOT EXISTS t (v)"]' }],
  ['/db/request', { method: 'POST', body: '["SELECT 1"]' }],
  ['/db/query?q=SELECT%201&timeout=x', {}], // a 400
  ['/db/execute', {}], // a 405
  ['/status', {}],
  ['/nope', {}], // a 404
  ['/db/query', { method: 'OPTIONS' }],
]

test.each(requests)('%s carries the version and CORS headers', async (path, init) => {
  const res = await fetch(`http://127.0.0.1:${served.port}${path}`, init)
  await res.arrayBuffer()
  expect(res.headers.get('x-rqlite-version')).toMatch(/^v\d/)
  expect(res.headers.get('access-control-allow-methods')).toBe('OPTIONS, GET, POST')
  expect(res.headers.get('access-control-allow-headers')).toBe('Content-Type')
  expect(res.headers.get('access-control-allow-origin')).toBe('https://example.com')
})
