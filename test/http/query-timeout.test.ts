// The node-wide default query timeout (-db-query-timeout) and db_timeout overriding it.
import { afterAll, beforeAll, expect, test } from 'vitest'
import { createApi } from '../../src/http/create-api.ts'
import { RaftliteNode } from '../../src/node/raftlite-node.ts'
import { platformWith } from '../../src/node/platform.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'
import { serveHttp, type Served } from '../../runtimes/node/serve.ts'

let node: RaftliteNode
let served: Served
const endless = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c'
const bounded = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 3000000) SELECT count(*) FROM c'

beforeAll(async () => {
  node = await RaftliteNode.start({ dataDir: '/data', dbQueryTimeoutMs: 300 }, platformWith(new MemoryFilePort()))
  await node.ready
  served = await serveHttp(createApi(node), '127.0.0.1:0')
})

afterAll(async () => {
  await served.close()
  await node.stop()
})

const get = async (query: string) => (await fetch(`http://127.0.0.1:${served.port}/db/query?${query}`)).text()

test('an endless query without db_timeout ends at the default with query timeout', async () => {
  expect(await get(`q=${encodeURIComponent(endless)}`)).toBe('{"results":[{"error":"query timeout"}]}')
  // Every read level that runs locally or through the log is bounded alike.
  for (const level of ['none', 'weak', 'linearizable', 'strong']) {
    expect(await get(`level=${level}&q=${encodeURIComponent(endless)}`), level).toBe('{"results":[{"error":"query timeout"}]}')
  }
  const unified = await fetch(`http://127.0.0.1:${served.port}/db/request`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify([endless]) })
  expect(await unified.text()).toBe('{"results":[{"error":"query timeout"}]}')
})

test('db_timeout overrides the default both ways', async () => {
  // Some 50 million VM steps: well over the 300 ms default on any machine this runs on.
  expect(await get(`db_timeout=120s&q=${encodeURIComponent(bounded)}`)).toBe('{"results":[{"columns":["count(*)"],"types":["integer"],"values":[[3000000]]}]}')
  expect(await get(`q=${encodeURIComponent(bounded)}`)).toBe('{"results":[{"error":"query timeout"}]}')
  expect(await get(`db_timeout=1ms&q=${encodeURIComponent(endless)}`)).toBe('{"results":[{"error":"query timeout"}]}')
})
