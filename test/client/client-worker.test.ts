// The remote client inside a Worker: `wrangler dev` (workerd, local mode) runs the smoke sequence
// (smoke-sequence.ts, the one Node, Deno and Bun run in client-runtimes.test.ts) against a real
// 3-node raftlited cluster on loopback, with a dead host first, so workerd's connection-refused
// error must be recognised as safe to fail over. The writes are then read on each node directly.
import { afterAll, beforeAll, expect, test } from 'vitest'
import { queryText, startCluster, waitFor } from '../support/cluster-processes.ts'
import { freePort } from '../support/free-port.ts'
import type { RaftlitedProcess } from '../support/raftlited-process.ts'
import { startWranglerDev, type WranglerDev } from '../support/wrangler-dev-process.ts'
import { EXPECTED_SMOKE } from './smoke-sequence.ts'

let procs: RaftlitedProcess[]
let dev: WranglerDev
let deadHost: string

beforeAll(async () => {
  deadHost = `http://127.0.0.1:${await freePort()}`
  ;[procs, dev] = await Promise.all([
    startCluster({ size: 3 }),
    startWranglerDev({ config: 'test/client/worker/wrangler.toml' }),
  ])
}, 90_000)

afterAll(async () => {
  await Promise.all([dev?.stop(), ...(procs ?? []).map((p) => p.stop())])
})

async function smokeInWorker(body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(dev.url, { method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(60_000) })
  const text = await res.text()
  try {
    return { status: res.status, json: JSON.parse(text) }
  } catch {
    throw new Error(`the Worker answered ${res.status}: ${text}\n${dev.output()}`)
  }
}

test('the remote client runs its smoke sequence in a Worker, failing over past a dead host', async () => {
  const { status, json } = await smokeInWorker({ hosts: [deadHost, ...procs.map((p) => p.url)] })
  expect(json, JSON.stringify(json)).not.toHaveProperty('error')
  expect(status).toBe(200)
  const { table, ...summary } = json
  expect(summary).toEqual(EXPECTED_SMOKE)
  expect(table).toMatch(/^smoke_[a-z0-9]+$/)

  // The Worker's writes are on every node: read each one's own copy (level none), once applied.
  for (const p of procs) {
    const rows = await waitFor(`the Worker's rows on ${p.url}`, async () => {
      const out = JSON.parse(await queryText(p.url, `SELECT name, big, hex(data) AS data FROM ${table} ORDER BY id`, '&level=none'))
      const values = out.results?.[0]?.values
      return Array.isArray(values) && values.length === 3 && values[0][0] === 'ada!' ? values : undefined
    })
    expect(rows).toEqual([['ada!', 2 ** 62, '0102FF'], ['grace', null, ''], ['queued', null, '']])
  }
}, 90_000)

test('with every host dead, the Worker\'s first write fails as "no host", not as an unknown outcome', async () => {
  const { status, json } = await smokeInWorker({ hosts: [deadHost], failoverTimeoutMs: 500 })
  expect(status).toBe(500)
  expect(json.error, JSON.stringify(json)).toBe('NoHostAvailableError')
  expect(String((json.chain as string[])[0])).toContain('nothing was applied')
}, 30_000)

test('the Worker refuses a request without hosts, with a clear message', async () => {
  const res = await fetch(dev.url, { method: 'POST', body: JSON.stringify({ hosts: 'http://127.0.0.1:1' }) })
  expect(res.status).toBe(400)
  expect(await res.text()).toBe('"hosts" must be a non-empty array of URLs')
})
